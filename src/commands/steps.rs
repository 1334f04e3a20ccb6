//! The steps `plan`, `apply` and `status` share, each resolving flags into values once.

use crate::check::{Finding, check_images};
use crate::cli::{ClusterArgs, InputArgs, MappingArgs, ObjectArgs, RegistryArgs};
use crate::cluster::objects::{self, Action, Change};
use crate::cluster::{self, Cluster};
use crate::digests::{self, Problem};
use crate::error::Error;
use crate::helm::{self, input::ChartInput};
use crate::input::{DigestsInput, read_configmap, read_digests};
use crate::mapping::{Image, map_images};
use crate::output::io_error;
use crate::plan::Plan;
use crate::proxy::ProxyRules;
use crate::reference::RegistryHost;
use crate::registry::{HttpRegistry, RegistryAuth, RegistryOptions};
use indicatif::ProgressBar;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use std::io::{Read, Write};

/// What a plan was made from.
pub enum Source {
    Digests(DigestsInput),
    Chart(Box<ChartInput>),
}

/// A plan and what it was made from.
pub struct Planned {
    pub source: Source,
    pub plan: Plan,
    pub auth: RegistryAuth,
}

/// input -> targets -> credentials -> registry checks -> plan, for images_digests or a chart's
/// values. `cluster` is None where no API call may be made (`plan --offline`).
pub async fn plan_images(
    input: &InputArgs,
    cluster: Option<&ClusterArgs>,
    mapping_args: &MappingArgs,
    objects_args: &ObjectArgs,
    registry: &RegistryArgs,
    err: &mut dyn Write,
) -> Result<Planned, Error> {
    let mapping = mapping_args.mapping(None).expect("clap requires --registry here");
    if let Some(chart) = read_chart_input(input, cluster).await? {
        let disabled: Vec<&str> = chart.blocks.iter().filter(|b| !b.enabled).map(|b| b.path.as_str()).collect();
        if !disabled.is_empty() {
            writeln!(
                err,
                "note: {} belong to disabled components; they are checked all the same, so that enabling them later \
                 pulls from the local registry",
                disabled.join(", ")
            )
            .map_err(io_error)?;
        }
        // Blocks an earlier overlay pointed at the local registry are traced back to the chart's
        // images, so that a rerun maps what is upstream, not what is local already.
        let blocks = helm::upstream(&chart.values, &chart.blocks, &mapping.registry);
        let images = map_images(&blocks, &mapping)
            .map_err(|problems| Error::Values { source_name: chart.name.clone(), problems })?;
        let (auth, findings) = check(&mapping.registry, &images, registry, err).await?;
        let pull_secrets = overlay_pull_secrets(&auth, &chart, &objects_args.secret_name);
        let policy = mapping_args.digest_mismatch;
        let plan = Plan::for_chart(mapping.registry, &blocks, images, findings, policy, pull_secrets);
        return Ok(Planned { source: Source::Chart(Box::new(chart)), plan, auth });
    }
    let input = read_input(input, cluster, registry, err).await?;
    let parsed = digests::parse(&input.bytes).map_err(|problems| input_error(&input, problems))?;
    if let Some(origin) = &parsed.origin {
        writeln!(err, "Using {origin} in {}", input.name).map_err(io_error)?;
    }
    for warning in &parsed.warnings {
        writeln!(err, "warning: {}: {warning}", input.name).map_err(io_error)?;
    }
    let images = map_images(&parsed.entries, &mapping).map_err(|problems| input_error(&input, problems))?;
    let (auth, findings) = check(&mapping.registry, &images, registry, err).await?;
    let plan = Plan::new(mapping.registry, parsed.entries, images, findings, mapping_args.digest_mismatch);
    Ok(Planned { source: Source::Digests(input), plan, auth })
}

/// Credentials, then every image checked once in the registry.
async fn check(
    host: &RegistryHost,
    images: &[Image],
    registry: &RegistryArgs,
    err: &mut dyn Write,
) -> Result<(RegistryAuth, Vec<Finding>), Error> {
    let auth = resolve_auth(registry, host, err)?;
    let options = registry_options(registry);
    let store = HttpRegistry::connect(host, auth.clone(), &options).await?;
    let progress = ProgressBar::new(images.len() as u64).with_message("checking images");
    let findings = check_images(&store, host, images, options.concurrency, || progress.inc(1)).await;
    progress.finish_and_clear();
    Ok((auth, findings))
}

/// The `image.pullSecrets` the overlay sets: when the run logs in to the registry, pods need the
/// pull secret too (the one apply writes, or one managed elsewhere under that name).
pub fn overlay_pull_secrets(auth: &RegistryAuth, chart: &ChartInput, secret_name: &str) -> Option<serde_yaml::Value> {
    let logs_in = auth.credentials.is_some() || auth.identity_token.is_some();
    logs_in.then(|| helm::pull_secrets(&chart.values.merged, secret_name)).flatten()
}

/// The chart input `--chart` (with `--values`) or `--release` names; None when the input is
/// images_digests. `cluster` is None where no API call may be made.
pub async fn read_chart_input(input: &InputArgs, cluster: Option<&ClusterArgs>) -> Result<Option<ChartInput>, Error> {
    if let Some(chart) = &input.chart {
        return helm::input::read_files(chart, &input.values).map(Some);
    }
    let Some(name) = &input.release else { return Ok(None) };
    let Some(cluster) = cluster else {
        return Err(Error::usage(
            "--release reads the release from the cluster, and --offline makes no Kubernetes API call",
            "drop --offline, or pass the chart with --chart and your values with --values",
        ));
    };
    helm::input::read_release(&connect_cluster(cluster).await?, name).await.map(Some)
}

/// The input the flags name: `--from-configmap` reads the cluster through `cluster`, which is
/// None where no API call may be made.
pub async fn read_input(
    input: &InputArgs,
    cluster: Option<&ClusterArgs>,
    registry: &RegistryArgs,
    err: &mut dyn Write,
) -> Result<DigestsInput, Error> {
    if let Some(name) = &input.from_configmap {
        let Some(cluster) = cluster else {
            return Err(Error::usage(
                "--from-configmap reads the ConfigMap from the cluster, and --offline makes no Kubernetes API call",
                format!(
                    "drop --offline, or save the ConfigMap first (kubectl get configmap {name} -o yaml > {name}.yaml) \
                     and pass -f {name}.yaml"
                ),
            ));
        };
        return read_configmap(&connect_cluster(cluster).await?, name).await;
    }
    if registry.registry_password_stdin && input.digests.as_deref() == Some("-".as_ref()) {
        return Err(Error::usage(
            "-f - and --registry-password-stdin cannot both read stdin",
            "pass images_digests as a file with -f FILE",
        ));
    }
    let input = read_digests(input.digests.as_deref(), input.installer_dir.as_deref())?;
    if let Some(path) = &input.found_in {
        writeln!(err, "Using {}", path.display()).map_err(io_error)?;
    }
    Ok(input)
}

pub fn input_error(input: &DigestsInput, problems: Vec<Problem>) -> Error {
    Error::Input { source_name: input.name.clone(), problems }
}

/// Credentials, first found wins: flags and stdin, the environment, the Docker config.
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

pub async fn cluster_config(args: &ClusterArgs) -> Result<cluster::ClusterConfig, Error> {
    cluster::resolve(
        args.kubeconfig.as_ref(),
        args.context.as_deref(),
        args.namespace.as_deref(),
        args.request_timeout,
        &args.overrides(),
        |key| std::env::var(key).ok(),
    )
    .await
}

pub async fn connect_cluster(args: &ClusterArgs) -> Result<Cluster, Error> {
    Cluster::connect(cluster_config(args).await?)
}

/// The objects `apply` writes for a plan.
pub struct Desired {
    /// None for a chart's values: the overlay goes to a file, not into the cluster.
    pub configmap: Option<ConfigMap>,
    /// None when the registry needs no credentials, or with `--no-secret`.
    pub secret: Option<Secret>,
}

/// Errors: the registry's only credential is an identity token, which cannot become a pull
/// secret (kubelet pulls with a password), and `--no-secret` was not given; or the ConfigMap
/// would be over the API's 1 MiB limit.
pub fn desired(planned: &Planned, objects_args: &ObjectArgs, namespace: &str) -> Result<Desired, Error> {
    if planned.auth.credentials.is_none() && planned.auth.identity_token.is_some() && !objects_args.no_secret {
        return Err(Error::usage(
            format!(
                "{} holds only an identity token for {}: it logs in to the token service, but kubelet cannot \
                 pull with it, so no pull secret can be made from it; nothing was written",
                planned.auth.source, planned.plan.registry
            ),
            "give a robot account with --registry-username and --registry-password-stdin, or pass --no-secret \
             if the pull secret is managed elsewhere",
        ));
    }
    let configmap = match (&planned.source, planned.plan.configmap()) {
        (Source::Digests(input), Some(text)) => Some(configmap(input, text, objects_args, namespace)?),
        _ => None,
    };
    let secret = match (&planned.auth.credentials, objects_args.no_secret) {
        (Some(credentials), false) => Some(objects::pull_secret(
            &objects_args.secret_name,
            namespace,
            planned.plan.registry.as_str(),
            credentials,
        )),
        _ => None,
    };
    Ok(Desired { configmap, secret })
}

fn configmap(input: &DigestsInput, text: &str, objects_args: &ObjectArgs, namespace: &str) -> Result<ConfigMap, Error> {
    let input_sha256 = crate::reference::Digest::of(&input.bytes).to_string();
    let configmap = objects::configmap(&objects_args.configmap_name, namespace, text, &input_sha256);
    let bytes = objects::configmap_data_bytes(&configmap);
    if bytes > objects::MAX_DATA_BYTES {
        return Err(Error::usage(
            format!(
                "the ConfigMap {} would hold {bytes} bytes of data, over the API's limit of {} bytes (1 MiB); \
                 nothing was sent to the cluster",
                objects_args.configmap_name,
                objects::MAX_DATA_BYTES
            ),
            "an images_digests this large is not an ESS release: check the file given with -f",
        ));
    }
    Ok(configmap)
}

/// Reads the live objects and says what applying `desired` would change.
pub async fn changes(cluster: &Cluster, desired: &Desired) -> Result<Vec<Change>, Error> {
    let mut changes = Vec::new();
    if let Some(configmap) = &desired.configmap {
        let live = cluster.get_configmap(configmap.metadata.name.as_deref().unwrap_or_default()).await?;
        changes.push(objects::configmap_change(live.as_ref(), configmap));
    }
    if let Some(secret) = &desired.secret {
        let live = cluster.get_secret(secret.metadata.name.as_deref().unwrap_or_default()).await?;
        changes.push(objects::secret_change(live.as_ref(), secret));
    }
    if changes.iter().any(|change| change.action == Action::Create) && cluster.namespace_exists().await? == Some(false)
    {
        return Err(cluster.missing_namespace());
    }
    Ok(changes)
}
