//! An input once read, whatever its kind: its identity for messages and reports, its content,
//! and the images it names as every later step sees them (`Pinned`). Also what `apply` writes
//! for the images, rendered from the plan's targets in the input's own format: the ConfigMap
//! string for images_digests, the values overlay for a chart. Pure; the readers are `sources`.

use crate::digests::{self, ImagesDigests};
use crate::error::Error;
use crate::helm::{Chart, Overlay};
use crate::mapping::Pinned;
use crate::plan::Plan;
use crate::problem::Problem;
use crate::reference::RegistryHost;

pub struct Input {
    /// How messages and reports name it: a path, `<stdin>`, a ConfigMap, a chart, a release.
    pub name: String,
    pub content: Content,
    /// What the reader found worth telling (which file was used, keys ignored), for stderr.
    pub notes: Vec<String>,
    /// The bundle the input was read from (`-f BUNDLE`, `--from-bundle`): `mirror
    /// --from-bundle` pushes its images.
    pub bundle: Option<std::path::PathBuf>,
}

pub enum Content {
    /// An images_digests, and its bytes as read (their digest is recorded on the ConfigMap).
    Digests { bytes: Vec<u8>, parsed: ImagesDigests },
    /// A chart's values (`--chart`, `--release`).
    Chart(Box<Chart>),
}

impl Input {
    /// The images, in input order. `local` is the local registry, which a chart's blocks an
    /// earlier overlay pointed there are traced back from (None: the one an overlay set).
    /// `include_disabled` (`--include-disabled`) counts the blocks of disabled components as
    /// enabled, for admins who mirror what they may enable later.
    pub fn pinned(&self, local: Option<&RegistryHost>, include_disabled: bool) -> Vec<Pinned> {
        let mut pinned = match &self.content {
            Content::Digests { parsed, .. } => parsed.entries.iter().map(digests::Entry::pinned).collect(),
            Content::Chart(chart) => chart.pinned(local),
        };
        if include_disabled {
            pinned.iter_mut().for_each(|pinned: &mut Pinned| pinned.enabled = true);
        }
        pinned
    }

    pub fn chart(&self) -> Option<&Chart> {
        match &self.content {
            Content::Chart(chart) => Some(chart),
            Content::Digests { .. } => None,
        }
    }

    /// The error for problems found with this input's images (by the mapping): exit 2.
    pub fn invalid(&self, problems: Vec<Problem>) -> Error {
        match self.content {
            Content::Digests { .. } => Error::Input { source_name: self.name.clone(), problems },
            Content::Chart(_) => Error::Values { source_name: self.name.clone(), problems },
        }
    }

    /// What `apply` writes for the ready images. `pull_secrets` is the `image.pullSecrets` list
    /// an overlay sets, if any (a chart only).
    pub fn written(&self, plan: &Plan, pull_secrets: Option<serde_yaml::Value>) -> Written {
        let targets = plan.targets();
        match &self.content {
            Content::Digests { parsed, .. } => Written::ConfigMap(digests::configmap_string(&parsed.entries, &targets)),
            Content::Chart(chart) => Written::HelmValues(Overlay::new(
                &chart.blocks,
                &targets,
                &plan.enabled,
                pull_secrets,
                chart.overlay_usage(),
            )),
        }
    }
}

/// What `apply` writes for the ready images.
#[derive(Debug, Clone)]
pub enum Written {
    /// The string the ConfigMap's `data.images_digests` will hold: the ready entries, in file order.
    ConfigMap(String),
    /// The values overlay for a chart: every ready block pointed at the local registry.
    HelmValues(Overlay),
}

impl Written {
    /// As a file holds it (`-o values`).
    pub fn render(&self) -> String {
        match self {
            Written::ConfigMap(text) => text.clone(),
            Written::HelmValues(overlay) => overlay.render(),
        }
    }

    pub fn configmap(&self) -> Option<&str> {
        match self {
            Written::ConfigMap(text) => Some(text),
            Written::HelmValues(_) => None,
        }
    }

    pub fn overlay(&self) -> Option<&Overlay> {
        match self {
            Written::HelmValues(overlay) => Some(overlay),
            Written::ConfigMap(_) => None,
        }
    }
}
