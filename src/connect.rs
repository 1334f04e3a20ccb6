//! Flags resolved into connected adapters, once per run: the cluster client from the kubeconfig
//! and kubectl's connection flags, the registry client from the registry flags, the environment
//! (certs.d folders, proxy variables) and the credentials found for it.

use crate::cli::{ClusterArgs, RegistryArgs};
use crate::cluster::{self, Cluster};
use crate::credentials::Credentials;
use crate::error::Error;
use crate::output::io_error;
use crate::proxy::ProxyRules;
use crate::reference::RegistryHost;
use crate::registry::{CredentialSource, HttpRegistry, RegistryAuth, RegistryOptions};
use std::io::{Read, Write};

/// Credentials, first found wins: flags and stdin, the environment, the Docker config. Their
/// warnings (a config that could not be read) go to `err`.
pub fn resolve_auth(args: &RegistryArgs, registry: &RegistryHost, err: &mut dyn Write) -> Result<RegistryAuth, Error> {
    let password = if args.registry_password_stdin { Some(read_password()?) } else { None };
    let auth =
        RegistryAuth::resolve(registry, args.registry_username.as_deref(), password, |key| std::env::var(key).ok())?;
    for warning in &auth.warnings {
        writeln!(err, "warning: {warning}").map_err(io_error)?;
    }
    Ok(auth)
}

/// The registry flags, with the certs.d folders and proxy variables of the environment.
pub fn registry_options(args: &RegistryArgs) -> RegistryOptions {
    let env = |key: &str| std::env::var(key).ok();
    RegistryOptions {
        plain_http: args.registry_plain_http,
        ca_files: args.registry_ca_file.clone(),
        cert_dir: args.registry_cert_dir.clone(),
        certs_d_roots: crate::tls::certs_d::roots(&env),
        client_cert: args.registry_client_cert.clone(),
        client_key: args.registry_client_key.clone(),
        proxy: ProxyRules::from_env(&env),
        insecure_skip_tls_verify: args.registry_insecure_skip_tls_verify,
        timeout: args.registry_timeout,
        concurrency: usize::from(args.concurrency),
    }
}

/// The whole of stdin, without its final line break (`echo` adds one).
fn read_password() -> Result<String, Error> {
    let mut password = String::new();
    std::io::stdin().lock().take(64 * 1024).read_to_string(&mut password).map_err(|e| {
        Error::usage(format!("cannot read the password from stdin: {e}"), "pipe the password in as text")
    })?;
    let password =
        password.strip_suffix('\n').map(|p| p.strip_suffix('\r').unwrap_or(p)).unwrap_or(&password).to_owned();
    if password.is_empty() {
        return Err(Error::usage("--registry-password-stdin read an empty password", "pipe the password in on stdin"));
    }
    Ok(password)
}

/// The kubeconfig context with kubectl's connection flags laid over it; no API call.
pub async fn cluster_config(args: &ClusterArgs) -> Result<cluster::ClusterConfig, Error> {
    cluster::resolve(
        args.kubeconfig.as_ref(),
        args.context.as_deref(),
        args.namespace.as_deref(),
        args.fallback_namespace,
        args.request_timeout,
        &args.overrides(),
        |key| std::env::var(key).ok(),
    )
    .await
}

pub async fn connect_cluster(args: &ClusterArgs) -> Result<Cluster, Error> {
    Cluster::connect(cluster_config(args).await?)
}

/// The registry as `status` reaches it, and whether the pull Secret's credentials log in.
pub struct ClusterAccess {
    /// None when the only credentials, the Secret's, are refused, or the registry could not be
    /// reached or refused the credentials given (`failure`).
    pub store: Option<(HttpRegistry, RegistryAuth)>,
    /// Whether the Secret's credentials were accepted; None when there were none to try.
    pub secret_accepted: Option<bool>,
    /// Why the registry could not be used (unreachable, TLS, credentials refused): for `status`
    /// one problem among the others, which the API alone still shows.
    pub failure: Option<Error>,
}

/// The registry, reached with the credentials given, else with the pull Secret's (`secret`), as
/// the cluster will use them; whether the Secret's credentials really log in is found either way.
pub async fn connect_registry_as_cluster(
    args: &RegistryArgs,
    registry: &RegistryHost,
    secret: Option<(CredentialSource, Credentials)>,
    err: &mut dyn Write,
) -> Result<ClusterAccess, Error> {
    let options = registry_options(args);
    let given = resolve_auth(args, registry, err)?;
    let secret_auth = secret.map(|(source, credentials)| RegistryAuth {
        credentials: Some(credentials),
        identity_token: None,
        source,
        warnings: vec![],
    });
    // Credentials as for plan; when none are given, the Secret's, as the cluster will use them.
    let (auth, verify_secret_separately) = match (given.credentials.is_some(), secret_auth.clone()) {
        (false, Some(secret)) => (secret, false),
        (_, secret) => (given, secret.is_some()),
    };
    let uses_secret = matches!(auth.source, CredentialSource::PullSecret(_));
    let mut access = ClusterAccess { store: None, secret_accepted: None, failure: None };
    match HttpRegistry::connect(registry, auth.clone(), &options).await {
        Ok(store) => {
            access.secret_accepted = uses_secret.then_some(true);
            access.store = Some((store, auth));
        }
        Err(Error::RegistryAuth { .. }) if uses_secret => access.secret_accepted = Some(false),
        Err(error @ (Error::RegistryAuth { .. } | Error::RegistryUnreachable { .. })) => {
            access.failure = Some(error);
            return Ok(access);
        }
        Err(error) => return Err(error),
    }
    if verify_secret_separately && let Some(secret) = secret_auth {
        match HttpRegistry::connect(registry, secret, &options).await {
            Ok(_) => access.secret_accepted = Some(true),
            Err(Error::RegistryAuth { .. }) => access.secret_accepted = Some(false),
            Err(error @ Error::RegistryUnreachable { .. }) => access.failure = Some(error),
            Err(error) => return Err(error),
        }
    }
    Ok(access)
}
