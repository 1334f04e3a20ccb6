//! `status`: the live ConfigMap and Secret, the registry they point at, the installer's
//! references and the pods, checked end to end. Exit 0 only when all of it holds. A Helm
//! release (`--release`) has its own file.

use super::evidence::installer_report;
use super::pipeline::print_notes;
use crate::check::check_images;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::cluster::Cluster;
use crate::connect::{connect_cluster, registry_options, resolve_auth};
use crate::credentials::Credentials;
use crate::digests::Entry;
use crate::error::Error;
use crate::input::Content;
use crate::mapping::map_images;
use crate::output::{color_enabled, io_error};
use crate::reference::RegistryHost;
use crate::registry::{CredentialSource, HttpRegistry, RegistryAuth};
use crate::report::{self, OutputFormat};
use crate::sources::{self, Request, installer_folder};
use crate::status::{StatusReport, drift, live_images, live_registry, still_upstream};
use std::io::Write;

pub async fn run(args: StatusArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    if global.input.chart.is_some() {
        return Err(Error::usage(
            "status checks what is deployed, and --chart names a chart on this machine",
            "pass the deployed release with --release NAME",
        ));
    }
    if let Some(name) = &global.input.release {
        return super::release_status::run(&args, name, global, out, err).await;
    }
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage(
            "-o values prints a chart's values overlay, and this status reads the images_digests ConfigMap",
            "use -o values with status --release NAME, or with plan",
        ));
    }
    // The installer's file is read first: bad input stops before anything is contacted.
    let upstream = read_upstream(global, err).await?;
    let cluster = connect_cluster(&global.cluster).await?;
    let mut report = StatusReport {
        context: cluster.context.clone(),
        namespace: cluster.namespace.clone(),
        ..StatusReport::default()
    };
    let configmap = cluster.get_configmap(&args.objects.configmap_name).await?;
    let live = report.record_configmap(&args.objects.configmap_name, configmap.as_ref());
    let registry = global.mapping.registry.clone().or_else(|| live_registry(&live));
    report.registry = registry.as_ref().map(ToString::to_string);

    let secret_name = &args.objects.secret_name;
    if let Some(registry) = &registry {
        let secret_credentials = if args.objects.no_secret {
            None
        } else {
            read_secret(&cluster, secret_name, registry, &mut report).await?
        };
        let store = connect_registry(global, registry, secret_name, secret_credentials, &mut report, err).await?;
        if let Some((store, _)) = store {
            let (pinned, identity, warnings) = live_images(&live, registry);
            report.warnings.extend(warnings);
            let images = map_images(&pinned, &identity).unwrap_or_default();
            let concurrency = registry_options(&global.registry).concurrency;
            let findings = check_images(&store, registry, &images, concurrency, || {}).await;
            report.record_live_images(&pinned, &images, findings);
        }
        for entry in live.iter().filter(|l| &l.server != registry) {
            report.problems.push(format!(
                "{} points at {}, not at the local registry {registry}",
                entry.name(),
                entry.server
            ));
        }
    }

    let mapping = global.mapping.mapping(registry.as_ref());
    if let (Some(upstream), Some(mapping)) = (upstream.as_ref().filter(|u| u.explicit), &mapping) {
        report.drift = drift(&upstream.entries, mapping, &live, global.mapping.digest_mismatch);
        report.problems.extend(report.drift.iter().map(|d| format!("drift: {d}")));
    }
    let pulling_upstream = match (&upstream, &registry) {
        (Some(upstream), Some(registry)) => still_upstream(&upstream.entries, &live, registry),
        _ => Vec::new(),
    };
    let secret_name = (!args.objects.no_secret).then_some(args.objects.secret_name.as_str());
    let mut warnings = Vec::new();
    let installer = installer_report(
        &cluster,
        &installer_folder(global.input.installer_dir.as_deref()),
        &args.objects.configmap_name,
        secret_name,
        pulling_upstream,
        &mut warnings,
    )
    .await;
    report.warnings.extend(warnings);
    report.record_installer(installer);
    report.record_pods(&cluster.list_pods(None).await?);

    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(report.exit_code())
}

/// The installer's images_digests, when there is one.
struct Upstream {
    entries: Vec<Entry>,
    /// Given with `-f` or `--from-configmap`: then drift is checked too.
    explicit: bool,
}

/// With `-f` or `--from-configmap`, that input (its errors stop the run); else the file in the
/// installer's folder if it is there, only to name the entries still pulling from upstream.
async fn read_upstream(global: &GlobalArgs, err: &mut dyn Write) -> Result<Option<Upstream>, Error> {
    let explicit = global.input.digests.is_some() || global.input.from_configmap.is_some();
    let request = Request {
        args: &global.input,
        cluster: Some(&global.cluster),
        stdin_taken: global.registry.registry_password_stdin,
        bundle: None,
    };
    let input = match sources::read(&request).await {
        Ok(input) => input,
        Err(error) if explicit => return Err(error),
        Err(_) => return Ok(None),
    };
    print_notes(&input, err)?;
    match input.content {
        Content::Digests { parsed, .. } => Ok(Some(Upstream { entries: parsed.entries, explicit })),
        Content::Chart(_) => Ok(None),
    }
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
    let store = match HttpRegistry::connect(registry, auth.clone(), &options).await {
        Ok(store) => {
            if uses_secret {
                report.secret_logs_in(registry, true);
            }
            Some((store, auth))
        }
        Err(Error::RegistryAuth { .. }) if uses_secret => {
            report.secret_logs_in(registry, false);
            None
        }
        Err(error) => return Err(error),
    };
    if verify_secret_separately && let Some(secret) = secret_auth {
        match HttpRegistry::connect(registry, secret, &options).await {
            Ok(_) => report.secret_logs_in(registry, true),
            Err(Error::RegistryAuth { .. }) => report.secret_logs_in(registry, false),
            Err(error) => return Err(error),
        }
    }
    Ok(store)
}

/// Reads `cluster`'s Secret `name` into the report; its credentials, if usable.
pub(super) async fn read_secret(
    cluster: &Cluster,
    name: &str,
    registry: &RegistryHost,
    report: &mut StatusReport,
) -> Result<Option<Credentials>, Error> {
    Ok(report.record_secret(name, cluster.get_secret(name).await?.as_ref(), registry))
}
