//! The HTTP client and what a failed request means: TLS set-up from the flags, and transport
//! errors (TLS, timeouts, refused connections) described with what to do about them.

use super::http::RegistryOptions;
use crate::error::Error;

pub(super) fn build_client(options: &RegistryOptions) -> Result<reqwest::Client, Error> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .pool_max_idle_per_host(options.concurrency)
        .user_agent(concat!("kubectl-essregistry/", env!("CARGO_PKG_VERSION")));
    for path in &options.ca_files {
        let pem = std::fs::read(path).map_err(|e| {
            Error::usage(format!("cannot read --registry-ca-file {}: {e}", path.display()), "pass a readable PEM file")
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem).unwrap_or_default();
        if certificates.is_empty() {
            return Err(Error::usage(
                format!("--registry-ca-file {} holds no PEM certificate", path.display()),
                "pass the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)",
            ));
        }
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    if options.insecure_skip_tls_verify {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder.build().map_err(|e| Error::usage(format!("cannot set up the HTTP client: {e}"), "check the TLS flags"))
}

/// A request that got no HTTP answer, described for a person.
#[derive(Debug, Clone)]
pub(super) struct Transport {
    pub reason: String,
    pub hint: String,
    /// TLS failures are not retried: they do not heal.
    pub tls: bool,
}

impl From<&reqwest::Error> for Transport {
    fn from(error: &reqwest::Error) -> Self {
        if let Some(tls) = find_rustls_error(error) {
            let (reason, hint) = match &tls {
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer) => (
                    "TLS: the registry's certificate is signed by an unknown authority".to_owned(),
                    "pass the CA that signed it with --registry-ca-file PATH (or, for a test only, --registry-insecure-skip-tls-verify)".to_owned(),
                ),
                rustls::Error::InvalidCertificate(
                    rustls::CertificateError::NotValidForName | rustls::CertificateError::NotValidForNameContext { .. },
                ) => (
                    "TLS: the registry's certificate is for another host name".to_owned(),
                    "use the host name the certificate names as --registry, or fix the certificate's subjectAltName".to_owned(),
                ),
                rustls::Error::InvalidMessage(_) => (
                    "the registry does not speak TLS".to_owned(),
                    "for an HTTP-only registry, add --registry-plain-http".to_owned(),
                ),
                other => (format!("TLS: {other}"), "check the registry's certificate, or pass its CA with --registry-ca-file".to_owned()),
            };
            return Transport { reason, hint, tls: true };
        }
        let chain = crate::sanitize::error_chain(error);
        let (reason, hint) = if error.is_timeout() {
            ("the request timed out".to_owned(), "check the registry's health, or raise --registry-timeout".to_owned())
        } else if error.is_connect() {
            let reason = match io_kind(error) {
                Some(std::io::ErrorKind::ConnectionRefused) => "the connection was refused".to_owned(),
                _ => format!("connection failed ({chain})"),
            };
            (reason, "check --registry HOST:PORT and that the registry is running".to_owned())
        } else {
            (format!("request failed ({chain})"), "check the registry's health and run again".to_owned())
        };
        Transport { reason, hint, tls: false }
    }
}

fn find_rustls_error(error: &(dyn std::error::Error + 'static)) -> Option<rustls::Error> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(tls.clone());
        }
        // An io::Error's source() skips the error it wraps, so step into it instead.
        current = match error.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => error.source(),
        };
    }
    None
}

/// The kind of the io::Error behind a request error, if one is.
fn io_kind(error: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(io) = error.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        current = error.source();
    }
    None
}
