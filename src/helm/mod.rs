//! The matrix-stack Helm chart as input: its values (values.yaml, or the chart archive), the
//! admin's own values laid over them as Helm lays them, or a deployed release read back; the
//! image blocks found in them; and the values overlay that points every ready block at the
//! local registry. Pure: the readers of files and of the cluster are in `sources`.

pub mod archive;
mod blocks;
mod chart;
mod command;
mod merge;
pub mod oci;
mod overlay;
mod release;
mod set_values;
mod values;
mod yaml11;

pub use chart::{Chart, Origin};
pub use command::{CHART_NAME, HelmCommand, Install, command};
pub use overlay::{Overlay, Usage, pull_secrets};
pub use release::{
    EVERY_DEPLOYED, RELEASE_KEY, Release, check_name as check_release_name, decode as decode_release,
    deployed_selector, history_selector, pod_selector,
};
pub use set_values::SetKind;
pub use values::parse as parse_values;

use crate::mapping::{Pinned, TargetRef};
use crate::reference::{Digest, RegistryHost, RepoPath, Tag};
use serde_yaml::Mapping;

/// One `image` block of the chart's values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageBlock {
    /// Its values path (`postgres.postgresExporter.image`): how every output names it.
    pub path: String,
    /// The keys that lead to it, for the overlay to set its fields.
    pub keys: Vec<String>,
    pub server: RegistryHost,
    pub repository: RepoPath,
    pub tag: Option<Tag>,
    pub digest: Option<Digest>,
    /// False below an `enabled: false`: the component is not deployed now.
    pub enabled: bool,
}

impl ImageBlock {
    /// The image as the chart's `_pods.tpl` renders it for the pod: `registry/repository@digest`
    /// when a digest is set, else `registry/repository:tag`.
    pub fn rendered(&self) -> String {
        let target = TargetRef {
            registry: self.server.clone(),
            repository: self.repository.clone(),
            tag: self.tag.clone(),
            digest: self.digest.clone(),
        };
        target.rendered()
    }

    /// The image it names, as every step after the reader sees it.
    pub fn pinned(&self) -> Pinned {
        Pinned {
            name: self.path.clone(),
            server: self.server.clone(),
            path: self.repository.clone(),
            tag: self.tag.clone(),
            digest: self.digest.clone(),
            line: None,
            enabled: self.enabled,
        }
    }
}

/// The values path of the first image block in `bytes`, when they are a chart's values: what an
/// images_digests reader that failed can point at (`-f values.yaml` meant `--chart`).
pub fn first_block(bytes: &[u8]) -> Option<String> {
    let values = values::parse(bytes).ok()?;
    let layer = Layer { name: String::new(), values };
    blocks::find(&Values::new(layer, Vec::new())).ok()?.into_iter().next().map(|block| block.path)
}

/// One layer of values and what messages call it: the chart's values.yaml, a `--values` file,
/// a release's user values.
#[derive(Debug, Clone)]
pub struct Layer {
    pub name: String,
    pub values: Mapping,
}

/// The layers in Helm's order, the chart's first (always there), and the values they make
/// together.
#[derive(Debug, Clone)]
pub struct Values {
    pub layers: Vec<Layer>,
    pub merged: Mapping,
}

impl Values {
    pub fn new(chart: Layer, user: Vec<Layer>) -> Values {
        let merged = merge::coalesce(merge::user_values(user.iter().map(|l| l.values.clone())), &chart.values);
        let mut layers = vec![chart];
        layers.extend(user);
        Values { layers, merged }
    }

    /// These values with `--set`, `--set-string` and `--set-json` lines over the user's (Helm's
    /// order: see `set_values`); the lines are one more layer for `origin`, named by their
    /// flags. Errors: the flag and line that cannot be read, and why.
    pub fn with_sets(self, sets: &[(SetKind, String)]) -> Result<Values, String> {
        if sets.is_empty() {
            return Ok(self);
        }
        let Values { mut layers, .. } = self;
        let chart = layers.remove(0);
        let mut user = merge::user_values(layers.iter().map(|l| l.values.clone()));
        set_values::apply(&mut user, sets)?;
        let mut alone = Mapping::new();
        set_values::apply(&mut alone, sets)?;
        let merged = merge::coalesce(user, &chart.values);
        let flags = sets.iter().map(|(kind, line)| format!("{} {line}", kind.flag())).collect::<Vec<_>>().join(" ");
        layers.insert(0, chart);
        layers.push(Layer { name: flags, values: alone });
        Ok(Values { layers, merged })
    }

    /// The layer that set the value at `keys`: the last one that holds something there.
    pub fn origin(&self, keys: &[String]) -> Option<&str> {
        self.layers
            .iter()
            .rev()
            .find(|layer| merge::lookup(&layer.values, keys).is_some_and(|v| !v.is_null()))
            .map(|layer| layer.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn chart_values_are_told_apart_by_their_first_image_block() {
        let values =
            b"matrixTools:\n  image:\n    registry: ghcr.io\n    repository: element-hq/matrix-tools\n    tag: v0.1\n";
        assert_eq!(super::first_block(values).as_deref(), Some("matrixTools.image"));
        let digests = b"images_digests:\n  synapse:\n    haproxy:\n      image_repository_path: library/haproxy\n";
        assert_eq!(super::first_block(digests), None);
    }
}
