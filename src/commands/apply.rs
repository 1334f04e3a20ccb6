//! `apply`: the plan, then server-side apply of the ConfigMap and the pull secret, then what
//! the ESS installer still needs.

use super::evidence::{installer_dir, installer_report};
use super::steps::{Desired, changes, cluster_config, connect_cluster, desired, plan_images};
use crate::cli::GlobalArgs;
use crate::cli::{ApplyArgs, DryRun};
use crate::cluster::objects::{Action, Change};
use crate::cluster::{DEFAULT_NAMESPACE, WriteMode};
use crate::error::Error;
use crate::output::{color_enabled, io_error};
use crate::report::{ApplyReport, write_apply, write_manifests, write_plan};
use std::io::Write;

pub async fn run(args: ApplyArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let planned =
        plan_images(&args.shared.input, Some(&global.cluster), &args.shared.mapping, &global.registry, err).await?;
    let color = color_enabled(global.output.no_color);
    let summary = planned.plan.summary();
    if summary.ready < summary.images && !args.allow_incomplete {
        write_plan(&planned.plan, global.output.format, color, out).map_err(io_error)?;
        return Err(Error::Refused {
            not_ready: summary.images - summary.ready,
            images: summary.images,
            code: planned.plan.exit_code(),
        });
    }

    if args.dry_run == DryRun::Client {
        // No API call: the namespace comes from the flag or the kubeconfig, as kubectl takes it.
        let namespace = match cluster_config(&global.cluster).await {
            Ok(config) => config.namespace,
            Err(_) => global.cluster.namespace.clone().unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned()),
        };
        let desired = desired(&planned, &args.shared.objects, &namespace)?;
        write_manifests(&desired.configmap, desired.secret.as_ref(), global.output.format, out).map_err(io_error)?;
        return Ok(planned.plan.exit_code());
    }

    let cluster = connect_cluster(&global.cluster).await?;
    let desired = desired(&planned, &args.shared.objects, &cluster.namespace)?;
    let changes = changes(&cluster, &desired).await?;
    // Both objects are read before either is written: what cannot be updated stops the run
    // here, with nothing written, unless --force.
    if let Some(blocked) = changes.iter().find(|c| c.action == Action::Replace && !args.force) {
        return Err(cluster.refusal(
            format!("update {}/{}", resource_of(blocked), blocked.name),
            format!("{}; nothing was written", blocked.blocker.as_deref().unwrap_or("it cannot be updated in place")),
            "rerun with --force to delete and re-create it (as kubectl apply --force does; pods already running \
             keep what they have), or write another object with --secret-name or --configmap-name"
                .to_owned(),
        ));
    }
    let mode = WriteMode { server_dry_run: args.dry_run == DryRun::Server, force: args.force_conflicts };
    write_changes(&cluster, &desired, &changes, mode, err).await?;

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
    write_apply(&report, global.output.format, out).map_err(io_error)?;
    Ok(planned.plan.exit_code())
}

/// Writes what changed, the ConfigMap first; an object already as desired is not written. A
/// failure after a write says exactly what was and was not written.
async fn write_changes(
    cluster: &crate::cluster::Cluster,
    desired: &Desired,
    changes: &[Change],
    mode: WriteMode,
    err: &mut dyn Write,
) -> Result<(), Error> {
    let mut written: Vec<String> = Vec::new();
    for change in changes.iter().filter(|c| c.action != Action::Unchanged) {
        let resource = resource_of(change);
        let object = format!("{}/{}", change.kind.to_lowercase(), change.name);
        let result = async {
            if change.action == Action::Replace {
                cluster.delete(&change.name, resource, mode).await?;
                let why = change.blocker.as_deref().unwrap_or("it cannot be updated in place");
                writeln!(err, "deleted {object} to re-create it (--force): {why}").map_err(io_error)?;
                if mode.server_dry_run {
                    // The server's dry run deleted nothing, so the re-creation cannot be tried.
                    return Ok(());
                }
            }
            match (change.kind, &desired.secret) {
                ("Secret", Some(secret)) => cluster.apply(secret, resource, mode).await.map(drop),
                _ => cluster.apply(&desired.configmap, resource, mode).await.map(drop),
            }
        }
        .await;
        if let Err(failure) = result {
            if written.is_empty() && change.action != Action::Replace {
                return Err(failure);
            }
            let done = if written.is_empty() {
                format!("deleted {object}")
            } else {
                format!("wrote {}", written.join(" and "))
            };
            let rerun = match &failure {
                Error::Cluster(cluster_failure) if !cluster_failure.rerun_helps => {
                    "A rerun alone cannot finish it: fix that first, then run apply again to write what is missing."
                }
                _ => "Then run apply again: it writes what is missing and leaves the rest as it is.",
            };
            let hint = format!("{} {rerun}", failure.hint().unwrap_or("Fix the cause above."));
            return Err(Error::PartlyApplied {
                written: format!("{done} but not {object}"),
                failure: Box::new(failure),
                hint,
            });
        }
        written.push(object);
    }
    Ok(())
}

fn resource_of(change: &Change) -> &'static str {
    if change.kind == "Secret" { "secrets" } else { "configmaps" }
}
