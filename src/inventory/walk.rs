//! Walks the local registry for the images of the inputs: each top manifest (by its pinned
//! digest, else its tag), the platform manifests an index lists, the blobs each image manifest
//! names, and what is attached to the top manifest by the tags cosign and the OCI fallback use
//! (`sha256-HEX.sig`, `.att`, `.sbom`, and `sha256-HEX`, an index of referrers). Only what is
//! there is recorded: a manifest the registry holds implies its blobs (it checked them on push).

use super::{Inventory, ManifestHeld};
use crate::error::Error;
use crate::mapping::Image;
use crate::oci::Manifest;
use crate::reference::{Digest, RegistryHost, RepoPath};
use crate::registry::{HttpRegistry, LookupError, RawManifest};
use futures::StreamExt;

/// What one image contributes: manifests (repository, digest, held, tag) and blobs.
type Found = Result<(Vec<Held>, Vec<(String, String, u64)>, Option<String>), LookupError>;
/// A manifest found: its repository, digest, what it is, and the tag that found it.
type Held = (String, String, ManifestHeld, Option<String>);

/// Fills `inventory` with what `store` holds of `images`, `concurrency` images at a time.
/// Errors: the registry refused the credentials (exit 3) or kept failing (exit 4), as for `plan`.
pub async fn walk(
    store: &HttpRegistry,
    registry: &RegistryHost,
    images: &[Image],
    concurrency: usize,
    inventory: &mut Inventory,
) -> Result<(), Error> {
    let found: Vec<Found> =
        futures::stream::iter(images).map(|image| one(store, image)).buffered(concurrency.max(1)).collect().await;
    for result in found {
        let (manifests, blobs, missing) =
            result.map_err(|error| error.stops(registry, "check the registry and the credentials, then run again"))?;
        for (repository, digest, held, tag) in manifests {
            inventory.manifest(&repository, &digest, held, tag.as_deref());
        }
        for (repository, digest, size) in blobs {
            inventory.blob(&repository, &digest, size);
        }
        inventory.missing.extend(missing);
    }
    Ok(())
}

async fn one(store: &HttpRegistry, image: &Image) -> Found {
    let repo = &image.target;
    let (reference, tag) = match (&image.digest, &image.tag) {
        (Some(digest), tag) => (digest.to_string(), tag.as_ref().map(ToString::to_string)),
        (None, Some(tag)) => (tag.to_string(), Some(tag.to_string())),
        (None, None) => return Ok((vec![], vec![], Some(repo.to_string()))),
    };
    let mut manifests = Vec::new();
    let mut blobs = Vec::new();
    let Some(top) = fetch(store, repo, &reference).await? else {
        // Not there as pinned; what its tag holds instead (another digest: a converted copy,
        // one platform) is listed all the same, as its blobs are there.
        if let (Some(tag), Some(_)) = (&tag, &image.digest)
            && let Some(instead) = fetch(store, repo, tag).await?
        {
            record(store, repo, instead, Some(tag.clone()), &mut manifests, &mut blobs).await?;
        }
        return Ok((manifests, blobs, Some(format!("{repo}{}", image_suffix(image)))));
    };
    let top_digest = Digest::of(&top.bytes);
    // The tag is recorded only where it holds this very manifest.
    let tagged = match &tag {
        Some(tag) if image.digest.is_some() => {
            fetch(store, repo, tag).await?.filter(|m| Digest::of(&m.bytes) == top_digest).map(|_| tag.clone())
        }
        other => other.clone(),
    };
    record(store, repo, top, tagged, &mut manifests, &mut blobs).await?;
    for suffix in crate::oci::ATTACHED_SUFFIXES {
        let tag = crate::oci::attached_tag(&top_digest, suffix);
        if let Some(attached) = fetch(store, repo, &tag).await? {
            record(store, repo, attached, Some(tag), &mut manifests, &mut blobs).await?;
        }
    }
    Ok((manifests, blobs, None))
}

/// Records `manifest` and what it refers to: an index's manifests (one level down, as images
/// nest), an image manifest's blobs.
async fn record(
    store: &HttpRegistry,
    repo: &RepoPath,
    manifest: RawManifest,
    tag: Option<String>,
    manifests: &mut Vec<Held>,
    blobs: &mut Vec<(String, String, u64)>,
) -> Result<(), LookupError> {
    let mut pending = vec![(manifest, tag)];
    let mut depth = 0;
    while let Some((manifest, tag)) = pending.pop() {
        let digest = Digest::of(&manifest.bytes).to_string();
        let held =
            ManifestHeld { media_type: manifest.media_type.clone(), size: manifest.bytes.len() as u64, tags: vec![] };
        manifests.push((repo.to_string(), digest, held, tag));
        match Manifest::parse(&manifest.bytes) {
            Ok(Manifest::Image(referred)) => {
                blobs.extend(referred.into_iter().map(|blob| (repo.to_string(), blob.digest.to_string(), blob.size)));
            }
            Ok(Manifest::Index(children)) if depth < crate::oci::MAX_DEPTH => {
                depth += 1;
                for child in children {
                    if let Some(found) = fetch(store, repo, child.digest.as_str()).await? {
                        pending.push((found, None));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

async fn fetch(store: &HttpRegistry, repo: &RepoPath, reference: &str) -> Result<Option<RawManifest>, LookupError> {
    store.fetch_manifest(repo, reference).await
}

fn image_suffix(image: &Image) -> String {
    match (&image.tag, &image.digest) {
        (_, Some(digest)) => format!("@{digest}"),
        (Some(tag), None) => format!(":{tag}"),
        (None, None) => String::new(),
    }
}
