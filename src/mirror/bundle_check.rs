//! `mirror --verify-bundle`: what a bundle holds of each image, checked offline on either side
//! of the gap. Each image is copied out of the bundle into `Sink::Check`, so the walk (indexes,
//! platform manifests, a bundle trimmed to some platforms) and the digest check are the copy's
//! own; only the verdict is made here: an image whose top manifest the bundle lacks is missing,
//! one that fails below it is damaged, and the reason names what. A delta bundle's blobs left
//! out (`assumed.json`) are not missing: they are counted, and checked when it is pushed.

use super::copy::{CopyOptions, Item, Outcome, Progress, copy_surveyed, survey_all};
use super::delta::Delta;
use super::sink::Sink;
use super::source::Source;
use crate::bundle::assumed::{Assumed, AssumedImage};
use crate::bundle::layout::Layout;
use crate::reference::Digest;

/// What a bundle holds of one image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checked {
    /// Every manifest and blob there, each matching its digest and size: `digest` is the top
    /// manifest's, `trimmed_from` the pinned one it replaced (a bundle made with `--platform`),
    /// `bytes` those of the blobs read, `assumed` the blobs a delta bundle left out.
    Whole { digest: Digest, trimmed_from: Option<Digest>, bytes: u64, assumed: Option<AssumedImage> },
    /// The bundle holds no top manifest for the image: neither the pinned one (`pinned`, None for
    /// an image pinned by its tag alone) nor one its index names it by.
    Missing { pinned: Option<Digest> },
    /// The top manifest is there, and something below it is missing or not what its digest
    /// says: which, and why.
    Damaged { reason: String },
}

/// Checks every item in `layout`, `concurrency` images at once, in the items' order; the blobs
/// `assumed` lists (a delta bundle's) are not looked for.
pub async fn check_bundle(
    items: &[Item],
    layout: &Layout,
    assumed: Option<Assumed>,
    concurrency: usize,
    progress: &dyn Progress,
) -> Vec<Checked> {
    let source = Source::Bundle(layout.clone());
    let options = CopyOptions { platforms: vec![], concurrency };
    let mut surveyed = survey_all(items, &source, &Sink::Check, &options).await;
    let delta = assumed.map_or(Delta::None, |assumed| Delta::Assumed { assumed, mount: false });
    let mut assumed = delta.apply(items, &mut surveyed, &source, &Sink::Check, concurrency).await.into_iter();
    let outcomes = copy_surveyed(items, surveyed, &source, &Sink::Check, &options, progress).await;
    items
        .iter()
        .zip(outcomes)
        .map(|(item, outcome)| (item, outcome, assumed.next().flatten()))
        .map(|(item, outcome, assumed)| match outcome {
            Outcome::Copied { digest, bytes, trimmed_from, .. } => {
                Checked::Whole { digest, trimmed_from, bytes, assumed }
            }
            Outcome::Present { digest, trimmed_from } => Checked::Whole { digest, trimmed_from, bytes: 0, assumed },
            Outcome::WouldCopy { .. } => unreachable!("a check is no dry run"),
            Outcome::Failed { reason, .. } => {
                let named = source.named(&item.origin);
                let top = item.digest.iter().chain(&named).any(|digest| layout.blob_path(digest).is_file());
                if top { Checked::Damaged { reason } } else { Checked::Missing { pinned: item.digest.clone() } }
            }
        })
        .collect()
}
