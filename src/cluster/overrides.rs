//! kubectl's connection flags (`--server`, `--token`, `--as`, ...), laid over the kubeconfig
//! as kubectl lays them: a flag wins over the kubeconfig's field of the same meaning.

use crate::error::Error;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::PathBuf;

/// The flags as given; empty by default.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--cluster`: the kubeconfig cluster entry to use instead of the context's.
    pub cluster: Option<String>,
    /// `--user`: the kubeconfig user entry to use instead of the context's.
    pub user: Option<String>,
    pub server: Option<String>,
    pub certificate_authority: Option<PathBuf>,
    pub tls_server_name: Option<String>,
    pub insecure_skip_tls_verify: bool,
    /// `--token`: replaces every other credential of the user, as client-go does.
    pub token: Option<String>,
    pub client_certificate: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    /// `--as`, `--as-group` (repeatable), `--as-uid`: the Impersonate-* headers.
    pub impersonate: Option<String>,
    pub impersonate_groups: Vec<String>,
    pub impersonate_uid: Option<String>,
}

impl Overrides {
    /// Errors name the flag: a server that is not a URL, an unreadable CA file, a CA file with
    /// --insecure-skip-tls-verify (kubectl refuses the pair too).
    pub(super) fn apply(&self, config: &mut kube::Config) -> Result<(), Error> {
        let usage = |message: String| Error::usage(message, "fix the flag, as kubectl would need it");
        if let Some(server) = &self.server {
            config.cluster_url = server.parse().map_err(|e| usage(format!("--server {server} is not a URL: {e}")))?;
        }
        if self.insecure_skip_tls_verify && self.certificate_authority.is_some() {
            return Err(usage(
                "--certificate-authority and --insecure-skip-tls-verify cannot go together (as for kubectl)".into(),
            ));
        }
        if let Some(path) = &self.certificate_authority {
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|certs| certs.collect())
                .map_err(|e| usage(format!("--certificate-authority {}: {e}", path.display())))?;
            config.root_cert = Some(certificates.into_iter().map(|der| der.to_vec()).collect());
            config.accept_invalid_certs = false;
        }
        if self.insecure_skip_tls_verify {
            config.accept_invalid_certs = true;
            config.root_cert = None;
        }
        if let Some(name) = &self.tls_server_name {
            config.tls_server_name = Some(name.clone());
        }
        let user = &mut config.auth_info;
        if let Some(token) = &self.token {
            user.token = Some(token.clone().into());
            (user.token_file, user.exec, user.auth_provider, user.username, user.password) =
                (None, None, None, None, None);
        }
        if let Some(path) = &self.client_certificate {
            (user.client_certificate, user.client_certificate_data) = (Some(path.display().to_string()), None);
        }
        if let Some(path) = &self.client_key {
            (user.client_key, user.client_key_data) = (Some(path.display().to_string()), None);
        }
        if let Some(name) = &self.impersonate {
            user.impersonate = Some(name.clone());
        }
        if !self.impersonate_groups.is_empty() {
            user.impersonate_groups = Some(self.impersonate_groups.clone());
        }
        if let Some(uid) = &self.impersonate_uid {
            user.impersonate_uid = Some(uid.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_kubeconfig() {
        let mut config = kube::Config::new("https://127.0.0.1:6443".parse().unwrap());
        config.root_cert = Some(vec![vec![1]]);
        let overrides = Overrides {
            server: Some("https://api.cluster.example:6443".into()),
            insecure_skip_tls_verify: true,
            token: Some("t".into()),
            impersonate: Some("ess-admin".into()),
            impersonate_groups: vec!["a".into(), "b".into()],
            ..Overrides::default()
        };
        overrides.apply(&mut config).unwrap();
        assert_eq!(config.cluster_url.to_string(), "https://api.cluster.example:6443/");
        assert!(config.accept_invalid_certs && config.root_cert.is_none());
        assert_eq!(config.auth_info.impersonate_groups, Some(vec!["a".to_owned(), "b".to_owned()]));
        let both = Overrides {
            certificate_authority: Some("ca.pem".into()),
            insecure_skip_tls_verify: true,
            ..Overrides::default()
        };
        assert!(both.apply(&mut config).unwrap_err().to_string().contains("cannot go together"));
    }
}
