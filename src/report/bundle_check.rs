//! What `mirror --verify-bundle` found: `kind: BundleCheck`, one entry per image of the bundle's
//! images_digests (ok, missing, or damaged and why), whether the bundle is complete, and the
//! same as a table with the verdict last.

use super::Report;
use super::delta::ImageAssumed;
use super::document::API_VERSION;
use super::mirror::{human_bytes, state_column};
use crate::mirror::Checked;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, Write};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleCheckReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The bundle as given.
    pub bundle: String,
    /// What its images were read from: the images_digests it keeps, or the input given.
    pub made_from: String,
    /// Every image there, every manifest and blob matching its digest and size.
    pub complete: bool,
    pub summary: BundleCheckSummary,
    pub images: Vec<CheckedImage>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleCheckSummary {
    pub images: usize,
    pub ok: usize,
    pub missing: usize,
    pub damaged: usize,
    /// Bytes of blobs read and checked, each distinct blob once.
    pub bytes: u64,
    /// A delta bundle: the blobs it left out, assumed in the registry (checked when it is
    /// pushed), each distinct blob once, and their bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed_blobs: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed_bytes: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CheckedState {
    Ok,
    Missing,
    Damaged,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckedImage {
    /// What uses the image: images_digests entries (`component/sub`) or chart blocks.
    pub entries: Vec<String>,
    /// The upstream image as pinned, `server/path:tag@digest`.
    pub source: String,
    /// Where other tools find it: `oci:BUNDLE:NAME`.
    pub name: String,
    pub state: CheckedState,
    /// The top manifest's digest the bundle holds (absent unless ok).
    pub digest: Option<String>,
    /// Set for a bundle made with `--platform`: the pinned digest, which the bundle does not hold.
    pub trimmed_from: Option<String>,
    /// Why it is missing or damaged: which manifest or blob.
    pub reason: Option<String>,
    /// A delta bundle: the image's blobs left out, assumed in the registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assumed: Option<ImageAssumed>,
}

impl BundleCheckReport {
    /// `labels` are each image's (source, name in the bundle, entries), in the verdicts' order.
    pub fn new(
        bundle: String,
        made_from: String,
        labels: Vec<(String, String, Vec<String>)>,
        checked: &[Checked],
    ) -> Self {
        let mut summary = BundleCheckSummary { images: checked.len(), ..BundleCheckSummary::default() };
        let mut distinct = HashMap::new();
        let images: Vec<CheckedImage> = labels
            .into_iter()
            .zip(checked)
            .map(|((source, name, entries), checked)| {
                let mut assumed = None;
                let (state, digest, trimmed_from, reason) = match checked {
                    Checked::Whole { digest, trimmed_from, bytes, assumed: left_out } => {
                        summary.ok += 1;
                        summary.bytes += bytes;
                        if let Some(left_out) = left_out {
                            distinct.extend(left_out.blobs.iter().map(|blob| (blob.digest.clone(), blob.size)));
                            assumed = Some(ImageAssumed { blobs: left_out.blobs.len(), bytes: left_out.bytes() });
                        }
                        (
                            CheckedState::Ok,
                            Some(digest.to_string()),
                            trimmed_from.as_ref().map(ToString::to_string),
                            None,
                        )
                    }
                    Checked::Missing { pinned } => {
                        summary.missing += 1;
                        let why = match pinned {
                            Some(digest) => format!("not in the bundle: it holds no manifest {digest}, and names none"),
                            None => "not in the bundle: its index.json names no such image".to_owned(),
                        };
                        (CheckedState::Missing, None, None, Some(why))
                    }
                    Checked::Damaged { reason } => {
                        summary.damaged += 1;
                        (CheckedState::Damaged, None, None, Some(reason.clone()))
                    }
                };
                CheckedImage { entries, source, name, state, digest, trimmed_from, reason, assumed }
            })
            .collect();
        if !distinct.is_empty() {
            summary.assumed_blobs = Some(distinct.len());
            summary.assumed_bytes = Some(distinct.values().sum());
        }
        let complete = summary.ok == summary.images;
        Self { api_version: API_VERSION, kind: "BundleCheck", bundle, made_from, complete, summary, images }
    }
}

impl Report for BundleCheckReport {
    fn document(&self) -> impl Serialize + '_ {
        self
    }

    fn write_table(&self, color: bool, out: &mut dyn Write) -> io::Result<()> {
        for image in &self.images {
            let state = match image.state {
                CheckedState::Ok => "ok",
                CheckedState::Missing => "missing",
                CheckedState::Damaged => "damaged",
            };
            let state = state_column(state, image.state == CheckedState::Ok, color);
            writeln!(out, "{state} {}  ({})", image.source, image.entries.join(", "))?;
            if let Some(reason) = &image.reason {
                writeln!(out, "         {reason}")?;
            }
            if let (Some(from), Some(digest)) = (&image.trimmed_from, &image.digest) {
                writeln!(out, "         trimmed to some platforms: {digest}, not the pinned {from}")?;
            }
            if let Some(assumed) = &image.assumed {
                super::delta::image_line(assumed, out)?;
            }
        }
        writeln!(out, "{}", verdict(self))
    }
}

/// The last line: whether the bundle is complete for what it was made from.
fn verdict(report: &BundleCheckReport) -> String {
    let BundleCheckSummary { images, ok, missing, damaged, bytes, assumed_blobs, assumed_bytes } = &report.summary;
    let (bundle, from) = (&report.bundle, &report.made_from);
    if report.complete {
        let delta = match (assumed_blobs, assumed_bytes) {
            (Some(blobs), Some(left_out)) => format!(
                "; a delta bundle: {blobs} blob(s), {}, left out as the registry holds them, checked when it is pushed",
                human_bytes(*left_out)
            ),
            _ => String::new(),
        };
        return format!(
            "bundle {bundle}: complete for {from}: all {images} images in it, {} of blobs checked against their \
             digests{delta}",
            human_bytes(*bytes)
        );
    }
    format!(
        "bundle {bundle}: not complete for {from}: {ok} of {images} images whole, {missing} missing, {damaged} \
         damaged; on the connected side, `kubectl essregistry mirror --to-bundle` into it again fetches what it \
         lacks (in a folder, delete the damaged blobs named above, blobs/sha256/HEX, first; an archive's are found \
         by the rerun), then carry it across again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Digest;

    #[test]
    fn the_verdict_counts_each_state_and_names_the_damaged_blob() {
        let checked = vec![
            Checked::Whole { digest: Digest::of(b"a"), trimmed_from: None, bytes: 2048, assumed: None },
            Checked::Missing { pinned: Some(Digest::of(b"m")) },
            Checked::Damaged { reason: "the bundle's blob sha256:x does not match its digest".into() },
        ];
        let labels = (0..3).map(|i| (format!("s{i}"), format!("oci:b:n{i}"), vec![format!("c{i}/s")])).collect();
        let report = BundleCheckReport::new("b".into(), "images_digests.yml in b".into(), labels, &checked);
        assert!(!report.complete);
        let mut table = Vec::new();
        report.write_table(false, &mut table).unwrap();
        let table = String::from_utf8(table).unwrap();
        let pinned = Digest::of(b"m");
        assert!(
            table.contains(&format!("missing  s1  (c1/s)\n         not in the bundle: it holds no manifest {pinned}"))
        );
        assert!(table.contains("damaged  s2  (c2/s)\n         the bundle's blob sha256:x"), "{table}");
        assert!(table.contains("not complete for images_digests.yml in b: 1 of 3 images whole, 1 missing, 1 damaged"));
    }
}
