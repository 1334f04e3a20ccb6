//! The server certificate check of Go's crypto/x509, on top of webpki's chain verification.
//!
//! Go's `Certificate.Verify` first asks whether the presented certificate is itself, byte for
//! byte, in the root pool; if so the chain is that one certificate, and only its host name and
//! validity period are checked. That is how kubectl, docker and skopeo accept the self-signed
//! certificate the registry guides make (`openssl req -x509`, which carries `CA:TRUE`) and a
//! server certificate pinned in a kubeconfig. webpki refuses both (`CaUsedAsEndEntity`,
//! `UnknownIssuer`), so this verifier takes that branch itself and gives webpki the rest.

use super::AcceptedBy;
use super::anchors::TrustStore;
use super::describe::Rejection;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::Arc;

#[derive(Debug)]
pub(super) struct GoVerifier {
    /// None with `insecure-skip-tls-verify`: any certificate, but handshake signatures are
    /// still checked.
    anchors: Option<Anchors>,
    provider: Arc<CryptoProvider>,
    /// Where to note which source alone accepts the first certificate accepted, and the
    /// sources to ask: Go merges them into one pool and never says which one it was.
    noting: Option<(AcceptedBy, TrustStore)>,
}

#[derive(Debug)]
struct Anchors {
    certificates: Vec<CertificateDer<'static>>,
    /// None when no anchor could be used for chains: every other certificate is unknown.
    chains: Option<Arc<WebPkiServerVerifier>>,
    sources: Arc<[String]>,
}

impl Anchors {
    fn new(trust: &TrustStore, provider: &Arc<CryptoProvider>) -> Self {
        let mut roots = RootCertStore::empty();
        // A certificate webpki cannot take as an anchor can still be pinned byte for byte.
        let _ = roots.add_parsable_certificates(trust.certificates.iter().cloned());
        let chains = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), Arc::clone(provider)).build().ok();
        Anchors { certificates: trust.certificates.clone(), chains, sources: trust.sources().into() }
    }

    /// Go's verdict on what the server presented against these anchors, the error not yet
    /// worded.
    fn check(&self, presented: &Presented<'_, '_>) -> Result<ServerCertVerified, rustls::Error> {
        let Presented { end_entity, intermediates, server_name, ocsp_response, now } = *presented;
        if self.certificates.iter().any(|anchor| anchor.as_ref() == end_entity.as_ref()) {
            return check_pinned(end_entity, server_name, now);
        }
        match &self.chains {
            Some(chains) => chains.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now),
            None => Err(CertificateError::UnknownIssuer.into()),
        }
    }
}

/// What a server presented in one handshake, as rustls hands it to the verifier.
#[derive(Clone, Copy)]
struct Presented<'a, 'c> {
    end_entity: &'a CertificateDer<'c>,
    intermediates: &'a [CertificateDer<'c>],
    server_name: &'a ServerName<'c>,
    ocsp_response: &'a [u8],
    now: UnixTime,
}

impl GoVerifier {
    pub(super) fn new(trust: &TrustStore, provider: Arc<CryptoProvider>) -> Self {
        Self { anchors: Some(Anchors::new(trust, &provider)), provider, noting: None }
    }

    /// Notes in `accepted` the source that alone accepts the first certificate accepted.
    pub(super) fn noting(mut self, accepted: AcceptedBy, trust: &TrustStore) -> Self {
        self.noting = Some((accepted, trust.clone()));
        self
    }

    pub(super) fn skipping_checks(provider: Arc<CryptoProvider>) -> Self {
        Self { anchors: None, provider, noting: None }
    }
}

impl ServerCertVerifier for GoVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(anchors) = &self.anchors else { return Ok(ServerCertVerified::assertion()) };
        let presented = Presented { end_entity, intermediates, server_name, ocsp_response, now };
        let verdict = anchors.check(&presented);
        if verdict.is_ok()
            && let Some((accepted, trust)) = &self.noting
            && !accepted.is_noted()
        {
            // Each source alone, most specific first; one handshake's worth of work, once.
            let alone = trust.each_source().find(|(_, alone)| {
                let anchors = Anchors::new(alone, &self.provider);
                anchors.check(&presented).is_ok()
            });
            if let Some((source, _)) = alone {
                accepted.note(source);
            }
        }
        verdict.map_err(|error| Rejection::wrap(error, end_entity, server_name, &anchors.sources, now))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A certificate that is itself a trust anchor: its host name and dates still count.
fn check_pinned(
    end_entity: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<ServerCertVerified, rustls::Error> {
    let certificate = webpki::EndEntityCert::try_from(end_entity).map_err(|_| CertificateError::BadEncoding)?;
    certificate.verify_is_valid_for_subject_name(server_name).map_err(|_| CertificateError::NotValidForName)?;
    let facts = super::facts::CertificateFacts::of(end_entity).ok_or(CertificateError::BadEncoding)?;
    if now.as_secs() < facts.not_before.as_secs() {
        return Err(CertificateError::NotValidYetContext { time: now, not_before: facts.not_before }.into());
    }
    if now.as_secs() > facts.not_after.as_secs() {
        return Err(CertificateError::ExpiredContext { time: now, not_after: facts.not_after }.into());
    }
    Ok(ServerCertVerified::assertion())
}
