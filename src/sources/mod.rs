//! The source seam: one reader per input kind, each turning what the flags name into an
//! `Input` (its identity, its content, and what is worth telling the user about it). Every
//! command gets its images here; a new input kind is one more reader and its flag.
//!
//! | input                        | reader        |
//! | ---------------------------- | ------------- |
//! | `-f FILE`, `-f -`, the installer's folder, `-f BUNDLE` | `digests_file` |
//! | `--from-configmap NAME`      | `configmap`   |
//! | `--chart PATH --values FILE` | `chart_files` |
//! | `--release NAME`             | `release`     |
//! | `mirror --from-bundle PATH`  | `bundle`      |

mod bundle;
mod chart_files;
mod chart_oci;
mod configmap;
mod digests_file;
mod release;

pub use digests_file::installer_folder;
pub use release::deployed_of_chart;

use crate::bundle::layout::Layout;
use crate::cli::{ClusterArgs, InputArgs, RegistryArgs};
use crate::connect::connect_cluster;
use crate::digests;
use crate::error::Error;
use crate::input::{Content, Input};
use crate::reference::RegistryHost;
use std::path::Path;

/// What to read, as the flags and the command name it.
pub struct Request<'a> {
    pub args: &'a InputArgs,
    /// None where no API call may be made (`plan --offline`): inputs read from the cluster are
    /// refused with the way round.
    pub cluster: Option<&'a ClusterArgs>,
    /// `--registry-password-stdin` reads stdin, so `-f -` cannot.
    pub stdin_taken: bool,
    /// `mirror --from-bundle`: the bundle's own images_digests, when no other input is named,
    /// and where an `oci://` chart is read from.
    pub bundle: Option<(&'a Path, &'a Layout)>,
    /// `--version`, of an `oci://` chart.
    pub version: Option<&'a str>,
    /// How to reach registries, and the local one (`--registry`): an `oci://` chart there is
    /// read with its credentials.
    pub registry: &'a RegistryArgs,
    pub local: Option<&'a RegistryHost>,
}

/// The bytes of an images_digests as a reader found them, before parsing.
struct Read {
    /// How messages name it.
    name: String,
    bytes: Vec<u8>,
    notes: Vec<String>,
    /// The bundle it was found in, if any.
    bundle: Option<std::path::PathBuf>,
}

/// Reads the input the flags name. Errors: the input cannot be read or is invalid (exit 2,
/// nothing contacted), or the cluster refused (exit 5).
pub async fn read(request: &Request<'_>) -> Result<Input, Error> {
    let args = request.args;
    check(args)?;
    if let Some(chart) = &args.chart {
        if let Some(reference) = chart.to_str().filter(|text| text.starts_with("oci://")) {
            let (chart, notes) = chart_oci::read(reference, request).await?;
            let mut input = chart_input(chart, args.include_disabled);
            input.notes.splice(0..0, notes);
            return Ok(input);
        }
        return Ok(chart_input(chart_files::read(chart, &args.values, &args.sets())?, args.include_disabled));
    }
    if let Some(path) = args.digests.as_deref().filter(|path| crate::bundle::holds_chart(path)) {
        let opened = crate::bundle::open(path, "-f")?;
        return bundled_chart(request, path, &opened.layout).await;
    }
    if let (Some((given, layout)), None) = (request.bundle, &args.digests)
        && layout.root().join(crate::bundle::chart_record::CHART_FILE).is_file()
    {
        return bundled_chart(request, given, layout).await;
    }
    if let Some(name) = &args.release {
        let cluster = needs_cluster(request.cluster, "--release reads the release from the cluster", || {
            "drop --offline, or pass the chart with --chart and your values with --values".to_owned()
        })?;
        let chart = release::read(&connect_cluster(cluster).await?, name, &args.sets()).await?;
        return Ok(chart_input(chart, args.include_disabled));
    }
    let raw = if let Some(name) = &args.from_configmap {
        let cluster = needs_cluster(request.cluster, "--from-configmap reads the ConfigMap from the cluster", || {
            format!(
                "drop --offline, or save the ConfigMap first (kubectl get configmap {name} -o yaml > {name}.yaml) and \
                 pass -f {name}.yaml"
            )
        })?;
        configmap::read(&connect_cluster(cluster).await?, name).await?
    } else if let (Some((given, layout)), None) = (request.bundle, &args.digests) {
        bundle::read(layout, given)?
    } else {
        if request.stdin_taken && args.digests.as_deref() == Some("-".as_ref()) {
            return Err(Error::usage(
                "-f - and --registry-password-stdin cannot both read stdin",
                "pass images_digests as a file with -f FILE",
            ));
        }
        digests_file::read(args.digests.as_deref(), args.installer_dir.as_deref())?
    };
    let parsed = digests::parse(&raw.bytes).map_err(|problems| match crate::helm::first_block(&raw.bytes) {
        // `-f values.yaml`, as helm takes it, meant `--chart`.
        Some(block) => Error::usage(
            format!("{} holds a Helm chart's values (the image block {block}), not an images_digests", raw.name),
            format!("pass chart values with --chart {} (your own on top with --values)", raw.name),
        ),
        None => Error::Input { source_name: raw.name.clone(), problems },
    })?;
    let mut notes = raw.notes;
    notes.extend(parsed.origin.iter().map(|origin| format!("Using {origin} in {}", raw.name)));
    notes.extend(parsed.warnings.iter().map(|warning| format!("warning: {}: {warning}", raw.name)));
    Ok(Input { name: raw.name, content: Content::Digests { bytes: raw.bytes, parsed }, notes, bundle: raw.bundle })
}

/// What the input flags cannot say together, in the words of the flags the user typed: `-f`
/// beside another input (to a Helm user, `-f` is a values file). Exit 2, nothing read.
/// The chart a bundle was made from, read from the bundle with the values and `--set` lines it
/// was carried for (`bundle::chart_record`).
async fn bundled_chart(request: &Request<'_>, given: &Path, layout: &Layout) -> Result<Input, Error> {
    let damaged = |why: String| {
        Error::usage(
            format!("the bundle {}: {why}", given.display()),
            "carry the bundle across again, or name its chart with --chart oci://... and your --values",
        )
    };
    let record = crate::bundle::chart_record::read(layout.root()).map_err(damaged)?;
    let record = record.ok_or_else(|| damaged("it was not made from an OCI chart".into()))?;
    // The lines the bundle was made with, then this run's: later lines win, as in helm.
    let typed = request.args;
    let of = |kind: crate::helm::SetKind, more: &[String]| -> Vec<String> {
        let recorded = record.sets.iter().filter(|(k, _)| *k == kind).map(|(_, line)| line.clone());
        recorded.chain(more.iter().cloned()).collect()
    };
    let args = InputArgs {
        digests: None,
        chart: Some(record.chart.clone().into()),
        values: record.values.clone(),
        set: of(crate::helm::SetKind::Typed, &typed.set),
        set_string: of(crate::helm::SetKind::String, &typed.set_string),
        set_json: of(crate::helm::SetKind::Json, &typed.set_json),
        ..typed.clone()
    };
    let inner = Request { args: &args, bundle: Some((given, layout)), version: None, ..*request };
    let (mut chart, mut notes) = chart_oci::read(&record.chart, &inner).await?;
    // The copies inside the bundle are what was carried, not files helm is given inside.
    if let crate::helm::Origin::Oci { values, .. } = &mut chart.origin {
        values.clear();
    }
    notes.insert(0, format!("Using the chart and values the bundle {} was made from", given.display()));
    let mut input = chart_input(chart, args.include_disabled);
    input.notes.splice(0..0, notes);
    input.bundle = Some(given.to_owned());
    Ok(input)
}

pub fn check(args: &InputArgs) -> Result<(), Error> {
    let chart_bundle = || args.digests.as_deref().is_some_and(crate::bundle::holds_chart);
    if !args.sets().is_empty() && !args.is_chart() && !chart_bundle() {
        return Err(Error::usage(
            "--set, --set-string and --set-json set a chart's values, and the input is an images_digests",
            "pass the chart with --chart (or the deployed release with --release), as helm takes --set",
        ));
    }
    let Some(file) = args.digests.as_ref().map(|path| path.display()) else { return Ok(()) };
    let (message, hint) = if args.chart.is_some() {
        (
            format!(
                "-f {file} names an images_digests file, and --chart reads a chart: with --chart, your own values \
                 files go in --values (helm's -f)"
            ),
            format!("pass --values {file} (repeatable, later files win)"),
        )
    } else if args.release.is_some() {
        (
            format!(
                "-f {file} names an images_digests file, and --release reads the deployed release, its values \
                 included, from the cluster"
            ),
            format!("drop -f; to check your own values before they are deployed: --chart CHART --values {file}"),
        )
    } else if let Some(name) = &args.from_configmap {
        (
            format!("-f {file} cannot be used with --from-configmap {name}: both name the images_digests to read"),
            "pass one of them".to_owned(),
        )
    } else {
        return Ok(());
    };
    Err(Error::usage(message, hint))
}

/// A chart's values as input, with a note on the blocks of disabled components: what they count
/// for depends on `include_disabled` (`--include-disabled`).
fn chart_input(chart: crate::helm::Chart, include_disabled: bool) -> Input {
    let disabled = chart.disabled();
    let what = if include_disabled {
        "--include-disabled checks, counts and mirrors them as if enabled"
    } else {
        "they are checked and shown, but do not count and mirror leaves them out (--include-disabled counts and \
         mirrors them, for components you may enable later)"
    };
    let notes = (!disabled.is_empty())
        .then(|| {
            let verb =
                if disabled.len() == 1 { "belongs to a disabled component" } else { "belong to disabled components" };
            format!("note: {} {verb}: {what}", disabled.join(", "))
        })
        .into_iter()
        .collect();
    Input { name: chart.name.clone(), content: Content::Chart(Box::new(chart)), notes, bundle: None }
}

fn needs_cluster<'a>(
    cluster: Option<&'a ClusterArgs>,
    what: &str,
    hint: impl FnOnce() -> String,
) -> Result<&'a ClusterArgs, Error> {
    cluster.ok_or_else(|| Error::usage(format!("{what}, and --offline makes no Kubernetes API call"), hint()))
}
