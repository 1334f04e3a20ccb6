//! What travels with an image: the artifacts attached to it by tag. cosign (before v3) tags a
//! signature `sha256-HEX.sig`, an attestation `.att` and an SBOM `.sbom`, HEX being the image's
//! digest; the OCI distribution spec's referrers fallback tags an index of the image's referrers
//! `sha256-HEX` (cosign v3 bundles among them), whose manifests come with it as an index's do.
//! Each found at the source is one more item, copied byte for byte under the same tag.

use super::copy::{Item, Outcome};
use super::sink::Destination;
use super::source::{Failure, Origin, Source};
use crate::oci::{ATTACHED_SUFFIXES, attached_tag};
use serde::Serialize;

/// What an attached artifact is, by its tag's suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attachment {
    Signature,
    Attestation,
    Sbom,
    /// The referrers fallback index: signatures, attestations, SBOMs as OCI 1.1 referrers.
    Referrers,
}

impl Attachment {
    /// As a report names it: "signature of synapse/synapse".
    pub fn noun(self) -> &'static str {
        match self {
            Attachment::Signature => "signature",
            Attachment::Attestation => "attestation",
            Attachment::Sbom => "SBOM",
            Attachment::Referrers => "referrers",
        }
    }

    fn of_suffix(suffix: &str) -> Attachment {
        match suffix {
            ".sig" => Attachment::Signature,
            ".att" => Attachment::Attestation,
            ".sbom" => Attachment::Sbom,
            _ => Attachment::Referrers,
        }
    }
}

/// One artifact to copy: what it is, the image it is attached to (an index into the items), and
/// the item that copies it.
pub struct Attached {
    pub kind: Attachment,
    pub image: usize,
    pub item: Item,
}

/// The artifacts `source` holds for each image copied now (`outcomes`, in the order of
/// `items`); from a bundle, for images found present too, as asking a bundle costs no request.
/// Upstream, an image already there is not asked again: a rerun stays one request per image.
/// Errors: the source failed to answer (a missing tag is no error).
pub async fn discover(source: &Source, items: &[Item], outcomes: &[Outcome]) -> Result<Vec<Attached>, Failure> {
    let mut found = Vec::new();
    let local = matches!(source, Source::Bundle(_));
    for (index, (item, outcome)) in items.iter().zip(outcomes).enumerate() {
        let digest = match outcome {
            Outcome::Copied { digest, .. } => digest,
            Outcome::Present { digest, .. } if local => digest,
            Outcome::Present { .. } | Outcome::Failed { .. } | Outcome::WouldCopy { .. } => continue,
        };
        let base = format!("{}/{}", item.origin.server, item.origin.path);
        for suffix in ATTACHED_SUFFIXES {
            let (tag, kind) = (attached_tag(digest, suffix), Attachment::of_suffix(suffix));
            let name = format!("{base}:{tag}");
            let origin = Origin { tag: Some(tag.clone()), name: name.clone(), ..item.origin.clone() };
            if let Some(held) = source.find_tag(&origin).await? {
                let to = Destination { repo: item.to.repo.clone(), tag: Some(tag), name };
                found.push(Attached { kind, image: index, item: Item { origin, to, digest: Some(held) } });
            }
        }
    }
    Ok(found)
}
