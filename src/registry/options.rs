//! How to reach the registry, from the command line and the environment: what the transport
//! is built from.

use crate::proxy::ProxyRules;
use std::path::PathBuf;
use std::time::Duration;

/// How to reach the registry, from the command line.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    pub plain_http: bool,
    /// `--registry-ca-file`: CAs added to the system's and the certs.d folder's.
    pub ca_files: Vec<PathBuf>,
    /// `--registry-cert-dir`: read instead of the certs.d search.
    pub cert_dir: Option<PathBuf>,
    /// Where the registry's certs.d folder is searched for (`tls::certs_d::roots`).
    pub certs_d_roots: Vec<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub proxy: ProxyRules,
    pub timeout: Duration,
    pub concurrency: usize,
}
