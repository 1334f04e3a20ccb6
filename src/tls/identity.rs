//! A client certificate and its key, for mutual TLS. Keys as kubectl and docker take them:
//! PKCS#1 RSA, SEC1 EC and PKCS#8, in PEM. Errors never quote the key.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub struct ClientIdentity {
    /// The client certificate first, then any intermediates of the same PEM.
    pub(super) chain: Vec<CertificateDer<'static>>,
    pub(super) key: PrivateKeyDer<'static>,
    /// Where it came from, for messages (`--registry-client-cert FILE`, a kubeconfig user).
    pub source: String,
}

impl ClientIdentity {
    /// `source` names where the PEM came from. Errors say what is missing, not what was read.
    pub fn from_pem(certificate: &[u8], key: &[u8], source: impl Into<String>) -> Result<Self, String> {
        let source = source.into();
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(certificate)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("the client certificate of {source} is not valid PEM ({e})"))?;
        if chain.is_empty() {
            return Err(format!("the client certificate of {source} holds no PEM certificate"));
        }
        let key = PrivateKeyDer::from_pem_slice(key).map_err(|_| {
            format!(
                "the client key of {source} holds no private key in PEM (RSA PRIVATE KEY, EC PRIVATE KEY or \
                 PRIVATE KEY)"
            )
        })?;
        Ok(Self { chain, key, source })
    }
}

impl Clone for ClientIdentity {
    fn clone(&self) -> Self {
        Self { chain: self.chain.clone(), key: self.key.clone_key(), source: self.source.clone() }
    }
}

/// Written by hand so the key cannot be printed.
impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientIdentity").field("source", &self.source).field("key", &"<redacted>").finish()
    }
}
