//! Walks the local registry for the images of the inputs: each top manifest (by its pinned
//! digest and by its tag), the platform manifests an index lists, the blobs each image manifest
//! names, and what is attached to the top manifest by the tags cosign and the OCI fallback use
//! (`sha256-HEX.sig`, `.att`, `.sbom`, and `sha256-HEX`, an index of referrers). Only what is
//! there is recorded: every blob a manifest names is asked for (`HEAD`), as a registry whose
//! storage was restored or cleaned by hand can hold a manifest without its blobs, and a delta
//! made from an inventory that lists them would leave them behind.

use super::Inventory;
use crate::error::Error;
use crate::mapping::Image;
use crate::oci::{ATTACHED_SUFFIXES, Node, attached_tag};
use crate::reference::{Digest, RegistryHost};
use crate::registry::{HttpRegistry, LookupError};
use futures::StreamExt;
use std::collections::{BTreeMap, BTreeSet};

/// What one image's repository holds of it: the manifests read, the tags that found them, and
/// the image as the inputs name it when the registry lacks it as pinned.
#[derive(Default)]
struct Found {
    manifests: BTreeMap<Digest, Node>,
    tags: Vec<(Digest, String)>,
    missing: Option<String>,
    /// Blobs its manifests name that the repository does not hold.
    lost: BTreeSet<Digest>,
}

/// Fills `inventory` with what `store` holds of `images`, `concurrency` images at a time.
/// Errors: the registry refused the credentials (exit 3) or kept failing (exit 4), as for `plan`.
pub async fn walk(
    store: &HttpRegistry,
    registry: &RegistryHost,
    images: &[Image],
    concurrency: usize,
    inventory: &mut Inventory,
) -> Result<(), Error> {
    let found: Vec<Result<Found, LookupError>> =
        futures::stream::iter(images).map(|image| one(store, image)).buffered(concurrency.max(1)).collect().await;
    for (image, result) in images.iter().zip(found) {
        let found =
            result.map_err(|error| error.stops(registry, "check the registry and the credentials, then run again"))?;
        let repository = image.target.to_string();
        for (digest, node) in &found.manifests {
            let mut node = node.clone();
            node.blobs.retain(|(blob, _)| !found.lost.contains(blob));
            inventory.holds(&repository, digest, &node);
        }
        inventory.lost.extend(found.lost.iter().map(|blob| format!("{repository}@{blob}")));
        for (digest, tag) in &found.tags {
            inventory.tag(&repository, digest, tag);
        }
        inventory.missing.extend(found.missing);
    }
    Ok(())
}

async fn one(store: &HttpRegistry, image: &Image) -> Result<Found, LookupError> {
    let repo = &image.target;
    let mut found = Found::default();
    let tag = image.tag.as_ref().map(ToString::to_string);
    // What the tag holds is recorded even where it is not the pinned digest (a converted copy,
    // one platform): its blobs are there all the same.
    let tagged = match &tag {
        Some(tag) => store.read_tree(repo, tag, &mut found.manifests).await?,
        None => None,
    };
    let top = match &image.digest {
        // The tag holds the pinned manifest: read already.
        Some(digest) if tagged.as_ref() == Some(digest) => tagged.clone(),
        Some(digest) => store.read_tree(repo, digest.as_str(), &mut found.manifests).await?,
        None => tagged.clone(),
    };
    if let (Some(tag), Some(digest)) = (tag, &tagged) {
        found.tags.push((digest.clone(), tag));
    }
    let Some(top) = top else {
        found.missing = Some(match (&image.digest, &image.tag) {
            (Some(digest), _) => format!("{repo}@{digest}"),
            (None, Some(tag)) => format!("{repo}:{tag}"),
            (None, None) => repo.to_string(),
        });
        return Ok(found);
    };
    // One tag listing says which attached tags exist, where asking for each would cost four
    // requests; a registry that will not list tags is asked for each.
    let listed = store.list_tags(repo).await.ok();
    for suffix in ATTACHED_SUFFIXES {
        let tag = attached_tag(&top, suffix);
        if listed.as_ref().is_some_and(|tags| !tags.contains(&tag)) {
            continue;
        }
        if let Some(digest) = store.read_tree(repo, &tag, &mut found.manifests).await? {
            found.tags.push((digest, tag));
        }
    }
    let named: BTreeSet<&Digest> =
        found.manifests.values().flat_map(|node| node.blobs.iter().map(|(d, _)| d)).collect();
    for blob in named {
        if !store.has_blob(repo, blob).await? {
            found.lost.insert(blob.clone());
        }
    }
    Ok(found)
}
