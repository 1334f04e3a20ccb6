//! The files each certificate kind and key format writes hold what their names promise, and
//! kinds sharing a folder do not overwrite each other.

use essregistry_testbed::tls::{self, CertKind, ClientCa, KeyAlgorithm};
use std::collections::HashSet;
use std::path::Path;
use x509_parser::pem::Pem;

const KINDS: [CertKind; 7] = [
    CertKind::CaSigned,
    CertKind::SelfSignedCa,
    CertKind::SelfSignedLeaf,
    CertKind::Intermediate,
    CertKind::Expired,
    CertKind::NotYetValid,
    CertKind::OtherName,
];

fn certificates(path: &Path) -> Vec<Pem> {
    let bytes = std::fs::read(path).unwrap();
    Pem::iter_from_buffer(&bytes).collect::<Result<_, _>>().unwrap()
}

/// Whether the only certificate in `path` says CA:TRUE (None: no basicConstraints).
fn is_ca(path: &Path) -> Option<bool> {
    let pem = certificates(path).remove(0);
    let cert = pem.parse_x509().unwrap();
    cert.basic_constraints().unwrap().map(|constraints| constraints.value.ca)
}

#[test]
fn every_kind_writes_what_it_says_under_names_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let issued: Vec<_> = KINDS.iter().map(|kind| (*kind, tls::issue_kind(dir.path(), &["127.0.0.1"], *kind))).collect();
    let servers: HashSet<_> = issued.iter().flat_map(|(_, files)| [files.cert.clone(), files.key.clone()]).collect();
    assert_eq!(servers.len(), 2 * KINDS.len(), "no two kinds share a file");

    for (kind, files) in &issued {
        let chain = certificates(&files.cert).len();
        assert_eq!(chain, if *kind == CertKind::Intermediate { 2 } else { 1 }, "{kind:?}");
        match kind {
            CertKind::SelfSignedCa => {
                assert_eq!(files.ca, files.cert);
                assert_eq!(is_ca(&files.cert), Some(true));
            }
            CertKind::SelfSignedLeaf => {
                assert_eq!(files.ca, files.cert);
                assert_eq!(is_ca(&files.cert), Some(false));
            }
            _ => assert_eq!(is_ca(&files.ca), Some(true), "{kind:?}"),
        }
    }
    assert_eq!(tls::issue(dir.path(), &["127.0.0.1"]).ca, dir.path().join("ca.pem"), "the first tests' names");
}

#[test]
fn client_keys_are_written_in_the_formats_openssl_writes() {
    let dir = tempfile::tempdir().unwrap();
    let ca = ClientCa::new(dir.path());
    let blocks = |key: KeyAlgorithm| {
        let files = ca.client(dir.path(), "essregistry-admin", key);
        let bytes = std::fs::read(&files.key).unwrap();
        Pem::iter_from_buffer(&bytes).map(|pem| pem.unwrap().label).collect::<Vec<_>>()
    };
    assert_eq!(blocks(KeyAlgorithm::Rsa), ["RSA PRIVATE KEY"]);
    assert_eq!(blocks(KeyAlgorithm::Ec), ["EC PARAMETERS", "EC PRIVATE KEY"]);
    assert_eq!(blocks(KeyAlgorithm::Pkcs8), ["PRIVATE KEY"]);
}
