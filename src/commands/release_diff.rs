//! `plan --against OLD` and `plan --have INVENTORY`: the release's images and the earlier ones,
//! each read in the local registry for its bytes (what `release_diff` compares), or the earlier
//! side as an inventory says the registry holds it.

use super::pipeline::{Planned, read_file_input};
use crate::cli::{GlobalArgs, PlanArgs};
use crate::connect::registry_options;
use crate::error::Error;
use crate::input::Input;
use crate::inventory::Inventory;
use crate::mapping::{Mapping, map_images};
use crate::oci::blobs_under;
use crate::reference::Digest;
use crate::registry::HttpRegistry;
use crate::release_diff::{Held, ReleaseDiff, diff};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

/// The comparison the flags ask for; None without `--against` and `--have`.
pub async fn compare(
    args: &PlanArgs,
    global: &GlobalArgs,
    planned: &Planned,
    err: &mut dyn Write,
) -> Result<Option<ReleaseDiff>, Error> {
    if args.against.is_none() && args.have.is_empty() {
        return Ok(None);
    }
    let registry = &planned.mapping.registry;
    let store = HttpRegistry::connect(registry, planned.auth.clone(), &registry_options(&global.registry)).await?;
    let new = read_side(&store, planned, &planned.input, global.input.include_disabled).await?;
    let (against, old, old_blobs) = match &args.against {
        Some(path) => {
            let old_input = read_file_input(global, path, err).await?;
            let old = read_side(&store, planned, &old_input, true).await?;
            let blobs = old.values().flat_map(|held| held.blobs.iter().flat_map(|b| b.keys().cloned())).collect();
            (path.display().to_string(), old, blobs)
        }
        None => {
            let (old, blobs) = inventories(&args.have, &planned.mapping, &new)?;
            let names: Vec<String> = args.have.iter().map(|path| path.display().to_string()).collect();
            (names.join(", "), old, blobs)
        }
    };
    Ok(Some(diff(against, &new, &old, &old_blobs)))
}

/// Each image of `input`, mapped as the plan maps it, read in the local registry by its digest
/// (else its tag): the digest found and the blobs under it.
async fn read_side(
    store: &HttpRegistry,
    planned: &Planned,
    input: &Input,
    include_disabled: bool,
) -> Result<BTreeMap<String, Held>, Error> {
    let registry = &planned.mapping.registry;
    let pinned = input.pinned(Some(registry), include_disabled);
    let images = map_images(&pinned, &planned.mapping).map_err(|problems| input.invalid(problems))?;
    let mut side = BTreeMap::new();
    for image in images.iter().filter(|image| include_disabled || image.enabled(&pinned)) {
        let reference = match (&image.digest, &image.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.to_string(),
            (None, None) => continue,
        };
        let mut nodes = BTreeMap::new();
        let found = store
            .read_tree(&image.target, &reference, &mut nodes)
            .await
            .map_err(|error| error.stops(registry, "check the registry and the credentials, then run again"))?;
        let held = match found {
            Some(top) => Held { blobs: Some(blobs_under(&top, &nodes)), digest: Some(top) },
            None => Held { digest: image.digest.clone(), blobs: None },
        };
        side.insert(image.target.to_string(), held);
    }
    Ok(side)
}

/// The earlier side as inventories list it: per repository, the release's digest where the
/// repository holds it, else the manifest an image tag holds; and every blob they list.
/// Errors (exit 2): a file that is not an inventory, or one of another registry.
fn inventories(
    paths: &[std::path::PathBuf],
    mapping: &Mapping,
    new: &BTreeMap<String, Held>,
) -> Result<(BTreeMap<String, Held>, BTreeSet<Digest>), Error> {
    let mut old = BTreeMap::new();
    let mut blobs = BTreeSet::new();
    for path in paths {
        let inventory = Inventory::read(path)?;
        let registry = &mapping.registry;
        if inventory.registry != registry.as_str() {
            return Err(Error::usage(
                format!("{} lists the registry {}, and the plan is for {registry}", path.display(), inventory.registry),
                "run inventory with the same --registry and mapping flags as plan",
            ));
        }
        // Another mapping puts the same images in other repositories: every image would read
        // as added, and every repository the inventory lists as removed.
        let theirs = Mapping::from_recorded(&inventory.mapping.to_string());
        if theirs.as_ref() != Some(mapping) {
            let theirs = theirs.map_or_else(|| inventory.mapping.to_string(), |theirs| theirs.to_string());
            return Err(Error::usage(
                format!("{} was made with {theirs}, and the plan maps with {mapping}", path.display()),
                "give plan the mapping flags the inventory was made with, or make the inventory again with these",
            ));
        }
        for (repository, holdings) in inventory.repositories {
            let parse = |digest: &String| Digest::parse(digest).ok();
            let wanted = new.get(&repository).and_then(|held| held.digest.clone());
            let digest = wanted.filter(|digest| holdings.manifests.contains_key(digest.as_str())).or_else(|| {
                holdings
                    .manifests
                    .iter()
                    .find(|(_, held)| held.tags.iter().any(|tag| !tag.starts_with("sha256-")))
                    .and_then(|(digest, _)| parse(digest))
            });
            let sized: BTreeMap<Digest, u64> =
                holdings.blobs.iter().filter_map(|(digest, size)| Some((parse(digest)?, *size))).collect();
            blobs.extend(sized.keys().cloned());
            old.insert(repository, Held { digest, blobs: Some(sized) });
        }
    }
    Ok((old, blobs))
}
