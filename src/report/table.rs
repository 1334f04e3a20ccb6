//! The table a person reads: one row per image, notes for what needs acting on, what would be
//! written, and a summary line last so it is what stays on screen.

use super::mirror::human_bytes;
use super::{PlanReport, Release};
use crate::check::ImageState;
use crate::cluster::objects::Action;
use crate::drift::Change;
use crate::input::Written;
use crate::output::counted;
use crate::plan::{DigestAction, Plan};
use crate::release_diff::{Kind, ReleaseDiff};
use comfy_table::{ContentArrangement, Table, presets};
use owo_colors::OwoColorize;
use std::io::{self, Write};

const MIN_WRAP_WIDTH: u16 = 80;

pub(super) fn write_table(report: &PlanReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let plan = report.plan;
    let paint = |state: ImageState| -> String {
        let text = state.as_str();
        if !color {
            return text.to_owned();
        }
        match state {
            ImageState::Present => text.green().to_string(),
            ImageState::Mismatch => text.yellow().to_string(),
            ImageState::Missing | ImageState::Unauthorized | ImageState::Error | ImageState::Unsigned => {
                text.red().to_string()
            }
        }
    };
    if let Some(chart) = report.chart {
        let version = chart
            .version()
            .map_or_else(|| "version unknown: a bare values.yaml".to_owned(), |v| format!("version {v}"));
        writeln!(out, "Chart: {} ({version})", chart.name)?;
        writeln!(out)?;
    }
    let mut table = Table::new();
    // Wrap to the terminal's width when it is known and wide enough to be worth it; a pipe,
    // or a terminal that reports no size, gets lines whole.
    let arrangement = match table.width() {
        Some(width) if width >= MIN_WRAP_WIDTH => ContentArrangement::Dynamic,
        _ => ContentArrangement::Disabled,
    };
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(arrangement)
        .set_header(["STATE", "SOURCE", "TARGET", "USED BY", "DIGEST"]);
    for p in &plan.images {
        let digest = match p.action {
            DigestAction::UseLocal => format!("use-local {}", p.finding.observed.as_ref().map_or("", |d| d.short())),
            action => action.as_str().to_owned(),
        };
        let used_by: Vec<String> = p
            .image
            .entries
            .iter()
            .map(|&i| if plan.enabled[i] { plan.entries[i].clone() } else { format!("{} (disabled)", plan.entries[i]) })
            .collect();
        table.add_row([
            paint(p.finding.state),
            p.image.source(),
            format!("{}/{}", plan.registry, p.image),
            used_by.join(", "),
            digest,
        ]);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }

    // One command copies every image that is not ready; each image's copy by hand follows it.
    if plan.images.iter().any(|p| p.finding.fix.is_some()) {
        writeln!(out)?;
        writeln!(out, "fix: {}", report.mirror_command)?;
        writeln!(
            out,
            "  copies every image below that is not ready (by hand, where upstream is reachable: each one's"
        )?;
        writeln!(out, "  skopeo copy)")?;
    }
    // Our own words and values the registry adapter already sanitised: printed whole.
    for p in plan.images.iter().filter(|p| p.finding.reason.is_some() || p.finding.warning.is_some()) {
        writeln!(out)?;
        let label = match &p.finding.reason {
            Some(_) => paint(p.finding.state),
            None => "warning".to_owned(),
        };
        writeln!(out, "{label}  {}/{}", plan.registry, p.image)?;
        for line in [&p.finding.reason, &p.finding.warning].into_iter().flatten() {
            writeln!(out, "  {line}")?;
        }
        if let Some(fix) = &p.finding.fix {
            writeln!(out, "  by hand: {fix}")?;
        }
    }

    if let Some(release) = report.release {
        write_release(release, plan, out)?;
    }
    if let Some(diff) = report.diff {
        write_release_diff(diff, out)?;
    }
    writeln!(out)?;
    let summary = plan.summary();
    if summary.ready < summary.images && matches!(report.written, Written::ConfigMap(_)) {
        writeln!(
            out,
            "The ConfigMap below is as it will be once every image is ready: apply refuses until then (with \
             --allow-incomplete it writes the ready entries only)."
        )?;
    }
    match report.resources {
        None => match report.written {
            Written::ConfigMap(text) => {
                writeln!(out, "ConfigMap data.images_digests, as it would be written:")?;
                for line in text.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
            Written::HelmValues(overlay) => {
                writeln!(out, "Helm values overlay, as it would be written (-o values prints it alone):")?;
                for line in overlay.render().lines() {
                    writeln!(out, "  {line}")?;
                }
            }
        },
        Some(changes) => {
            for change in changes {
                writeln!(out, "{} {}/{}: {}", change.kind, change.namespace, change.name, change.action.as_str())?;
                for line in change.diff.iter().flat_map(|d| d.lines()) {
                    writeln!(out, "  {line}")?;
                }
                if change.kind == "Secret" && change.action == Action::Update {
                    writeln!(out, "  (its content differs; a Secret's content is never shown)")?;
                }
                if let Some(blocker) = &change.blocker {
                    writeln!(out, "  ({blocker}: apply refuses unless --force deletes and re-creates it)")?;
                }
            }
        }
    }
    writeln!(out)?;
    writeln!(out, "{}", summary_line(plan, report.written))
}

/// The input against the live ConfigMap, entry by entry: what changed first, then a count of
/// what did not.
fn write_release(release: Release, plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Against the live ConfigMap {}:", release.configmap)?;
    let ready = plan.entries_ready();
    let mut unchanged = 0;
    for change in release.changes {
        let readiness = match plan.entries.iter().position(|name| name == &change.entry).map(|index| ready[index]) {
            Some(true) => "ready",
            Some(false) => "not ready: mirror it",
            None => "",
        };
        let digests = match (change.change, &change.live_digest, &change.input_digest) {
            (Change::NewDigest, Some(live), Some(input)) => format!("{} -> {}", live.short(), input.short()),
            (Change::Moved, ..) => format!(
                "{} -> {}",
                change.live_path.as_deref().unwrap_or_default(),
                change.mapped_path.as_deref().unwrap_or_default()
            ),
            _ => String::new(),
        };
        match change.change {
            Change::Unchanged => unchanged += 1,
            kind => {
                let parts = [format!("{:<10}", kind.as_str()), change.entry.clone(), digests, readiness.to_owned()];
                let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|part| !part.is_empty()).collect();
                writeln!(out, "  {}", parts.join("  "))?;
            }
        }
    }
    writeln!(out, "  {unchanged} entries unchanged")
}

/// The release against an earlier one or an inventory: what changed, image by image, with
/// bytes, then the counts and the bytes carrying it takes.
fn write_release_diff(diff: &ReleaseDiff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Against {}:", diff.against)?;
    for image in diff.images.iter().filter(|image| image.change != Kind::Unchanged) {
        let kind = match image.change {
            Kind::Added => "added",
            Kind::Removed => "removed",
            Kind::Changed => "changed",
            Kind::Unchanged => "unchanged",
        };
        let digests = match (&image.old_digest, &image.new_digest, image.change) {
            (Some(old), Some(new), Kind::Changed) => format!("{} -> {}", old.short(), new.short()),
            (_, Some(new), Kind::Added) => new.short().to_string(),
            (Some(old), _, Kind::Removed) => old.short().to_string(),
            _ => String::new(),
        };
        let bytes = match (image.bytes, image.new_bytes) {
            (Some(bytes), Some(new)) => format!("{} ({} new)", human_bytes(bytes), human_bytes(new)),
            (Some(bytes), None) => human_bytes(bytes),
            (None, _) => "size unknown: not in the local registry".to_owned(),
        };
        writeln!(out, "  {kind:<8}  {}  {digests}  {bytes}", image.repository)?;
    }
    let [added, removed, changed, unchanged] = diff.counts();
    write!(
        out,
        "  {added} added, {removed} removed, {changed} changed, {unchanged} unchanged; {} of new blobs",
        human_bytes(diff.new_bytes)
    )?;
    match diff.unknown_bytes {
        0 => writeln!(out),
        unknown => writeln!(
            out,
            ", and {unknown} images not in the local registry to size (`mirror --dry-run --to-bundle B --have \
             INVENTORY` says what carrying them takes)"
        ),
    }
}

/// The plan in one line: counts, then what still pulls from upstream. A chart's values (`written`
/// is an overlay) have image blocks where images_digests has entries.
pub fn summary_line(plan: &Plan, written: &Written) -> String {
    let summary = plan.summary();
    let upstream = plan.still_upstream();
    let (one, many) = match written {
        Written::ConfigMap(_) => ("entry", "entries"),
        Written::HelmValues(_) => ("image block", "image blocks"),
    };
    let mut line = format!(
        "{} for {}: {} present, {} mismatch, {} missing, {} unauthorized, {} error{}. {} of {} ready",
        counted(summary.images, "image", "images"),
        counted(summary.entries, one, many),
        summary.present,
        summary.mismatch,
        summary.missing,
        summary.unauthorized,
        summary.error,
        match summary.unsigned {
            0 => String::new(),
            n => format!(", {n} unsigned"),
        },
        summary.ready,
        counted(summary.images, "image", "images")
    );
    if upstream.is_empty() {
        line.push_str(&format!("; every {one} will pull from {}.", plan.registry));
    } else {
        let pull = if upstream.len() == 1 { format!("{one} still pulls") } else { format!("{many} still pull") };
        line.push_str(&format!("; {} {pull} from upstream: {}.", upstream.len(), upstream.join(", ")));
    }
    let disabled = plan.disabled();
    if !disabled.is_empty() {
        line.push_str(&format!(
            " Not counted, disabled in the values (--include-disabled counts them): {}.",
            disabled.join(", ")
        ));
    }
    line
}
