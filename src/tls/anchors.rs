//! Trust anchors and where each came from, so that a refused certificate can say which trust
//! sources were asked.

use super::facts::CertificateFacts;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::ops::Range;
use std::path::Path;

/// The certificates a server's chain may end in, with a line per source for messages.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    pub(super) certificates: Vec<CertificateDer<'static>>,
    sources: Vec<String>,
    /// Where each source's certificates are in `certificates`, by the index of its line.
    spans: Vec<Range<usize>>,
}

impl TrustStore {
    /// The system's trust store as Go reads it on Linux: `SSL_CERT_FILE` and `SSL_CERT_DIR`
    /// when set, else the distribution's bundle (rustls-native-certs follows the same rules).
    pub fn add_system(&mut self) {
        let loaded = rustls_native_certs::load_native_certs();
        let count = loaded.certs.len();
        self.spans.push(self.certificates.len()..self.certificates.len() + count);
        self.certificates.extend(loaded.certs);
        let from = match (std::env::var_os("SSL_CERT_FILE"), std::env::var_os("SSL_CERT_DIR")) {
            (Some(file), Some(dir)) => format!(
                " from SSL_CERT_FILE={} and SSL_CERT_DIR={}",
                Path::new(&file).display(),
                Path::new(&dir).display()
            ),
            (Some(file), None) => format!(" from SSL_CERT_FILE={}", Path::new(&file).display()),
            (None, Some(dir)) => format!(" from SSL_CERT_DIR={}", Path::new(&dir).display()),
            (None, None) => String::new(),
        };
        self.sources.push(format!("the system trust store{from} ({count} certificates)"));
    }

    /// Every certificate of a PEM file. `label` says how the file was given (`--registry-ca-file
    /// ca.pem`). Errors: unreadable, or no certificate in it.
    pub fn add_pem_file(&mut self, path: &Path, label: &str) -> Result<(), String> {
        let pem = std::fs::read(path).map_err(|e| format!("cannot read {label}: {e}"))?;
        let certificates: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(&pem).collect::<Result<_, _>>().map_err(|e| format!("{label}: {e}"))?;
        if certificates.is_empty() {
            return Err(format!("{label} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
        }
        self.add_der(certificates, label);
        Ok(())
    }

    /// Certificates already decoded, named by their subjects in messages.
    pub fn add_der(&mut self, certificates: Vec<CertificateDer<'static>>, label: &str) {
        const SHOWN: usize = 3;
        let mut subjects: Vec<String> = certificates
            .iter()
            .take(SHOWN)
            .map(|c| CertificateFacts::of(c).map(|f| f.subject).unwrap_or_else(|| "unreadable".to_owned()))
            .collect();
        if certificates.len() > SHOWN {
            subjects.push(format!("and {} more", certificates.len() - SHOWN));
        }
        self.sources.push(format!("{label} ({})", subjects.join("; ")));
        self.spans.push(self.certificates.len()..self.certificates.len() + certificates.len());
        self.certificates.extend(certificates);
    }

    /// Each source alone, with its line, in order of precedence: the last added first (a flag
    /// before the registry's certs.d folder, that before the system store), so the most
    /// specific source that accepts a certificate is the one named.
    pub(super) fn each_source(&self) -> impl Iterator<Item = (&str, TrustStore)> {
        self.sources.iter().zip(&self.spans).rev().map(|(source, span)| {
            let mut alone = TrustStore::default();
            alone.sources.push(source.clone());
            alone.spans.push(0..span.len());
            alone.certificates.extend_from_slice(&self.certificates[span.clone()]);
            (source.as_str(), alone)
        })
    }

    /// One line per source, in the order they were added.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_source_alone_holds_its_own_certificates_the_last_added_first() {
        let der = |byte: u8| CertificateDer::from(vec![byte]);
        let mut trust = TrustStore::default();
        trust.add_der(vec![der(1), der(2)], "certs.d/ca.crt");
        trust.add_der(vec![der(3)], "--registry-ca-file ca.pem");
        let alone: Vec<(String, Vec<CertificateDer<'static>>)> =
            trust.each_source().map(|(line, store)| (line.to_owned(), store.certificates)).collect();
        assert_eq!(
            alone,
            [
                ("--registry-ca-file ca.pem (unreadable)".to_owned(), vec![der(3)]),
                ("certs.d/ca.crt (unreadable; unreadable)".to_owned(), vec![der(1), der(2)]),
            ]
        );
    }
}
