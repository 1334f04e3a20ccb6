//! Copying images, digests preserved: the pinned manifest, every manifest it lists and every
//! blob they refer to, blobs first, then the platform manifests by digest, then the top
//! manifest by tag, so that nothing is tagged before all it refers to is in place. A blob
//! shared by several images moves once; the others mount it or find it there.

use super::sink::{Destination, Held, Sink};
use super::source::{Failure, Origin, Source};
use crate::helm::oci::{ChartReference, Pin};
use crate::mapping::{Image, Pinned};
use crate::oci::{self, Descriptor, MAX_DEPTH, Manifest, Platform};
use crate::reference::{Digest, RepoPath};
use crate::registry::RawManifest;
use futures::{StreamExt, TryStreamExt};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::OnceCell;

/// Attempts per blob transfer: a stream cut off mid-way (by the source or the destination)
/// cannot be resent by the request retry loop, so the whole transfer is tried again.
const BLOB_ATTEMPTS: u32 = 3;
const BLOB_BACKOFF: Duration = Duration::from_millis(500);
/// Blobs of one image moved at once (images themselves run `--concurrency` at once).
const BLOBS_AT_ONCE: usize = 4;

/// One image to copy.
#[derive(Debug, Clone)]
pub struct Item {
    pub origin: Origin,
    pub to: Destination,
    /// The pinned digest of the top manifest; None for an image pinned by its tag alone (a
    /// chart's image block), whose digest is whatever the source's tag holds now.
    pub digest: Option<Digest>,
}

impl Item {
    /// The chart of `--chart oci://...`, carried as an image is: its manifest, config and layers
    /// byte for byte, tagged with its version at `target` (as the mapping places it).
    pub fn for_chart(chart: &ChartReference, digest: &Digest, target: RepoPath) -> Item {
        let tag = match &chart.pin {
            Pin::Version { tag, .. } => Some(tag.clone()),
            Pin::Digest(_) => None,
        };
        let name = chart.bundle_name();
        Item {
            origin: Origin {
                server: chart.host.clone(),
                path: chart.path.clone(),
                tag: tag.clone(),
                name: name.clone(),
            },
            to: Destination { repo: target, tag, name },
            digest: Some(digest.clone()),
        }
    }

    /// One item per distinct image: where it comes from (its first entry's upstream) and goes.
    pub fn for_images(pinned: &[Pinned], images: &[Image]) -> Vec<Item> {
        images
            .iter()
            .map(|image| {
                let entry = &pinned[image.entries[0]];
                let tag = image.tag.as_ref().map(ToString::to_string);
                let name = image.source();
                Item {
                    origin: Origin {
                        server: entry.server.clone(),
                        path: entry.path.normalized_on(&entry.server),
                        tag: tag.clone(),
                        name: name.clone(),
                    },
                    to: Destination { repo: image.target.clone(), tag, name },
                    digest: image.digest.clone(),
                }
            })
            .collect()
    }
}

/// What happened to one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Copied now; `bytes` of blobs sent (0 when all were there or mounted).
    Copied {
        digest: Digest,
        bytes: u64,
        trimmed_from: Option<Digest>,
        /// The other digest the destination's tag held before: the copy moved the tag.
        replaced: Option<Digest>,
    },
    /// Already there under its tag, whole.
    Present {
        digest: Digest,
        trimmed_from: Option<Digest>,
    },
    Failed {
        failure: FailureKind,
        reason: String,
    },
}

impl Outcome {
    /// What the outcome means for the exit code: a source or destination refused the
    /// credentials (3) or could not be reached (4), else an image that failed is not ready (1).
    pub fn exit_outcome(&self) -> crate::exit::Outcome {
        match self {
            Outcome::Copied { .. } | Outcome::Present { .. } => crate::exit::Outcome::Ready,
            Outcome::Failed { failure: FailureKind::Refused, .. } => crate::exit::Outcome::Refused,
            Outcome::Failed { failure: FailureKind::Unreachable, .. } => crate::exit::Outcome::Unreachable,
            Outcome::Failed { failure: FailureKind::Image, .. } => crate::exit::Outcome::NotReady,
        }
    }
}

/// Why an image failed, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Refused,
    Unreachable,
    Image,
}

/// How `mirror` copies.
#[derive(Debug, Clone, Default)]
pub struct CopyOptions {
    /// Only these platforms of an index (none: all of them, the index unchanged).
    pub platforms: Vec<Platform>,
    /// Images copied at once.
    pub concurrency: usize,
}

/// Called as the copy goes: bytes sent, and each image done.
pub trait Progress: Sync {
    fn bytes(&self, count: u64);
    fn image_done(&self);
}

/// Where each blob was first put, so that the next image needing it mounts it from there.
type Placements = Mutex<HashMap<Digest, Arc<OnceCell<RepoPath>>>>;

/// Copies every item, `options.concurrency` at once; the outcomes are in the items' order.
pub async fn copy_all(
    items: &[Item],
    source: &Source,
    sink: &Sink,
    options: &CopyOptions,
    progress: &dyn Progress,
) -> Vec<Outcome> {
    let placements = Placements::default();
    let copier = Copier { source, sink, options, progress, placements: &placements };
    futures::stream::iter(items)
        .map(|item| async {
            let outcome = copier.copy(item).await.unwrap_or_else(|failure| {
                let (failure, reason) = match failure {
                    Failure::Refused(why) => (FailureKind::Refused, why),
                    Failure::Unreachable(why) => (FailureKind::Unreachable, why),
                    Failure::Image(why) | Failure::Corrupt(why) | Failure::Rejected(why) => (FailureKind::Image, why),
                };
                Outcome::Failed { failure, reason }
            });
            progress.image_done();
            outcome
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await
}

struct Copier<'a> {
    source: &'a Source,
    sink: &'a Sink,
    options: &'a CopyOptions,
    progress: &'a dyn Progress,
    placements: &'a Placements,
}

impl Copier<'_> {
    async fn copy(&self, item: &Item) -> Result<Outcome, Failure> {
        // Without --platform the destination is asked first: a rerun costs one request per image.
        let asked = item.digest.as_ref().filter(|_| self.options.platforms.is_empty());
        let mut replaced = None;
        if let Some(pinned) = asked {
            match self.sink.holds(&item.to, pinned).await? {
                Held::Whole => {
                    self.sink.name_held(&item.to, pinned);
                    return Ok(Outcome::Present { digest: pinned.clone(), trimmed_from: None });
                }
                Held::Not { tagged } => replaced = tagged,
            }
        }
        let (digest, top, trimmed_from) = self.top(item).await?;
        if asked != Some(&digest) {
            match self.sink.holds(&item.to, &digest).await? {
                Held::Whole => {
                    self.sink.name_held(&item.to, &digest);
                    return Ok(Outcome::Present { digest, trimmed_from });
                }
                Held::Not { tagged } => replaced = tagged,
            }
        }
        let mut manifests = Vec::new();
        let mut blobs = Vec::new();
        self.collect(item, &top, 0, &mut manifests, &mut blobs).await?;
        let mut seen = HashSet::new();
        blobs.retain(|blob: &Descriptor| seen.insert(blob.digest.clone()));
        let bytes: u64 = futures::stream::iter(&blobs)
            .map(|blob| self.place(item, blob))
            .buffer_unordered(BLOBS_AT_ONCE)
            .try_fold(0, |sum, sent| async move { Ok(sum + sent) })
            .await?;
        for (child, manifest) in &manifests {
            self.sink.put_manifest(&item.to, None, child, manifest).await?;
        }
        let tag = item.to.tag.as_deref().unwrap_or(digest.as_str());
        self.sink.put_manifest(&item.to, Some(tag), &digest, &top).await?;
        Ok(Outcome::Copied { digest, bytes, trimmed_from, replaced })
    }

    /// The top manifest to copy: the pinned one (or, pinned by tag alone, what the source's
    /// tag holds), or that index trimmed to `--platform`, or the one a trimmed bundle names.
    /// Returns its digest, bytes and the pinned digest it replaced.
    async fn top(&self, item: &Item) -> Result<(Digest, RawManifest, Option<Digest>), Failure> {
        let Some(pinned_digest) = &item.digest else {
            let (digest, manifest) = self.source.by_tag(&item.origin).await?;
            return self.trimmed(digest, manifest, None);
        };
        match self.source.manifest(&item.origin, pinned_digest).await {
            Ok(manifest) => self.trimmed(pinned_digest.clone(), manifest, None),
            Err(failure) => match self.source.named(&item.origin).filter(|named| named != pinned_digest) {
                Some(named) => {
                    let manifest = self.source.manifest(&item.origin, &named).await?;
                    Ok((named, manifest, Some(pinned_digest.clone())))
                }
                None => Err(failure),
            },
        }
    }

    /// An index trimmed to `--platform`, when platforms are chosen; anything else unchanged.
    fn trimmed(
        &self,
        digest: Digest,
        manifest: RawManifest,
        replaced: Option<Digest>,
    ) -> Result<(Digest, RawManifest, Option<Digest>), Failure> {
        if self.options.platforms.is_empty() || !matches!(Manifest::parse(&manifest.bytes), Ok(Manifest::Index(_))) {
            return Ok((digest, manifest, replaced));
        }
        let bytes = oci::trim_index(&manifest.bytes, &self.options.platforms).map_err(Failure::Image)?;
        let trimmed = Digest::of(&bytes);
        Ok((trimmed, RawManifest { bytes, media_type: manifest.media_type }, Some(digest)))
    }

    /// Every manifest below `manifest` (children before their parents) and every blob.
    async fn collect(
        &self,
        item: &Item,
        manifest: &RawManifest,
        depth: usize,
        manifests: &mut Vec<(Digest, RawManifest)>,
        blobs: &mut Vec<Descriptor>,
    ) -> Result<(), Failure> {
        match Manifest::parse(&manifest.bytes).map_err(|why| Failure::Image(format!("{}: {why}", item.origin.name)))? {
            Manifest::Image(referenced) => blobs.extend(referenced),
            Manifest::Index(children) if depth < MAX_DEPTH => {
                for child in children {
                    let bytes = self.source.manifest(&item.origin, &child.digest).await?;
                    Box::pin(self.collect(item, &bytes, depth + 1, manifests, blobs)).await?;
                    manifests.push((child.digest, bytes));
                }
            }
            Manifest::Index(_) => {
                return Err(Failure::Image(format!("{}: indexes nested deeper than {MAX_DEPTH}", item.origin.name)));
            }
        }
        Ok(())
    }

    /// Puts one blob in place, once per run: the first image to need it sends it, the others
    /// wait for that and then mount it. Returns the bytes this image sent.
    async fn place(&self, item: &Item, blob: &Descriptor) -> Result<u64, Failure> {
        let cell = Arc::clone(self.placements.lock().expect("placements").entry(blob.digest.clone()).or_default());
        let mut sent = 0;
        let placed = cell
            .get_or_try_init(|| async {
                sent = self.transfer(item, blob, None).await?;
                Ok::<_, Failure>(item.to.repo.clone())
            })
            .await?;
        if *placed != item.to.repo {
            sent = self.transfer(item, blob, Some(placed)).await?;
        }
        Ok(sent)
    }

    async fn transfer(&self, item: &Item, blob: &Descriptor, placed: Option<&RepoPath>) -> Result<u64, Failure> {
        let mut attempt = 1;
        loop {
            let open = async || self.source.blob(&item.origin, blob).await;
            match self.sink.put_blob(&item.to, blob, placed, open).await {
                Ok(sent) => {
                    self.progress.bytes(sent);
                    return Ok(sent);
                }
                Err(Failure::Image(_)) if attempt < BLOB_ATTEMPTS => {
                    tokio::time::sleep(BLOB_BACKOFF * attempt).await;
                    attempt += 1;
                }
                // A registry may have sent a cut-off body; a bundle's bytes stay what they are.
                Err(Failure::Corrupt(_)) if self.source.retries_help() && attempt < BLOB_ATTEMPTS => attempt += 1,
                Err(Failure::Corrupt(why)) => return Err(Failure::Corrupt(self.source.damaged(&why))),
                Err(failure) => return Err(failure),
            }
        }
    }
}
