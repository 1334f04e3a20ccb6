//! `status --release NAME`: the deployed release's images against the local registry, its pods
//! (init containers too), the pull Secret and whether the release names it, and drift between
//! what the release pulls and what the overlay would set now. Exit 0 only when all of it holds.

use super::pipeline::{overlay_pull_secrets, read_input};
use crate::check::check_images;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::connect::{connect_cluster, connect_registry_as_cluster, registry_options};
use crate::error::Error;
use crate::helm::{self, Chart, Origin};
use crate::input::Content;
use crate::mapping::map_images;
use crate::output::{color_enabled, io_error};
use crate::plan::Plan;
use crate::reference::RegistryHost;
use crate::registry::CredentialSource;
use crate::report;
use crate::sanitize::printable;
use crate::status::{ObjectStatus, StatusReport, chart_drift};
use std::io::Write;

pub async fn run(
    args: &StatusArgs,
    name: &str,
    global: &GlobalArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let input = read_input(global, Some(&global.cluster), None, err).await?;
    let Content::Chart(chart) = input.content else { unreachable!("--release is read as a chart") };
    let Origin::Release(release) = &chart.origin else { unreachable!("--release comes from a release") };
    let pods_selector = helm::pod_selector(release);
    let detail = format!(
        "revision {}, chart {} {}",
        release.revision,
        printable(&release.chart_name),
        printable(&release.chart_version)
    );
    let cluster = connect_cluster(&global.cluster).await?;
    let registry = local_registry(global, &chart)?;
    let mut report = StatusReport {
        context: cluster.context.clone(),
        namespace: cluster.namespace.clone(),
        registry: Some(registry.to_string()),
        release: Some(ObjectStatus { name: name.to_owned(), exists: true, detail }),
        ..StatusReport::default()
    };

    let objects = &args.objects;
    let secret_credentials = if objects.no_secret {
        None
    } else {
        report.record_secret(&objects.secret_name, cluster.get_secret(&objects.secret_name).await?.as_ref(), &registry)
    };
    let source = CredentialSource::PullSecret(format!("{}/{}", report.namespace, objects.secret_name));
    let access =
        connect_registry_as_cluster(&global.registry, &registry, secret_credentials.map(|c| (source, c)), err).await?;
    if let Some(accepted) = access.secret_accepted {
        report.secret_logs_in(&registry, accepted);
    }
    if let Some((store, auth)) = access.store {
        let mapping = global.mapping.mapping(Some(&registry)).expect("a registry is given");
        let pinned = chart.pinned(Some(&registry));
        let images = map_images(&pinned, &mapping)
            .map_err(|problems| Error::Values { source_name: chart.name.clone(), problems })?;
        let concurrency = registry_options(&global.registry).concurrency;
        let findings = check_images(&store, &registry, &images, concurrency, || {}).await;
        let plan = Plan::new(registry.clone(), &pinned, images, findings, global.mapping.digest_mismatch);
        report.record_plan(&plan);
        let targets = plan.targets();
        report.record_drift(chart_drift(&chart.blocks, &registry, &targets));
        let pull_secrets = overlay_pull_secrets(&auth, &chart, &objects.secret_name);
        report.overlay = Some(helm::Overlay::new(&chart.blocks, &targets, pull_secrets).render());
    }
    if !objects.no_secret {
        report.record_release_pull_secret(&chart, &objects.secret_name, &registry);
    }
    report.record_pods(&cluster.list_pods(Some(&pods_selector)).await?);
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(report.exit_code())
}

/// `--registry`, else the registry the release's blocks point at most among those that are not
/// the chart's own: the one an overlay set. A release that pulls everything from upstream names
/// none.
fn local_registry(global: &GlobalArgs, chart: &Chart) -> Result<RegistryHost, Error> {
    if let Some(registry) = &global.mapping.registry {
        return Ok(registry.clone());
    }
    chart.overlaid_registry().ok_or_else(|| {
        Error::usage(
            format!("{} pulls every image from the chart's own registries: no local registry to check", chart.name),
            "pass --registry HOST[:PORT], the local registry the release should pull from",
        )
    })
}
