//! Delta bundles: on the connected side, the blobs an inventory lists are left out of what each
//! image copies (manifests always travel: the import reads them, and they are small); inside the
//! gap, every blob a bundle left out is checked in the registry before any manifest of its
//! image is pushed. Both act on the survey, between finding what an image needs and copying it,
//! so that the copy itself stays the same for full and delta bundles.

use super::copy::{Item, Surveyed};
use super::sink::Sink;
use super::source::{Failure, Source};
use crate::bundle::assumed::{Assumed, AssumedBlob, AssumedImage};
use crate::inventory::Inventory;
use crate::oci::Descriptor;
use crate::reference::{Digest, RepoPath};
use crate::registry::HttpRegistry;
use futures::StreamExt;
use std::collections::HashMap;

/// What the delta does to a run.
pub enum Delta {
    /// A full copy.
    None,
    /// `--to-bundle --have`: leave out what the inventories list.
    Have(Have),
    /// A delta bundle read: check what it assumes (`mount`: a mount may take a blob from the
    /// repository the inventory named; a dry run only asks).
    Assumed { assumed: Assumed, mount: bool },
}

/// The blobs some inventories list: digest -> size, and the repositories holding it, by name.
#[derive(Debug, Default)]
pub struct Have {
    blobs: HashMap<String, (u64, Vec<String>)>,
}

impl Have {
    /// Every blob of every repository of `inventories` (made in one registry, with one mapping:
    /// the caller checked that). A blob listed at two sizes is a digest collision or a damaged
    /// inventory: it is assumed at neither.
    pub fn new(inventories: &[Inventory]) -> Have {
        let mut blobs: HashMap<String, (u64, Vec<String>)> = HashMap::new();
        for inventory in inventories {
            for (repository, holdings) in &inventory.repositories {
                for (digest, size) in &holdings.blobs {
                    let (known, repositories) = blobs.entry(digest.clone()).or_insert((*size, Vec::new()));
                    if *known != *size {
                        *known = u64::MAX;
                    }
                    if !repositories.contains(repository) {
                        repositories.push(repository.clone());
                        repositories.sort();
                    }
                }
            }
        }
        Have { blobs }
    }

    /// The repository to assume `blob` in, for an image going to `repo`: `repo` when it holds
    /// the blob, else the first (by name) that does; None when no inventory lists it at its size.
    fn holder(&self, blob: &Descriptor, repo: &RepoPath) -> Option<String> {
        let (size, repositories) = self.blobs.get(blob.digest.as_str())?;
        if *size != blob.size {
            return None;
        }
        let own = repositories.iter().find(|held| held.as_str() == repo.as_str());
        own.or(repositories.first()).cloned()
    }
}

impl Delta {
    /// Applies the delta to the survey of `items` (in their order): leaves out of each image to
    /// copy the blobs it may assume, and turns an image whose assumptions do not hold in the
    /// registry into a failure that names them. Returns what each image assumes (None: nothing).
    pub async fn apply(
        &self,
        items: &[Item],
        surveyed: &mut [Result<Surveyed, Failure>],
        source: &Source,
        sink: &Sink,
        concurrency: usize,
    ) -> Vec<Option<AssumedImage>> {
        match self {
            Delta::None => vec![None; items.len()],
            Delta::Have(have) => items
                .iter()
                .zip(surveyed.iter_mut())
                .map(|(item, surveyed)| leave_out(have, item, surveyed.as_mut().ok()?))
                .collect(),
            Delta::Assumed { assumed, mount } => {
                let store = match sink {
                    Sink::Registry { store, .. } => Some(store.as_ref()),
                    Sink::Bundle { .. } | Sink::Check => None,
                };
                let checks = items.iter().zip(surveyed.iter_mut()).map(|(item, surveyed)| async move {
                    let assumes = assumes(assumed, item, surveyed.as_ref().ok()?, source)?;
                    if let Some(store) = store
                        && let Err(failure) = check(store, item, &assumes, *mount).await
                    {
                        *surveyed = Err(failure);
                        return None;
                    }
                    if let Ok(Surveyed::Missing(image)) = surveyed {
                        image
                            .blobs
                            .retain(|blob| !assumes.blobs.iter().any(|held| held.digest == blob.digest.as_str()));
                    }
                    Some(assumes)
                });
                futures::stream::iter(checks).buffered(concurrency.max(1)).collect().await
            }
        }
    }
}

/// Leaves out of `surveyed` (an image to copy) the blobs the inventories list; what it assumes.
fn leave_out(have: &Have, item: &Item, surveyed: &mut Surveyed) -> Option<AssumedImage> {
    let Surveyed::Missing(image) = surveyed else { return None };
    let mut blobs = Vec::new();
    image.blobs.retain(|blob| match have.holder(blob, &item.to.repo) {
        Some(repository) => {
            blobs.push(AssumedBlob { digest: blob.digest.to_string(), size: blob.size, repository });
            false
        }
        None => true,
    });
    (!blobs.is_empty()).then(|| AssumedImage {
        name: item.to.name.clone(),
        digest: image.digest.to_string(),
        repository: item.to.repo.to_string(),
        blobs,
    })
}

/// What the bundle assumes of an image it is to copy: the blobs its record lists that the
/// image refers to and the bundle lacks (a blob the bundle holds is copied from it).
fn assumes(assumed: &Assumed, item: &Item, surveyed: &Surveyed, source: &Source) -> Option<AssumedImage> {
    let Surveyed::Missing(image) = surveyed else { return None };
    let record = assumed.image(&item.to.name)?;
    let lacks = |blob: &AssumedBlob| {
        let listed = image.blobs.iter().find(|needed| needed.digest.as_str() == blob.digest);
        listed.is_some_and(|needed| match source {
            Source::Bundle(layout) => !layout.has_blob(needed),
            Source::Upstream(_) => false,
        })
    };
    let blobs: Vec<AssumedBlob> = record.blobs.iter().filter(|blob| lacks(blob)).cloned().collect();
    (!blobs.is_empty()).then(|| AssumedImage { blobs, ..record.clone() })
}

/// Checks that the registry holds every blob `assumes` lists in the image's repository: a
/// `HEAD` there, else (the inventory found it in another repository) a mount from that one, or
/// with `mount` false a `HEAD` there. Errors: the blobs missing, named, and the fix.
async fn check(store: &HttpRegistry, item: &Item, assumes: &AssumedImage, mount: bool) -> Result<(), Failure> {
    let mut missing = Vec::new();
    for blob in &assumes.blobs {
        let digest = Digest::parse(&blob.digest).map_err(Failure::Image)?;
        if store.has_blob(&item.to.repo, &digest).await? {
            continue;
        }
        let from = RepoPath::parse(&blob.repository).map_err(Failure::Image)?;
        let found = match (from == item.to.repo, mount) {
            (true, _) => false,
            (false, true) => store.mounts(&item.to.repo, &digest, &from).await?,
            (false, false) => store.has_blob(&from, &digest).await?,
        };
        if !found {
            missing.push(format!("{} ({} bytes, listed in {})", blob.digest, blob.size, blob.repository));
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    Err(Failure::Image(format!(
        "not pushed: the delta bundle left out {} blob(s) the inventory listed, which {} does not hold: {}; nothing \
         of this image was tagged. Carry a full bundle for it (mirror --to-bundle without --have), or make the \
         delta again from a fresh inventory",
        missing.len(),
        item.to.repo,
        missing.join(", ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob(digest: &str, size: u64) -> Descriptor {
        Descriptor { media_type: String::new(), digest: Digest::of(digest.as_bytes()), size, platform: None }
    }

    #[test]
    fn a_blob_is_assumed_in_the_image_repository_else_the_first_holding_it_at_its_size() {
        let mut inventory = Inventory::new("reg".into(), serde_json::json!({}));
        let base = blob("base", 10);
        for repository in ["ess/b", "ess/c", "ess/a"] {
            let holdings = inventory.repositories.entry(repository.into()).or_default();
            holdings.blobs.insert(base.digest.to_string(), 10);
        }
        let have = Have::new(&[inventory]);
        let repo = |path: &str| RepoPath::parse(path).unwrap();
        assert_eq!(have.holder(&base, &repo("ess/c")).as_deref(), Some("ess/c"));
        assert_eq!(have.holder(&base, &repo("ess/new")).as_deref(), Some("ess/a"));
        assert_eq!(have.holder(&blob("base", 11), &repo("ess/c")), None, "another size is another blob");
        assert_eq!(have.holder(&blob("top", 10), &repo("ess/c")), None);
    }
}
