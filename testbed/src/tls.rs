//! Server certificates of every kind administrators end up with: signed by a CA, self-signed
//! the way the mirror-registry guides make them, sent with an intermediate, and broken ones
//! (expired, not yet valid, for another name). The product must agree with Go, which judges
//! them for skopeo and kubectl. Each kind's files have names of their own, so that several
//! kinds can share a folder.

mod client;

pub use client::{ClientCa, ClientFiles, KeyAlgorithm};

use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, SanType,
};
use std::path::{Path, PathBuf};
use std::process::Command;
use time::{Duration, OffsetDateTime};

/// PEM files on disk: what clients trust, and what the server serves.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// The trust anchor users pass as CA: a CA, or the self-signed certificate itself.
    pub ca: PathBuf,
    /// The chain the server sends: its certificate first, then any intermediate.
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// How a server's certificate came to be, as the field has them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertKind {
    /// A CA and a server certificate signed by it.
    #[default]
    CaSigned,
    /// What docker's and OpenShift's mirror-registry guides tell admins to make, made by
    /// running their command: `openssl req -x509 -newkey rsa:2048 -nodes -sha256 -keyout
    /// domain.key -out domain.crt -days 365 -subj /CN=NAME -addext "subjectAltName=..."`. It
    /// carries CA:TRUE, and the file users pass as CA is the certificate itself. (The guides
    /// say rsa:4096, which takes seconds to generate and changes nothing a client checks.)
    SelfSignedCa,
    /// A self-signed server certificate with CA:FALSE, pinned as its own trust anchor.
    SelfSignedLeaf,
    /// Root CA, intermediate CA, server: the server sends its certificate followed by the
    /// intermediate, and the CA file holds the root only.
    Intermediate,
    /// CA-signed, valid from 30 days ago until a day ago.
    Expired,
    /// CA-signed, valid from a day from now.
    NotYetValid,
    /// CA-signed, but for the DNS name `other.example` only, not the names asked for.
    OtherName,
    /// CA-signed with a SHA-1 signature (`openssl x509 -req -sha1`), which Go refuses since 1.18.
    Sha1Signed,
}

impl CertKind {
    /// What this kind's files are named from. CaSigned keeps the names the testbed always used.
    fn file_prefix(self) -> &'static str {
        match self {
            CertKind::CaSigned => "",
            CertKind::SelfSignedCa => "self-signed-ca-",
            CertKind::SelfSignedLeaf => "self-signed-leaf-",
            CertKind::Intermediate => "intermediate-",
            CertKind::Expired => "expired-",
            CertKind::NotYetValid => "not-yet-valid-",
            CertKind::OtherName => "other-name-",
            CertKind::Sha1Signed => "sha1-",
        }
    }
}

/// Writes a fresh CA and a server certificate for `names` (IP addresses or DNS names) into `dir`.
pub fn issue(dir: &Path, names: &[&str]) -> TlsFiles {
    issue_kind(dir, names, CertKind::CaSigned)
}

/// Writes a server certificate of `kind` for `names` (IP addresses or DNS names), its key and
/// what clients trust into `dir`.
pub fn issue_kind(dir: &Path, names: &[&str], kind: CertKind) -> TlsFiles {
    let prefix = kind.file_prefix();
    let files = TlsFiles {
        ca: dir.join(format!("{prefix}ca.pem")),
        cert: dir.join(format!("{prefix}server.pem")),
        key: dir.join(format!("{prefix}server-key.pem")),
    };
    match kind {
        CertKind::CaSigned => ca_signed(files, server_params(names)),
        CertKind::SelfSignedCa => self_signed_by_openssl(files, names),
        CertKind::SelfSignedLeaf => self_signed_leaf(files, names),
        CertKind::Intermediate => through_intermediate(files, names),
        CertKind::Expired => ca_signed(files, valid_for_days(server_params(names), -30, -1)),
        CertKind::NotYetValid => ca_signed(files, valid_for_days(server_params(names), 1, 365)),
        CertKind::OtherName => ca_signed(files, server_params(&["other.example"])),
        CertKind::Sha1Signed => sha1_signed(files, names),
    }
}

/// `IP:127.0.0.1,DNS:localhost`, as openssl's subjectAltName takes names.
fn openssl_alt_names(names: &[&str]) -> String {
    let names: Vec<String> = names
        .iter()
        .map(|name| match name.parse::<std::net::IpAddr>() {
            Ok(_) => format!("IP:{name}"),
            Err(_) => format!("DNS:{name}"),
        })
        .collect();
    names.join(",")
}

/// A CA and a server certificate it signs with SHA-1, both by openssl (rcgen signs no SHA-1).
fn sha1_signed(files: TlsFiles, names: &[&str]) -> TlsFiles {
    let dir = files.ca.parent().expect("a folder");
    let ca_key = dir.join("sha1-ca-key.pem");
    let request = dir.join("sha1-server.csr");
    let extensions = dir.join("sha1-extensions.cnf");
    openssl(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout"])
            .arg(&ca_key)
            .arg("-out")
            .arg(&files.ca)
            .args(["-days", "30", "-subj", "/CN=essregistry test SHA-1 CA"]),
    );
    let subject = format!("/CN={}", names.first().copied().unwrap_or("localhost"));
    openssl(
        Command::new("openssl")
            .args(["req", "-newkey", "rsa:2048", "-nodes", "-keyout"])
            .arg(&files.key)
            .arg("-out")
            .arg(&request)
            .args(["-subj", &subject]),
    );
    let alt_names = openssl_alt_names(names);
    write(&extensions, &format!("subjectAltName={alt_names}\nextendedKeyUsage=serverAuth\n"));
    openssl(
        Command::new("openssl")
            .args(["x509", "-req", "-sha1", "-days", "30", "-in"])
            .arg(&request)
            .arg("-CA")
            .arg(&files.ca)
            .arg("-CAkey")
            .arg(&ca_key)
            .args(["-CAcreateserial", "-out"])
            .arg(&files.cert)
            .arg("-extfile")
            .arg(&extensions),
    );
    files
}

fn ca_signed(files: TlsFiles, params: CertificateParams) -> TlsFiles {
    let (ca, issuer) = new_ca("essregistry test CA");
    let (cert, key) = signed_server(params, &issuer);
    write(&files.ca, &ca.pem());
    write(&files.cert, &cert.pem());
    write(&files.key, &key.serialize_pem());
    files
}

/// The guides' command, run as they give it, so the certificate has exactly what openssl puts
/// in (CA:TRUE, no extended key usage, an RSA key in PKCS#8).
fn self_signed_by_openssl(files: TlsFiles, names: &[&str]) -> TlsFiles {
    let alt_names = openssl_alt_names(names);
    let subject = format!("/CN={}", names.first().copied().unwrap_or("localhost"));
    let alt_names = format!("subjectAltName={alt_names}");
    openssl(
        Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout"])
            .arg(&files.key)
            .arg("-out")
            .arg(&files.cert)
            .args(["-days", "365", "-subj", &subject, "-addext", &alt_names]),
    );
    TlsFiles { ca: files.cert.clone(), ..files }
}

fn self_signed_leaf(files: TlsFiles, names: &[&str]) -> TlsFiles {
    let key = KeyPair::generate().expect("server key");
    let mut params = server_params(names);
    params.is_ca = IsCa::ExplicitNoCa;
    let cert = params.self_signed(&key).expect("self-signed certificate");
    write(&files.cert, &cert.pem());
    write(&files.key, &key.serialize_pem());
    TlsFiles { ca: files.cert.clone(), ..files }
}

fn through_intermediate(files: TlsFiles, names: &[&str]) -> TlsFiles {
    let (root, root_issuer) = new_ca("essregistry test root CA");
    let key = KeyPair::generate().expect("intermediate key");
    let mut params = ca_params("essregistry test intermediate CA");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    let intermediate = params.signed_by(&key, &root_issuer).expect("intermediate certificate");
    let (server, key) = signed_server(server_params(names), &Issuer::new(params, key));
    write(&files.ca, &root.pem());
    write(&files.cert, &format!("{}{}", server.pem(), intermediate.pem()));
    write(&files.key, &key.serialize_pem());
    files
}

/// `params`, valid from `from` days from now until `until` days from now (negative: ago).
fn valid_for_days(mut params: CertificateParams, from: i64, until: i64) -> CertificateParams {
    let now = OffsetDateTime::now_utc();
    params.not_before = now + Duration::days(from);
    params.not_after = now + Duration::days(until);
    params
}

fn ca_params(name: &str) -> CertificateParams {
    let mut number = [0u8; 4];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut number).expect("random");
    let mut params = CertificateParams::default();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, format!("{name} {}", u32::from_be_bytes(number)));
    params
}

/// A self-signed CA, and what signs with it.
fn new_ca(name: &str) -> (Certificate, Issuer<'static, KeyPair>) {
    let key = KeyPair::generate().expect("CA key");
    let params = ca_params(name);
    let cert = params.self_signed(&key).expect("CA certificate");
    (cert, Issuer::new(params, key))
}

/// A server certificate for `names`, its common name the first of them.
fn server_params(names: &[&str]) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("localhost"));
    params.subject_alt_names = names
        .iter()
        .map(|name| match name.parse() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName((*name).try_into().expect("DNS name")),
        })
        .collect();
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params
}

fn signed_server(params: CertificateParams, issuer: &Issuer<'_, KeyPair>) -> (Certificate, KeyPair) {
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, issuer).expect("server certificate");
    (cert, key)
}

fn write(path: &Path, pem: &str) {
    std::fs::write(path, pem).unwrap_or_else(|error| panic!("write {}: {error}", path.display()));
}

/// Runs an openssl command, for what must be made the way administrators make it (and RSA keys,
/// which rcgen cannot generate with ring); returns what it printed.
fn openssl(command: &mut Command) -> String {
    let output = command.output().expect("run openssl");
    assert!(output.status.success(), "{command:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("openssl prints PEM")
}
