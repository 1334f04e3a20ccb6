//! A failed handshake in words: what is wrong with the certificate, which trust sources were
//! asked, and what to do. Never "pass a CA" to someone who passed one, without saying why it
//! did not match.

use super::facts::{CertificateFacts, format_time};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{AlertDescription, CertificateError, OtherError};
use std::fmt;
use std::sync::Arc;

/// A refused server certificate with what it says about itself. Carried inside the rustls error
/// (`CertificateError::Other`) from the verifier to whoever reports the failure.
#[derive(Debug)]
pub struct Rejection {
    cause: CertificateError,
    facts: Option<CertificateFacts>,
    server_name: String,
    sources: Arc<[String]>,
    now: UnixTime,
}

impl Rejection {
    /// Certificate errors are wrapped with the facts; other errors pass unchanged.
    pub(super) fn wrap(
        error: rustls::Error,
        end_entity: &CertificateDer<'_>,
        server_name: &ServerName<'_>,
        sources: &Arc<[String]>,
        now: UnixTime,
    ) -> rustls::Error {
        let rustls::Error::InvalidCertificate(cause) = error else { return error };
        let rejection = Rejection {
            cause,
            facts: CertificateFacts::of(end_entity),
            server_name: server_name.to_str().into_owned(),
            sources: Arc::clone(sources),
            now,
        };
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(rejection))))
    }

    fn subject(&self) -> &str {
        self.facts.as_ref().map_or("(unreadable)", |f| f.subject.as_str())
    }

    fn issuer(&self) -> &str {
        self.facts.as_ref().map_or("(unreadable)", |f| f.issuer.as_str())
    }

    fn self_signed(&self) -> bool {
        self.facts.as_ref().is_some_and(|f| f.subject == f.issuer)
    }

    /// Whether any trust anchor was given besides the system's store.
    fn explicit_trust(&self) -> bool {
        self.sources.iter().any(|s| !s.starts_with("the system trust store"))
    }

    fn trusted(&self) -> String {
        if self.sources.is_empty() { "no trust anchors".to_owned() } else { self.sources.join(", ") }
    }

    fn reason(&self) -> String {
        let subject = self.subject();
        let issuer = self.issuer();
        match &self.cause {
            CertificateError::UnknownIssuer | CertificateError::Other(_) if self.self_signed() => format!(
                "the certificate {subject} is self-signed and is not one of the trusted certificates; trusted: {}",
                self.trusted()
            ),
            CertificateError::UnknownIssuer => format!(
                "the certificate {subject} is issued by {issuer}, which is not a trusted authority; trusted: {}",
                self.trusted()
            ),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                let names = self.facts.as_ref().map(|f| f.names.join(", ")).unwrap_or_default();
                let names = if names.is_empty() { "no subjectAltName at all".to_owned() } else { names };
                format!("the certificate is for {names}, not for {}", self.server_name)
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => format!(
                "the certificate {subject} expired on {} (it is now {})",
                self.facts.as_ref().map(|f| format_time(f.not_after)).unwrap_or_default(),
                format_time(self.now)
            ),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => format!(
                "the certificate {subject} is not valid before {} (it is now {})",
                self.facts.as_ref().map(|f| format_time(f.not_before)).unwrap_or_default(),
                format_time(self.now)
            ),
            #[allow(deprecated)]
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => format!(
                "a certificate in the chain is signed with an algorithm that is not accepted (the server's is {}; \
                 as in Go, SHA-1 and MD5 signatures are refused)",
                self.facts.as_ref().map_or("unknown", |f| f.signature_algorithm.as_str())
            ),
            CertificateError::BadSignature => {
                format!("a signature in the certificate chain of {subject} does not verify")
            }
            CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
                format!("the certificate {subject} is not for TLS servers (its extendedKeyUsage)")
            }
            other => format!("the certificate {subject} was refused: {other:?}"),
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason())
    }
}

impl std::error::Error for Rejection {}

/// Who was being connected to, so that the advice names the right flags and files.
#[derive(Debug, Clone, Copy)]
pub enum Peer<'a> {
    /// `HOST[:PORT]` as the certs.d folder is named.
    Registry {
        host: &'a str,
        client_certificate: bool,
    },
    ApiServer {
        context: &'a str,
        client_certificate: bool,
    },
}

/// What went wrong in a handshake, and what to do: (reason, hint).
pub fn describe(error: &rustls::Error, peer: Peer<'_>) -> (String, String) {
    let server = match peer {
        Peer::Registry { .. } => "the registry",
        Peer::ApiServer { .. } => "the API server",
    };
    match error {
        rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(inner))) => {
            match (&**inner as &(dyn std::error::Error + 'static)).downcast_ref::<Rejection>() {
                Some(rejection) => (format!("TLS: {}", rejection.reason()), certificate_hint(rejection, peer)),
                None => (format!("TLS: {server}'s certificate was refused: {inner}"), check_certificate(peer)),
            }
        }
        rustls::Error::InvalidCertificate(other) => {
            (format!("TLS: {server}'s certificate was refused: {other:?}"), check_certificate(peer))
        }
        rustls::Error::AlertReceived(alert) => alert_reason(*alert, server, peer),
        rustls::Error::InvalidMessage(_) => (
            format!("{server} does not speak TLS"),
            match peer {
                Peer::Registry { .. } => "for an HTTP-only registry, add --registry-plain-http".to_owned(),
                Peer::ApiServer { context, .. } => {
                    format!("the server of context \"{context}\" may need http:// instead of https://")
                }
            },
        ),
        rustls::Error::PeerIncompatible(why) => (
            format!("TLS: {server} and this tool have no TLS version or cipher in common ({why:?})"),
            "the server needs TLS 1.2 or 1.3 with a current cipher suite".to_owned(),
        ),
        other => (format!("TLS: {other}"), check_certificate(peer)),
    }
}

fn alert_reason(alert: AlertDescription, server: &str, peer: Peer<'_>) -> (String, String) {
    let sent = match peer {
        Peer::Registry { client_certificate, .. } | Peer::ApiServer { client_certificate, .. } => client_certificate,
    };
    let client_hint = match peer {
        Peer::Registry { host, .. } => format!(
            "give a client certificate with --registry-client-cert FILE --registry-client-key FILE, or put \
             client.cert and client.key in /etc/docker/certs.d/{host}/ (as docker and skopeo read them)"
        ),
        Peer::ApiServer { context, .. } => format!(
            "the user of context \"{context}\" needs client-certificate and client-key (or their -data forms) \
             that the cluster trusts"
        ),
    };
    match alert {
        AlertDescription::CertificateRequired => (format!("TLS: {server} requires a client certificate"), client_hint),
        AlertDescription::HandshakeFailure | AlertDescription::BadCertificate if !sent => {
            (format!("TLS: {server} ended the handshake; it probably requires a client certificate"), client_hint)
        }
        AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::CertificateUnknown
        | AlertDescription::CertificateExpired
        | AlertDescription::CertificateRevoked
        | AlertDescription::UnsupportedCertificate
        | AlertDescription::AccessDenied
            if sent =>
        {
            (format!("TLS: {server} refused the client certificate (alert: {alert:?})"), client_hint)
        }
        other => (format!("TLS: {server} ended the handshake (alert: {other:?})"), check_certificate(peer)),
    }
}

fn check_certificate(peer: Peer<'_>) -> String {
    match peer {
        Peer::Registry { .. } => "check the registry's certificate and the trust sources above".to_owned(),
        Peer::ApiServer { context, .. } => format!("check the TLS settings of context \"{context}\" in the kubeconfig"),
    }
}

fn certificate_hint(rejection: &Rejection, peer: Peer<'_>) -> String {
    let issuer = rejection.issuer();
    match (&rejection.cause, peer) {
        (CertificateError::UnknownIssuer | CertificateError::Other(_), Peer::Registry { host, .. }) => {
            let wanted = if rejection.self_signed() { "the certificate itself" } else { issuer };
            if rejection.explicit_trust() {
                format!(
                    "none of the certificates given is {wanted}: give the file that holds it with \
                     --registry-ca-file or as /etc/docker/certs.d/{host}/ca.crt (check a file with \
                     `openssl x509 -noout -subject -in FILE`)"
                )
            } else {
                format!(
                    "give {wanted} with --registry-ca-file FILE, or put it in /etc/docker/certs.d/{host}/ca.crt \
                     as docker and skopeo read it"
                )
            }
        }
        (CertificateError::UnknownIssuer | CertificateError::Other(_), Peer::ApiServer { context, .. }) => format!(
            "the certificate-authority of context \"{context}\" does not hold {issuer}: use the cluster's CA \
             (`kubectl config view --raw`, or a fresh kubeconfig from the cluster's admin)"
        ),
        (
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            Peer::Registry { .. },
        ) => "use one of the names the certificate holds as --registry, or reissue it with this name in its \
             subjectAltName"
            .to_owned(),
        (
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            Peer::ApiServer { context, .. },
        ) => format!(
            "point context \"{context}\" at one of the names the certificate holds, or set tls-server-name in its \
             cluster entry"
        ),
        (CertificateError::Expired | CertificateError::ExpiredContext { .. }, _) => {
            "renew the server's certificate (or check this machine's clock)".to_owned()
        }
        (CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }, _) => {
            "check the clocks of this machine and of the server".to_owned()
        }
        #[allow(deprecated)]
        (
            CertificateError::UnsupportedSignatureAlgorithm
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
            _,
        ) => "reissue the certificate signed with SHA-256 or better".to_owned(),
        _ => check_certificate(peer),
    }
}
