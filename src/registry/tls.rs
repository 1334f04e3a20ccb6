//! The registry's TLS trust and client certificate, assembled as docker and skopeo assemble
//! them: the system trust store, then the registry's certs.d folder (or `--registry-cert-dir`,
//! skopeo's `--cert-dir`, instead of the search), then `--registry-ca-file`. The client
//! certificate comes from `--registry-client-cert`/`--registry-client-key`, else from certs.d.

use super::options::RegistryOptions;
use crate::error::Error;
use crate::reference::RegistryHost;
use crate::tls::{ClientIdentity, TlsSettings, TrustStore, certs_d};
use std::path::Path;

pub(super) fn settings(registry: &RegistryHost, options: &RegistryOptions) -> Result<TlsSettings, Error> {
    let mut trust = TrustStore::default();
    trust.add_system();
    let dir = match &options.cert_dir {
        Some(dir) => Some(dir.clone()),
        None => certs_d::find(registry.as_str(), &options.certs_d_roots),
    };
    let folder = dir.as_deref().map(certs_d::read).transpose().map_err(|e| {
        Error::usage(e, "fix the registry's certs.d folder: *.crt for CAs, client.cert with client.key for mutual TLS")
    })?;
    for ca in folder.iter().flat_map(|f| &f.cas) {
        trust
            .add_pem_file(ca, &ca.display().to_string())
            .map_err(|e| Error::usage(e, "put PEM CA certificates in *.crt files"))?;
    }
    for path in &options.ca_files {
        trust
            .add_pem_file(path, &format!("--registry-ca-file {}", path.display()))
            .map_err(|e| Error::usage(e, "pass the CA certificate in PEM form (-----BEGIN CERTIFICATE-----)"))?;
    }
    let identity = match (&options.client_cert, &options.client_key) {
        (Some(cert), Some(key)) => Some(identity(cert, key, "--registry-client-cert")?),
        (None, None) => match folder.as_ref().and_then(|f| f.client.as_ref()) {
            Some((cert, key)) => Some(identity(cert, key, &cert.display().to_string())?),
            None => None,
        },
        _ => {
            return Err(Error::usage(
                "--registry-client-cert and --registry-client-key go together",
                "give both: the client certificate and its private key, in PEM",
            ));
        }
    };
    Ok(TlsSettings { trust, identity, insecure_skip_verify: options.insecure_skip_tls_verify })
}

fn identity(cert: &Path, key: &Path, source: &str) -> Result<ClientIdentity, Error> {
    let read = |path: &Path| {
        std::fs::read(path)
            .map_err(|e| Error::usage(format!("cannot read {}: {e}", path.display()), "pass readable PEM files"))
    };
    ClientIdentity::from_pem(&read(cert)?, &read(key)?, source)
        .map_err(|e| Error::usage(e, "pass the client certificate and its key in PEM, as for docker and skopeo"))
}
