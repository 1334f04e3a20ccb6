//! Reading a manifest and everything under it, as the walks over a registry's contents
//! (`inventory`, `prune`) need it: the top manifest by tag or digest, below an index every
//! manifest it lists, down to `oci::MAX_DEPTH` levels (an index of indexes, as images nest),
//! and the referrers of each, where the registry serves the referrers API (distribution-spec
//! 1.1, "Listing Referrers"; the fallback tag `sha256-HEX` is a tag like others, which the walks
//! read by name).

use super::LookupError;
use super::http::HttpRegistry;
use crate::oci::{MAX_DEPTH, Node, referrers_listed};
use crate::reference::{Digest, RepoPath};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;

impl HttpRegistry {
    /// The digest of the manifest `reference` (a tag or a digest) names in `repo`, None when the
    /// registry has no such manifest. Every manifest of its tree not yet in `read` is added to
    /// it, so a walk over many tags reads each manifest once (the top is always fetched: a tag
    /// says nothing of its digest until then). A listed manifest the registry lacks is left out:
    /// a registry holding part of an index (one platform copied) is what is recorded.
    pub async fn read_tree(
        &self,
        repo: &RepoPath,
        reference: &str,
        read: &mut BTreeMap<Digest, Node>,
    ) -> Result<Option<Digest>, LookupError> {
        let Some(top) = self.fetch_manifest(repo, reference).await? else { return Ok(None) };
        let digest = Digest::of(&top.bytes);
        let mut pending = vec![(digest.clone(), top, 0)];
        while let Some((digest, manifest, level)) = pending.pop() {
            if read.contains_key(&digest) {
                continue;
            }
            let mut node = Node::of(manifest.media_type, &manifest.bytes);
            node.referrers = self.referrers_of(repo, &digest).await?;
            if level < MAX_DEPTH {
                for child in node.children.iter().chain(&node.referrers).filter(|child| !read.contains_key(child)) {
                    if let Some(found) = self.fetch_manifest(repo, child.as_str()).await? {
                        pending.push((child.clone(), found, level + 1));
                    }
                }
            }
            read.insert(digest, node);
        }
        Ok(Some(digest))
    }

    /// The digests the referrers API lists for `digest`; none where the registry does not serve
    /// it (asked once per run) or lists something that is not an index.
    async fn referrers_of(&self, repo: &RepoPath, digest: &Digest) -> Result<Vec<Digest>, LookupError> {
        if self.referrers_unserved.load(Ordering::Relaxed) {
            return Ok(vec![]);
        }
        match self.list_referrers(repo, digest).await? {
            Some(listing) => Ok(referrers_listed(&listing).unwrap_or_default().into_iter().map(|r| r.digest).collect()),
            None => {
                self.referrers_unserved.store(true, Ordering::Relaxed);
                Ok(vec![])
            }
        }
    }
}
