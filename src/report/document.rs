//! The report's schema, `apiVersion: essregistry/v1`, `kind: Plan`. Field names are a contract
//! with scripts: add fields, never rename them, within v1.

use super::Release;
use crate::check::ImageState;
use crate::cluster::objects::Change;
use crate::drift::EntryChange;
use crate::helm::Chart;
use crate::input::Written;
use crate::plan::{DigestAction, Plan, Summary};
use crate::release_diff::ReleaseDiff;
use serde::Serialize;

pub const API_VERSION: &str = "essregistry/v1";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanDocument<'a> {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub registry: &'a str,
    pub summary: Summary,
    pub images: Vec<ImageReport<'a>>,
    /// Entries the ConfigMap leaves out, which keep pulling from upstream.
    pub still_upstream: Vec<String>,
    /// Image blocks of components the values disable: checked, not counted (`--include-disabled`).
    pub disabled: Vec<String>,
    /// The chart the values belong to (`--chart`, `--release`): how it is named, and its version
    /// when known (an archive's or a release's; a bare values.yaml carries none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartDocument<'a>>,
    /// The string the ConfigMap's `data.images_digests` will hold once every image is ready
    /// (images_digests input; `apply` refuses while `stillUpstream` is not empty, unless
    /// `--allow-incomplete`, which writes only the ready entries).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<&'a str>,
    /// The values overlay for a chart's values (`--chart`, `--release`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm_values: Option<&'a serde_yaml::Mapping>,
    /// What applying would change, per object (absent with `--offline`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<&'a [Change]>,
    /// `kubectl essregistry mirror` with this run's flags, when an image is missing or
    /// mismatched: it copies every such image (each image's `fix` is the same copy by hand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mirror_command: Option<&'a str>,
    /// How the input compares with the live ConfigMap, entry by entry (`plan` against a
    /// cluster that has one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<ReleaseDocument<'a>>,
    /// The release against an earlier one or an inventory, image by image, with bytes
    /// (`--against`, `--have`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_diff: Option<&'a ReleaseDiff>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartDocument<'a> {
    /// As its Chart.yaml says; None for a bare values.yaml, which does not say.
    pub name: Option<&'a str>,
    pub version: Option<&'a str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseDocument<'a> {
    /// `namespace/name` of the live ConfigMap compared with.
    pub config_map: &'a str,
    pub entries: Vec<ReleaseEntry<'a>>,
}

/// One entry's change, and whether its image is ready in the local registry (None for an
/// entry the input removes).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseEntry<'a> {
    #[serde(flatten)]
    pub change: &'a EntryChange,
    pub ready: Option<bool>,
}

impl<'a> ReleaseDocument<'a> {
    pub fn new(release: Release<'a>, plan: &Plan) -> Self {
        let ready = plan.entries_ready();
        let entries = release
            .changes
            .iter()
            .map(|change| ReleaseEntry {
                ready: plan.entries.iter().position(|name| name == &change.entry).map(|index| ready[index]),
                change,
            })
            .collect();
        ReleaseDocument { config_map: release.configmap, entries }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageReport<'a> {
    pub entries: Vec<String>,
    pub source: String,
    pub target: String,
    /// None for an image pinned by its tag alone.
    pub expected_digest: Option<&'a str>,
    pub observed_digest: Option<&'a str>,
    pub state: ImageState,
    pub digest_action: DigestAction,
    pub reason: Option<&'a str>,
    /// A command that puts a missing or mismatched image right by hand, where upstream is
    /// reachable (`mirrorCommand` copies every such image).
    pub fix: Option<&'a str>,
    pub warning: Option<&'a str>,
}

impl<'a> PlanDocument<'a> {
    pub fn new(
        plan: &'a Plan,
        written: &'a Written,
        chart: Option<&'a Chart>,
        resources: Option<&'a [Change]>,
        mirror: &'a str,
    ) -> Self {
        let images = plan
            .images
            .iter()
            .map(|p| ImageReport {
                entries: p.image.entries.iter().map(|&i| plan.entries[i].clone()).collect(),
                source: match &p.image.digest {
                    Some(digest) => format!("{}@{digest}", p.image.source()),
                    None => p.image.source(),
                },
                target: format!("{}/{}", plan.registry, p.image),
                expected_digest: p.image.digest.as_ref().map(|d| d.as_str()),
                observed_digest: p.finding.observed.as_ref().map(|d| d.as_str()),
                state: p.finding.state,
                digest_action: p.action,
                reason: p.finding.reason.as_deref(),
                fix: p.finding.fix.as_deref(),
                warning: p.finding.warning.as_deref(),
            })
            .collect();
        PlanDocument {
            api_version: API_VERSION,
            kind: "Plan",
            registry: plan.registry.as_str(),
            summary: plan.summary(),
            images,
            still_upstream: plan.still_upstream(),
            disabled: plan.disabled(),
            chart: chart.map(|chart| ChartDocument { name: chart.chart_name.as_deref(), version: chart.version() }),
            config_map: written.configmap(),
            helm_values: written.overlay().map(|overlay| &overlay.values),
            resources,
            mirror_command: plan.images.iter().any(|image| image.finding.fix.is_some()).then_some(mirror),
            release: None,
            release_diff: None,
        }
    }
}
