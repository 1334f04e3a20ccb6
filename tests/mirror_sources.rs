//! Sources are reached as the local registry is, and as skopeo reaches them: an upstream (or an
//! internal mirror) with a private CA is refused until its certs.d folder holds the CA, and then
//! both skopeo and the plugin copy from it; one that needs a login is read with the Docker config.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, FamilySpec, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Entry, images_digests};
use std::path::Path;
use std::process::Command;
use support::{Plugin, strs};

fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

#[test]
fn a_tls_source_is_trusted_through_its_certs_d_folder_as_skopeo_trusts_it() {
    let upstream = Registry::start(RegistryConfig { tls: true, ..RegistryConfig::default() });
    let family = Family::build("tls-source", &FamilySpec::small(1));
    let member = &family.members[0];
    member.push(&upstream, "ghcr.io/element-hq/synapse", "v1");
    let entry = Entry {
        component: "synapse".into(),
        sub: "synapse".into(),
        server: "ghcr.io".into(),
        path: "element-hq/synapse".into(),
        tag: "v1".into(),
        digest: member.digest.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, images_digests(std::slice::from_ref(&entry))).unwrap();
    let target = Registry::start(RegistryConfig::default());
    let source = format!("ghcr.io=https://{}/ghcr.io", upstream.host());
    let target_host = target.host();
    let args = owned(&[
        "mirror",
        "-f",
        digests.to_str().unwrap(),
        "--registry",
        &target_host,
        "--registry-plain-http",
        "--path-prefix",
        "ess",
        "--source-mirror",
        &source,
        "-o",
        "json",
    ]);
    let from = format!("docker://{}/ghcr.io/element-hq/synapse:v1", upstream.host());
    let to = format!("docker://{}/judge/synapse:v1", target.host());

    // No trust anywhere: skopeo refuses, and so does the plugin, naming the certificate (exit 4).
    let root = tempfile::tempdir().unwrap();
    let plugin = Plugin::new().env("ESSREGISTRY_TEST_FS_ROOT", root.path().to_str().unwrap());
    let refused = plugin.run(&strs(&args));
    assert!(!skopeo_copy_status(&from, &to, &[&format!("--src-cert-dir={}", root.path().display())]));
    assert_eq!(refused.code, 4, "{}\n{}", refused.stdout, refused.stderr);
    let report = refused.json();
    let reason = report["images"][0]["reason"].as_str().unwrap();
    assert!(reason.contains(&upstream.host()) && reason.contains("certificate"), "{reason}");

    // The CA in /etc/containers/certs.d/HOST:PORT (under the test-only root): both copy.
    let certs_d = root.path().join("etc/containers/certs.d").join(upstream.host());
    copy_dir(&upstream.cert_dir(), &certs_d);
    assert!(skopeo_copy_status(&from, &to, &[&format!("--src-cert-dir={}", certs_d.display())]));
    let copied = plugin.run(&strs(&args));
    assert_eq!(copied.code, 0, "{}\n{}", copied.stdout, copied.stderr);
    let raw = bundles::registry_raw(&target, "ess/element-hq/synapse:v1").unwrap();
    assert_eq!(sha256(&raw), member.digest);
}

/// skopeo's verdict: whether `skopeo copy --all --preserve-digests` gets through with `extra`.
fn skopeo_copy_status(from: &str, to: &str, extra: &[&str]) -> bool {
    let output = Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false"])
        .args(extra)
        .args([from, to])
        .output()
        .expect("run skopeo");
    output.status.success()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
}

#[test]
fn a_source_that_needs_a_login_is_read_with_the_docker_config_s_credentials() {
    let upstream = Registry::start(RegistryConfig {
        basic_auth: Some(("puller".into(), "s3cret-pull".into())),
        ..RegistryConfig::default()
    });
    let family = Family::build("login-source", &FamilySpec::small(1));
    let member = &family.members[0];
    member.push(&upstream, "gitlab-registry.matrix.org/ems/pipe", "v2");
    let entry = Entry {
        component: "pipe".into(),
        sub: "pipe".into(),
        server: "gitlab-registry.matrix.org".into(),
        path: "ems/pipe".into(),
        tag: "v2".into(),
        digest: member.digest.clone(),
    };
    let dir = tempfile::tempdir().unwrap();
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, images_digests(&[entry])).unwrap();
    let target = Registry::start(RegistryConfig::default());
    let source = format!("gitlab-registry.matrix.org=http://{}/gitlab-registry.matrix.org", upstream.host());
    let target_host = target.host();
    let args = owned(&[
        "mirror",
        "-f",
        digests.to_str().unwrap(),
        "--registry",
        &target_host,
        "--registry-plain-http",
        "--source-mirror",
        &source,
        "-o",
        "json",
    ]);

    // No Docker config: the source refuses (exit 3), and the password never shows.
    let empty = tempfile::tempdir().unwrap();
    let refused = Plugin::new().env("DOCKER_CONFIG", empty.path().to_str().unwrap()).run(&strs(&args));
    assert_eq!(refused.code, 3, "{}\n{}", refused.stdout, refused.stderr);

    // `docker login` of the mirror host: the copy goes through, and the password never shows.
    let config = tempfile::tempdir().unwrap();
    let json = essregistry_testbed::docker_config(&upstream.host(), "puller", "s3cret-pull");
    std::fs::write(config.path().join("config.json"), json).unwrap();
    let copied = Plugin::new().env("DOCKER_CONFIG", config.path().to_str().unwrap()).run(&strs(&args));
    assert_eq!(copied.code, 0, "{}\n{}", copied.stdout, copied.stderr);
    assert!(!format!("{}{}{}", copied.stdout, copied.stderr, refused.stderr).contains("s3cret-pull"));
    let raw = bundles::registry_raw(&target, "ems/pipe:v2").unwrap();
    assert_eq!(sha256(&raw), member.digest);
}
