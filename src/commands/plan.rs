//! `plan`: images_digests -> targets -> registry checks -> plan -> (live objects) -> output.

use super::steps::{changes, connect_cluster, desired, plan_images};
use crate::cli::PlanArgs;
use crate::error::Error;
use crate::output::{color_enabled, io_error};
use crate::report::write_plan;
use std::io::Write;

pub async fn run(args: PlanArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let mut planned = plan_images(&args.shared.input, &args.shared.mapping, &args.shared.registry, err).await?;
    if !args.offline {
        let cluster = connect_cluster(&args.shared.cluster).await?;
        let desired = desired(&planned, &args.shared.objects, &cluster.namespace);
        planned.plan.resources = Some(changes(&cluster, &desired).await?);
    }
    write_plan(&planned.plan, args.shared.output.format, color_enabled(args.shared.output.no_color), out)
        .map_err(io_error)?;
    Ok(planned.plan.exit_code())
}
