//! What a release changes against an earlier one (`plan --against OLD`) or against what the
//! local registry holds (`plan --have INVENTORY`): per image (its repository in the local
//! registry), added, removed, changed (another digest) or unchanged, with bytes: what an admin
//! reviews before carrying a release across. Pure: the command reads the manifests.

use crate::reference::Digest;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One image of a side: the digest pinned (None: pinned by tag, not resolved) and its blobs
/// with sizes, None where they could not be read (not in the local registry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    pub digest: Option<Digest>,
    pub blobs: Option<BTreeMap<Digest, u64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// One image's change. Bytes are of blobs (config and layers), each distinct blob once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageChange {
    /// The repository in the local registry, `ess/element-hq/synapse`.
    pub repository: String,
    pub change: Kind,
    pub old_digest: Option<Digest>,
    pub new_digest: Option<Digest>,
    /// The new image's bytes (the old one's for a removed image); None: not readable here.
    pub bytes: Option<u64>,
    /// Of `bytes`, what the old side does not hold in any repository: what carrying the
    /// release across adds. None for a removed image, or where the bytes are unknown.
    pub new_bytes: Option<u64>,
}

/// The whole comparison, images in repository order, and its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseDiff {
    /// What the release is compared with: the file names of `--against` or `--have`.
    pub against: String,
    pub images: Vec<ImageChange>,
    /// Sum of `newBytes` over the images whose bytes are known.
    pub new_bytes: u64,
    /// Images whose bytes could not be read here (not in the local registry yet).
    pub unknown_bytes: usize,
}

/// Compares `new` with `old` (both by repository); `old_blobs` is every blob the old side holds,
/// in any repository (a blob another image already brought is not carried again).
pub fn diff(
    against: String,
    new: &BTreeMap<String, Held>,
    old: &BTreeMap<String, Held>,
    old_blobs: &BTreeSet<Digest>,
) -> ReleaseDiff {
    let mut images = Vec::new();
    let repositories: BTreeSet<&String> = new.keys().chain(old.keys()).collect();
    for repository in repositories {
        let (now, before) = (new.get(repository), old.get(repository));
        let change = match (now, before) {
            (Some(_), None) => Kind::Added,
            (None, _) => Kind::Removed,
            (Some(now), Some(before)) if now.digest.is_some() && now.digest == before.digest => Kind::Unchanged,
            (Some(_), Some(_)) => Kind::Changed,
        };
        let sized = now.or(before).and_then(|held| held.blobs.as_ref());
        let bytes = sized.map(|blobs| blobs.values().sum());
        let new_bytes = match (change, sized) {
            (Kind::Removed, _) | (_, None) => None,
            (_, Some(blobs)) => {
                Some(blobs.iter().filter(|(digest, _)| !old_blobs.contains(*digest)).map(|(_, size)| size).sum())
            }
        };
        images.push(ImageChange {
            repository: repository.clone(),
            change,
            old_digest: before.and_then(|held| held.digest.clone()),
            new_digest: now.and_then(|held| held.digest.clone()),
            bytes,
            new_bytes,
        });
    }
    let new_bytes = images.iter().filter_map(|image| image.new_bytes).sum();
    let unknown_bytes = images.iter().filter(|image| image.change != Kind::Removed && image.bytes.is_none()).count();
    ReleaseDiff { against, images, new_bytes, unknown_bytes }
}

impl ReleaseDiff {
    /// How many images each kind of change has: added, removed, changed, unchanged.
    pub fn counts(&self) -> [usize; 4] {
        let count = |kind: Kind| self.images.iter().filter(|image| image.change == kind).count();
        [count(Kind::Added), count(Kind::Removed), count(Kind::Changed), count(Kind::Unchanged)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held(digest: &str, blobs: &[(&str, u64)]) -> Held {
        Held {
            digest: Some(Digest::of(digest.as_bytes())),
            blobs: Some(blobs.iter().map(|(name, size)| (Digest::of(name.as_bytes()), *size)).collect()),
        }
    }

    #[test]
    fn a_new_top_layer_over_an_old_base_counts_only_the_new_layer_and_a_shared_blob_once() {
        let old = BTreeMap::from([
            ("ess/synapse".to_owned(), held("synapse 1", &[("base", 100), ("top 1", 10)])),
            ("ess/haproxy".to_owned(), held("haproxy", &[("alpine", 50)])),
            ("ess/gone".to_owned(), held("gone", &[("gone layer", 5)])),
        ]);
        let new = BTreeMap::from([
            ("ess/synapse".to_owned(), held("synapse 2", &[("base", 100), ("top 2", 20)])),
            ("ess/haproxy".to_owned(), held("haproxy", &[("alpine", 50)])),
            ("ess/mas".to_owned(), held("mas", &[("alpine", 50), ("mas layer", 7)])),
            ("ess/unread".to_owned(), Held { digest: Some(Digest::of(b"x")), blobs: None }),
        ]);
        let old_blobs = old.values().flat_map(|held| held.blobs.clone().unwrap().into_keys()).collect();
        let diff = diff("release-1.yml".into(), &new, &old, &old_blobs);
        let by = |repository: &str| diff.images.iter().find(|image| image.repository == repository).unwrap();
        assert_eq!((by("ess/synapse").change, by("ess/synapse").new_bytes), (Kind::Changed, Some(20)));
        assert_eq!((by("ess/haproxy").change, by("ess/haproxy").new_bytes), (Kind::Unchanged, Some(0)));
        assert_eq!((by("ess/mas").change, by("ess/mas").new_bytes), (Kind::Added, Some(7)), "alpine is inside");
        assert_eq!((by("ess/gone").change, by("ess/gone").bytes), (Kind::Removed, Some(5)));
        assert_eq!(by("ess/unread").bytes, None);
        assert_eq!((diff.new_bytes, diff.unknown_bytes), (27, 1));
        assert_eq!(diff.counts(), [2, 1, 1, 1]);
    }
}
