//! `status --release NAME`: the deployed release's images against the local registry, its pods
//! (init containers too), the pull Secret and whether the release names it, and drift between
//! what the release pulls and what the overlay would set now. Exit 0 only when all of it holds.

use super::status::{connect_registry, read_secret};
use super::steps::{connect_cluster, overlay_pull_secrets, registry_options};
use crate::check::check_images;
use crate::cli::{GlobalArgs, StatusArgs};
use crate::cluster::pods::pod_problems;
use crate::error::Error;
use crate::helm::{self, input::ChartInput};
use crate::mapping::map_images;
use crate::output::{color_enabled, io_error};
use crate::plan::Plan;
use crate::reference::RegistryHost;
use crate::report::write_status;
use crate::sanitize::printable;
use crate::status::{ObjectStatus, PinnedImage, StatusReport, chart_drift};
use std::io::Write;

pub async fn run(
    args: &StatusArgs,
    name: &str,
    global: &GlobalArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let cluster = connect_cluster(&global.cluster).await?;
    let release = helm::input::deployed_release(&cluster, name).await?;
    let pods_selector = helm::pod_selector(&release);
    let detail = format!(
        "revision {}, chart {} {}",
        release.revision,
        printable(&release.chart_name),
        printable(&release.chart_version)
    );
    let chart = helm::input::from_release(release)?;
    let registry = local_registry(args, &chart)?;
    let mut report = StatusReport {
        context: cluster.context.clone(),
        namespace: cluster.namespace.clone(),
        registry: Some(registry.to_string()),
        release: Some(ObjectStatus { name: name.to_owned(), exists: true, detail }),
        ..StatusReport::default()
    };

    let objects = &args.shared.objects;
    let secret_credentials = if objects.no_secret {
        None
    } else {
        read_secret(&cluster, &objects.secret_name, &registry, &mut report).await?
    };
    let store = connect_registry(global, &registry, &objects.secret_name, secret_credentials, &mut report, err).await?;
    if let Some((store, auth)) = store {
        let mapping = args.shared.mapping.mapping(Some(&registry)).expect("a registry is given");
        let upstream = helm::upstream(&chart.values, &chart.blocks, &registry);
        let images = map_images(&upstream, &mapping)
            .map_err(|problems| Error::Values { source_name: chart.name.clone(), problems })?;
        let concurrency = registry_options(&global.registry).concurrency;
        let findings = check_images(&store, &registry, &images, concurrency, || {}).await;
        let pull_secrets = overlay_pull_secrets(&auth, &chart, &objects.secret_name);
        let policy = args.shared.mapping.digest_mismatch;
        let plan = Plan::for_chart(registry.clone(), &upstream, images, findings, policy, pull_secrets);
        record_images(&plan, &mut report);
        report.drift = chart_drift(&chart.blocks, &plan);
        report.problems.extend(report.drift.iter().map(|d| format!("drift: {d}")));
        report.overlay = plan.overlay().map(|overlay| overlay.render());
    }
    if !objects.no_secret && helm::pull_secrets(&chart.values.merged, &objects.secret_name).is_some() {
        report.problems.push(format!(
            "the release's values do not name the pull Secret {} in image.pullSecrets: pods cannot pull from \
             {registry}; run apply, then the helm command it prints",
            objects.secret_name
        ));
    }

    let pods = cluster.list_pods(Some(&pods_selector)).await?;
    report.pods = pod_problems(&pods, registry.as_str());
    for pod in &report.pods {
        let what = match pod.problem.as_str() {
            "upstream" => "does not come from the local registry".to_owned(),
            reason => format!("is in {reason}"),
        };
        report.problems.push(format!("pod {} container {}: image {} {what}", pod.pod, pod.container, pod.image));
    }
    write_status(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(report.exit_code())
}

/// `--registry`, else the registry the release's blocks point at most among those that are not
/// the chart's own: the one an overlay set. A release that pulls everything from upstream names
/// none.
fn local_registry(args: &StatusArgs, chart: &ChartInput) -> Result<RegistryHost, Error> {
    if let Some(registry) = &args.shared.mapping.registry {
        return Ok(registry.clone());
    }
    helm::overlaid_registry(&chart.values, &chart.blocks).ok_or_else(|| {
        Error::usage(
            format!("{} pulls every image from the chart's own registries: no local registry to check", chart.name),
            "pass --registry HOST[:PORT], the local registry the release should pull from",
        )
    })
}

/// The images' states, and a problem for each image the overlay would leave out.
fn record_images(plan: &Plan, report: &mut StatusReport) {
    for image in &plan.images {
        let entries: Vec<String> = image.image.entries.iter().map(|&i| plan.entries[i].clone()).collect();
        if !image.ready() {
            let reason = image.finding.reason.as_deref().unwrap_or("not ready");
            report.problems.push(format!(
                "{}/{}: {reason} (used by {})",
                plan.registry,
                image.image,
                entries.join(", ")
            ));
        }
        report.images.push(PinnedImage {
            entries,
            image: format!("{}/{}", plan.registry, image.image),
            state: image.finding.state,
            reason: image.finding.reason.clone(),
        });
    }
}
