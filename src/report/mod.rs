//! Every command's report is a value; one writer renders any of them as a table for people or
//! as the versioned document (`apiVersion: essregistry/v1`) in JSON or YAML for programs, both
//! from the same value, to an injected writer. `-o values` prints what is written for the images
//! alone, for the reports that have it.

mod apply;
mod bundle_check;
mod delta;
mod document;
mod inventory;
mod mirror;
mod probe;
mod progress;
mod prune;
mod status;
mod table;

pub use apply::{ApplyReport, HelmNext, write_manifests};
pub use bundle_check::BundleCheckReport;
pub use document::{API_VERSION, PlanDocument, ReleaseDocument};
pub use mirror::{BundleState, MirrorReport, Target, Uploads, human_bytes};
pub use probe::ProbeReport;
pub use progress::MirrorProgress;
pub use prune::PruneReport;
pub use table::summary_line;

use crate::cluster::objects::Change;
use crate::drift::EntryChange;
use crate::helm::Chart;
use crate::input::Written;
use crate::plan::Plan;
use crate::release_diff::ReleaseDiff;
use serde::Serialize;
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

/// What every report gives the one writer.
pub trait Report {
    /// The versioned document, for `-o json` and `-o yaml`.
    fn document(&self) -> impl Serialize + '_;
    /// The table, for a person.
    fn write_table(&self, color: bool, out: &mut dyn Write) -> io::Result<()>;
    /// What is written for the images, as a file holds it (`-o values`); None for a report
    /// that writes none (commands refuse `-o values` before they start).
    fn values(&self) -> Option<String> {
        None
    }
}

/// Writes any report in the chosen format.
pub fn write(report: &impl Report, format: OutputFormat, color: bool, out: &mut dyn Write) -> io::Result<()> {
    match format {
        OutputFormat::Table => report.write_table(color, out),
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &report.document())?;
            writeln!(out)
        }
        OutputFormat::Yaml => {
            let text = serde_yaml::to_string(&report.document()).map_err(io::Error::other)?;
            out.write_all(text.as_bytes())
        }
        OutputFormat::Values => out.write_all(report.values().unwrap_or_default().as_bytes()),
    }
}

/// `plan`'s report: the plan, what it would write, and what applying it would change in the
/// cluster (None when the cluster was not read).
pub struct PlanReport<'a> {
    pub plan: &'a Plan,
    pub written: &'a Written,
    /// The chart the values belong to (`--chart`, `--release`).
    pub chart: Option<&'a Chart>,
    pub resources: Option<&'a [Change]>,
    /// How the input compares with the live ConfigMap (None: no ConfigMap, or not read).
    pub release: Option<Release<'a>>,
    /// The release against `--against` or `--have` (None without them).
    pub diff: Option<&'a ReleaseDiff>,
    /// The `mirror` command that copies what is not ready, with this run's flags.
    pub mirror_command: &'a str,
}

/// A new images_digests against the live ConfigMap `configmap` (`namespace/name`).
#[derive(Clone, Copy)]
pub struct Release<'a> {
    pub configmap: &'a str,
    pub changes: &'a [EntryChange],
}

impl Report for PlanReport<'_> {
    fn document(&self) -> impl Serialize + '_ {
        let mut document = PlanDocument::new(self.plan, self.written, self.chart, self.resources, self.mirror_command);
        document.release = self.release.map(|release| ReleaseDocument::new(release, self.plan));
        document.release_diff = self.diff;
        document
    }

    fn write_table(&self, color: bool, out: &mut dyn Write) -> io::Result<()> {
        table::write_table(self, color, out)
    }

    fn values(&self) -> Option<String> {
        Some(self.written.render())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Counted(usize);

    impl Report for Counted {
        fn document(&self) -> impl Serialize + '_ {
            serde_json::json!({"kind": "Counted", "count": self.0})
        }

        fn write_table(&self, _color: bool, out: &mut dyn Write) -> io::Result<()> {
            writeln!(out, "{} counted", self.0)
        }
    }

    fn written(format: OutputFormat) -> String {
        let mut out = Vec::new();
        write(&Counted(3), format, false, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_value_is_written_as_a_table_json_yaml_or_its_values() {
        assert_eq!(written(OutputFormat::Table), "3 counted\n");
        assert_eq!(written(OutputFormat::Json), "{\n  \"count\": 3,\n  \"kind\": \"Counted\"\n}\n");
        assert_eq!(written(OutputFormat::Yaml), "count: 3\nkind: Counted\n");
        assert_eq!(written(OutputFormat::Values), "", "a report without values writes none");
    }
}
