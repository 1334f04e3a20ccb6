//! The table a person reads: one row per image, notes for what needs acting on, what would be
//! written, and a summary line last so it is what stays on screen.

use crate::check::ImageState;
use crate::plan::{DigestAction, Plan};
use crate::sanitize::printable;
use comfy_table::{Table, presets};
use owo_colors::OwoColorize;
use std::io::{self, Write};

pub fn write_table(plan: &Plan, color: bool, out: &mut dyn Write) -> io::Result<()> {
    let paint = |state: ImageState| -> String {
        let text = state.as_str();
        if !color {
            return text.to_owned();
        }
        match state {
            ImageState::Present => text.green().to_string(),
            ImageState::Mismatch => text.yellow().to_string(),
            ImageState::Missing | ImageState::Unauthorized | ImageState::Error => text.red().to_string(),
        }
    };
    let mut table = Table::new();
    table.load_preset(presets::NOTHING).set_header(["STATE", "SOURCE", "TARGET", "USED BY", "DIGEST"]);
    for p in &plan.images {
        let digest = match p.action {
            DigestAction::UseLocal => format!("use-local {}", p.finding.observed.as_ref().map_or("", |d| d.short())),
            action => action.as_str().to_owned(),
        };
        let used_by: Vec<String> = p.image.entries.iter().map(|&i| plan.entries[i].name()).collect();
        table.add_row([paint(p.finding.state), p.image.source(), format!("{}/{}", plan.registry, p.image), used_by.join(", "), digest]);
    }
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    for line in table.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }

    let notes: Vec<_> = plan
        .images
        .iter()
        .flat_map(|p| {
            let reason = p.finding.reason.as_ref().map(|r| (paint(p.finding.state), r));
            let warning = p.finding.warning.as_ref().map(|w| ("warning".to_owned(), w));
            reason.into_iter().chain(warning).map(move |(label, text)| (label, &p.image, text))
        })
        .collect();
    if !notes.is_empty() {
        writeln!(out)?;
        for (label, image, text) in notes {
            writeln!(out, "{label} {image}: {}", printable(text))?;
        }
    }

    let summary = plan.summary();
    writeln!(out)?;
    writeln!(out, "ConfigMap data.images_digests, as it would be written:")?;
    for line in plan.configmap.lines() {
        writeln!(out, "  {line}")?;
    }
    writeln!(out)?;
    let upstream = plan.still_upstream();
    let mut line = format!(
        "{} images for {} entries: {} present, {} mismatch, {} missing, {} unauthorized, {} error. {} of {} images ready",
        summary.images, summary.entries, summary.present, summary.mismatch, summary.missing, summary.unauthorized, summary.error, summary.ready, summary.images
    );
    if upstream.is_empty() {
        line.push_str(&format!("; every entry will pull from {}.", plan.registry));
    } else {
        line.push_str(&format!("; {} entries still pull from upstream: {}.", upstream.len(), upstream.join(", ")));
    }
    writeln!(out, "{line}")
}
