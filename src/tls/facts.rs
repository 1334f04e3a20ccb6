//! What a certificate says about itself, read for messages: subject, issuer, names, dates.

use rustls::pki_types::{CertificateDer, UnixTime};
use std::time::{Duration, SystemTime};
use x509_parser::extensions::GeneralName;

/// The parts of a certificate a person needs to see why it was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// RFC 4514 form, `CN=registry.example`.
    pub subject: String,
    pub issuer: String,
    /// subjectAltName DNS names and IP addresses, in order.
    pub names: Vec<String>,
    pub not_before: UnixTime,
    pub not_after: UnixTime,
    /// The signature algorithm's short name (`sha1WithRSAEncryption`), else its OID.
    pub signature_algorithm: String,
}

impl CertificateFacts {
    /// None for bytes that are not an X.509 certificate.
    pub fn of(der: &CertificateDer<'_>) -> Option<Self> {
        let (_, certificate) = x509_parser::parse_x509_certificate(der.as_ref()).ok()?;
        let names = match certificate.subject_alternative_name() {
            Ok(Some(extension)) => extension.value.general_names.iter().filter_map(general_name).collect(),
            _ => Vec::new(),
        };
        let oid = &certificate.signature_algorithm.algorithm;
        let signature_algorithm = x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
            .map(str::to_owned)
            .unwrap_or_else(|_| oid.to_id_string());
        let validity = certificate.validity();
        Some(Self {
            subject: certificate.subject().to_string(),
            issuer: certificate.issuer().to_string(),
            names,
            not_before: unix_time(validity.not_before.timestamp()),
            not_after: unix_time(validity.not_after.timestamp()),
            signature_algorithm,
        })
    }
}

fn general_name(name: &GeneralName<'_>) -> Option<String> {
    match name {
        GeneralName::DNSName(dns) => Some((*dns).to_owned()),
        GeneralName::IPAddress(bytes) => match bytes.len() {
            4 => Some(std::net::Ipv4Addr::from(<[u8; 4]>::try_from(*bytes).ok()?).to_string()),
            16 => Some(std::net::Ipv6Addr::from(<[u8; 16]>::try_from(*bytes).ok()?).to_string()),
            _ => None,
        },
        _ => None,
    }
}

fn unix_time(seconds: i64) -> UnixTime {
    UnixTime::since_unix_epoch(Duration::from_secs(seconds.max(0).unsigned_abs()))
}

/// `2026-11-29T08:00:00Z`
pub fn format_time(time: UnixTime) -> String {
    humantime::format_rfc3339_seconds(SystemTime::UNIX_EPOCH + Duration::from_secs(time.as_secs())).to_string()
}
