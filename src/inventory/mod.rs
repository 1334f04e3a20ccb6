//! What the local registry holds of the images of some inputs: the document `inventory` writes
//! (`kind: Inventory`) and that the admin carries *out* of the air gap, so that the connected side
//! can tell what is already inside. It names the registry and the mapping, and per repository the
//! manifests (with the tags they were found by) and blobs present, with sizes; no secret, and no
//! host but the registry's. Pure: `walk` fills it from the registry.

mod walk;

pub use walk::walk;

use crate::oci::Node;
use crate::reference::Digest;
use crate::report::API_VERSION;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Inventory {
    pub api_version: String,
    pub kind: String,
    pub registry: String,
    /// The mapping the inputs were mapped with (`Mapping::recorded`'s fields).
    pub mapping: serde_json::Value,
    /// Repository path -> what it holds, sorted by path.
    pub repositories: BTreeMap<String, Holdings>,
    /// Images of the inputs the registry does not hold: `repository:tag` or `repository@digest`.
    pub missing: Vec<String>,
    /// Blobs a manifest there names that its repository does not hold (`repository@digest`):
    /// not listed under `blobs`, so a delta made from this inventory carries them.
    #[serde(default)]
    pub lost: Vec<String>,
}

/// What one repository holds, by digest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Holdings {
    pub manifests: BTreeMap<String, ManifestHeld>,
    /// Blob digest -> size in bytes.
    pub blobs: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestHeld {
    pub media_type: Option<String>,
    /// Bytes of the manifest itself.
    pub size: u64,
    /// The tags it was found by (an image's tag, a signature's `sha256-HEX.sig`).
    pub tags: Vec<String>,
}

impl Inventory {
    pub fn new(registry: String, mapping: serde_json::Value) -> Inventory {
        Inventory {
            api_version: API_VERSION.to_owned(),
            kind: "Inventory".to_owned(),
            registry,
            mapping,
            repositories: BTreeMap::new(),
            missing: Vec::new(),
            lost: Vec::new(),
        }
    }

    /// Records a manifest `repository` holds and the blobs it names (a manifest the registry
    /// holds implies its blobs: the registry checked them when it was pushed).
    pub fn holds(&mut self, repository: &str, digest: &Digest, node: &Node) {
        let holdings = self.repositories.entry(repository.to_owned()).or_default();
        holdings.manifests.entry(digest.to_string()).or_insert_with(|| ManifestHeld {
            media_type: node.media_type.clone(),
            size: node.size,
            tags: vec![],
        });
        holdings.blobs.extend(node.blobs.iter().map(|(blob, size)| (blob.to_string(), *size)));
    }

    /// Records that `tag` found the manifest `digest` (recorded by `holds` first).
    pub fn tag(&mut self, repository: &str, digest: &Digest, tag: &str) {
        let held = self.repositories.get_mut(repository).and_then(|h| h.manifests.get_mut(digest.as_str()));
        if let Some(held) = held.filter(|held| !held.tags.iter().any(|known| known == tag)) {
            held.tags.push(tag.to_owned());
            held.tags.sort();
        }
    }

    /// Reads a document `inventory -o json` (or `-o yaml`) wrote. Errors (exit 2): the file
    /// cannot be read, or is not an inventory.
    pub fn read(path: &std::path::Path) -> Result<Inventory, crate::error::Error> {
        let refused = |why: String| {
            crate::error::Error::usage(
                format!("{}: {why}", path.display()),
                "give the document `kubectl essregistry inventory -o yaml` (or -o json) wrote inside the air gap",
            )
        };
        let bytes = std::fs::read(path).map_err(|e| refused(format!("cannot read it: {e}")))?;
        let inventory: Inventory =
            serde_yaml::from_slice(&bytes).map_err(|e| refused(format!("it is not an inventory: {e}")))?;
        if inventory.kind != "Inventory" {
            return Err(refused(format!("it is a {}, not an Inventory", inventory.kind)));
        }
        if inventory.api_version != API_VERSION {
            return Err(refused(format!(
                "it is an Inventory of {}, not {API_VERSION}: a newer kubectl essregistry wrote it",
                inventory.api_version
            )));
        }
        Ok(inventory)
    }

    /// Counts for a summary: repositories, manifests, distinct blobs, and their bytes (each
    /// distinct blob once, however many repositories hold it).
    pub fn totals(&self) -> (usize, usize, usize, u64) {
        let manifests = self.repositories.values().map(|h| h.manifests.len()).sum();
        let mut blobs: BTreeMap<&str, u64> = BTreeMap::new();
        for holdings in self.repositories.values() {
            blobs.extend(holdings.blobs.iter().map(|(digest, size)| (digest.as_str(), *size)));
        }
        (self.repositories.len(), manifests, blobs.len(), blobs.values().sum())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_found_twice_keeps_both_tags_and_blobs_count_once() {
        let mut inventory = Inventory::new("reg.local".into(), serde_json::json!({}));
        let (manifest, blob) = (Digest::of(b"manifest"), Digest::of(b"blob"));
        let node = Node { size: 10, blobs: vec![(blob, 100)], ..Node::default() };
        inventory.holds("ess/a", &manifest, &node);
        inventory.tag("ess/a", &manifest, "v1");
        inventory.holds("ess/a", &manifest, &node);
        inventory.tag("ess/a", &manifest, "sha256-1.sig");
        inventory.tag("ess/a", &manifest, "v1");
        inventory.holds("ess/b", &Digest::of(b"other"), &node);
        assert_eq!(inventory.repositories["ess/a"].manifests[manifest.as_str()].tags, ["sha256-1.sig", "v1"]);
        assert_eq!(inventory.totals(), (2, 2, 1, 100));
    }
}
