//! The output of `status`: a short checklist, then one line per problem.

use super::Report;
use super::apply::write_installer;
use super::document::API_VERSION;
use crate::status::{ObjectStatus, StatusReport};
use owo_colors::OwoColorize;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusDocument<'a> {
    api_version: &'static str,
    kind: &'static str,
    healthy: bool,
    #[serde(flatten)]
    report: &'a StatusReport,
}

impl Report for StatusReport {
    fn document(&self) -> impl Serialize + '_ {
        StatusDocument { api_version: API_VERSION, kind: "Status", healthy: self.healthy(), report: self }
    }

    fn write_table(&self, color: bool, out: &mut dyn Write) -> io::Result<()> {
        write_table(self, color, out)
    }

    fn values(&self) -> Option<String> {
        self.overlay.clone()
    }
}

fn write_table(report: &StatusReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "Context {}, namespace {}, registry {}",
        report.context,
        report.namespace,
        report.registry.as_deref().unwrap_or("unknown")
    )?;
    let object =
        |kind: &str, status: &ObjectStatus, out: &mut dyn Write| match (status.exists, status.detail.is_empty()) {
            (false, _) => writeln!(out, "{kind} {}: missing", status.name),
            (true, true) => writeln!(out, "{kind} {}: exists", status.name),
            (true, false) => writeln!(out, "{kind} {}: exists ({})", status.name, status.detail),
        };
    if let Some(release) = &report.release {
        object("Release", release, out)?;
    }
    if let Some(config_map) = &report.config_map {
        object("ConfigMap", config_map, out)?;
    }
    if let Some(secret) = &report.secret {
        object("Secret", secret, out)?;
    }
    if let Some(installer) = &report.installer {
        write_installer(installer, out)?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {warning}")?;
    }
    writeln!(out)?;
    if report.healthy() {
        let no_pods;
        let line = if report.pods_checked == 0 {
            no_pods = format!(
                "Everything holds so far, but no pods run in namespace {}: no image has been pulled yet \
                 (deploy, then run status again).",
                report.namespace
            );
            no_pods.as_str()
        } else {
            "Everything holds: every image comes from the local registry."
        };
        return writeln!(out, "{}", if color { line.green().to_string() } else { line.to_owned() });
    }
    let heading = format!("{} problem{}:", report.problems.len(), if report.problems.len() == 1 { "" } else { "s" });
    writeln!(out, "{}", if color { heading.red().to_string() } else { heading })?;
    for problem in &report.problems {
        writeln!(out, "  - {problem}")?;
    }
    Ok(())
}
