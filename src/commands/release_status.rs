//! `status --release NAME`: the images the deployed release renders, checked as they are in the
//! local registry; its pods (init containers too); the pull Secret and whether the release names
//! it; and, with mapping flags, drift between what the release pulls and what the overlay would
//! set now. A registry that cannot be used is one problem among the others: what the API alone
//! shows is still reported. Exit 0 only when all of it holds.

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
use crate::report::{self, OutputFormat};
use crate::sanitize::printable;
use crate::signed::{read_keys, verify_findings};
use crate::status::{ObjectStatus, StatusReport, chart_drift, release_images};
use std::io::Write;

pub async fn run(
    args: &StatusArgs,
    name: &str,
    global: &GlobalArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<u8, Error> {
    let keys = read_keys(&args.verify.verify_keys)?;
    let input = read_input(global, Some(&global.cluster), None, None, err).await?;
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
        report.secret_logs_in(&registry, accepted, access.store.is_some());
    }
    if let Some(failure) = &access.failure {
        report.record_registry_failure(failure);
    }
    report.record_upstream_blocks(&chart.blocks, &registry);
    if let Some((store, auth)) = access.store {
        // What the release renders is what its pods pull: checked as it is, no mapping needed.
        let concurrency = registry_options(&global.registry).concurrency;
        let (pinned, identity) = release_images(&chart.blocks, &registry, global.input.include_disabled);
        let images = map_images(&pinned, &identity).unwrap_or_default();
        let mut findings = check_images(&store, &registry, &images, concurrency, || {}).await;
        verify_findings(&store, &keys, &images, &mut findings).await;
        report.record_live_images(&pinned, &images, findings);
        // With mapping flags, also what the overlay would set now, and how the release differs.
        if global.mapping.paths_given() {
            let mapping = global.mapping.mapping(Some(&registry)).expect("a registry is given");
            let pinned = chart.pinned(Some(&registry));
            let images = map_images(&pinned, &mapping)
                .map_err(|problems| Error::Values { source_name: chart.name.clone(), problems })?;
            let mut findings = check_images(&store, &registry, &images, concurrency, || {}).await;
            verify_findings(&store, &keys, &images, &mut findings).await;
            let plan = Plan::new(registry.clone(), &pinned, images, findings, global.mapping.digest_mismatch);
            let targets = plan.targets();
            report.record_drift(match mapped_elsewhere(&chart, &pinned, &mapping) {
                // The flags map the images to other paths than the release's: one line, not a
                // line per block.
                Some(line) => vec![line],
                None => chart_drift(&chart.blocks, &registry, &targets),
            });
            let pull_secrets = overlay_pull_secrets(&auth, &chart, &objects.secret_name);
            let overlay =
                helm::Overlay::new(&chart.blocks, &targets, &plan.enabled, pull_secrets, chart.overlay_usage());
            report.overlay = Some(overlay.render());
        } else if global.output.format == OutputFormat::Values {
            writeln!(
                err,
                "warning: nothing printed: -o values prints the overlay apply would write, which needs the mapping \
                 flags (--path-prefix, --layout, --map)"
            )
            .map_err(crate::output::io_error)?;
        }
    }
    if !objects.no_secret {
        report.record_release_pull_secret(&chart, &objects.secret_name, &registry);
    }
    report.record_pods(&cluster.list_pods(Some(&pods_selector)).await?);
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(report.exit_code())
}

/// Where the mapping flags put the release's images at other paths than those the release
/// pulls from the local registry: the one drift line that says so, with an example.
fn mapped_elsewhere(
    chart: &Chart,
    upstream: &[crate::mapping::Pinned],
    mapping: &crate::mapping::Mapping,
) -> Option<String> {
    let (block, target) = chart.blocks.iter().zip(upstream).find_map(|(block, pinned)| {
        let target = mapping.target_path(&pinned.server, &pinned.path);
        (block.enabled && block.server == mapping.registry && block.repository != target).then_some((block, target))
    })?;
    Some(format!(
        "the release pulls {}/{} ({}), and the mapping flags ({mapping}) put that image at {}/{target}: drop the \
         mapping flags to check what the release runs, or apply with them and upgrade the release",
        block.server, block.repository, block.path, mapping.registry
    ))
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
