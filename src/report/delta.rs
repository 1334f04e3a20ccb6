//! What a delta did in `mirror`: per image, the blobs it assumed present in the local registry
//! (left out of a bundle written with `--have`, or checked there when such a bundle is pushed),
//! and for the run the bytes carried against a full bundle.

use super::mirror::{MirrorReport, human_bytes};
use crate::bundle::assumed::AssumedImage;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

/// The run's totals, each distinct blob once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeltaTotals {
    /// `--have` files read (0 when pushing a delta bundle).
    pub inventories: usize,
    /// Bytes of blobs carried (into the bundle, or into the registry).
    pub carried_bytes: u64,
    /// Distinct blobs assumed in the registry, and their bytes.
    pub assumed_blobs: usize,
    pub assumed_bytes: u64,
    /// `--to-bundle --have`: the bytes of blobs a full bundle of the same images would carry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_bytes: Option<u64>,
}

/// What one image assumed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageAssumed {
    pub blobs: usize,
    pub bytes: u64,
}

impl MirrorReport {
    /// Records what each row (in order) assumed, and the totals: `inventories` the `--have`
    /// files, `full_bytes` what a full bundle would carry (None when pushing a delta bundle).
    pub fn mark_assumed(&mut self, assumed: &[Option<AssumedImage>], inventories: usize, full_bytes: Option<u64>) {
        let mut distinct: HashMap<&str, u64> = HashMap::new();
        for (row, assumed) in self.images.iter_mut().zip(assumed) {
            let Some(assumed) = assumed else { continue };
            distinct.extend(assumed.blobs.iter().map(|blob| (blob.digest.as_str(), blob.size)));
            row.assumed = Some(ImageAssumed { blobs: assumed.blobs.len(), bytes: assumed.bytes() });
        }
        self.delta = Some(DeltaTotals {
            inventories,
            carried_bytes: self.summary.bytes,
            assumed_blobs: distinct.len(),
            assumed_bytes: distinct.values().sum(),
            full_bytes,
        });
    }
}

/// The line under an image's row: what it assumed.
pub(super) fn image_line(assumed: &ImageAssumed, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "         {} blob(s), {}, assumed in the registry (not carried)",
        assumed.blobs,
        human_bytes(assumed.bytes)
    )
}

/// The line under the summary: carried against full.
pub(super) fn totals_line(totals: &DeltaTotals, out: &mut dyn Write) -> io::Result<()> {
    let DeltaTotals { inventories, carried_bytes, assumed_blobs, assumed_bytes, full_bytes } = totals;
    let assumed = format!("{assumed_blobs} blob(s), {}, assumed in the registry", human_bytes(*assumed_bytes));
    match full_bytes {
        Some(full) => writeln!(
            out,
            "delta against {inventories} inventory file(s): {} carried of {} a full bundle would carry ({}); {assumed}, \
             checked when the bundle is pushed",
            human_bytes(*carried_bytes),
            human_bytes(*full),
            percent(*carried_bytes, *full)
        ),
        None => writeln!(out, "delta bundle: {assumed}, each found there before its image was pushed"),
    }
}

fn percent(part: u64, whole: u64) -> String {
    match whole {
        0 => "nothing to carry".to_owned(),
        _ => format!("{:.1} %", part as f64 * 100.0 / whole as f64),
    }
}
