//! The output of `apply`: what was written, and what the ESS installer still needs.

use super::document::PlanDocument;
use super::table::summary_line;
use super::{OutputFormat, Report};
use crate::cluster::installer::{InstallerReport, Reference, ReferenceState};
use crate::cluster::objects::{Action, Change};
use crate::input::Written;
use crate::plan::Plan;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use serde::Serialize;
use std::io::{self, Write};

pub struct ApplyReport<'a> {
    pub plan: &'a Plan,
    pub written: &'a Written,
    pub chart: Option<&'a crate::helm::Chart>,
    pub mirror_command: &'a str,
    pub context: &'a str,
    pub namespace: &'a str,
    pub server_dry_run: bool,
    pub resources: &'a [Change],
    /// What the ESS installer still needs (images_digests input).
    pub installer: Option<&'a InstallerReport>,
    /// The overlay written and the helm command to run (a chart's values).
    pub helm: Option<&'a HelmNext>,
}

/// After apply with a chart's values: where the overlay went, and the helm command that uses it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmNext {
    pub values_out: String,
    /// False in a dry run, which leaves the file as it was.
    pub written: bool,
    /// None when the release or the chart version cannot be known: `note` says why.
    pub command: Option<String>,
    /// Why there is no command and the flag that gives one, or what the command assumes.
    pub note: Option<String>,
}

/// `apiVersion: essregistry/v1`, `kind: Apply`: the plan's fields, and what was done.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApplyDocument<'a> {
    #[serde(flatten)]
    plan: PlanDocument<'a>,
    context: &'a str,
    namespace: &'a str,
    dry_run: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    installer: Option<&'a InstallerReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    helm: Option<&'a HelmNext>,
}

impl Report for ApplyReport<'_> {
    fn document(&self) -> impl Serialize + '_ {
        let mut plan =
            PlanDocument::new(self.plan, self.written, self.chart, Some(self.resources), self.mirror_command);
        plan.kind = "Apply";
        ApplyDocument {
            plan,
            context: self.context,
            namespace: self.namespace,
            dry_run: if self.server_dry_run { "server" } else { "none" },
            installer: self.installer,
            helm: self.helm,
        }
    }

    fn write_table(&self, _color: bool, out: &mut dyn Write) -> io::Result<()> {
        write_apply_table(self, out)
    }

    fn values(&self) -> Option<String> {
        Some(self.written.render())
    }
}

fn write_apply_table(report: &ApplyReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}", summary_line(report.plan, report.written))?;
    writeln!(out)?;
    let suffix = if report.server_dry_run { " (server dry run)" } else { "" };
    for change in report.resources {
        let done = match change.action {
            Action::Create => "created",
            Action::Update => "configured",
            Action::Replace => "replaced (deleted and re-created)",
            Action::Unchanged => "unchanged",
        };
        writeln!(out, "{}/{} {done}{suffix}", change.kind.to_lowercase(), change.name)?;
    }
    if let Some(helm) = report.helm {
        write_helm_next(report.written, helm, out)?;
    }
    match report.installer {
        Some(installer) => write_installer(installer, out),
        None => Ok(()),
    }
}

fn write_helm_next(written: &Written, helm: &HelmNext, out: &mut dyn Write) -> io::Result<()> {
    if helm.written {
        writeln!(out, "values overlay written to {}", helm.values_out)?;
    } else {
        writeln!(out, "values overlay not written to {} (dry run)", helm.values_out)?;
    }
    writeln!(out)?;
    match &helm.command {
        Some(command) => {
            writeln!(out, "Next, let Helm point the pods at the local registry (this plugin never runs helm):")?;
            writeln!(out, "  {command}")?;
        }
        None => writeln!(out, "No helm command can be printed yet:")?,
    }
    if let Some(note) = &helm.note {
        writeln!(out, "  note: {note}")?;
    }
    let left_out = written.overlay().map(|overlay| overlay.left_out.as_slice()).unwrap_or_default();
    if !left_out.is_empty() {
        writeln!(out, "  Still pulling from upstream: {}", left_out.join(", "))?;
    }
    Ok(())
}

/// The installer section, shared with `status`.
pub(super) fn write_installer(installer: &InstallerReport, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(out, "The ESS installer:")?;
    let line = |reference: &Reference, out: &mut dyn Write| -> io::Result<()> {
        let state = match (&reference.problem, installer.evidence_available) {
            (None, _) => "referenced",
            (Some(_), true) => match reference.state {
                ReferenceState::WrongField => "in the wrong field",
                ReferenceState::SavedNotDeployed => "saved in the installer, not deployed yet",
                _ => "not referenced: enter it there",
            },
            // Nothing to look in: the installer's files are elsewhere, or it runs on another host.
            (Some(_), false) => {
                "not referenced as far as can be seen (no installer files or ElementDeployment found): \
                               enter it there if not done"
            }
        };
        writeln!(out, "  {}: {}  {state}", reference.installer_field, reference.name)?;
        for evidence in &reference.evidence {
            writeln!(out, "    found in {evidence}")?;
        }
        if let Some(warning) = &reference.warning {
            writeln!(out, "    warning: {warning}")?;
        }
        if let (Some(problem), true, ReferenceState::WrongField | ReferenceState::SavedNotDeployed) =
            (&reference.problem, installer.evidence_available, reference.state)
        {
            writeln!(out, "    {problem}")?;
        }
        Ok(())
    };
    line(&installer.config_map, out)?;
    if let Some(secret) = &installer.secret {
        line(secret, out)?;
    }
    writeln!(out, "  (looked in: {})", installer.searched.join("; "))?;
    if installer.evidence_available && !installer.config_map.referenced() {
        writeln!(out, "  Until the installer names the ConfigMap, every component still pulls from upstream.")?;
    }
    if !installer.still_upstream.is_empty() {
        writeln!(out, "  Still pulling from upstream: {}", installer.still_upstream.join(", "))?;
    }
    Ok(())
}

/// The manifests, as `kubectl create ... --dry-run=client -o yaml|json` prints them; `-o values`
/// prints what is written for the images instead. With a chart (`helm`), the values overlay
/// too (in YAML, as a document after the objects; it is no Kubernetes object, so the JSON list
/// leaves it out) and the helm command.
pub fn write_manifests(
    written: &Written,
    configmap: Option<&ConfigMap>,
    secret: Option<&Secret>,
    helm: Option<&HelmNext>,
    format: OutputFormat,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Through serde_json's sorted maps, so fields come in kubectl's (alphabetical) order.
    let mut items = Vec::new();
    if let Some(configmap) = configmap {
        items.push(serde_json::to_value(configmap).map_err(io::Error::other)?);
    }
    if let Some(secret) = secret {
        items.push(serde_json::to_value(secret).map_err(io::Error::other)?);
    }
    match format {
        OutputFormat::Json => {
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items, "metadata": {}});
            serde_json::to_writer_pretty(&mut *out, &list)?;
            writeln!(out)
        }
        OutputFormat::Yaml => {
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    writeln!(out, "---")?;
                }
                out.write_all(serde_yaml::to_string(item).map_err(io::Error::other)?.as_bytes())?;
            }
            if let (Some(helm), Written::HelmValues(overlay)) = (helm, written) {
                if !items.is_empty() {
                    writeln!(out, "---")?;
                }
                writeln!(out, "# The values overlay, for {} (not written: client dry run)", helm.values_out)?;
                out.write_all(overlay.render().as_bytes())?;
                for line in helm.command.iter().chain(&helm.note) {
                    writeln!(out, "# {line}")?;
                }
            }
            Ok(())
        }
        OutputFormat::Table => {
            for item in &items {
                let kind = item["kind"].as_str().unwrap_or_default().to_lowercase();
                writeln!(out, "{kind}/{} created (dry run)", item["metadata"]["name"].as_str().unwrap_or_default())?;
            }
            if let (Some(helm), Written::HelmValues(overlay)) = (helm, written) {
                writeln!(out)?;
                writeln!(out, "The values overlay, for {} (not written: client dry run):", helm.values_out)?;
                for line in overlay.render().lines() {
                    writeln!(out, "  {line}")?;
                }
                write_helm_next(written, helm, out)?;
            }
            Ok(())
        }
        OutputFormat::Values => out.write_all(written.render().as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::installer::{Field, reference};

    fn installer(evidence_available: bool) -> String {
        let report = InstallerReport {
            config_map: reference("ess-images-digests", Field::ImagesDigestsConfigMap, &[]),
            secret: Some(reference("ess-local-registry", Field::DockerSecrets, &[])),
            still_upstream: vec![],
            searched: vec!["~/.element-enterprise-server/config/*.yml".to_owned()],
            evidence_available,
        };
        let mut out = Vec::new();
        write_installer(&report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn not_referenced_is_said_only_where_there_was_something_to_look_in() {
        let seen = installer(true);
        assert!(seen.contains("ess-images-digests  not referenced: enter it there"), "{seen}");
        assert!(seen.contains("Until the installer names the ConfigMap"), "{seen}");
        let nothing = installer(false);
        assert!(nothing.contains("ess-images-digests  not referenced as far as can be seen (no installer files"));
        assert!(!nothing.contains("Until the installer"), "no claim that nothing pulls locally: {nothing}");
    }
}
