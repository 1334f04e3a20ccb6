//! Which tags and manifests of the local registry no release kept uses any more. Pure: the
//! command lists the repositories' tags and manifests, the images the kept inputs pin, and the
//! images pods run; this decides.
//!
//! Only repositories the inputs map to are looked at. A manifest is kept when a kept input pins
//! it (or its tag, for an image pinned by tag alone), a pod runs it (by digest or by tag), or a
//! kept index lists it; a tag cosign attaches (`sha256-HEX.sig`, `.att`, `.sbom`, and the
//! referrers fallback `sha256-HEX`) goes with the manifest `HEX` names. Everything else is
//! unused: deleting it by digest removes every tag that points at it.

use crate::oci::{ATTACHED_SUFFIXES, attached_tag};
use crate::reference::Digest;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A manifest as listed: what it refers to.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    /// Manifests an index lists.
    pub children: Vec<Digest>,
    /// Blobs an image manifest names, with sizes in bytes.
    pub blobs: Vec<(Digest, u64)>,
    /// Bytes of the manifest itself.
    pub size: u64,
}

/// One repository as the registry holds it.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// Tag -> the digest it holds.
    pub tags: BTreeMap<String, Digest>,
    /// Every manifest read, by digest.
    pub manifests: BTreeMap<Digest, Listed>,
}

/// What must stay, per repository: digests and tags.
#[derive(Debug, Clone, Default)]
pub struct Keep {
    pub digests: BTreeSet<(String, Digest)>,
    pub tags: BTreeSet<(String, String)>,
}

/// One unused tag, the manifest it holds, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unused {
    pub repository: String,
    pub tag: String,
    pub digest: Digest,
    pub why: String,
}

/// The unused tags of `repositories`, in repository and tag order, and the bytes deleting them
/// would free once the registry collects garbage: the blobs they refer to that nothing kept
/// (in any repository looked at) refers to.
pub fn unused(repositories: &BTreeMap<String, Repository>, keep: &Keep) -> (Vec<Unused>, u64) {
    let mut kept: BTreeSet<(String, Digest)> = keep.digests.clone();
    for (name, repository) in repositories {
        for (tag, digest) in &repository.tags {
            if keep.tags.contains(&(name.clone(), tag.clone())) {
                kept.insert((name.clone(), digest.clone()));
            }
        }
    }
    // A kept index keeps what it lists; an attached tag goes with the manifest it names.
    for (name, repository) in repositories {
        let mut pending: Vec<Digest> = kept.iter().filter(|(r, _)| r == name).map(|(_, d)| d.clone()).collect();
        while let Some(digest) = pending.pop() {
            for child in repository.manifests.get(&digest).map(|m| m.children.clone()).unwrap_or_default() {
                if kept.insert((name.clone(), child.clone())) {
                    pending.push(child);
                }
            }
            let attached_tags: Vec<String> =
                ATTACHED_SUFFIXES.iter().map(|suffix| attached_tag(&digest, suffix)).collect();
            for (tag, attached) in &repository.tags {
                if attached_tags.contains(tag) && kept.insert((name.clone(), attached.clone())) {
                    pending.push(attached.clone());
                }
            }
        }
    }
    let mut found = Vec::new();
    for (name, repository) in repositories {
        for (tag, digest) in &repository.tags {
            if kept.contains(&(name.clone(), digest.clone())) {
                continue;
            }
            let why = if tag.starts_with("sha256-") {
                "attached (a signature, attestation or referrers index) to a manifest no kept release uses"
            } else {
                "no kept release pins it and no pod runs it"
            };
            found.push(Unused {
                repository: name.clone(),
                tag: tag.clone(),
                digest: digest.clone(),
                why: why.to_owned(),
            });
        }
    }
    (found.clone(), freed(repositories, &kept, &found))
}

fn freed(repositories: &BTreeMap<String, Repository>, kept: &BTreeSet<(String, Digest)>, unused: &[Unused]) -> u64 {
    let blobs_of = |name: &str, digest: &Digest| -> Vec<(Digest, u64)> {
        let Some(repository) = repositories.get(name) else { return vec![] };
        let mut blobs = Vec::new();
        let mut pending = vec![digest.clone()];
        while let Some(digest) = pending.pop() {
            if let Some(listed) = repository.manifests.get(&digest) {
                blobs.extend(listed.blobs.iter().cloned());
                pending.extend(listed.children.iter().cloned());
            }
        }
        blobs
    };
    let still: BTreeSet<Digest> =
        kept.iter().flat_map(|(name, digest)| blobs_of(name, digest)).map(|(d, _)| d).collect();
    let gone: BTreeMap<Digest, u64> = unused
        .iter()
        .flat_map(|u| blobs_of(&u.repository, &u.digest))
        .filter(|(digest, _)| !still.contains(digest))
        .collect();
    gone.values().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(name: &str) -> Digest {
        Digest::of(name.as_bytes())
    }

    #[test]
    fn what_no_kept_release_uses_is_unused_with_its_signatures_and_what_they_share_is_not_freed() {
        let (old, new, base, top_old, top_new) =
            (digest("old"), digest("new"), digest("base"), digest("t1"), digest("t2"));
        let mut repository = Repository::default();
        repository.tags.insert("v1".into(), old.clone());
        repository.tags.insert("v2".into(), new.clone());
        let hex = &old.as_str()["sha256:".len()..];
        repository.tags.insert(format!("sha256-{hex}.sig"), digest("signature"));
        repository
            .manifests
            .insert(old.clone(), Listed { blobs: vec![(base.clone(), 100), (top_old, 10)], ..Listed::default() });
        repository
            .manifests
            .insert(new.clone(), Listed { blobs: vec![(base, 100), (top_new, 20)], ..Listed::default() });
        let repositories = BTreeMap::from([("ess/synapse".to_owned(), repository)]);
        let keep = Keep { digests: BTreeSet::from([("ess/synapse".to_owned(), new)]), tags: BTreeSet::new() };
        let (unused, freed) = unused(&repositories, &keep);
        let tags: Vec<&str> = unused.iter().map(|u| u.tag.as_str()).collect();
        assert_eq!(tags, [format!("sha256-{hex}.sig").as_str(), "v1"]);
        assert_eq!(freed, 10, "the shared base layer stays");

        let by_tag =
            Keep { digests: BTreeSet::new(), tags: BTreeSet::from([("ess/synapse".to_owned(), "v1".to_owned())]) };
        let (unused, _) = super::unused(&repositories, &by_tag);
        assert_eq!(unused.iter().map(|u| u.tag.as_str()).collect::<Vec<_>>(), ["v2"], "v1 and its signature stay");
    }
}
