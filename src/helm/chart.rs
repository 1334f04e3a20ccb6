//! A chart's values read, whatever they came from: their layers, the image blocks in them, and
//! where they came from (for the helm command that uses the overlay).

use super::{ImageBlock, Release, SetKind, Usage, Values, blocks};
use crate::error::Error;
use crate::mapping::Pinned;
use crate::reference::{Digest, RegistryHost};
use crate::sanitize::printable;

/// The chart input: its values, the image blocks in them, and where it came from.
pub struct Chart {
    /// How messages name it: the input it was read from (`matrix-stack 26.1.0 (FILE) with ...`).
    pub name: String,
    /// The chart's own name, as its Chart.yaml says (`matrix-stack`); None for a bare values.yaml.
    pub chart_name: Option<String>,
    pub values: Values,
    pub blocks: Vec<ImageBlock>,
    pub origin: Origin,
}

/// Where the values came from, for the `helm` command that uses the overlay.
pub enum Origin {
    /// `--chart` with its `--values` files, in order; `archive` when `chart` is the chart archive
    /// (helm can install from it), not its values.yaml; `version` from the archive's Chart.yaml.
    Files { chart: std::path::PathBuf, archive: bool, version: Option<String>, values: Vec<std::path::PathBuf> },
    /// `--release`: the deployed revision.
    Release(Box<Release>),
    /// `--chart oci://...`: the artifact's manifest `digest`, the chart's `version` (its
    /// Chart.yaml's), and the `--values` files in order.
    Oci { reference: super::oci::ChartReference, digest: Digest, version: String, values: Vec<std::path::PathBuf> },
}

impl Chart {
    /// The blocks of `values`, or every problem with them (exit 2: nothing was contacted).
    pub fn new(name: String, values: Values, origin: Origin) -> Result<Chart, Error> {
        let blocks = blocks::find(&values).map_err(|problems| Error::Values { source_name: name.clone(), problems })?;
        if blocks.is_empty() {
            return Err(Error::usage(
                format!("{name} has no image block (a mapping under a key named image, with a repository)"),
                "pass the matrix-stack chart's values.yaml or archive with --chart, or its deployed release with --release",
            ));
        }
        Ok(Chart { name, chart_name: None, values, blocks, origin })
    }

    /// A release's values: the chart's, with the release's user values over them, and `sets`
    /// over those (as `helm upgrade --reuse-values --set` lays them). Errors: the values'
    /// problems (`Ok`), or a `--set` line that cannot be read (`Err`, why).
    pub fn from_release(release: Release, sets: &[(SetKind, String)]) -> Result<Chart, Result<Error, String>> {
        let revision =
            format!("release {} (revision {}, namespace {})", release.name, release.revision, release.namespace);
        let chart =
            super::Layer { name: format!("the chart's values in {revision}"), values: release.chart_values.clone() };
        let user = super::Layer { name: format!("the user values of {revision}"), values: release.config.clone() };
        let title =
            format!("{revision}, chart {} {}", printable(&release.chart_name), printable(&release.chart_version));
        let values = Values::new(chart, vec![user]).with_sets(sets).map_err(Err)?;
        let chart_name = Some(release.chart_name.clone()).filter(|name| !name.is_empty());
        let chart = Chart::new(title, values, Origin::Release(Box::new(release))).map_err(Ok)?;
        Ok(Chart { chart_name, ..chart })
    }

    /// The images the blocks name upstream, in the blocks' order. A block an earlier overlay
    /// pointed at `local` is traced back to the chart's own image, so that a rerun maps what is
    /// upstream, not what is local already; `local` None: the registry an overlay set, if any.
    pub fn pinned(&self, local: Option<&RegistryHost>) -> Vec<Pinned> {
        let overlaid = self.overlaid_registry();
        match local.or(overlaid.as_ref()) {
            Some(local) => blocks::upstream(&self.values, &self.blocks, local).iter().map(ImageBlock::pinned).collect(),
            None => self.blocks.iter().map(ImageBlock::pinned).collect(),
        }
    }

    /// The registry an earlier overlay pointed the blocks at: the one they point at most among
    /// blocks whose registry is not the chart's own. None when every block pulls from the
    /// chart's registries.
    pub fn overlaid_registry(&self) -> Option<RegistryHost> {
        blocks::overlaid_registry(&self.values, &self.blocks)
    }

    /// The chart's version: an archive's (its Chart.yaml) or a deployed release's; None for a
    /// bare values.yaml.
    pub fn version(&self) -> Option<&str> {
        match &self.origin {
            Origin::Files { version, .. } => version.as_deref(),
            Origin::Oci { version, .. } => Some(version.as_str()),
            Origin::Release(release) => Some(release.chart_version.as_str()).filter(|v| !v.is_empty()),
        }
    }

    /// How an overlay made from these values is laid over them.
    pub fn overlay_usage(&self) -> Usage {
        match &self.origin {
            Origin::Files { values, .. } | Origin::Oci { values, .. } => {
                Usage::Layered(values.iter().map(|file| file.display().to_string()).collect())
            }
            Origin::Release(_) => Usage::ReuseValues,
        }
    }

    /// The values paths of the blocks of components that are not deployed now.
    pub fn disabled(&self) -> Vec<&str> {
        self.blocks.iter().filter(|b| !b.enabled).map(|b| b.path.as_str()).collect()
    }
}
