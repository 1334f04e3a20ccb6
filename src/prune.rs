//! Which tags and manifests of the local registry no release kept uses any more. Pure: the
//! command lists the repositories' tags and manifests, the images the kept inputs pin, and the
//! images pods run; this decides.
//!
//! Only repositories the inputs map to are looked at. A manifest is kept when a kept input pins
//! it (or its tag, for an image pinned by tag alone), a pod runs it (by digest or by tag), or a
//! kept index lists it; a tag cosign attaches (`sha256-HEX.sig`, `.att`, `.sbom`, and the
//! referrers fallback `sha256-HEX`) goes with the manifest `HEX` names. Everything else is
//! unused: deleting it by digest removes every tag that points at it; its referrers (OCI 1.1,
//! listed by the registry's API) go with it, and stay with a kept manifest. Deleting an index leaves
//! the manifests it lists in distribution's storage, and its garbage collection marks the blobs
//! of every manifest still there, tagged or not: so what an unused index lists goes too, where
//! nothing kept lists it.

use crate::oci::{ATTACHED_SUFFIXES, Node, attached_tag};
use crate::reference::Digest;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One repository as the registry holds it.
#[derive(Debug, Clone, Default)]
pub struct Repository {
    /// Tag -> the digest it holds.
    pub tags: BTreeMap<String, Digest>,
    /// Every manifest read, by digest.
    pub manifests: BTreeMap<Digest, Node>,
}

/// What must stay, per repository: digests and tags.
#[derive(Debug, Clone, Default)]
pub struct Keep {
    pub digests: BTreeSet<(String, Digest)>,
    pub tags: BTreeSet<(String, String)>,
    /// Whether the cluster's pods were read (not with `--offline`): what a row says of them.
    pub pods_read: bool,
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

/// What `prune` found: the unused tags, the manifests `--yes` deletes, and the bytes that frees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Unused tags, in repository and tag order.
    pub unused: Vec<Unused>,
    /// Each manifest to delete once, as (repository, digest): every unused tag's manifest, each
    /// followed by what it lists that nothing kept lists, so an index goes before its manifests
    /// and nothing tagged ever lists a manifest already gone.
    pub delete: Vec<(String, Digest)>,
    /// Bytes garbage collection frees once those are deleted: the manifests themselves (stored
    /// as blobs) and the blobs they refer to that nothing kept refers to, each distinct blob
    /// once (distribution stores a blob once for every repository).
    pub freed: u64,
}

/// Decides what of `repositories` no kept release uses.
pub fn unused(repositories: &BTreeMap<String, Repository>, keep: &Keep) -> Verdict {
    let kept = kept(repositories, keep);
    let mut unused = Vec::new();
    for (name, repository) in repositories {
        for (tag, digest) in &repository.tags {
            if kept.contains(&(name.clone(), digest.clone())) {
                continue;
            }
            let why = if tag.starts_with("sha256-") {
                "attached (a signature, attestation or referrers index) to a manifest no kept release uses"
            } else if keep.pods_read {
                "no kept release pins it and no pod runs it"
            } else {
                "no kept release pins it (the pods were not read: --offline)"
            };
            unused.push(Unused {
                repository: name.clone(),
                tag: tag.clone(),
                digest: digest.clone(),
                why: why.to_owned(),
            });
        }
    }
    let mut delete: Vec<(String, Digest)> = Vec::new();
    for tag in &unused {
        let mut pending = vec![tag.digest.clone()];
        while let Some(digest) = pending.pop() {
            let key = (tag.repository.clone(), digest.clone());
            if kept.contains(&key) || delete.contains(&key) {
                continue;
            }
            let listed = repositories[&tag.repository].manifests.get(&digest);
            let under = listed.map(|node| node.children.iter().chain(&node.referrers).rev().cloned());
            pending.extend(under.into_iter().flatten());
            delete.push(key);
        }
    }
    let freed = freed(repositories, &kept, &delete);
    Verdict { unused, delete, freed }
}

/// Every (repository, manifest) that stays: pinned, run, tagged with a kept tag, listed by a kept
/// index, or attached by tag to a kept manifest.
fn kept(repositories: &BTreeMap<String, Repository>, keep: &Keep) -> BTreeSet<(String, Digest)> {
    let mut kept: BTreeSet<(String, Digest)> = keep.digests.clone();
    for (name, repository) in repositories {
        for (tag, digest) in &repository.tags {
            if keep.tags.contains(&(name.clone(), tag.clone())) {
                kept.insert((name.clone(), digest.clone()));
            }
        }
    }
    for (name, repository) in repositories {
        let mut pending: Vec<Digest> = kept.iter().filter(|(r, _)| r == name).map(|(_, d)| d.clone()).collect();
        while let Some(digest) = pending.pop() {
            let under = repository.manifests.get(&digest).map(|m| [m.children.clone(), m.referrers.clone()].concat());
            for child in under.unwrap_or_default() {
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
    kept
}

/// The blobs (manifests included) of `manifests`, with sizes, as distribution stores them.
fn stored<'a>(
    repositories: &'a BTreeMap<String, Repository>,
    manifests: impl Iterator<Item = &'a (String, Digest)>,
) -> BTreeMap<Digest, u64> {
    let mut blobs = BTreeMap::new();
    for (name, digest) in manifests {
        if let Some(node) = repositories.get(name).and_then(|r| r.manifests.get(digest)) {
            blobs.insert(digest.clone(), node.size);
            blobs.extend(node.blobs.iter().cloned());
        }
    }
    blobs
}

fn freed(
    repositories: &BTreeMap<String, Repository>,
    kept: &BTreeSet<(String, Digest)>,
    delete: &[(String, Digest)],
) -> u64 {
    let still = stored(repositories, kept.iter());
    stored(repositories, delete.iter())
        .into_iter()
        .filter(|(digest, _)| !still.contains_key(digest))
        .map(|(_, size)| size)
        .sum()
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
            .insert(old.clone(), Node { blobs: vec![(base.clone(), 100), (top_old, 10)], ..Node::default() });
        repository.manifests.insert(new.clone(), Node { blobs: vec![(base, 100), (top_new, 20)], ..Node::default() });
        let repositories = BTreeMap::from([("ess/synapse".to_owned(), repository)]);
        let keep = Keep { digests: BTreeSet::from([("ess/synapse".to_owned(), new)]), ..Keep::default() };
        let verdict = unused(&repositories, &keep);
        let tags: Vec<&str> = verdict.unused.iter().map(|u| u.tag.as_str()).collect();
        assert_eq!(tags, [format!("sha256-{hex}.sig").as_str(), "v1"]);
        assert_eq!(verdict.freed, 10, "the shared base layer stays");

        let by_tag = Keep { tags: BTreeSet::from([("ess/synapse".to_owned(), "v1".to_owned())]), ..Keep::default() };
        let verdict = super::unused(&repositories, &by_tag);
        assert_eq!(
            verdict.unused.iter().map(|u| u.tag.as_str()).collect::<Vec<_>>(),
            ["v2"],
            "v1 and its signature stay"
        );
    }

    #[test]
    fn an_unused_index_goes_before_its_manifests_and_what_a_kept_index_lists_stays() {
        let (old, new, amd, arm, layer) =
            (digest("old index"), digest("new index"), digest("amd64"), digest("arm64"), digest("layer"));
        let mut repository = Repository::default();
        repository.tags.insert("v1".into(), old.clone());
        repository.tags.insert("v2".into(), new.clone());
        let index = |children: Vec<Digest>| Node { size: 300, children, ..Node::default() };
        repository.manifests.insert(old.clone(), index(vec![amd.clone(), arm.clone()]));
        repository.manifests.insert(new.clone(), index(vec![amd.clone()]));
        repository.manifests.insert(amd.clone(), Node { size: 50, blobs: vec![(layer.clone(), 7)], ..Node::default() });
        repository.manifests.insert(arm.clone(), Node { size: 40, blobs: vec![(layer, 7)], ..Node::default() });
        let repositories = BTreeMap::from([("ess/a".to_owned(), repository)]);
        let keep = Keep { tags: BTreeSet::from([("ess/a".to_owned(), "v2".to_owned())]), ..Keep::default() };
        let verdict = unused(&repositories, &keep);
        let a = |d: &Digest| ("ess/a".to_owned(), d.clone());
        assert_eq!(verdict.delete, [a(&old), a(&arm)], "the index first; amd64 is listed by v2");
        assert_eq!(verdict.freed, 300 + 40, "the manifests themselves; the shared layer stays");
    }
}
