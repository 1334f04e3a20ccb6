//! What travels with an image: the artifacts attached to it. cosign (before v3) tags a
//! signature `sha256-HEX.sig`, an attestation `.att` and an SBOM `.sbom`, HEX being the image's
//! digest; those travel under the same tag. OCI 1.1 referrers (cosign v3 bundles, attestations,
//! SBOMs: manifests whose `subject` is the image's digest or one of its platform manifests')
//! are listed by the referrers API or the fallback tag `sha256-HEX`, and travel by digest, the
//! listing kept at the destination as `referrers` says. Each is copied byte for byte.

use super::copy::{Item, Outcome};
use super::sink::Destination;
use super::source::{Failure, Origin, Source};
use crate::oci::{ATTACHED_SUFFIXES, Descriptor, Manifest, Platform, attached_tag, referrers_listed, referrers_tag};
use crate::reference::Digest;
use serde::Serialize;

/// What an attached artifact is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Attachment {
    /// `sha256-HEX.sig`.
    Signature,
    /// `sha256-HEX.att`.
    Attestation,
    /// `sha256-HEX.sbom`.
    Sbom,
    /// One OCI 1.1 referrer, by digest (its `subject` naming the image).
    Referrer,
    /// The referrers fallback index `sha256-HEX`, kept where the destination lists no referrers.
    Referrers,
}

impl Attachment {
    /// As a report names it: "signature of synapse/synapse".
    pub fn noun(self) -> &'static str {
        match self {
            Attachment::Signature => "signature",
            Attachment::Attestation => "attestation",
            Attachment::Sbom => "SBOM",
            Attachment::Referrer => "referrer",
            Attachment::Referrers => "referrers index",
        }
    }

    fn of_suffix(suffix: &str) -> Attachment {
        match suffix {
            ".sig" => Attachment::Signature,
            ".att" => Attachment::Attestation,
            _ => Attachment::Sbom,
        }
    }
}

/// One artifact to copy: what it is, the image it is attached to (an index into the items), the
/// digest it is attached to (the image's, or one of its platform manifests'), its own digest
/// at the source, and the item that copies it.
#[derive(Clone)]
pub struct Attached {
    pub kind: Attachment,
    pub image: usize,
    pub subject: Digest,
    pub digest: Digest,
    pub item: Item,
}

/// The referrers of one subject as the source listed them (an OCI index, bytes unchanged), and
/// the item that stands for the fallback tag at the destination (`kind` `Referrers`).
pub struct Listing {
    pub bytes: Vec<u8>,
    pub attached: Attached,
}

/// What `discover` found.
#[derive(Default)]
pub struct Found {
    pub attached: Vec<Attached>,
    pub listings: Vec<Listing>,
}

/// The artifacts `source` holds for each image copied now (`outcomes`, in the order of
/// `items`); from a bundle, for images found present too, as asking a bundle costs no request.
/// Upstream, an image already there is not asked again: a rerun stays one request per image.
/// Referrers are looked for on the image's digest and on each manifest its index lists (of an
/// index trimmed to `platforms`, `--platform`, the manifests kept). Errors: the source failed
/// to answer (a missing tag is no error).
pub async fn discover(
    source: &Source,
    items: &[Item],
    outcomes: &[Outcome],
    platforms: &[Platform],
) -> Result<Found, Failure> {
    let mut found = Found::default();
    let local = matches!(source, Source::Bundle(_));
    for (index, (item, outcome)) in items.iter().zip(outcomes).enumerate() {
        let (digest, trimmed) = match outcome {
            Outcome::Copied { digest, trimmed_from, .. } => (digest, trimmed_from.as_ref()),
            Outcome::Present { digest, trimmed_from } if local => (digest, trimmed_from.as_ref()),
            Outcome::Present { .. } | Outcome::Failed { .. } | Outcome::WouldCopy { .. } => continue,
        };
        let base = format!("{}/{}", item.origin.server, item.origin.path);
        let tagged = |tag: String| {
            let name = format!("{base}:{tag}");
            let origin = Origin { tag: Some(tag.clone()), name: name.clone(), ..item.origin.clone() };
            (origin, Destination { repo: item.to.repo.clone(), tag: Some(tag), name })
        };
        for suffix in ATTACHED_SUFFIXES.iter().filter(|suffix| !suffix.is_empty()) {
            let (origin, to) = tagged(attached_tag(digest, suffix));
            if let Some(held) = source.find_tag(&origin).await? {
                let kind = Attachment::of_suffix(suffix);
                let item = Item { origin, to, digest: Some(held.clone()) };
                found.attached.push(Attached { kind, image: index, subject: digest.clone(), digest: held, item });
            }
        }
        let mut subjects = vec![digest.clone()];
        // Upstream holds the index as pinned, not as trimmed: its kept platforms are those asked.
        let listing = match trimmed {
            Some(pinned) if !local => pinned,
            _ => digest,
        };
        let top = source.manifest(&item.origin, listing).await?;
        if let Ok(Manifest::Index(children)) = Manifest::parse(&top.bytes) {
            let kept = |child: &Descriptor| {
                trimmed.is_none() || child.platform.as_ref().is_some_and(|p| platforms.iter().any(|w| w.selects(p)))
            };
            subjects.extend(children.into_iter().filter(kept).map(|child| child.digest));
        }
        for subject in subjects {
            let (origin, to) = tagged(referrers_tag(&subject));
            let Some(bytes) = source.referrers(&origin, &subject).await? else { continue };
            let listed = referrers_listed(&bytes).map_err(|why| Failure::Image(format!("{base}@{subject}: {why}")))?;
            if listed.is_empty() {
                continue;
            }
            for referrer in listed {
                let name = format!("{base}@{}", referrer.digest);
                let item = Item {
                    origin: Origin { tag: None, name: name.clone(), ..item.origin.clone() },
                    to: Destination { repo: item.to.repo.clone(), tag: None, name },
                    digest: Some(referrer.digest.clone()),
                };
                let (kind, digest) = (Attachment::Referrer, referrer.digest);
                found.attached.push(Attached { kind, image: index, subject: subject.clone(), digest, item });
            }
            let digest = Digest::of(&bytes);
            let item = Item { origin, to, digest: Some(digest.clone()) };
            let attached = Attached { kind: Attachment::Referrers, image: index, subject, digest, item };
            found.listings.push(Listing { bytes, attached });
        }
    }
    Ok(found)
}
