//! TLS as Go's crypto/x509 decides it (the library behind kubectl, docker, skopeo and
//! containerd), for the registry and for the Kubernetes API alike: one verifier, one way to load
//! trust anchors and client certificates, and one way to say in words why a handshake failed.

mod anchors;
pub mod certs_d;
mod describe;
mod facts;
mod identity;
mod verifier;

pub use anchors::TrustStore;
pub use describe::{Peer, describe};
pub use identity::ClientIdentity;

use std::sync::{Arc, OnceLock};

/// Everything one TLS client is set up from.
#[derive(Debug, Clone)]
pub struct TlsSettings {
    pub trust: TrustStore,
    pub identity: Option<ClientIdentity>,
    /// `insecure-skip-tls-verify`: the only way to skip the checks.
    pub insecure_skip_verify: bool,
}

/// Which trust source accepted a server's certificate (its line, as `TrustStore::sources`
/// words it), noted at the first handshake whose certificate was accepted. Go merges every
/// source into one pool and never says; `probe` does.
#[derive(Debug, Clone, Default)]
pub struct AcceptedBy(Arc<OnceLock<String>>);

impl AcceptedBy {
    /// None before a certificate was accepted, and with the checks skipped.
    pub fn source(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }

    fn is_noted(&self) -> bool {
        self.0.get().is_some()
    }

    fn note(&self, source: &str) {
        // Every handshake of one client is checked against the same sources: the first says it.
        let _ = self.0.set(source.to_owned());
    }
}

impl TlsSettings {
    /// A rustls client configuration with the Go-compatible verifier; `alpn` as the client
    /// speaks it (`h2`, `http/1.1`). Errors name what is wrong with the client certificate.
    pub fn client_config(&self, alpn: &[&[u8]]) -> Result<rustls::ClientConfig, String> {
        self.config(alpn, None)
    }

    /// `client_config`, noting in `accepted` which trust source accepts the server's
    /// certificate: each source alone is asked once, after the first certificate accepted.
    pub fn client_config_noting(&self, alpn: &[&[u8]], accepted: &AcceptedBy) -> Result<rustls::ClientConfig, String> {
        self.config(alpn, Some(accepted))
    }

    fn config(&self, alpn: &[&[u8]], accepted: Option<&AcceptedBy>) -> Result<rustls::ClientConfig, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = if self.insecure_skip_verify {
            Arc::new(verifier::GoVerifier::skipping_checks(Arc::clone(&provider)))
        } else {
            let verifier = verifier::GoVerifier::new(&self.trust, Arc::clone(&provider));
            Arc::new(match accepted {
                Some(accepted) => verifier.noting(accepted.clone(), &self.trust),
                None => verifier,
            })
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("cannot set up TLS: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.identity {
            Some(identity) => builder
                .with_client_auth_cert(identity.chain.clone(), identity.key.clone_key())
                .map_err(|e| format!("the client certificate from {} cannot be used: {e}", identity.source))?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        Ok(config)
    }
}
