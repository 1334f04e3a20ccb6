//! `prune`: the repositories the inputs map to, their tags read from the registry, what the kept
//! inputs pin and the cluster's pods run, and what is left over, listed, then (with `--yes`)
//! deleted by digest. Exit 0 when the list (or the deletion) is complete; 1 when the registry
//! refuses to delete, with what was deleted before; 3/4 as for `plan`.

use super::pipeline::{read_file_input, read_input, required_mapping};
use crate::cli::{GlobalArgs, PruneArgs};
use crate::cluster::pods::images_run;
use crate::connect::{connect_cluster, registry_options, resolve_auth};
use crate::error::Error;
use crate::exit;
use crate::input::Input;
use crate::mapping::{Image, Mapping, map_images};
use crate::output::{color_enabled, io_error};
use crate::prune::{Keep, unused};
use crate::reference::{Digest, RepoPath};
use crate::registry::{Deleted, HttpRegistry, LookupError};
use crate::report::{self, PruneReport};
use std::collections::BTreeMap;
use std::io::Write;

pub async fn run(args: PruneArgs, global: &GlobalArgs, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    let mapping = required_mapping(&global.mapping, "prune")?;
    let version = args.version.chart_version.as_deref();
    let cluster = (!args.offline).then_some(&global.cluster);
    let mut kept = vec![read_input(global, cluster, None, version, err).await?];
    for file in &args.keep {
        kept.push(read_file_input(global, file, err).await?);
    }
    let mut old = Vec::new();
    for file in &args.old {
        old.push(read_file_input(global, file, err).await?);
    }
    let kept_images = images_of(&kept, &mapping)?;
    let mut keep = Keep::default();
    for image in &kept_images {
        let repository = image.target.to_string();
        match (&image.digest, &image.tag) {
            (Some(digest), _) => keep.digests.insert((repository, digest.clone())),
            (None, Some(tag)) => keep.tags.insert((repository, tag.to_string())),
            (None, None) => false,
        };
    }
    let mut notes = Vec::new();
    match cluster {
        Some(cluster) => {
            keep.pods_read = true;
            let cluster = connect_cluster(cluster).await?;
            let pods = match cluster.list_all_pods().await {
                Ok(pods) => pods,
                // Without the right to list every namespace's pods, the namespace's are read.
                Err(_) => {
                    notes
                        .push(format!("pods read in namespace {} only (no right to list them all)", cluster.namespace));
                    cluster.list_pods(None).await?
                }
            };
            for (repository, reference) in images_run(&pods, mapping.registry.as_str()) {
                match Digest::parse(&reference) {
                    Ok(digest) => keep.digests.insert((repository, digest)),
                    Err(_) => keep.tags.insert((repository, reference)),
                };
            }
        }
        None => notes.push("--offline: the cluster's pods were not read, so what they run is not kept for that".into()),
    }
    let mut repositories: Vec<RepoPath> = kept_images.iter().map(|image| image.target.clone()).collect();
    repositories.extend(images_of(&old, &mapping)?.into_iter().map(|image| image.target));
    repositories.sort();
    repositories.dedup();

    let auth = resolve_auth(&global.registry, &mapping.registry, err)?;
    let options = registry_options(&global.registry);
    let store = HttpRegistry::connect(&mapping.registry, auth, &options).await?.with_push_access();
    let refused = |error: LookupError| {
        error.stops(&mapping.registry, "check the registry and the credentials (they must be allowed to delete)")
    };
    let mut held = BTreeMap::new();
    for repo in &repositories {
        held.insert(repo.to_string(), store.read_repository(repo).await.map_err(refused)?);
    }
    let verdict = unused(&held, &keep);
    let mut report = PruneReport::new(mapping.registry.to_string(), verdict, args.yes, notes);
    if args.yes {
        for (repository, digest) in report.manifests.clone() {
            let repo = RepoPath::parse(&repository).expect("a repository read from the registry");
            match store.delete_manifest(&repo, &digest).await.map_err(refused)? {
                Deleted::Deleted | Deleted::Gone => report.deleted.push(format!("{repository}@{digest}")),
                Deleted::Refused(status) => {
                    report.refused = Some(format!(
                        "{} refuses to delete manifests ({status}): distribution deletes only with \
                         storage.delete.enabled: true (REGISTRY_STORAGE_DELETE_ENABLED=true); Harbor, Nexus and \
                         Artifactory delete from their own UI or API. {} deleted before that.",
                        mapping.registry,
                        report.deleted.len()
                    ));
                    break;
                }
            }
        }
    }
    report::write(&report, global.output.format, color_enabled(global.output.no_color), out).map_err(io_error)?;
    Ok(if report.refused.is_some() { exit::NOT_READY } else { exit::READY })
}

/// Every distinct image of `inputs`, mapped as `plan` maps it.
fn images_of(inputs: &[Input], mapping: &Mapping) -> Result<Vec<Image>, Error> {
    let mut images = Vec::new();
    for input in inputs {
        let pinned = input.pinned(Some(&mapping.registry), true);
        images.extend(map_images(&pinned, mapping).map_err(|problems| input.invalid(problems))?);
    }
    Ok(images)
}
