//! Reading a manifest and everything under it, as the walks over a registry's contents
//! (`inventory`, `prune`) need it: the top manifest by tag or digest, and below an index every
//! manifest it lists, down to `oci::MAX_DEPTH` levels (an index of indexes, as images nest).

use super::LookupError;
use super::http::HttpRegistry;
use crate::oci::{MAX_DEPTH, Node};
use crate::reference::{Digest, RepoPath};
use std::collections::BTreeMap;

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
            let node = Node::of(manifest.media_type, &manifest.bytes);
            if level < MAX_DEPTH {
                for child in node.children.iter().filter(|child| !read.contains_key(child)) {
                    if let Some(found) = self.fetch_manifest(repo, child.as_str()).await? {
                        pending.push((child.clone(), found, level + 1));
                    }
                }
            }
            read.insert(digest, node);
        }
        Ok(Some(digest))
    }
}
