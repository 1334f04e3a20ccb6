//! Client certificates for mutual TLS: a CA that signs them, and certificates whose keys are in
//! the formats administrators have on disk, so that the product is tested on each of them.

use super::{new_ca, openssl, write};
use rcgen::{CertificateParams, DnType, ExtendedKeyUsagePurpose, Issuer, KeyPair};
use std::path::{Path, PathBuf};
use std::process::Command;

/// How a client's private key is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAlgorithm {
    /// RSA in PKCS#1 (`BEGIN RSA PRIVATE KEY`), as `openssl genrsa -traditional` writes it.
    Rsa,
    /// ECDSA P-256 in SEC1 (`BEGIN EC PRIVATE KEY`), as `openssl ecparam -genkey` writes it:
    /// after a `BEGIN EC PARAMETERS` block, which readers must skip.
    Ec,
    /// ECDSA P-256 in PKCS#8 (`BEGIN PRIVATE KEY`).
    Pkcs8,
}

impl KeyAlgorithm {
    fn file_suffix(self) -> &'static str {
        match self {
            KeyAlgorithm::Rsa => "rsa",
            KeyAlgorithm::Ec => "ec",
            KeyAlgorithm::Pkcs8 => "pkcs8",
        }
    }
}

/// A CA for client certificates. A server that trusts `ca` accepts every client it signs.
pub struct ClientCa {
    pub ca: PathBuf,
    issuer: Issuer<'static, KeyPair>,
}

/// A client certificate and its key, as PEM files.
#[derive(Debug, Clone)]
pub struct ClientFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl ClientCa {
    /// Writes a fresh CA to `client-ca.pem` in `dir`.
    pub fn new(dir: &Path) -> ClientCa {
        let (cert, issuer) = new_ca("essregistry test client CA");
        let ca = dir.join("client-ca.pem");
        write(&ca, &cert.pem());
        ClientCa { ca, issuer }
    }

    /// Writes a client certificate for `common_name` (the user it authenticates as) with a key
    /// written as `key` says, into `dir`.
    pub fn client(&self, dir: &Path, common_name: &str, key: KeyAlgorithm) -> ClientFiles {
        let stem = format!("client-{common_name}-{}", key.file_suffix());
        let files = ClientFiles { cert: dir.join(format!("{stem}.pem")), key: dir.join(format!("{stem}-key.pem")) };
        let key_pair = match key {
            KeyAlgorithm::Rsa => {
                openssl(Command::new("openssl").args(["genrsa", "-traditional", "-out"]).arg(&files.key).arg("2048"));
                in_pkcs8(&files.key)
            }
            KeyAlgorithm::Ec => {
                openssl(
                    Command::new("openssl").args(["ecparam", "-name", "prime256v1", "-genkey", "-out"]).arg(&files.key),
                );
                in_pkcs8(&files.key)
            }
            KeyAlgorithm::Pkcs8 => {
                let key_pair = KeyPair::generate().expect("client key");
                write(&files.key, &key_pair.serialize_pem());
                key_pair
            }
        };
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key_pair, &self.issuer).expect("client certificate");
        write(&files.cert, &cert.pem());
        files
    }
}

/// The key in `file`, read through openssl: rcgen with ring reads PKCS#8 only.
fn in_pkcs8(file: &Path) -> KeyPair {
    let pem = openssl(Command::new("openssl").args(["pkcs8", "-topk8", "-nocrypt", "-in"]).arg(file));
    KeyPair::from_pem(&pem).expect("a key rcgen reads")
}
