//! Which cluster, as kubectl decides it: `--kubeconfig`, else every file of `KUBECONFIG` that
//! exists (merged, first wins), else `~/.kube/config`; `--context`; and the namespace.

use super::Overrides;
use crate::error::Error;
use crate::proxy::{Proxy, ProxyRules};
use crate::tls::{ClientIdentity, TlsSettings, TrustStore};
use base64::Engine as _;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The ESS installer's namespace: where images_digests input goes when neither the flag nor
/// the context names one.
pub const DEFAULT_NAMESPACE: &str = "element-onprem";
/// Where helm and kubectl go when neither the flag nor the context names a namespace: a chart's
/// or a release's input goes there too.
pub const HELM_NAMESPACE: &str = "default";

/// What the cluster flags resolved to.
pub struct ClusterConfig {
    pub config: kube::Config,
    pub context: String,
    pub namespace: String,
    /// The cluster entry's CA (only it, as client-go does) or the system's trust store, and
    /// the user's client certificate.
    pub tls: TlsSettings,
    /// The kubeconfig's `proxy-url`, else the environment's proxy for the server, else None.
    pub proxy: Option<Proxy>,
}

/// `env` reads the environment (injected so tests need not change the process's).
pub async fn resolve(
    kubeconfig: Option<&PathBuf>,
    context: Option<&str>,
    namespace: Option<&str>,
    fallback_namespace: &str,
    request_timeout: Duration,
    overrides: &Overrides,
    env: impl Fn(&str) -> Option<String>,
) -> Result<ClusterConfig, Error> {
    let files = kubeconfig_files(kubeconfig, &env)?;
    let mut merged: Option<Kubeconfig> = None;
    for file in &files {
        let next = Kubeconfig::read_from(file)
            .map_err(|e| config_error(format!("cannot read the kubeconfig {}: {e}", file.display())))?;
        merged = Some(match merged {
            Some(kc) => kc
                .merge(next)
                .map_err(|e| config_error(format!("cannot merge the kubeconfig {}: {e}", file.display())))?,
            None => next,
        });
    }
    let Some(mut kc) = merged else {
        return match &overrides.server {
            // As kubectl: --server (with its credentials flags) needs no kubeconfig at all.
            Some(_) => from_flags_alone(namespace.unwrap_or(fallback_namespace), request_timeout, overrides, &env),
            None => Err(config_error("no kubeconfig found (--kubeconfig, KUBECONFIG or ~/.kube/config)".to_owned())),
        };
    };
    let context_name = context
        .map(str::to_owned)
        .or_else(|| kc.current_context.clone())
        .ok_or_else(|| config_error("the kubeconfig has no current context; pass --context NAME".to_owned()))?;
    let context_namespace = kc
        .contexts
        .iter()
        .find(|c| c.name == context_name)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.namespace.clone());
    if !kc.contexts.iter().any(|c| c.name == context_name) {
        return Err(config_error(format!("the context \"{context_name}\" is not in the kubeconfig")));
    }
    let proxy_url = take_proxy_url(&mut kc, &context_name, overrides.cluster.as_deref());
    let options = KubeConfigOptions {
        context: Some(context_name.clone()),
        cluster: overrides.cluster.clone(),
        user: overrides.user.clone(),
    };
    let mut config = kube::Config::from_custom_kubeconfig(kc, &options)
        .await
        .map_err(|e| config_error(format!("cannot use the context \"{context_name}\": {e}")))?;
    config.proxy_url = None;
    overrides.apply(&mut config)?;
    let namespace = namespace.map(str::to_owned).or(context_namespace).unwrap_or_else(|| fallback_namespace.to_owned());
    let ca_flag = overrides.certificate_authority.as_deref();
    finish(config, context_name, namespace, proxy_url, ca_flag, request_timeout, &env)
}

/// No kubeconfig, only `--server` and the other connection flags.
fn from_flags_alone(
    namespace: &str,
    request_timeout: Duration,
    overrides: &Overrides,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<ClusterConfig, Error> {
    let mut config = kube::Config::new(http::Uri::from_static("https://kubernetes.invalid"));
    overrides.apply(&mut config)?;
    let ca_flag = overrides.certificate_authority.as_deref();
    finish(config, "(--server)".to_owned(), namespace.to_owned(), None, ca_flag, request_timeout, env)
}

/// The proxy, TLS and timeouts, for a context resolved either way.
fn finish(
    mut config: kube::Config,
    context: String,
    namespace: String,
    proxy_url: Option<String>,
    ca_flag: Option<&Path>,
    request_timeout: Duration,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<ClusterConfig, Error> {
    let proxy = match proxy_url {
        Some(url) => Some(Proxy::parse(&url, "the kubeconfig's proxy-url").map_err(config_error)?),
        None => {
            let server = reqwest::Url::parse(&config.cluster_url.to_string())
                .map_err(|e| config_error(format!("the server of context \"{context}\" is not a URL: {e}")))?;
            ProxyRules::from_env(env).route(&server).map_err(config_error)?
        }
    };
    let tls = tls_settings(&config, &context, ca_flag)?;
    config.connect_timeout = Some(request_timeout);
    config.read_timeout = Some(request_timeout);
    config.write_timeout = Some(request_timeout);
    Ok(ClusterConfig { config, context, namespace, tls, proxy })
}

/// Takes the context's cluster's `proxy-url` out of the kubeconfig, leaving a placeholder: kube
/// would otherwise read `HTTPS_PROXY` itself and refuse values its features do not cover. The
/// route is decided here instead (`ProxyRules`), and the placeholder is never used.
fn take_proxy_url(kc: &mut Kubeconfig, context: &str, cluster: Option<&str>) -> Option<String> {
    let cluster_name = match cluster {
        Some(name) => name.to_owned(),
        None => kc.contexts.iter().find(|c| c.name == context)?.context.as_ref()?.cluster.clone(),
    };
    let cluster = kc.clusters.iter_mut().find(|c| c.name == cluster_name)?.cluster.as_mut()?;
    let url = cluster.proxy_url.take().filter(|url| !url.is_empty());
    cluster.proxy_url = Some("http://proxy-decided-by.kubectl-essregistry.invalid".to_owned());
    url
}

/// TLS as client-go sets it up: the cluster's CA alone when one is given (data before file),
/// else the system's trust store; the user's client certificate and key (data before file).
fn tls_settings(config: &kube::Config, context: &str, ca_flag: Option<&Path>) -> Result<TlsSettings, Error> {
    let mut trust = TrustStore::default();
    let label = match ca_flag {
        Some(path) => format!("--certificate-authority {}", path.display()),
        None => format!("the certificate-authority of context \"{context}\""),
    };
    match &config.root_cert {
        Some(certificates) => trust.add_der(certificates.iter().map(|der| der.clone().into()).collect(), &label),
        None => trust.add_system(),
    }
    let user = &config.auth_info;
    let read = |data: Option<&str>, file: Option<&String>, what: &str| -> Result<Option<Vec<u8>>, Error> {
        if let Some(data) = data {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(data.split_whitespace().collect::<String>())
                .map_err(|_| config_error(format!("the {what}-data of context \"{context}\" is not base64")))?;
            return Ok(Some(decoded));
        }
        file.map(|path| {
            std::fs::read(path)
                .map_err(|e| config_error(format!("cannot read the {what} {path} of context \"{context}\": {e}")))
        })
        .transpose()
    };
    let certificate =
        read(user.client_certificate_data.as_deref(), user.client_certificate.as_ref(), "client-certificate")?;
    let key = read(
        user.client_key_data.as_ref().map(secrecy::ExposeSecret::expose_secret),
        user.client_key.as_ref(),
        "client-key",
    )?;
    let identity = match (certificate, key) {
        (Some(certificate), Some(key)) => Some(
            ClientIdentity::from_pem(&certificate, &key, format!("the user of context \"{context}\""))
                .map_err(config_error)?,
        ),
        (None, None) => None,
        _ => {
            return Err(config_error(format!(
                "the user of context \"{context}\" has a client certificate or a client key, not both"
            )));
        }
    };
    Ok(TlsSettings { trust, identity, insecure_skip_verify: config.accept_invalid_certs })
}

/// Files that do not exist are skipped, as kubectl does; an explicit `--kubeconfig` must exist.
fn kubeconfig_files(explicit: Option<&PathBuf>, env: &impl Fn(&str) -> Option<String>) -> Result<Vec<PathBuf>, Error> {
    if let Some(path) = explicit {
        if !path.exists() {
            return Err(config_error(format!("the kubeconfig {} does not exist", path.display())));
        }
        return Ok(vec![path.clone()]);
    }
    let listed: Vec<PathBuf> = match env("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(value) => std::env::split_paths(&value).collect(),
        // kubectl's home folder: HOME, else USERPROFILE on Windows, where HOME is seldom set.
        None => env("HOME")
            .or_else(|| if cfg!(windows) { env("USERPROFILE") } else { None })
            .map(|home| PathBuf::from(home).join(".kube").join("config"))
            .into_iter()
            .collect(),
    };
    Ok(listed.into_iter().filter(|p| p.is_file()).collect())
}

fn config_error(message: String) -> Error {
    Error::ClusterConfig {
        message,
        hint:
            "point at the cluster with --kubeconfig and --context (as for kubectl); plan and prune with --offline need no cluster"
                .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KUBECONFIG: &str = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: with-ns\n  context: {cluster: c, user: u, namespace: ess}\n- name: without-ns\n  context: {cluster: c, user: u}\ncurrent-context: with-ns\n";

    #[tokio::test]
    async fn missing_files_are_skipped_and_the_namespace_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("config");
        std::fs::write(&file, KUBECONFIG).unwrap();
        let list = format!("{}:{}", dir.path().join("absent").display(), file.display());
        let env = |key: &str| (key == "KUBECONFIG").then(|| list.clone());
        let timeout = Duration::from_secs(5);
        let from_context =
            resolve(None, None, None, DEFAULT_NAMESPACE, timeout, &Overrides::default(), env).await.unwrap();
        assert_eq!((from_context.context.as_str(), from_context.namespace.as_str()), ("with-ns", "ess"));
        let fallback = resolve(None, Some("without-ns"), None, DEFAULT_NAMESPACE, timeout, &Overrides::default(), env)
            .await
            .unwrap();
        assert_eq!(fallback.namespace, DEFAULT_NAMESPACE);
        let flag =
            resolve(None, Some("without-ns"), Some("other"), DEFAULT_NAMESPACE, timeout, &Overrides::default(), env)
                .await
                .unwrap();
        assert_eq!(flag.namespace, "other");
        let unknown = resolve(None, Some("nope"), None, DEFAULT_NAMESPACE, timeout, &Overrides::default(), env)
            .await
            .err()
            .unwrap();
        assert!(unknown.to_string().contains("\"nope\" is not in the kubeconfig"));
        let none =
            resolve(None, None, None, DEFAULT_NAMESPACE, timeout, &Overrides::default(), |_| None).await.err().unwrap();
        assert!(none.to_string().contains("no kubeconfig found"));
    }
}
