//! Keeping an image's referrers findable at the destination once they are there (distribution
//! spec 1.1, "Pushing Manifests with Subject"): a registry that took the `subject` of a pushed
//! referrer (`OCI-Subject`), or that serves the referrers API, lists them itself; any other
//! gets the fallback tag `sha256-HEX` kept by the client: the index there fetched, the
//! referrers it lacks added with their `artifactType` and `annotations`, and pushed back under
//! the tag, never dropping an entry. A bundle holds the source's listing under the fallback
//! tag's name, so that it is found there by the same rule.

use super::attached::{Attached, Listing};
use super::copy::Outcome;
use super::sink::Sink;
use super::source::Failure;
use crate::oci::add_referrers;
use crate::reference::Digest;
use crate::registry::{MANIFEST_MEDIA_TYPES, RawManifest};

/// For each listing whose referrers needed the fallback tag at the destination: the row that
/// says what became of it. Listings the destination lists itself give none.
pub async fn keep_listings(sink: &Sink, listings: &[Listing]) -> Vec<(Attached, Outcome)> {
    let mut kept = Vec::new();
    for listing in listings {
        let outcome = match keep(sink, listing).await {
            Ok(None) => continue,
            Ok(Some(outcome)) => outcome,
            Err(failure) => Outcome::failed(failure),
        };
        kept.push((listing.attached.clone(), outcome));
    }
    kept
}

async fn keep(sink: &Sink, listing: &Listing) -> Result<Option<Outcome>, Failure> {
    let Listing { bytes, attached } = listing;
    let to = &attached.item.to;
    let subject = &attached.subject;
    let tag = to.tag.as_deref().unwrap_or_default();
    let as_index = |bytes: Vec<u8>| RawManifest { bytes, media_type: Some(MANIFEST_MEDIA_TYPES[0].to_owned()) };
    match sink {
        Sink::Registry { store, .. } => {
            if store.took_subject(subject) || store.list_referrers(&to.repo, subject).await?.is_some() {
                return Ok(None);
            }
            let (index, replaced) = match store.fetch_manifest(&to.repo, tag).await? {
                None => (bytes.clone(), None),
                Some(there) => match add_referrers(&there.bytes, bytes).map_err(Failure::Image)? {
                    None => return Ok(Some(Outcome::Present { digest: Digest::of(&there.bytes), trimmed_from: None })),
                    Some(merged) => (merged, Some(Digest::of(&there.bytes))),
                },
            };
            let digest = Digest::of(&index);
            store.push_manifest(&to.repo, tag, &as_index(index)).await?;
            Ok(Some(Outcome::Copied { digest, bytes: 0, trimmed_from: None, replaced }))
        }
        Sink::Bundle { .. } => {
            let digest = Digest::of(bytes);
            if sink.holds(to, &digest).await? == super::sink::Held::Whole {
                sink.name_held(to, &digest);
                return Ok(Some(Outcome::Present { digest, trimmed_from: None }));
            }
            sink.put_manifest(to, Some(tag), &digest, &as_index(bytes.clone())).await?;
            Ok(Some(Outcome::Copied { digest, bytes: 0, trimmed_from: None, replaced: None }))
        }
        Sink::Check => Ok(None),
    }
}
