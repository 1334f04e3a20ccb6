//! Renderers of the plan: a table for people, a versioned JSON or YAML report for programs.
//! Both read the same `Plan`, and write to an injected writer.

mod apply;
mod document;
mod mirror;
mod status;
mod table;

pub use apply::{ApplyReport, HelmNext, write_apply, write_installer, write_manifests};
pub use document::PlanReport;
pub use mirror::{MirrorReport, human_bytes, write_mirror_table};
pub use status::write_status;
pub use table::{summary_line, write_table};

use crate::plan::{Plan, Written};
use std::io::{self, Write};

/// `-o`: how results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum OutputFormat {
    /// A table for a person, coloured on a terminal.
    #[default]
    Table,
    /// The versioned report (apiVersion essregistry/v1) as JSON.
    Json,
    /// The same report as YAML.
    Yaml,
    /// What is written for the images, alone: the Helm values overlay (--chart, --release), or the ConfigMap's images_digests
    Values,
}

/// What is written for the images, alone, as a file holds it: the chart's values overlay, or
/// the ConfigMap's images_digests string.
pub fn write_written(plan: &Plan, out: &mut dyn Write) -> io::Result<()> {
    match &plan.written {
        Written::ConfigMap(text) => out.write_all(text.as_bytes()),
        Written::HelmValues(overlay) => out.write_all(overlay.render().as_bytes()),
    }
}

/// Writes the plan in the chosen format.
pub fn write_plan(plan: &Plan, format: OutputFormat, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Table => write_table(plan, color, out),
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &PlanReport::from(plan))?;
            writeln!(out)
        }
        OutputFormat::Yaml => {
            let text = serde_yaml::to_string(&PlanReport::from(plan)).map_err(io::Error::other)?;
            out.write_all(text.as_bytes())
        }
        OutputFormat::Values => write_written(plan, out),
    }
}
