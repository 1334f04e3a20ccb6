//! `status`: the live ConfigMap and Secret, the registry they point at, the installer's
//! references and the pods, checked end to end. Exit 0 only when all of it holds. A Helm
//! release (`--release`) has its own file.

use super::evidence::{installer_dir, installer_report};
use super::steps::{connect_cluster, input_error, read_input, registry_options, resolve_auth};
use crate::check::{ImageState, check_pinned};
use crate::cli::GlobalArgs;
use crate::cli::StatusArgs;
use crate::cluster::Cluster;
use crate::cluster::objects::{DATA_KEY, SECRET_KEY, SECRET_TYPE};
use crate::cluster::pods::pod_problems;
use crate::digests::{self, Entry, LiveEntry};
use crate::error::Error;
use crate::output::{color_enabled, io_error};
use crate::reference::{Digest, RegistryHost, RepoPath};
use crate::registry::{
    CredentialSource, Credentials, HttpRegistry, LookupError, RegistryAuth, from_docker_config_json,
};
use crate::report::{OutputFormat, write_status};
use crate::status::{ObjectStatus, PinnedImage, StatusReport, drift, live_registry, still_upstream};
use std::io::Write;

pub async fn run(args: StatusArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    if args.shared.input.chart.is_some() {
        return Err(Error::usage(
            "status checks what is deployed, and --chart names a chart on this machine",
            "pass the deployed release with --release NAME",
        ));
    }
    if let Some(name) = &args.shared.input.release {
        return super::release_status::run(&args, name, global, out, err).await;
    }
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage(
            "-o values prints a chart's values overlay, and this status reads the images_digests ConfigMap",
            "use -o values with status --release NAME, or with plan",
        ));
    }
    // The installer's file is read first: bad input stops before anything is contacted.
    let upstream = read_upstream(&args, global, err).await?;
    let cluster = connect_cluster(&global.cluster).await?;
    let mut report = StatusReport {
        context: cluster.context.clone(),
        namespace: cluster.namespace.clone(),
        ..StatusReport::default()
    };
    let live = read_configmap(&cluster, &args, &mut report).await?;
    let registry = args.shared.mapping.registry.clone().or_else(|| live_registry(&live));
    report.registry = registry.as_ref().map(ToString::to_string);

    let secret_name = &args.shared.objects.secret_name;
    let secret_credentials = match (&registry, args.shared.objects.no_secret) {
        (Some(registry), false) => read_secret(&cluster, secret_name, registry, &mut report).await?,
        _ => None,
    };
    if let Some(registry) = &registry {
        let store = connect_registry(global, registry, secret_name, secret_credentials, &mut report, err).await?;
        if let Some((store, _)) = store {
            let concurrency = registry_options(&global.registry).concurrency;
            check_images(&store, registry, &live, concurrency, &mut report).await;
        }
        for entry in live.iter().filter(|l| &l.server != registry) {
            report.problems.push(format!(
                "{} points at {}, not at the local registry {registry}",
                entry.name(),
                entry.server
            ));
        }
    }

    let mapping = args.shared.mapping.mapping(registry.as_ref());
    if let (Some(upstream), Some(mapping)) = (upstream.as_ref().filter(|u| u.explicit), &mapping) {
        report.drift = drift(&upstream.entries, mapping, &live, args.shared.mapping.digest_mismatch);
        report.problems.extend(report.drift.iter().map(|d| format!("drift: {d}")));
    }
    let pulling_upstream = match (&upstream, &registry) {
        (Some(upstream), Some(registry)) => still_upstream(&upstream.entries, &live, registry),
        _ => Vec::new(),
    };
    let secret_name = (!args.shared.objects.no_secret).then_some(args.shared.objects.secret_name.as_str());
    let mut warnings = Vec::new();
    let installer = installer_report(
        &cluster,
        &installer_dir(args.shared.input.installer_dir.as_deref()),
        &args.shared.objects.configmap_name,
        secret_name,
        pulling_upstream,
        &mut warnings,
    )
    .await;
    report.warnings.extend(warnings);
    if installer.evidence_available {
        for reference in std::iter::once(&installer.config_map).chain(&installer.secret).filter(|r| !r.referenced) {
            report.problems.push(format!(
                "the installer does not reference {} (enter it under {})",
                reference.name, reference.installer_field
            ));
        }
    }
    if !installer.still_upstream.is_empty() {
        report.problems.push(format!("still pulling from upstream: {}", installer.still_upstream.join(", ")));
    }
    report.installer = Some(installer);

    let pods = cluster.list_pods(None).await?;
    if let Some(registry) = &registry {
        report.pods = pod_problems(&pods, registry.as_str());
    }
    for pod in &report.pods {
        let what = if pod.problem == "upstream" {
            "does not come from the local registry".to_owned()
        } else {
            format!("is in {}", pod.problem)
        };
        report.problems.push(format!("pod {} container {}: image {} {what}", pod.pod, pod.container, pod.image));
    }

    write_status(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(report.exit_code())
}

/// The installer's images_digests, when there is one.
struct Upstream {
    entries: Vec<Entry>,
    /// Given with `-f`: then drift is checked too.
    explicit: bool,
}

/// With `-f` or `--from-configmap`, that input (its errors stop the run); else the file in the
/// installer's folder if it is there, only to name the entries still pulling from upstream.
async fn read_upstream(args: &StatusArgs, global: &GlobalArgs, err: &mut dyn Write) -> Result<Option<Upstream>, Error> {
    let explicit = args.shared.input.digests.is_some() || args.shared.input.from_configmap.is_some();
    let input = match read_input(&args.shared.input, Some(&global.cluster), &global.registry, err).await {
        Ok(input) => input,
        Err(error) if explicit => return Err(error),
        Err(_) => return Ok(None),
    };
    let parsed = digests::parse(&input.bytes).map_err(|problems| input_error(&input, problems))?;
    Ok(Some(Upstream { entries: parsed.entries, explicit }))
}

async fn read_configmap(
    cluster: &Cluster,
    args: &StatusArgs,
    report: &mut StatusReport,
) -> Result<Vec<LiveEntry>, Error> {
    let name = &args.shared.objects.configmap_name;
    let status = report.config_map.insert(ObjectStatus { name: name.clone(), ..ObjectStatus::default() });
    let Some(configmap) = cluster.get_configmap(name).await? else {
        report
            .problems
            .push(format!("the ConfigMap {}/{name} does not exist: run kubectl essregistry apply", cluster.namespace));
        return Ok(Vec::new());
    };
    status.exists = true;
    let text = configmap.data.as_ref().and_then(|d| d.get(DATA_KEY)).cloned().unwrap_or_default();
    match digests::parse_live(text.as_bytes()) {
        Ok(live) => {
            status.detail = format!("{} entries", live.len());
            Ok(live)
        }
        Err(problems) => {
            for problem in problems {
                report.problems.push(format!("the ConfigMap {}/{name}: data.{DATA_KEY}: {problem}", cluster.namespace));
            }
            Ok(Vec::new())
        }
    }
}

/// The Secret exists, has the right type and an entry for the registry; returns its credentials.
pub(super) async fn read_secret(
    cluster: &Cluster,
    name: &str,
    registry: &RegistryHost,
    report: &mut StatusReport,
) -> Result<Option<Credentials>, Error> {
    let full = format!("{}/{name}", cluster.namespace);
    let mut status = ObjectStatus { name: name.to_owned(), ..ObjectStatus::default() };
    let secret = cluster.get_secret(name).await?;
    let credentials = match &secret {
        None => {
            report.problems.push(format!("the pull Secret {full} does not exist: run kubectl essregistry apply"));
            None
        }
        Some(secret) if secret.type_.as_deref() != Some(SECRET_TYPE) => {
            report.problems.push(format!(
                "the pull Secret {full} is of type {}, not {SECRET_TYPE}",
                secret.type_.as_deref().unwrap_or("Opaque")
            ));
            None
        }
        Some(secret) => {
            let json = secret.data.as_ref().and_then(|d| d.get(SECRET_KEY)).map(|b| b.0.clone()).unwrap_or_default();
            let found = from_docker_config_json(&json, registry.as_str());
            if found.is_none() {
                report.problems.push(format!("the pull Secret {full} has no username and password for {registry}"));
            }
            found
        }
    };
    status.exists = secret.is_some();
    report.secret = Some(status);
    Ok(credentials)
}

/// The registry, reached with the credentials given, else with the pull Secret's, as the cluster
/// will use them; whether the Secret's credentials really log in is recorded either way. None
/// when the only credentials, the Secret's, are refused.
pub(super) async fn connect_registry(
    global: &GlobalArgs,
    registry: &RegistryHost,
    secret_name: &str,
    secret_credentials: Option<Credentials>,
    report: &mut StatusReport,
    err: &mut dyn Write,
) -> Result<Option<(HttpRegistry, RegistryAuth)>, Error> {
    let options = registry_options(&global.registry);
    let given = resolve_auth(&global.registry, registry, err)?;
    let secret_source = CredentialSource::PullSecret(format!("{}/{secret_name}", report.namespace));
    let secret_auth = secret_credentials.map(|c| RegistryAuth {
        credentials: Some(c),
        identity_token: None,
        source: secret_source,
        warnings: vec![],
    });
    // Credentials as for plan; when none are given, the Secret's, as the cluster will use them.
    let (auth, verify_secret_separately) = match (given.credentials.is_some(), secret_auth.clone()) {
        (false, Some(secret)) => (secret, false),
        (_, secret) => (given, secret.is_some()),
    };
    let uses_secret = matches!(auth.source, CredentialSource::PullSecret(_));
    let refused = |report: &mut StatusReport| {
        report.problems.push(format!("the pull Secret's credentials are refused by {registry}: pods cannot pull"))
    };
    let store = match HttpRegistry::connect(registry, auth.clone(), &options).await {
        Ok(store) => {
            if uses_secret {
                mark_secret(report, format!("authenticates to {registry}"));
            }
            Some((store, auth))
        }
        Err(Error::RegistryAuth { .. }) if uses_secret => {
            refused(report);
            None
        }
        Err(error) => return Err(error),
    };
    if verify_secret_separately && let Some(secret) = secret_auth {
        match HttpRegistry::connect(registry, secret, &options).await {
            Ok(_) => mark_secret(report, format!("authenticates to {registry}")),
            Err(Error::RegistryAuth { .. }) => refused(report),
            Err(error) => return Err(error),
        }
    }
    Ok(store)
}

fn mark_secret(report: &mut StatusReport, detail: String) {
    if let Some(secret) = &mut report.secret {
        secret.detail = detail;
    }
}

async fn check_images(
    store: &HttpRegistry,
    registry: &RegistryHost,
    live: &[LiveEntry],
    concurrency: usize,
    report: &mut StatusReport,
) {
    let mut targets: Vec<(RepoPath, Digest)> = Vec::new();
    let mut users: Vec<Vec<String>> = Vec::new();
    for entry in live.iter().filter(|l| &l.server == registry) {
        let Some(digest) = &entry.digest else {
            report.warnings.push(format!("{} pins no digest: its image is not verified", entry.name()));
            continue;
        };
        let target = (entry.path.clone(), digest.clone());
        match targets.iter().position(|t| t == &target) {
            Some(index) => users[index].push(entry.name()),
            None => {
                targets.push(target);
                users.push(vec![entry.name()]);
            }
        }
    }
    let results = check_pinned(store, &targets, concurrency).await;
    for (((path, digest), entries), result) in targets.iter().zip(users).zip(results) {
        let image = format!("{registry}/{path}@{digest}");
        let (state, reason) = match result {
            Ok(true) => (ImageState::Present, None),
            Ok(false) => (ImageState::Missing, Some(format!("{image} is not in the registry"))),
            Err(LookupError::Unauthorized(why)) => (ImageState::Unauthorized, Some(why)),
            Err(LookupError::Failed(why)) => (ImageState::Error, Some(why)),
        };
        if let Some(reason) = &reason {
            report.problems.push(format!("{reason} (used by {})", entries.join(", ")));
        }
        report.images.push(PinnedImage { entries, image, state, reason });
    }
    let present = report.images.iter().filter(|i| i.state == ImageState::Present).count();
    if let Some(config_map) = &mut report.config_map {
        config_map.detail.push_str(&format!(", {present} of {} pinned images in {registry}", report.images.len()));
    }
}
