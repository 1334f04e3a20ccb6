//! What skopeo (Go's crypto/tls and x509, the reference for every registry client) makes of
//! each kind of registry certificate, given the registry's certs.d folder. The product must
//! agree with it, so these tests pin Go's verdicts.

use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::tls::{CertKind, KeyAlgorithm};
use std::path::Path;
use std::process::Command;

/// `skopeo list-tags` of `repo` with the trust (and client certificate) in `certs`.
fn list_tags(registry: &Registry, certs: &Path, repo: &str) -> Result<String, String> {
    let output = Command::new("skopeo")
        .arg("list-tags")
        .arg("--cert-dir")
        .arg(certs)
        .arg(format!("docker://{}/{repo}", registry.host()))
        .output()
        .expect("run skopeo");
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    if output.status.success() { Ok(text(output.stdout)) } else { Err(text(output.stderr)) }
}

fn tls_registry(certificate: CertKind, client_certificates: bool) -> Registry {
    Registry::start(RegistryConfig { tls: true, certificate, client_certificates, ..RegistryConfig::default() })
}

#[test]
fn skopeo_pushes_to_and_reads_from_registries_with_trusted_certificates() {
    let image = Image::build("testbed/trust");
    for kind in [CertKind::CaSigned, CertKind::SelfSignedCa, CertKind::SelfSignedLeaf, CertKind::Intermediate] {
        let registry = tls_registry(kind, false);
        image.push(&registry, "testbed/trust", "v1", Copy::All);
        let tags = list_tags(&registry, &registry.cert_dir(), "testbed/trust");
        assert!(tags.as_ref().is_ok_and(|tags| tags.contains("\"v1\"")), "{kind:?}: {tags:?}");
    }
}

#[test]
fn skopeo_refuses_broken_certificates() {
    for kind in [CertKind::Expired, CertKind::NotYetValid, CertKind::OtherName] {
        let registry = tls_registry(kind, false);
        let error = list_tags(&registry, &registry.cert_dir(), "testbed/trust").expect_err("refused");
        eprintln!("{kind:?}: {error}");
        assert!(error.contains("x509: "), "{kind:?}: {error}");
    }
}

#[test]
fn a_registry_requiring_client_certificates_takes_those_its_client_ca_signed() {
    let registry = tls_registry(CertKind::CaSigned, true);
    let image = Image::build("testbed/mutual");
    image.push(&registry, "testbed/mutual", "v1", Copy::All);
    assert!(list_tags(&registry, &registry.cert_dir(), "testbed/mutual").is_ok());
    let client = registry.client_files().expect("client files");
    assert!(std::fs::read_to_string(&client.key).unwrap().starts_with("-----BEGIN RSA PRIVATE KEY-----"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(registry.ca_file().unwrap(), dir.path().join("ca.crt")).unwrap();
    let error = list_tags(&registry, dir.path(), "testbed/mutual").expect_err("no client certificate");
    eprintln!("without a client certificate: {error}");
    assert!(error.contains("tls: "), "{error}");

    let ec = registry.client_ca().expect("client CA").client(dir.path(), "essregistry-ec", KeyAlgorithm::Ec);
    std::fs::copy(&ec.cert, dir.path().join("client.cert")).unwrap();
    std::fs::copy(&ec.key, dir.path().join("client.key")).unwrap();
    let tags = list_tags(&registry, dir.path(), "testbed/mutual");
    assert!(tags.is_ok(), "an EC client key: {tags:?}");
}
