//! What `mirror` did: `kind: Mirror`, one entry per image (source, target, state, bytes,
//! reason), a summary, and the same as a table with the summary line last.

use super::Report;
use super::delta::{DeltaTotals, ImageAssumed};
use super::document::API_VERSION;
use crate::mapping::{Image, Pinned};
use crate::mirror::attached::{Attached, Attachment};
use crate::mirror::{Item, Outcome};
use crate::output::counted;
use crate::reference::RegistryHost;
use crate::registry::{UploadFacts, UploadMode};
use owo_colors::OwoColorize;
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MirrorReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub summary: MirrorSummary,
    pub images: Vec<MirroredImage>,
    /// `--to-bundle`: whether the bundle was finished (named, and packed for an archive).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleState>,
    /// Into a registry: how blobs were sent to it, so that the next run (or `--chunk-size`) can
    /// start from what worked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uploads: Option<Uploads>,
    /// A delta (`--to-bundle --have`, or a delta bundle pushed): carried against assumed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<DeltaTotals>,
}

/// How `mirror` sent blobs to one registry.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Uploads {
    pub registry: String,
    /// `monolithic` (one `PUT` per blob) or `chunked` (`PATCH` requests, then a `PUT`).
    pub mode: &'static str,
    /// The chunk size that worked, in bytes, when chunked.
    pub chunk_size: Option<u64>,
    /// The registry's `OCI-Chunk-Min-Length`, when it announced one.
    pub min_chunk_length: Option<u64>,
    /// Blobs whose bytes were sent (mounted or present ones not).
    pub blobs: usize,
}

impl Uploads {
    pub fn new(registry: &RegistryHost, facts: UploadFacts) -> Self {
        let (mode, chunk_size) = match facts.mode {
            UploadMode::Monolithic => ("monolithic", None),
            UploadMode::Chunked(size) => ("chunked", Some(size)),
        };
        Uploads {
            registry: registry.to_string(),
            mode,
            chunk_size,
            min_chunk_length: facts.min_chunk_length,
            blobs: facts.blobs,
        }
    }
}

/// The bundle `mirror --to-bundle` wrote.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleState {
    pub path: String,
    /// What its images come from: the images_digests (or chart) it was made for.
    pub made_from: String,
    /// How many images that names.
    pub images: usize,
    /// Every image is in, named, and an archive is packed under its name.
    pub complete: bool,
    /// The images not in it (upstream references with their tags).
    pub missing: Vec<String>,
    /// Why it is not complete, and what a rerun does.
    pub problem: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MirrorState {
    Copied,
    /// Copied, and the target's tag moved from another digest (`replaced`).
    Replaced,
    Present,
    Failed,
    /// `--dry-run`: missing, and what copying it would move is told.
    #[serde(rename = "would-copy")]
    WouldCopy,
    /// Where it went, but not signed by a `--verify-key` key over its digest: not ready.
    Unsigned,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MirroredImage {
    /// What uses the image: images_digests entries (`component/sub`) or chart blocks (values
    /// paths, `synapse.image`).
    pub entries: Vec<String>,
    /// The upstream image as pinned, `server/path:tag@digest`.
    pub source: String,
    /// Where it went: `registry/repo:tag`, or `oci:BUNDLE:NAME`.
    pub target: String,
    pub state: MirrorState,
    /// The digest the target holds under the tag (absent for a failed image).
    pub digest: Option<String>,
    /// Set when `--platform` trimmed the index: the pinned digest, which the target does not hold.
    pub trimmed_from: Option<String>,
    /// The digest the target's tag held before this copy moved it (state `replaced`).
    pub replaced: Option<String>,
    /// Bytes of blobs sent for this image (blobs already there or mounted count 0); with
    /// `--dry-run`, the bytes it would send.
    pub bytes: u64,
    pub reason: Option<String>,
    /// Set for an artifact attached to an image (a signature, ...): what it is, and the image's
    /// source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attached: Option<AttachedTo>,
    /// `--dry-run`: the image's distinct blobs, and how many of them are at the destination
    /// already (or moved by an image before it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blobs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blobs_there: Option<usize>,
    /// A delta: the image's blobs assumed in the registry, not carried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<ImageAssumed>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttachedTo {
    pub kind: Attachment,
    /// The image's source, as its own row names it.
    pub image: String,
    /// The artifact's digest at the source (a referrers index: the source's listing).
    pub digest: String,
    /// The digest it is attached to: the image's, or one of its platform manifests'.
    pub subject: String,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MirrorSummary {
    pub images: usize,
    pub copied: usize,
    pub present: usize,
    pub failed: usize,
    /// `--dry-run`: images that would be copied.
    #[serde(skip_serializing_if = "is_zero")]
    pub would_copy: usize,
    /// Bytes of blobs sent (with `--dry-run`, that would be), each distinct blob once per
    /// destination repository at most.
    pub bytes: u64,
    pub trimmed: usize,
    /// Of `images`, the artifacts attached to images (signatures, attestations, SBOMs, referrers).
    pub attached: usize,
    /// `--verify-key`: images at the destination that no signature by the keys names.
    #[serde(skip_serializing_if = "is_zero")]
    pub unsigned: usize,
}

/// Where `mirror` copied to, as the report names targets.
pub enum Target<'a> {
    Registry(&'a RegistryHost),
    Bundle(&'a Path),
}

impl MirrorReport {
    /// Each image's (source, target, entries that use it), in the items' order; an item past
    /// `images` is the Helm chart itself (`--chart oci://...`), which carries it.
    pub fn labels(
        items: &[Item],
        pinned: &[Pinned],
        images: &[Image],
        to: Target,
    ) -> Vec<(String, String, Vec<String>)> {
        items
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let source = match &item.digest {
                    Some(digest) => format!("{}@{digest}", item.origin.name.split('@').next().unwrap_or_default()),
                    None => item.origin.name.clone(),
                };
                let target = match &to {
                    Target::Bundle(path) => format!("oci:{}:{}", path.display(), item.to.name),
                    Target::Registry(registry) => match &item.to.tag {
                        Some(tag) => format!("{registry}/{}:{tag}", item.to.repo),
                        None => format!("{registry}/{}", item.to.repo),
                    },
                };
                let entries = match images.get(index) {
                    Some(image) => image.entries.iter().map(|&i| pinned[i].name.clone()).collect(),
                    None => vec!["the Helm chart".to_owned()],
                };
                (source, target, entries)
            })
            .collect()
    }

    /// Marks the row `index` as not signed by the `--verify-key` keys (`unsigned`), for `reason`.
    pub fn mark_unsigned(&mut self, index: usize, reason: String) {
        if let Some(row) = self.images.get_mut(index) {
            row.state = MirrorState::Unsigned;
            row.reason = Some(reason);
            self.summary.unsigned += 1;
        }
    }

    /// Marks the rows from `first` on as the artifacts `attached` (in order) to the rows they name.
    pub fn mark_attached(&mut self, first: usize, attached: &[Attached]) {
        for (offset, found) in attached.iter().enumerate() {
            let (source, entries) = self
                .images
                .get(found.image)
                .map(|row| (row.source.clone(), row.entries.join(", ")))
                .unwrap_or_default();
            if let Some(row) = self.images.get_mut(first + offset) {
                row.attached = Some(AttachedTo {
                    kind: found.kind,
                    image: source,
                    digest: found.digest.to_string(),
                    subject: found.subject.to_string(),
                });
                row.entries = vec![format!("{} of {entries}", found.kind.noun())];
                self.summary.attached += 1;
            }
        }
    }

    /// `labels` are each image's (source, target, entries), in the outcomes' order.
    pub fn new(labels: Vec<(String, String, Vec<String>)>, outcomes: &[Outcome]) -> Self {
        let mut summary = MirrorSummary { images: outcomes.len(), ..MirrorSummary::default() };
        let images = labels
            .into_iter()
            .zip(outcomes)
            .map(|((source, target, entries), outcome)| {
                let mut replaced = None;
                let mut counts = None;
                let (state, digest, trimmed_from, bytes, reason) = match outcome {
                    Outcome::Copied { digest, bytes, trimmed_from, replaced: moved } => {
                        summary.copied += 1;
                        replaced = moved.as_ref().map(ToString::to_string);
                        let state = if moved.is_some() { MirrorState::Replaced } else { MirrorState::Copied };
                        (state, Some(digest), trimmed_from.as_ref(), *bytes, None)
                    }
                    Outcome::Present { digest, trimmed_from } => {
                        summary.present += 1;
                        (MirrorState::Present, Some(digest), trimmed_from.as_ref(), 0, None)
                    }
                    Outcome::Failed { reason, .. } => {
                        summary.failed += 1;
                        (MirrorState::Failed, None, None, 0, Some(reason.clone()))
                    }
                    Outcome::WouldCopy { digest, bytes, blobs, blobs_there } => {
                        summary.would_copy += 1;
                        counts = Some((*blobs, *blobs_there));
                        (MirrorState::WouldCopy, Some(digest), None, *bytes, None)
                    }
                };
                summary.bytes += bytes;
                summary.trimmed += usize::from(trimmed_from.is_some());
                MirroredImage {
                    entries,
                    source,
                    target,
                    state,
                    digest: digest.map(ToString::to_string),
                    trimmed_from: trimmed_from.map(ToString::to_string),
                    replaced,
                    bytes,
                    reason,
                    attached: None,
                    blobs: counts.map(|(blobs, _)| blobs),
                    blobs_there: counts.map(|(_, there)| there),
                    assumed: None,
                }
            })
            .collect();
        Self { api_version: API_VERSION, kind: "Mirror", summary, images, bundle: None, uploads: None, delta: None }
    }
}

impl Report for MirrorReport {
    fn document(&self) -> impl Serialize + '_ {
        self
    }

    fn write_table(&self, color: bool, out: &mut dyn Write) -> io::Result<()> {
        write_mirror_table(self, color, out)
    }
}

/// One row per image, the reasons of failed ones under it, the summary line last.
fn write_mirror_table(report: &MirrorReport, color: bool, out: &mut dyn Write) -> io::Result<()> {
    for image in &report.images {
        let state = match image.state {
            MirrorState::Copied => "copied",
            MirrorState::Replaced => "replaced",
            MirrorState::Present => "present",
            MirrorState::Failed => "failed",
            MirrorState::WouldCopy => "would copy",
            MirrorState::Unsigned => "unsigned",
        };
        let good = !matches!(image.state, MirrorState::Failed | MirrorState::Unsigned);
        let state = state_column(state, good, color);
        let bytes = match (image.blobs, image.blobs_there) {
            (Some(blobs), Some(there)) => {
                format!("  {} to move, {there} of {blobs} blobs there already", human_bytes(image.bytes))
            }
            _ if image.bytes > 0 => format!("  {}", human_bytes(image.bytes)),
            _ => String::new(),
        };
        writeln!(out, "{state} {}  ->  {}{bytes}  ({})", image.source, image.target, image.entries.join(", "))?;
        if let Some(reason) = &image.reason {
            writeln!(out, "         {reason}")?;
        }
        if let Some(assumed) = &image.assumed {
            super::delta::image_line(assumed, out)?;
        }
        if let Some(replaced) = &image.replaced {
            writeln!(out, "         the tag held {replaced} before: it now holds the pinned image")?;
        }
        if let (false, Some(digest)) = (image.source.contains('@'), &image.digest) {
            writeln!(out, "         pinned by its tag alone: the tag held {digest}")?;
        }
        if let (Some(from), Some(digest)) = (&image.trimmed_from, &image.digest) {
            writeln!(out, "         trimmed to the chosen platforms: {digest}, not the pinned {from}")?;
        }
    }
    writeln!(out, "{}", summary_line(&report.summary))?;
    if let Some(totals) = &report.delta {
        super::delta::totals_line(totals, out)?;
    }
    if let Some(Uploads { registry, chunk_size: Some(size), .. }) = &report.uploads {
        writeln!(out, "uploads to {registry}: in chunks of {}, as it takes them", human_bytes(*size))?;
    }
    match &report.bundle {
        Some(BundleState { path, made_from, images, complete: true, .. }) => {
            let check = ["kubectl", "essregistry", "mirror", "--verify-bundle", path].map(str::to_owned);
            writeln!(
                out,
                "bundle {path}: complete for {made_from}: all {images} images in it; check it anywhere, offline, \
                 with `{}`",
                crate::sanitize::command_line(&check)
            )
        }
        Some(BundleState { path, made_from, complete: false, problem, .. }) => {
            writeln!(out, "bundle {path}: not complete for {made_from}: {}", problem.as_deref().unwrap_or("unknown"))
        }
        None => Ok(()),
    }
}

/// An image's state as its table's first column: padded, green when `good`, else red.
pub(super) fn state_column(state: &str, good: bool, color: bool) -> String {
    match (color, good) {
        (false, _) => format!("{state:<8}"),
        (true, true) => format!("{:<8}", state.green()),
        (true, false) => format!("{:<8}", state.red()),
    }
}

fn summary_line(summary: &MirrorSummary) -> String {
    if summary.would_copy > 0 {
        return format!(
            "{}: {} would be copied, {} already there, {} failed; {} would move (dry run: nothing written)",
            counted(summary.images, "image", "images"),
            summary.would_copy,
            summary.present,
            summary.failed,
            human_bytes(summary.bytes)
        );
    }
    let attached = match summary.attached {
        0 => String::new(),
        1 => " (one of them a signature or other artifact attached to an image)".to_owned(),
        n => format!(" ({n} of them signatures or other artifacts attached to an image)"),
    };
    let unsigned = match summary.unsigned {
        0 => String::new(),
        n => format!("; {n} unsigned (no signature by the --verify-key keys names its digest)"),
    };
    format!(
        "{}{attached}: {} copied, {} already there, {} failed; {} moved{unsigned}",
        counted(summary.images, "image", "images"),
        summary.copied,
        summary.present,
        summary.failed,
        human_bytes(summary.bytes)
    )
}

fn is_zero(count: &usize) -> bool {
    *count == 0
}

/// Binary units, as `du -h` and registries' UIs show sizes.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} B") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::FailureKind;
    use crate::reference::Digest;

    #[test]
    fn the_summary_counts_states_and_bytes() {
        let outcomes = vec![
            Outcome::Copied { digest: Digest::of(b"a"), bytes: 3 * 1024 * 1024, trimmed_from: None, replaced: None },
            Outcome::Present { digest: Digest::of(b"b"), trimmed_from: Some(Digest::of(b"c")) },
            Outcome::Failed { failure: FailureKind::Image, reason: "blob sha256:x is truncated".into() },
        ];
        let labels = (0..3).map(|i| (format!("s{i}"), format!("t{i}"), vec![format!("c{i}/s")])).collect();
        let report = MirrorReport::new(labels, &outcomes);
        assert_eq!(summary_line(&report.summary), "3 images: 1 copied, 1 already there, 1 failed; 3.0 MiB moved");
        assert_eq!(report.summary.trimmed, 1);
        let mut table = Vec::new();
        write_mirror_table(&report, false, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(table.contains("failed   s2  ->  t2  (c2/s)\n         blob sha256:x is truncated"), "{table}");
        assert_eq!(human_bytes(512), "512 B");
    }

    #[test]
    fn the_last_line_says_for_what_the_bundle_is_complete_and_how_to_check_it() {
        let outcomes = vec![Outcome::Present { digest: Digest::of(b"a"), trimmed_from: None }];
        let mut report = MirrorReport::new(vec![("s".into(), "t".into(), vec![])], &outcomes);
        report.bundle = Some(BundleState {
            path: "my ess.tar.zst".into(),
            made_from: "images_digests.yml".into(),
            images: 1,
            complete: true,
            missing: vec![],
            problem: None,
        });
        let mut table = Vec::new();
        write_mirror_table(&report, false, &mut table).unwrap();
        let last = String::from_utf8(table).unwrap().lines().last().unwrap().to_owned();
        assert_eq!(
            last,
            "bundle my ess.tar.zst: complete for images_digests.yml: all 1 images in it; check it anywhere, offline, \
             with `kubectl essregistry mirror --verify-bundle 'my ess.tar.zst'`"
        );
    }
}
