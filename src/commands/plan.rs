//! `plan`: the shared pipeline, then (unless `--offline`) what applying would change in the
//! cluster, then the report.

use super::pipeline::{check, names, prepare};
use crate::cli::{GlobalArgs, PlanArgs};
use crate::connect::connect_cluster;
use crate::desired::Desired;
use crate::error::Error;
use crate::output::{color_enabled, io_error};
use crate::report::{self, OutputFormat, PlanReport};
use std::io::Write;

pub async fn run(args: PlanArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let cluster_args = (!args.offline).then_some(&global.cluster);
    let planned = check(prepare(global, cluster_args, err).await?, global, &args.objects).await?;
    let mut resources = None;
    if let Some(cluster_args) = cluster_args {
        let cluster = connect_cluster(cluster_args).await?;
        let names = names(&args.objects);
        let registry = &planned.plan.registry;
        match Desired::new(&planned.input, &planned.written, registry, &planned.auth, &names, &cluster.namespace) {
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
    let mirror_command = global.mirror_command(planned.input.bundle.as_deref());
    let report = PlanReport {
        plan: &planned.plan,
        written: &planned.written,
        resources: resources.as_deref(),
        mirror_command: &mirror_command,
    };
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    let left_out = planned.written.overlay().map(|overlay| overlay.left_out.as_slice()).unwrap_or_default();
    if global.output.format == OutputFormat::Values && !left_out.is_empty() {
        writeln!(
            err,
            "warning: not ready, so left out of the overlay (still pulling from upstream): {}",
            left_out.join(", ")
        )
        .map_err(io_error)?;
    }
    Ok(planned.plan.exit_code())
}
