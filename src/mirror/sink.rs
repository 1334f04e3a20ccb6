//! Where images are copied to: the local registry (blobs mounted across repositories where it
//! allows, manifests pushed byte for byte), a bundle being written, or nowhere: a bundle checked
//! offline is "copied" into a sink that reads every byte through the digest check and keeps
//! none, so that the check walks an image exactly as a copy out of the bundle would.

use super::source::Failure;
use super::verify::{ByteStream, Verdict};
use crate::bundle::layout::{Layout, Named};
use crate::check::{ImageState, check_image, tagged_digest};
use crate::mapping::Image;
use crate::oci::Descriptor;
use crate::reference::{Digest, RegistryHost, RepoPath, Tag};
use crate::registry::{HttpRegistry, RawManifest, UploadError};
use std::sync::Mutex;

pub enum Sink {
    /// The local registry, and its host as reports name it.
    Registry { store: Box<HttpRegistry>, registry: RegistryHost },
    /// The layout, and the images named so far (written to `index.json` at the end).
    Bundle { layout: Layout, named: Mutex<Vec<Named>> },
    /// Nowhere: every blob read through the digest check (`mirror --verify-bundle`).
    Check,
}

/// Where one image goes.
#[derive(Debug, Clone)]
pub struct Destination {
    /// The repository in the local registry (unused for a bundle).
    pub repo: RepoPath,
    /// The tag, or None for an image known by its digest alone.
    pub tag: Option<String>,
    /// The name a bundle gives it: the upstream reference with its tag.
    pub name: String,
}

/// What the destination holds of an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Held {
    /// The digest, whole, under the tag.
    Whole,
    /// Not whole under the tag; `tagged` is the other digest the tag holds, which a copy moves.
    Not { tagged: Option<Digest> },
}

impl Sink {
    /// Whether the destination already holds `digest` under its tag, whole: a registry was
    /// given the manifest by tag only after everything it refers to (it checks), and is asked
    /// by the image check's rules (`check::tagged_digest`, or `check_image` for an image known
    /// by its digest alone); a bundle is walked on disk, without reading the blobs' bytes.
    pub async fn holds(&self, to: &Destination, digest: &Digest) -> Result<Held, Failure> {
        match self {
            Sink::Registry { store, registry } => {
                let tag = to.tag.as_deref().map(Tag::parse).transpose().map_err(Failure::Image)?;
                let image = Image {
                    upstream: to.name.clone(),
                    target: to.repo.clone(),
                    tag,
                    digest: Some(digest.clone()),
                    entries: vec![],
                };
                if let Some(tag) = &image.tag {
                    let tagged = tagged_digest(store.as_ref(), &image, tag).await?;
                    return Ok(match tagged {
                        Some(tagged) if tagged == *digest => Held::Whole,
                        tagged => Held::Not { tagged },
                    });
                }
                let finding = check_image(store.as_ref(), registry, &image).await;
                let whole = image.tag.is_none() || finding.tagged.as_ref() == Some(digest);
                let tagged = finding.tagged.or(finding.observed).filter(|tagged| tagged != digest);
                match finding.state {
                    ImageState::Present if whole => Ok(Held::Whole),
                    ImageState::Present | ImageState::Missing | ImageState::Mismatch => Ok(Held::Not { tagged }),
                    ImageState::Unauthorized => Err(Failure::Refused(finding.reason.unwrap_or_default())),
                    ImageState::Error | ImageState::Unsigned => Err(Failure::Image(finding.reason.unwrap_or_default())),
                }
            }
            Sink::Bundle { layout, .. } if layout.holds(digest) => Ok(Held::Whole),
            Sink::Bundle { .. } | Sink::Check => Ok(Held::Not { tagged: None }),
        }
    }

    /// Names an image a bundle already held whole (its `index.json` may have been left
    /// unwritten by an interrupted run).
    pub fn name_held(&self, to: &Destination, digest: &Digest) {
        if let Sink::Bundle { layout, named } = self
            && let Ok(Some(bytes)) = layout.read_manifest(digest)
        {
            named.lock().expect("names").push(Named {
                name: to.name.clone(),
                media_type: media_type_of(&bytes, None),
                digest: digest.clone(),
                size: bytes.len() as u64,
            });
        }
    }

    /// Whether the destination holds the blob already (a `HEAD` in the image's repository).
    pub async fn has_blob(&self, to: &Destination, blob: &Descriptor) -> Result<bool, Failure> {
        match self {
            Sink::Bundle { layout, .. } => Ok(layout.has_blob(blob)),
            Sink::Registry { store, .. } => Ok(store.has_blob(&to.repo, &blob.digest).await?),
            Sink::Check => Ok(false),
        }
    }

    /// Makes sure the destination holds the blob. `placed` is a repository of the same registry
    /// known to hold it already (mounted from there where the registry allows). Returns the
    /// bytes sent: 0 when the blob was there or mounted.
    pub async fn put_blob(
        &self,
        to: &Destination,
        blob: &Descriptor,
        placed: Option<&RepoPath>,
        bytes: impl AsyncFn() -> Result<ByteStream, Failure>,
    ) -> Result<u64, Failure> {
        let verdict = Verdict::default();
        match self {
            // Read once: an image placing it after another did was checked by that one.
            Sink::Check if placed.is_some() => Ok(0),
            Sink::Check => super::verify::read_through(bytes().await?, blob).await,
            Sink::Bundle { layout, .. } => {
                if layout.has_blob(blob) {
                    return Ok(0);
                }
                let stream = super::verify::verified(bytes().await?, blob, &verdict);
                layout.write_blob(&blob.digest, stream).await.map_err(|e| match verdict.mismatch() {
                    Some(why) => Failure::Corrupt(why.to_owned()),
                    None => Failure::Image(format!(
                        "cannot write blob {} into the bundle: {}",
                        blob.digest,
                        crate::output::describe_io(&e)
                    )),
                })
            }
            Sink::Registry { store: registry, .. } => {
                // A mount from the repository itself answers whether it holds the blob already
                // (201) or opens the upload (202) in one request, where a HEAD would cost two.
                let from = placed.unwrap_or(&to.repo);
                let Some(location) = registry.mount_blob(&to.repo, &blob.digest, Some(from)).await? else {
                    return Ok(0);
                };
                let open = async || Ok(super::verify::verified(bytes().await?, blob, &verdict));
                registry.upload(&to.repo, location, &blob.digest, blob.size, open).await.map_err(|error| {
                    match (verdict.mismatch(), error) {
                        (Some(why), _) => Failure::Corrupt(why.to_owned()),
                        (None, UploadError::Open(failure)) => failure,
                        (None, UploadError::Read(e)) => {
                            Failure::Image(format!("cannot read blob {}: {e}", blob.digest))
                        }
                        (None, UploadError::Registry(error)) => Failure::from(error),
                    }
                })?;
                Ok(blob.size)
            }
        }
    }

    /// Stores a manifest under `reference` (a digest, or at the end the tag), bytes unchanged.
    pub async fn put_manifest(
        &self,
        to: &Destination,
        reference: Option<&str>,
        digest: &Digest,
        manifest: &RawManifest,
    ) -> Result<(), Failure> {
        match self {
            Sink::Registry { store: registry, .. } => {
                // A platform manifest is put by its digest even when a copy cut short left it
                // there: the same bytes again cost one request, as asking first would.
                let reference = reference.unwrap_or(digest.as_str());
                registry.push_manifest(&to.repo, reference, manifest).await.map_err(Failure::from)
            }
            Sink::Bundle { layout, named } => {
                layout.write_manifest(digest, &manifest.bytes).map_err(|e| {
                    Failure::Image(format!("cannot write into the bundle: {}", crate::output::describe_io(&e)))
                })?;
                if reference.is_some() {
                    named.lock().expect("names").push(Named {
                        name: to.name.clone(),
                        media_type: media_type_of(&manifest.bytes, manifest.media_type.as_deref()),
                        digest: digest.clone(),
                        size: manifest.bytes.len() as u64,
                    });
                }
                Ok(())
            }
            // The source checked its bytes against its digest as it read them.
            Sink::Check => Ok(()),
        }
    }
}

/// The media type an index entry gives a manifest: as sent, else as the document declares it.
fn media_type_of(bytes: &[u8], sent: Option<&str>) -> String {
    sent.map(str::to_owned)
        .or_else(|| crate::oci::declared_media_type(bytes))
        .unwrap_or_else(|| crate::registry::MANIFEST_MEDIA_TYPES[2].into())
}
