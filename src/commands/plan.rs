//! `plan`: images_digests or a chart's values -> targets -> registry checks -> plan -> (live
//! objects) -> output.

use super::steps::{changes, connect_cluster, desired, plan_images};
use crate::cli::GlobalArgs;
use crate::cli::PlanArgs;
use crate::error::Error;
use crate::output::{color_enabled, io_error};
use crate::report::{OutputFormat, write_plan};
use std::io::Write;

pub async fn run(args: PlanArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let mut planned = plan_images(
        &args.shared.input,
        (!args.offline).then_some(&global.cluster),
        &args.shared.mapping,
        &args.shared.objects,
        &global.registry,
        err,
    )
    .await?;
    if !args.offline {
        let cluster = connect_cluster(&global.cluster).await?;
        match desired(&planned, &args.shared.objects, &cluster.namespace) {
            Ok(desired) => planned.plan.resources = Some(changes(&cluster, &desired).await?),
            // The checks still stand; only what apply would write cannot be shown.
            Err(refusal) => {
                writeln!(err, "warning: apply would refuse: {refusal}").map_err(io_error)?;
                if let Some(hint) = refusal.hint() {
                    writeln!(err, "hint: {hint}").map_err(io_error)?;
                }
            }
        }
    }
    write_plan(&planned.plan, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    let left_out = planned.plan.overlay().map(|overlay| overlay.left_out.as_slice()).unwrap_or_default();
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
