//! `apply`: the plan, then server-side apply of the ConfigMap and the pull secret, then what
//! the ESS installer still needs; for a chart's values, the pull secret, the values overlay
//! written to a file, and the helm command that uses it.

use super::pipeline::{Planned, check, names, prepare};
use crate::cli::{ApplyArgs, DryRun, GlobalArgs};
use crate::cluster::WriteMode;
use crate::cluster::objects::{Action, Change};
use crate::connect::{cluster_config, connect_cluster};
use crate::desired::Desired;
use crate::error::Error;
use crate::helm;
use crate::helm::SetKind;
use crate::input::Written;
use crate::output::{color_enabled, io_error};
use crate::report::{self, ApplyReport, HelmNext, PlanReport, write_manifests};
use crate::sources::{self, deployed_of_chart, installer_folder};
use std::io::Write;
use std::path::Path;

pub async fn run(args: ApplyArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    sources::check(&global.input)?;
    check_values_out(&args, global)?;
    let prepared = prepare(global, Some(&global.cluster), args.version.chart_version.as_deref(), err).await?;
    let names = names(&args.objects);
    Desired::refuse_early(
        &prepared.input,
        &prepared.pinned,
        &prepared.images,
        &prepared.mapping,
        &prepared.auth,
        &names,
    )?;
    let planned = check(prepared, global, &args.objects, &[]).await?;
    let color = color_enabled(global.output.no_color);
    let summary = planned.plan.summary();
    if summary.ready < summary.images && !args.allow_incomplete {
        let mirror_command =
            global.mirror_command(planned.input.bundle.as_deref(), args.version.chart_version.as_deref());
        let report = PlanReport {
            plan: &planned.plan,
            written: &planned.written,
            chart: planned.input.chart(),
            resources: None,
            release: None,
            diff: None,
            mirror_command: &mirror_command,
        };
        report::write(&report, global.output.format, color, out).map_err(io_error)?;
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
            Err(_) => global.cluster.namespace.clone().unwrap_or_else(|| global.cluster.fallback_namespace.to_owned()),
        };
        let desired = desired(&planned, &args, &namespace)?;
        // No API call either for the releases deployed: the release is the one named, else ess.
        let helm = planned.input.chart().map(|chart| {
            let path = args.values_out.as_deref().expect("checked before planning");
            let sets = global.input.sets();
            helm_next(chart, &namespace, path, install(&args, None, &sets), false)
        });
        write_manifests(
            &planned.written,
            desired.configmap.as_ref(),
            desired.secret.as_ref(),
            helm.as_ref(),
            global.output.format,
            out,
        )
        .map_err(io_error)?;
        return Ok(planned.plan.exit_code());
    }

    let cluster = connect_cluster(&global.cluster).await?;
    let desired = desired(&planned, &args, &cluster.namespace)?;
    let changes = cluster.changes(desired.configmap.as_ref(), desired.secret.as_ref()).await?;
    // Both objects are read before either is written: what cannot be updated stops the run
    // here, with nothing written, unless --force.
    if let Some(blocked) = changes.iter().find(|c| c.action == Action::Replace && !args.force) {
        return Err(cluster.refusal(
            format!("update {}/{}", blocked.resource(), blocked.name),
            format!("{}; nothing was written", blocked.blocker.as_deref().unwrap_or("it cannot be updated in place")),
            "rerun with --force to delete and re-create it (as kubectl apply --force does; pods already running \
             keep what they have), or write another object with --secret-name or --configmap-name"
                .to_owned(),
        ));
    }
    let mode = WriteMode { server_dry_run: args.dry_run == DryRun::Server, force: args.force_conflicts };
    cluster.write_changes(&changes, desired.configmap.as_ref(), desired.secret.as_ref(), mode, err).await?;

    let (installer, helm) = match planned.input.chart() {
        None => {
            let mut warnings = Vec::new();
            let secret_name = desired.secret.as_ref().map(|_| args.objects.secret_name.as_str());
            let installer = cluster
                .installer_report(
                    &installer_folder(global.input.installer_dir.as_deref()),
                    &args.objects.configmap_name,
                    secret_name,
                    planned.plan.still_upstream(),
                    &mut warnings,
                )
                .await;
            for warning in &warnings {
                writeln!(err, "warning: {warning}").map_err(io_error)?;
            }
            (Some(installer), None)
        }
        Some(chart) => {
            let path = args.values_out.as_deref().expect("checked before planning");
            if !mode.server_dry_run {
                write_overlay(path, &planned.written, &changes)?;
            }
            let deployed = match &chart.origin {
                helm::Origin::Files { .. } | helm::Origin::Oci { .. } => {
                    deployed_of_chart(&cluster, helm::CHART_NAME).await?
                }
                helm::Origin::Release(_) => Vec::new(),
            };
            (
                None,
                Some(helm_next(
                    chart,
                    &cluster.namespace,
                    path,
                    install(&args, Some(&deployed), &global.input.sets()),
                    !mode.server_dry_run,
                )),
            )
        }
    };
    let mirror_command = global.mirror_command(planned.input.bundle.as_deref(), args.version.chart_version.as_deref());
    let report = ApplyReport {
        plan: &planned.plan,
        written: &planned.written,
        chart: planned.input.chart(),
        mirror_command: &mirror_command,
        context: &cluster.context,
        namespace: &cluster.namespace,
        server_dry_run: mode.server_dry_run,
        resources: &changes,
        installer: installer.as_ref(),
        helm: helm.as_ref(),
    };
    report::write(&report, global.output.format, color, out).map_err(io_error)?;
    Ok(planned.plan.exit_code())
}

/// What the helm command is built from: the flags of `apply`, the releases `deployed` (None
/// when not read), and the `--set` lines the values were read with.
fn install<'a>(
    args: &'a ApplyArgs,
    deployed: Option<&'a [String]>,
    sets: &'a [(SetKind, String)],
) -> helm::Install<'a> {
    helm::Install {
        release_name: args.helm.release_name.as_deref(),
        chart_ref: args.helm.chart_ref.as_deref(),
        version: args.version.chart_version.as_deref(),
        deployed,
        sets,
    }
}

/// The helm command for the overlay at `path`, and where it was written.
fn helm_next(chart: &helm::Chart, namespace: &str, path: &Path, install: helm::Install, written: bool) -> HelmNext {
    let command = helm::command(&chart.origin, namespace, path, &install);
    HelmNext { values_out: path.display().to_string(), written, command: command.line, note: command.note }
}

/// `--values-out` goes with a chart's values, and must be a file that can be written: checked
/// before anything is contacted, so that a wrong path changes nothing anywhere.
fn check_values_out(args: &ApplyArgs, global: &GlobalArgs) -> Result<(), Error> {
    let chart = global.input.is_chart();
    let path = match (chart, &args.values_out) {
        (true, None) => {
            return Err(Error::usage(
                "apply with --chart or --release writes the values overlay to a file: --values-out FILE is missing",
                "pass --values-out FILE, then run the helm command apply prints (it lays FILE over your values)",
            ));
        }
        (false, Some(_)) => {
            return Err(Error::usage(
                "--values-out writes the overlay of a chart's values, and the input is images_digests",
                "drop --values-out (apply writes the ConfigMap), or pass the chart with --chart or --release",
            ));
        }
        (false, None) => return Ok(()),
        (true, Some(path)) => path,
    };
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if path.is_dir() || !folder.is_dir() {
        return Err(Error::usage(
            format!(
                "--values-out {}: {}",
                path.display(),
                if path.is_dir() { "is a folder" } else { "its folder does not exist" }
            ),
            "name a file in an existing folder; nothing was contacted or written",
        ));
    }
    Ok(())
}

/// Writes the overlay whole or not at all (a file beside it, renamed over it). A failure after
/// the Secret was written says so.
fn write_overlay(path: &Path, written: &Written, changes: &[Change]) -> Result<(), Error> {
    let Err(error) = crate::output::write_whole(path, &written.render()) else { return Ok(()) };
    let failure = Error::NotWritten {
        message: format!(
            "cannot write the values overlay to {}: {}",
            path.display(),
            crate::output::describe_io(&error)
        ),
        hint: "fix that and run apply again, or print the overlay with plan ... -o values".to_owned(),
    };
    let written: Vec<String> = changes
        .iter()
        .filter(|c| c.action != Action::Unchanged)
        .map(|c| format!("{}/{}", c.kind.to_lowercase(), c.name))
        .collect();
    if written.is_empty() {
        return Err(failure);
    }
    let hint = failure.hint().unwrap_or_default().to_owned();
    Err(Error::PartlyApplied {
        written: format!("wrote {} but not the values overlay {}", written.join(" and "), path.display()),
        failure: Box::new(failure),
        hint,
    })
}

fn desired(planned: &Planned, args: &ApplyArgs, namespace: &str) -> Result<Desired, Error> {
    let names = names(&args.objects);
    Desired::new(&planned.input, &planned.written, &planned.mapping, &planned.auth, &names, namespace)
}
