//! The Kubernetes API's TLS, judged by kubectl: for every kind of server certificate and
//! every TLS field of a kubeconfig that kubectl honours, `kubectl get ns` and the plugin, given
//! the same kubeconfig, agree.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role, ServerTls};
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::tls::{CertKind, KeyAlgorithm};
use std::path::{Path, PathBuf};
use support::{Plugin, Run};

/// `status` reads the cluster first; with no registry to check it needs nothing else.
fn status(kubeconfig: &Path) -> Run {
    Plugin::new().run(&["status", "--kubeconfig", kubeconfig.to_str().unwrap(), "--no-secret", "-o", "json"])
}

/// Whether the plugin reached the API: exit 5 is a cluster that could not be used.
fn plugin_connects(kubeconfig: &Path) -> (bool, Run) {
    let run = status(kubeconfig);
    (run.code != 5, run)
}

fn kubectl_connects(kubeconfig: &Path) -> (bool, String) {
    let (code, _, stderr) = Kubectl::with_kubeconfig(kubeconfig.to_owned()).run(&["get", "ns"], "");
    (code == 0, stderr)
}

fn server(certificate: CertKind) -> ApiServer {
    ApiServer::start_with(ServerTls { certificate, ..ServerTls::default() })
}

/// A kubeconfig for `server` with the admin token and `cluster` as the cluster entry's
/// extra lines (after `server:`).
fn kubeconfig(dir: &Path, server_url: &str, cluster: &str) -> PathBuf {
    let path = dir.join("kubeconfig");
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server_url}\n{cluster}users:\n- name: u\n  user:\n    token: essregistry-admin-token\ncontexts:\n- name: c\n  context: {{cluster: c, user: u, namespace: element-onprem}}\ncurrent-context: c\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn ca_data(file: &Path) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(file).unwrap())
}

#[test]
fn every_kind_of_server_certificate_as_kubectl_judges_it() {
    let kinds = [
        (CertKind::CaSigned, true, ""),
        (CertKind::SelfSignedCa, true, ""),
        (CertKind::SelfSignedLeaf, true, ""),
        (CertKind::Intermediate, true, ""),
        (CertKind::Expired, false, "expired on"),
        (CertKind::NotYetValid, false, "is not valid before"),
        (CertKind::OtherName, false, "the certificate is for other.example, not for 127.0.0.1"),
        (CertKind::Sha1Signed, false, "sha1WithRSAEncryption"),
    ];
    for (kind, accepted, reason) in kinds {
        let api = server(kind);
        let config = api.kubeconfig(Role::Admin);
        let (kubectl, said) = kubectl_connects(&config);
        assert_eq!(kubectl, accepted, "kubectl, {kind:?}: {said}");
        let (plugin, run) = plugin_connects(&config);
        assert_eq!(plugin, kubectl, "the plugin disagrees with kubectl on {kind:?}: {}", run.stderr);
        if !accepted {
            assert!(run.stderr.contains(reason), "{kind:?}: {}", run.stderr);
        }
    }
}

#[test]
fn certificate_authority_is_read_relative_to_its_kubeconfig_and_only_it_is_trusted() {
    let api = server(CertKind::Intermediate);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(api.trust_file(), dir.path().join("cluster-ca.pem")).unwrap();
    let config = kubeconfig(dir.path(), &api.url(), "    certificate-authority: cluster-ca.pem\n");
    assert!(kubectl_connects(&config).0);
    let (plugin, run) = plugin_connects(&config);
    assert!(plugin, "{}", run.stderr);

    // Another cluster's CA: both refuse; the plugin names the certificate's issuer and the
    // kubeconfig's trust, and does not tell the admin to pass a CA file.
    let other = server(CertKind::CaSigned);
    let wrong = kubeconfig(
        dir.path(),
        &api.url(),
        &format!("    certificate-authority-data: {}\n", ca_data(&other.trust_file())),
    );
    assert!(!kubectl_connects(&wrong).0);
    let (plugin, run) = plugin_connects(&wrong);
    assert!(!plugin);
    assert!(run.stderr.contains("is issued by CN=essregistry test intermediate CA"), "{}", run.stderr);
    assert!(run.stderr.contains("the certificate-authority of context \"c\""), "{}", run.stderr);
}

#[test]
fn tls_server_name_and_insecure_skip_tls_verify_as_kubectl_has_them() {
    let api = ApiServer::start_with(ServerTls { names: vec!["api.cluster.example".into()], ..ServerTls::default() });
    let dir = tempfile::tempdir().unwrap();
    let ca = format!("    certificate-authority-data: {}\n", ca_data(&api.trust_file()));
    let without = kubeconfig(dir.path(), &api.url(), &ca);
    assert!(!kubectl_connects(&without).0);
    let (plugin, run) = plugin_connects(&without);
    assert!(!plugin);
    assert!(run.stderr.contains("is for api.cluster.example, not for 127.0.0.1"), "{}", run.stderr);
    assert!(run.stderr.contains("tls-server-name"), "{}", run.stderr);

    let named = kubeconfig(dir.path(), &api.url(), &format!("{ca}    tls-server-name: api.cluster.example\n"));
    assert!(kubectl_connects(&named).0);
    let (plugin, run) = plugin_connects(&named);
    assert!(plugin, "{}", run.stderr);

    let insecure = kubeconfig(dir.path(), &api.url(), "    insecure-skip-tls-verify: true\n");
    assert!(kubectl_connects(&insecure).0);
    let (plugin, run) = plugin_connects(&insecure);
    assert!(plugin, "{}", run.stderr);
}

#[test]
fn client_certificates_with_rsa_ec_and_pkcs8_keys_inline_or_in_files() {
    let api = ApiServer::start_with(ServerTls { client_ca: true, ..ServerTls::default() });
    let dir = tempfile::tempdir().unwrap();
    for key in [KeyAlgorithm::Rsa, KeyAlgorithm::Ec, KeyAlgorithm::Pkcs8] {
        let client = api.client_ca().unwrap().client(dir.path(), "essregistry-admin", key);
        for inline in [true, false] {
            let config = api.kubeconfig_with_client_certificate(&client, inline);
            let (kubectl, said) = kubectl_connects(&config);
            assert!(kubectl, "kubectl, {key:?}, inline {inline}: {said}");
            let (plugin, run) = plugin_connects(&config);
            assert!(plugin, "{key:?}, inline {inline}: {}", run.stderr);
            assert!(run.json()["context"].is_string(), "{}", run.stdout);
            let key_text = std::fs::read_to_string(&client.key).unwrap();
            let body = key_text.lines().nth(1).unwrap();
            assert!(!run.stderr.contains(body) && !run.stdout.contains(body), "the key never shows");
        }
    }
}
