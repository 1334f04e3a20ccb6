//! `apply`: the plan, then server-side apply of the ConfigMap and the pull secret, then what
//! the ESS installer still needs.

use super::evidence::{installer_dir, installer_report};
use super::steps::{Desired, changes, cluster_config, connect_cluster, desired, plan_images};
use crate::cli::{ApplyArgs, DryRun};
use crate::cluster::objects::Action;
use crate::cluster::{DEFAULT_NAMESPACE, WriteMode};
use crate::error::Error;
use crate::output::{color_enabled, io_error};
use crate::report::{ApplyReport, write_apply, write_manifests, write_plan};
use std::io::Write;

pub async fn run(args: ApplyArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let planned = plan_images(&args.shared.input, &args.shared.mapping, &args.shared.registry, err).await?;
    let color = color_enabled(args.shared.output.no_color);
    let summary = planned.plan.summary();
    if summary.ready < summary.images && !args.allow_incomplete {
        write_plan(&planned.plan, args.shared.output.format, color, out).map_err(io_error)?;
        return Err(Error::Refused {
            not_ready: summary.images - summary.ready,
            images: summary.images,
            code: planned.plan.exit_code(),
        });
    }

    if args.dry_run == DryRun::Client {
        // No API call: the namespace comes from the flag or the kubeconfig, as kubectl takes it.
        let namespace = match cluster_config(&args.shared.cluster).await {
            Ok(config) => config.namespace,
            Err(_) => args.shared.cluster.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
        };
        let desired = desired(&planned, &args.shared.objects, &namespace)?;
        write_manifests(&desired.configmap, desired.secret.as_ref(), args.shared.output.format, out)
            .map_err(io_error)?;
        return Ok(planned.plan.exit_code());
    }

    let cluster = connect_cluster(&args.shared.cluster).await?;
    let desired = desired(&planned, &args.shared.objects, &cluster.namespace)?;
    let changes = changes(&cluster, &desired).await?;
    let mode = WriteMode { server_dry_run: args.dry_run == DryRun::Server, force: args.force_conflicts };
    write_changes(&cluster, &desired, &changes, mode).await?;

    let mut warnings = Vec::new();
    let secret_name = desired.secret.as_ref().map(|_| args.shared.objects.secret_name.as_str());
    let installer = installer_report(
        &cluster,
        &installer_dir(args.shared.input.installer_dir.as_deref()),
        &args.shared.objects.configmap_name,
        secret_name,
        planned.plan.still_upstream(),
        &mut warnings,
    )
    .await;
    for warning in &warnings {
        writeln!(err, "warning: {warning}").map_err(io_error)?;
    }
    let report = ApplyReport {
        plan: &planned.plan,
        context: &cluster.context,
        namespace: &cluster.namespace,
        server_dry_run: mode.server_dry_run,
        resources: &changes,
        installer: &installer,
    };
    write_apply(&report, args.shared.output.format, out).map_err(io_error)?;
    Ok(planned.plan.exit_code())
}

/// Writes what changed, the ConfigMap first; an object already as desired is not written. A
/// failure after a write says exactly what was and was not written.
async fn write_changes(
    cluster: &crate::cluster::Cluster,
    desired: &Desired,
    changes: &[crate::cluster::objects::Change],
    mode: WriteMode,
) -> Result<(), Error> {
    let mut written: Vec<String> = Vec::new();
    for change in changes.iter().filter(|c| c.action != Action::Unchanged) {
        let result = match (change.kind, &desired.secret) {
            ("Secret", Some(secret)) => cluster.apply(secret, "secrets", mode).await.map(drop),
            _ => cluster.apply(&desired.configmap, "configmaps", mode).await.map(drop),
        };
        let object = format!("{}/{}", change.kind.to_lowercase(), change.name);
        if let Err(failure) = result {
            if written.is_empty() {
                return Err(failure);
            }
            let hint = format!(
                "{} Then run apply again: it writes what is missing and leaves the rest as it is.",
                failure.hint().unwrap_or("Fix the cause above.")
            );
            return Err(Error::PartlyApplied {
                written: format!("wrote {} but not {object}", written.join(" and ")),
                failure: Box::new(failure),
                hint,
            });
        }
        written.push(object);
    }
    Ok(())
}
