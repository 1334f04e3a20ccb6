//! `status`: the live ConfigMap and Secret, the registry they point at, the installer's
//! references and the pods, checked end to end. Exit 0 only when all of it holds. A Helm
//! release (`status --release`) has its own file.

use super::pipeline::read_input;
use crate::check::check_images;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::cluster::objects::MAPPING_ANNOTATION;
use crate::connect::{connect_cluster, connect_registry_as_cluster, registry_options};
use crate::digests::Entry;
use crate::drift::{self, compare};
use crate::error::Error;
use crate::input::Content;
use crate::mapping::{Mapping, map_images};
use crate::output::{color_enabled, io_error};
use crate::registry::CredentialSource;
use crate::report::{self, OutputFormat};
use crate::signed::{read_keys, verify_findings};
use crate::sources::installer_folder;
use crate::status::{StatusReport, live_images, live_registry, still_upstream};
use k8s_openapi::api::core::v1::ConfigMap;
use std::io::Write;

pub async fn run(args: StatusArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    if global.input.chart.is_some() {
        return Err(Error::usage(
            "status checks what is deployed, and --chart names a chart on this machine",
            "pass the deployed release with --release NAME",
        ));
    }
    if global.output.format == OutputFormat::Values {
        return Err(Error::usage(
            "-o values prints a chart's values overlay, and this status reads the images_digests ConfigMap",
            "use -o values with status --release NAME, or with plan",
        ));
    }
    // The keys and the installer's file are read first: bad input stops before anything is
    // contacted.
    let keys = read_keys(&args.verify.verify_keys)?;
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
            report.record_secret(secret_name, cluster.get_secret(secret_name).await?.as_ref(), registry)
        };
        let secret = secret_credentials
            .map(|c| (CredentialSource::PullSecret(format!("{}/{secret_name}", report.namespace)), c));
        let access = connect_registry_as_cluster(&global.registry, registry, secret, err).await?;
        if let Some(accepted) = access.secret_accepted {
            report.secret_logs_in(registry, accepted, access.store.is_some());
        }
        if let Some(failure) = &access.failure {
            report.record_registry_failure(failure);
        }
        if let Some((store, _)) = access.store {
            let (pinned, identity, warnings) = live_images(&live, registry);
            report.warnings.extend(warnings);
            // Known by their digests alone, the live images never share a tag: no collision.
            let images = map_images(&pinned, &identity).unwrap_or_default();
            let concurrency = registry_options(&global.registry).concurrency;
            let mut findings = check_images(&store, registry, &images, concurrency, || {}).await;
            verify_findings(&store, &keys, &images, &mut findings).await;
            report.record_live_images(&pinned, &images, findings);
        }
        report.record_foreign(&live, registry);
    }

    if let Some(upstream) = &upstream {
        // The mapping the ConfigMap was applied with decides where each entry should point;
        // without one recorded, the flags' (when given) do.
        let recorded = recorded_mapping(configmap.as_ref());
        let given = match &recorded {
            Some(recorded) => global.mapping.given_over(recorded),
            None => global.mapping.mapping(registry.as_ref()).filter(|_| global.mapping.given()),
        };
        let changes = compare(upstream, &live, recorded.as_ref().or(given.as_ref()), global.mapping.digest_mismatch);
        report.record_drift(drift::lines(&changes, recorded.as_ref(), given.as_ref()));
    }
    let pulling_upstream = match (&upstream, &registry) {
        (Some(upstream), Some(registry)) => still_upstream(upstream, &live, registry),
        _ => Vec::new(),
    };
    let secret_name = (!args.objects.no_secret).then_some(args.objects.secret_name.as_str());
    let mut warnings = Vec::new();
    let installer = cluster
        .installer_report(
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

/// The installer's images_digests, when there is one: given with `-f` or `--from-configmap`
/// (its errors stop the run), else the file in the installer's folder if it is there.
async fn read_upstream(global: &GlobalArgs, err: &mut dyn Write) -> Result<Option<Vec<Entry>>, Error> {
    let explicit = global.input.digests.is_some() || global.input.from_configmap.is_some();
    let input = match read_input(global, Some(&global.cluster), None, None, err).await {
        Ok(input) => input,
        Err(error) if explicit => return Err(error),
        Err(_) => return Ok(None),
    };
    match input.content {
        Content::Digests { parsed, .. } => Ok(Some(parsed.entries)),
        Content::Chart(_) => Ok(None),
    }
}

/// The mapping `apply` recorded on the ConfigMap, if it did (an older version, or a ConfigMap
/// written by hand, did not).
fn recorded_mapping(configmap: Option<&ConfigMap>) -> Option<Mapping> {
    let annotations = configmap?.metadata.annotations.as_ref()?;
    Mapping::from_recorded(annotations.get(MAPPING_ANNOTATION)?)
}
