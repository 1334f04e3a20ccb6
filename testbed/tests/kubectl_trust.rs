//! What kubectl (client-go, Go's crypto/tls) makes of each kind of API server certificate and
//! of client certificates in a kubeconfig. The product reads the same kubeconfigs, so these
//! tests pin the verdicts it must agree with.

use essregistry_testbed::apiserver::{ApiServer, Role, ServerTls};
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::tls::{CertKind, ClientCa, KeyAlgorithm};
use std::process::Command;

fn server(certificate: CertKind, client_ca: bool) -> ApiServer {
    ApiServer::start_with(ServerTls { certificate, client_ca, ..ServerTls::default() })
}

/// `kubectl get ns -o name` with `kubeconfig`: its output, or its errors.
fn get_namespaces(kubeconfig: std::path::PathBuf) -> Result<String, String> {
    let (code, stdout, stderr) = Kubectl::with_kubeconfig(kubeconfig).run(&["get", "ns", "-o", "name"], "");
    if code == 0 { Ok(stdout) } else { Err(stderr) }
}

const LISTED: &str = "namespace/element-onprem";

#[test]
fn kubectl_trusts_ca_signed_self_signed_and_chained_certificates() {
    for kind in [CertKind::CaSigned, CertKind::SelfSignedCa, CertKind::SelfSignedLeaf, CertKind::Intermediate] {
        let api = server(kind, false);
        let listed = get_namespaces(api.kubeconfig(Role::Admin));
        assert!(listed.as_ref().is_ok_and(|out| out.contains(LISTED)), "{kind:?}: {listed:?}");
    }
}

#[test]
fn kubectl_refuses_broken_certificates() {
    for kind in [CertKind::Expired, CertKind::NotYetValid, CertKind::OtherName] {
        let api = server(kind, false);
        let error = get_namespaces(api.kubeconfig(Role::Admin)).expect_err("refused");
        eprintln!("{kind:?}: {error}");
        assert!(error.contains("x509: "), "{kind:?}: {error}");
    }
}

#[test]
fn kubectl_authenticates_with_client_certificates_of_every_key_format() {
    let api = server(CertKind::CaSigned, true);
    let dir = tempfile::tempdir().unwrap();
    let ca = api.client_ca().expect("client CA");
    for key in [KeyAlgorithm::Rsa, KeyAlgorithm::Ec, KeyAlgorithm::Pkcs8] {
        let client = ca.client(dir.path(), "essregistry-admin", key);
        for inline in [true, false] {
            let listed = get_namespaces(api.kubeconfig_with_client_certificate(&client, inline));
            assert!(listed.as_ref().is_ok_and(|out| out.contains(LISTED)), "{key:?}, inline {inline}: {listed:?}");
        }
    }
    let last = api.requests().pop().expect("a request");
    assert_eq!(last.status, 200, "{last:?}");
}

#[test]
fn a_server_with_a_client_ca_still_takes_tokens_and_still_refuses_anonymous_clients() {
    let api = server(CertKind::CaSigned, true);
    assert!(get_namespaces(api.kubeconfig(Role::Admin)).is_ok_and(|out| out.contains(LISTED)));
    let error = get_namespaces(api.kubeconfig_with_unknown_token()).expect_err("401");
    assert!(error.contains("Unauthorized") || error.contains("must be logged in"), "{error}");

    // The client certificate decides the role: a read-only user cannot write.
    let dir = tempfile::tempdir().unwrap();
    let reader = api.client_ca().unwrap().client(dir.path(), "essregistry-readonly", KeyAlgorithm::Pkcs8);
    let kubectl = Kubectl::with_kubeconfig(api.kubeconfig_with_client_certificate(&reader, true));
    let (code, _, stderr) = kubectl.run(&["delete", "namespace", "element-onprem"], "");
    assert_ne!(code, 0);
    assert!(stderr.contains("User \"essregistry-readonly\" cannot"), "{stderr}");
}

#[test]
fn a_client_certificate_from_another_ca_fails_the_handshake() {
    let api = server(CertKind::CaSigned, true);
    let dir = tempfile::tempdir().unwrap();
    let stranger = ClientCa::new(dir.path()).client(dir.path(), "essregistry-admin", KeyAlgorithm::Pkcs8);
    // curl (OpenSSL) sends the certificate it is given whatever CAs the server names.
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--output", "/dev/null", "--write-out", "%{http_code}", "--cacert"])
        .arg(api.trust_file())
        .arg("--cert")
        .arg(&stranger.cert)
        .arg("--key")
        .arg(&stranger.key)
        .arg(format!("{}/api", api.url()))
        .output()
        .expect("run curl");
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("curl with a stranger's certificate: {stderr}");
    assert!(!output.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "000", "no HTTP answer");

    // client-go too sends its certificate whatever CAs the server names.
    let error = get_namespaces(api.kubeconfig_with_client_certificate(&stranger, true)).expect_err("refused");
    eprintln!("kubectl with a stranger's certificate: {error}");
    assert!(error.contains("tls: unknown certificate authority"), "{error}");
}
