//! What the local registry holds of the images of some inputs: the document `inventory` writes
//! (`kind: Inventory`) and that the admin carries *out* of the air gap, so that the connected side
//! can tell what is already inside. It names the registry and the mapping, and per repository the
//! manifests (with the tags they were found by) and blobs present, with sizes; no secret, and no
//! host but the registry's. Pure: `walk` fills it from the registry.

mod walk;

pub use walk::walk;

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
        }
    }

    /// Records a manifest found in `repository`, by `tag` if one found it.
    pub fn manifest(&mut self, repository: &str, digest: &str, held: ManifestHeld, tag: Option<&str>) {
        let holdings = self.repositories.entry(repository.to_owned()).or_default();
        let entry = holdings.manifests.entry(digest.to_owned()).or_insert(held);
        if let Some(tag) = tag.filter(|tag| !entry.tags.iter().any(|known| known == tag)) {
            entry.tags.push(tag.to_owned());
            entry.tags.sort();
        }
    }

    pub fn blob(&mut self, repository: &str, digest: &str, size: u64) {
        self.repositories.entry(repository.to_owned()).or_default().blobs.insert(digest.to_owned(), size);
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
        let held = ManifestHeld { media_type: None, size: 10, tags: vec![] };
        inventory.manifest("ess/a", "sha256:1", held.clone(), Some("v1"));
        inventory.manifest("ess/a", "sha256:1", held, Some("sha256-1.sig"));
        inventory.blob("ess/a", "sha256:b", 100);
        inventory.blob("ess/b", "sha256:b", 100);
        assert_eq!(inventory.repositories["ess/a"].manifests["sha256:1"].tags, ["sha256-1.sig", "v1"]);
        assert_eq!(inventory.totals(), (2, 1, 1, 100));
    }
}
