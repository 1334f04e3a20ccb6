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
    /// `--dry-run`: what copying would move, `bytes` of blobs, `blobs_there` of its `blobs`
    /// already at the destination or moved by an image before it.
    WouldCopy {
        digest: Digest,
        bytes: u64,
        blobs: usize,
        blobs_there: usize,
    },
}

impl Outcome {
    /// What the outcome means for the exit code: a source or destination refused the
    /// credentials (3) or could not be reached (4), else an image that failed is not ready (1).
    pub fn exit_outcome(&self) -> crate::exit::Outcome {
        match self {
            Outcome::Copied { .. } | Outcome::Present { .. } | Outcome::WouldCopy { .. } => crate::exit::Outcome::Ready,
            Outcome::Failed { failure: FailureKind::Refused, .. } => crate::exit::Outcome::Refused,
            Outcome::Failed { failure: FailureKind::Unreachable, .. } => crate::exit::Outcome::Unreachable,
            Outcome::Failed { failure: FailureKind::Image, .. } => crate::exit::Outcome::NotReady,
        }
    }
}

impl Outcome {
    pub(super) fn failed(failure: Failure) -> Outcome {
        let (failure, reason) = match failure {
            Failure::Refused(why) => (FailureKind::Refused, why),
            Failure::Unreachable(why) => (FailureKind::Unreachable, why),
            Failure::Image(why) | Failure::Corrupt(why) | Failure::Rejected(why) => (FailureKind::Image, why),
        };
        Outcome::Failed { failure, reason }
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

/// Where each blob was first put, so that the next image needing it mounts it from there; and
/// each repository it was then mounted into, once: distribution 2.x writes a repository's
/// link to a blob in place, and two mounts of one blob into one repository at once (artifacts
/// attached to one image share the empty config `{}`) can leave it unreadable
/// (`MANIFEST_BLOB_UNKNOWN` on the manifest that follows).
#[derive(Default)]
struct Placements {
    first: Cells<Digest, RepoPath>,
    mounted: Cells<(Digest, RepoPath), ()>,
}

/// One value per key, set by the first to ask while the others wait for it.
type Cells<K, V> = Mutex<HashMap<K, Arc<OnceCell<V>>>>;

/// What an image needs, found before any byte moves: there already, or what to copy.
pub enum Surveyed {
    Present { digest: Digest, trimmed_from: Option<Digest> },
    Missing(Box<Move>),
}

/// An image to copy: its top manifest, the manifests below it (children before their parents)
/// and its distinct blobs.
pub struct Move {
    pub digest: Digest,
    pub top: RawManifest,
    pub trimmed_from: Option<Digest>,
    /// The other digest the destination's tag holds, which the copy moves.
    pub replaced: Option<Digest>,
    pub manifests: Vec<(Digest, RawManifest)>,
    pub blobs: Vec<Descriptor>,
}

/// Surveys every item, `options.concurrency` at once: the destination asked, the manifests
/// read from the source, no blob moved. In the items' order.
pub async fn survey_all(
    items: &[Item],
    source: &Source,
    sink: &Sink,
    options: &CopyOptions,
) -> Vec<Result<Surveyed, Failure>> {
    let placements = Placements::default();
    let copier = Copier { source, sink, options, progress: &Quiet, placements: &placements };
    futures::stream::iter(items).map(|item| copier.survey(item)).buffered(options.concurrency.max(1)).collect().await
}

/// Surveys, then copies every item, `options.concurrency` at once; the outcomes are in the
/// items' order.
pub async fn copy_all(
    items: &[Item],
    source: &Source,
    sink: &Sink,
    options: &CopyOptions,
    progress: &dyn Progress,
) -> Vec<Outcome> {
    let surveyed = survey_all(items, source, sink, options).await;
    copy_surveyed(items, surveyed, source, sink, options, progress).await
}

/// Copies every surveyed item, `options.concurrency` at once; the outcomes are in the items'
/// order.
pub async fn copy_surveyed(
    items: &[Item],
    surveyed: Vec<Result<Surveyed, Failure>>,
    source: &Source,
    sink: &Sink,
    options: &CopyOptions,
    progress: &dyn Progress,
) -> Vec<Outcome> {
    let placements = Placements::default();
    let copier = Copier { source, sink, options, progress, placements: &placements };
    futures::stream::iter(items.iter().zip(surveyed))
        .map(|(item, surveyed)| async {
            let copied = match surveyed {
                Ok(Surveyed::Present { digest, trimmed_from }) => Ok(Outcome::Present { digest, trimmed_from }),
                Ok(Surveyed::Missing(image)) => copier.copy(item, *image).await,
                Err(failure) => Err(failure),
            };
            let outcome = copied.unwrap_or_else(Outcome::failed);
            progress.image_done();
            outcome
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await
}

/// What each surveyed item would move, nothing written: the bytes of the blobs neither at the
/// destination nor moved by an item before it, and how many of its blobs are there already.
pub async fn dry_run(items: &[Item], surveyed: Vec<Result<Surveyed, Failure>>, sink: &Sink) -> Vec<Outcome> {
    let mut moved = HashSet::new();
    let mut outcomes = Vec::new();
    for (item, surveyed) in items.iter().zip(surveyed) {
        let outcome = match surveyed {
            Ok(Surveyed::Present { digest, trimmed_from }) => Ok(Outcome::Present { digest, trimmed_from }),
            Ok(Surveyed::Missing(image)) => would_move(item, &image, sink, &mut moved).await,
            Err(failure) => Err(failure),
        };
        outcomes.push(outcome.unwrap_or_else(Outcome::failed));
    }
    outcomes
}

async fn would_move(item: &Item, image: &Move, sink: &Sink, moved: &mut HashSet<Digest>) -> Result<Outcome, Failure> {
    let (mut bytes, mut there) = (0, 0);
    for blob in &image.blobs {
        if !moved.insert(blob.digest.clone()) || sink.has_blob(&item.to, blob).await? {
            there += 1;
        } else {
            bytes += blob.size;
        }
    }
    Ok(Outcome::WouldCopy { digest: image.digest.clone(), bytes, blobs: image.blobs.len(), blobs_there: there })
}

/// The blobs the surveyed items need, each once: the destination tells which it holds.
pub fn blobs_needed(surveyed: &[Result<Surveyed, Failure>]) -> Vec<&Descriptor> {
    let mut seen = HashSet::new();
    let moves = surveyed.iter().filter_map(|s| match s {
        Ok(Surveyed::Missing(image)) => Some(image),
        _ => None,
    });
    moves.flat_map(|image| &image.blobs).filter(|blob| seen.insert(blob.digest.clone())).collect()
}

/// Progress that nobody watches (the survey moves no bytes).
struct Quiet;

impl Progress for Quiet {
    fn bytes(&self, _: u64) {}
    fn image_done(&self) {}
}

struct Copier<'a> {
    source: &'a Source,
    sink: &'a Sink,
    options: &'a CopyOptions,
    progress: &'a dyn Progress,
    placements: &'a Placements,
}

impl Copier<'_> {
    /// Whether the destination holds the image already, and if not, everything to copy.
    async fn survey(&self, item: &Item) -> Result<Surveyed, Failure> {
        // Without --platform the destination is asked first: a rerun costs one request per image.
        let asked = item.digest.as_ref().filter(|_| self.options.platforms.is_empty());
        let mut replaced = None;
        if let Some(pinned) = asked {
            match self.sink.holds(&item.to, pinned).await? {
                Held::Whole => {
                    self.sink.name_held(&item.to, pinned);
                    return Ok(Surveyed::Present { digest: pinned.clone(), trimmed_from: None });
                }
                Held::Not { tagged } => replaced = tagged,
            }
        }
        let (digest, top, trimmed_from) = self.top(item).await?;
        if asked != Some(&digest) {
            match self.sink.holds(&item.to, &digest).await? {
                Held::Whole => {
                    self.sink.name_held(&item.to, &digest);
                    return Ok(Surveyed::Present { digest, trimmed_from });
                }
                Held::Not { tagged } => replaced = tagged,
            }
        }
        let mut manifests = Vec::new();
        let mut blobs = Vec::new();
        self.collect(item, &top, 0, &mut manifests, &mut blobs).await?;
        let mut seen = HashSet::new();
        blobs.retain(|blob: &Descriptor| seen.insert(blob.digest.clone()));
        Ok(Surveyed::Missing(Box::new(Move { digest, top, trimmed_from, replaced, manifests, blobs })))
    }

    /// Blobs first, then the manifests below the top one, then the top one by its tag.
    async fn copy(&self, item: &Item, image: Move) -> Result<Outcome, Failure> {
        let Move { digest, top, trimmed_from, replaced, manifests, blobs } = image;
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
    /// wait for that and then mount it, once per repository. Returns the bytes this image sent.
    async fn place(&self, item: &Item, blob: &Descriptor) -> Result<u64, Failure> {
        let first =
            Arc::clone(self.placements.first.lock().expect("placements").entry(blob.digest.clone()).or_default());
        let mut sent = 0;
        let placed = first
            .get_or_try_init(|| async {
                sent = self.transfer(item, blob, None).await?;
                Ok::<_, Failure>(item.to.repo.clone())
            })
            .await?;
        if *placed != item.to.repo {
            let key = (blob.digest.clone(), item.to.repo.clone());
            let here = Arc::clone(self.placements.mounted.lock().expect("placements").entry(key).or_default());
            here.get_or_try_init(|| async {
                sent = self.transfer(item, blob, Some(placed)).await?;
                Ok::<_, Failure>(())
            })
            .await?;
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
