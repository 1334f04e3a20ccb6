//! The registry's TLS, judged by skopeo (Go's crypto/x509, as docker and containerd use it):
//! for every kind of certificate administrators end up with, skopeo given the same files and
//! the plugin agree, connecting or refusing, and the plugin's refusal names the cause.

mod support;

use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::tls::{CertKind, KeyAlgorithm};
use std::path::Path;
use std::process::Command;
use support::{Plugin, Run};

const DIGESTS: &str = "tests/fixtures/images_digests.yml";

fn tls_registry(certificate: CertKind, client_certificates: bool) -> Registry {
    Registry::start(RegistryConfig { tls: true, certificate, client_certificates, ..RegistryConfig::default() })
}

/// `plan --offline` against `registry`; the checks need a connection, nothing else.
fn plan(plugin: &Plugin, registry: &Registry, extra: &[&str]) -> Run {
    let host = registry.host();
    let mut args = vec!["plan", "--offline", "-f", DIGESTS, "--registry", &host, "-o", "json"];
    args.extend(extra);
    plugin.run(&args)
}

/// Whether the plugin got through TLS: exit 4 is an unreachable registry, 0 and 1 a plan.
fn connected(run: &Run) -> bool {
    assert!(matches!(run.code, 0 | 1 | 4), "{}", run.stderr);
    run.code != 4
}

/// skopeo's verdict with `--cert-dir DIR`: Ok once the registry answered over TLS (an empty
/// registry answers that the repository is unknown), else skopeo's error.
fn skopeo(registry: &Registry, cert_dir: &Path, env: &[(&str, &str)]) -> Result<(), String> {
    let output = Command::new("skopeo")
        .args(["list-tags", "--cert-dir"])
        .arg(cert_dir)
        .arg(format!("docker://{}/essregistry/probe", registry.host()))
        .envs(env.iter().copied())
        .output()
        .expect("run skopeo");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    if output.status.success() || stderr.contains("registry 404") || stderr.contains("NAME_UNKNOWN") {
        Ok(())
    } else {
        Err(stderr)
    }
}

fn dir_arg(dir: &Path) -> &str {
    dir.to_str().expect("UTF-8 path")
}

#[test]
fn trusted_kinds_connect_for_skopeo_and_the_plugin_alike() {
    for kind in [CertKind::CaSigned, CertKind::SelfSignedCa, CertKind::SelfSignedLeaf, CertKind::Intermediate] {
        let registry = tls_registry(kind, false);
        let cert_dir = registry.cert_dir();
        assert_eq!(skopeo(&registry, &cert_dir, &[]), Ok(()), "skopeo, {kind:?}");
        let run = plan(&Plugin::new(), &registry, &["--registry-cert-dir", dir_arg(&cert_dir)]);
        assert!(connected(&run), "{kind:?}: {}", run.stderr);
        // The same trust file given as --registry-ca-file: the mirror-registry guide's
        // `--registry-ca-file domain.crt` is the SelfSignedCa case.
        let ca = registry.ca_file().unwrap();
        let run = plan(&Plugin::new(), &registry, &["--registry-ca-file", ca.to_str().unwrap()]);
        assert!(connected(&run), "{kind:?} with --registry-ca-file: {}", run.stderr);
    }
}

#[test]
fn broken_certificates_are_refused_by_both_and_the_plugin_says_why() {
    let cases = [
        (CertKind::Expired, "expired on", "renew the server's certificate"),
        (CertKind::NotYetValid, "is not valid before", "check the clocks"),
        (CertKind::OtherName, "the certificate is for other.example, not for 127.0.0.1", "names the certificate holds"),
        (
            CertKind::Sha1Signed,
            "signed with an algorithm that is not accepted (the server's is sha1WithRSAEncryption",
            "SHA-256",
        ),
    ];
    for (kind, reason, hint) in cases {
        let registry = tls_registry(kind, false);
        let cert_dir = registry.cert_dir();
        let refused = skopeo(&registry, &cert_dir, &[]).expect_err("skopeo refuses");
        assert!(refused.contains("x509"), "{kind:?}: {refused}");
        let run = plan(&Plugin::new(), &registry, &["--registry-cert-dir", dir_arg(&cert_dir)]);
        assert!(!connected(&run), "{kind:?}");
        assert!(run.stderr.contains(reason), "{kind:?}: {}", run.stderr);
        assert!(run.stderr.contains(&format!("hint: {hint}")) || run.stderr.contains(hint), "{}", run.stderr);
        assert!(
            !run.stderr.contains("--registry-ca-file FILE"),
            "no CA advice for a CA that was given: {}",
            run.stderr
        );
    }
}

#[test]
fn an_unknown_issuer_names_the_certificate_and_the_trust_that_was_asked() {
    let registry = tls_registry(CertKind::CaSigned, false);
    let run = plan(&Plugin::new(), &registry, &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("the certificate CN=127.0.0.1 is issued by CN=essregistry test CA"), "{}", run.stderr);
    assert!(run.stderr.contains("trusted: the system trust store"), "{}", run.stderr);
    assert!(run.stderr.contains("--registry-ca-file FILE"), "{}", run.stderr);

    // A CA was given, but not the right one: say so, rather than "pass a CA".
    let other = tls_registry(CertKind::Intermediate, false);
    let wrong = other.ca_file().unwrap();
    let run = plan(&Plugin::new(), &registry, &["--registry-ca-file", wrong.to_str().unwrap()]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("--registry-ca-file {}", wrong.display())), "{}", run.stderr);
    assert!(run.stderr.contains("none of the certificates given is CN=essregistry test CA"), "{}", run.stderr);
    assert!(skopeo(&registry, other.cert_dir().as_path(), &[]).is_err(), "skopeo refuses the wrong CA too");
}

#[test]
fn mutual_tls_with_the_client_certificate_from_certs_d_or_the_flags() {
    let registry = tls_registry(CertKind::CaSigned, true);
    let cert_dir = registry.cert_dir();
    assert_eq!(skopeo(&registry, &cert_dir, &[]), Ok(()));
    let run = plan(&Plugin::new(), &registry, &["--registry-cert-dir", dir_arg(&cert_dir)]);
    assert!(connected(&run), "client.cert and client.key from the folder: {}", run.stderr);

    // The CA alone: both are refused, and the plugin says a client certificate is needed.
    let ca_only = tempfile::tempdir().unwrap();
    std::fs::copy(registry.ca_file().unwrap(), ca_only.path().join("ca.crt")).unwrap();
    assert!(skopeo(&registry, ca_only.path(), &[]).is_err());
    let run = plan(&Plugin::new(), &registry, &["--registry-cert-dir", dir_arg(ca_only.path())]);
    assert!(!connected(&run));
    assert!(run.stderr.contains("client certificate"), "{}", run.stderr);
    assert!(run.stderr.contains("--registry-client-cert"), "{}", run.stderr);

    // An EC key (SEC1, after its parameters block, as openssl writes it), given by flags.
    let ec = registry.client_ca().unwrap().client(ca_only.path(), "essregistry-ec", KeyAlgorithm::Ec);
    let run = plan(
        &Plugin::new(),
        &registry,
        &[
            "--registry-cert-dir",
            dir_arg(ca_only.path()),
            "--registry-client-cert",
            ec.cert.to_str().unwrap(),
            "--registry-client-key",
            ec.key.to_str().unwrap(),
        ],
    );
    assert!(connected(&run), "EC client key: {}", run.stderr);
    assert!(!run.stderr.contains("PRIVATE KEY"), "{}", run.stderr);
}

#[test]
fn certs_d_is_searched_where_docker_podman_and_skopeo_look() {
    let registry = tls_registry(CertKind::SelfSignedCa, true);
    let files = registry.cert_dir();
    let copy_into = |dir: &Path| {
        std::fs::create_dir_all(dir).unwrap();
        for entry in std::fs::read_dir(&files).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    };
    // /etc/docker/certs.d/HOST:PORT, under the test-only root.
    let root = tempfile::tempdir().unwrap();
    let plugin = Plugin::new().env("ESSREGISTRY_TEST_FS_ROOT", dir_arg(root.path()));
    assert!(!connected(&plan(&plugin, &registry, &[])), "nothing there yet");
    copy_into(&root.path().join("etc/docker/certs.d").join(registry.host()));
    let run = plan(&plugin, &registry, &[]);
    assert!(connected(&run), "/etc/docker/certs.d: {}", run.stderr);

    // $XDG_CONFIG_HOME/containers/certs.d, with no root override at all.
    let config_home = tempfile::tempdir().unwrap();
    copy_into(&config_home.path().join("containers/certs.d").join(registry.host()));
    let plugin = Plugin::new().env("XDG_CONFIG_HOME", dir_arg(config_home.path()));
    let run = plan(&plugin, &registry, &[]);
    assert!(connected(&run), "XDG certs.d: {}", run.stderr);

    // A folder named for another port is not this registry's.
    let elsewhere = tempfile::tempdir().unwrap();
    copy_into(&elsewhere.path().join("etc/docker/certs.d/127.0.0.1:1"));
    let plugin = Plugin::new().env("ESSREGISTRY_TEST_FS_ROOT", dir_arg(elsewhere.path()));
    assert!(!connected(&plan(&plugin, &registry, &[])));
}

#[test]
fn ssl_cert_file_replaces_the_system_store_as_for_go() {
    let registry = tls_registry(CertKind::CaSigned, false);
    let ca = registry.ca_file().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let env = [("SSL_CERT_FILE", ca.to_str().unwrap())];
    assert_eq!(skopeo(&registry, empty.path(), &env), Ok(()));
    let run = plan(&Plugin::new().env("SSL_CERT_FILE", ca.to_str().unwrap()), &registry, &[]);
    assert!(connected(&run), "{}", run.stderr);
}
