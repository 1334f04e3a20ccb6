//! `plan`: the shared pipeline, then (unless `--offline`) what applying would change in the
//! cluster, then the report. A new images_digests is compared with the live ConfigMap entry by
//! entry, and what is shown is the ConfigMap once every image is ready, so that a release not
//! yet mirrored reads as new digests to mirror, not as entries removed.

use super::pipeline::{check, names, prepare};
use crate::cli::{GlobalArgs, PlanArgs};
use crate::cluster::Cluster;
use crate::connect::connect_cluster;
use crate::desired::Desired;
use crate::digests::{self, DATA_KEY, LiveEntry};
use crate::drift::{EntryChange, compare};
use crate::error::Error;
use crate::input::{Content, Written};
use crate::output::{color_enabled, io_error};
use crate::report::{self, OutputFormat, PlanReport, Release};
use crate::signed::read_keys;
use std::io::Write;

pub async fn run(args: PlanArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let cluster_args = (!args.offline).then_some(&global.cluster);
    let keys = read_keys(&args.verify.verify_keys)?;
    let prepared = prepare(global, cluster_args, args.version.chart_version.as_deref(), err).await?;
    let mut planned = check(prepared, global, &args.objects, &keys).await?;
    let once_ready = match &planned.input.content {
        Content::Digests { .. } => planned.input.written(&planned.plan.once_ready(), None),
        Content::Chart(_) => planned.written.clone(),
    };
    let mut resources = None;
    let mut release = None;
    if let Some(cluster_args) = cluster_args {
        let cluster = connect_cluster(cluster_args).await?;
        let names = names(&args.objects);
        if let (Content::Digests { parsed, .. }, Some(live)) =
            (&planned.input.content, live_entries(&cluster, names.configmap).await?)
        {
            planned.plan.name_previous_release(&live);
            let changes = compare(&parsed.entries, &live, Some(&planned.mapping), global.mapping.digest_mismatch);
            release = Some((format!("{}/{}", cluster.namespace, names.configmap), changes));
        }
        match Desired::new(&planned.input, &once_ready, &planned.mapping, &planned.auth, &names, &cluster.namespace) {
            Ok(desired) => {
                resources = Some(cluster.changes(desired.configmap.as_ref(), desired.secret.as_ref()).await?);
            }
            // The checks still stand; only what apply would write cannot be shown.
            Err(refusal) => {
                writeln!(err, "warning: apply would refuse: {refusal}").map_err(io_error)?;
                if let Some(hint) = refusal.hint() {
                    writeln!(err, "hint: {hint}").map_err(io_error)?;
                }
            }
        }
    }
    let diff = super::release_diff::compare(&args, global, &planned, err).await?;
    let mirror_command = global.mirror_command(planned.input.bundle.as_deref(), args.version.chart_version.as_deref());
    let report = PlanReport {
        plan: &planned.plan,
        written: &once_ready,
        chart: planned.input.chart(),
        resources: resources.as_deref(),
        release: release
            .as_ref()
            .map(|(configmap, changes): &(String, Vec<EntryChange>)| Release { configmap, changes }),
        diff: diff.as_ref(),
        mirror_command: &mirror_command,
    };
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    if global.output.format == OutputFormat::Values {
        let (warning, not_ready) = match &planned.written {
            Written::HelmValues(overlay) => {
                ("not ready, so left out of the overlay (still pulling from upstream)", overlay.left_out.clone())
            }
            Written::ConfigMap(_) => {
                ("written as they will be once ready; apply refuses until they are", planned.plan.still_upstream())
            }
        };
        if !not_ready.is_empty() {
            writeln!(err, "warning: {warning}: {}", not_ready.join(", ")).map_err(io_error)?;
        }
    }
    Ok(planned.plan.exit_code())
}

/// The live ConfigMap's entries; None when there is none, or when its data cannot be read as
/// images_digests (then there is no release to compare with; `status` says why).
async fn live_entries(cluster: &Cluster, name: &str) -> Result<Option<Vec<LiveEntry>>, Error> {
    let configmap = cluster.get_configmap(name).await?;
    let text = configmap.as_ref().and_then(|c| c.data.as_ref()?.get(DATA_KEY).cloned());
    Ok(text.and_then(|text| digests::parse_live(text.as_bytes()).ok()))
}
