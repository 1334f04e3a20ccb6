//! `prune`: after a second release, what the first used and the second does not is listed, kept
//! while a pod runs it, and deleted with `--yes`; the second release still pulls (skopeo), a
//! repository no input maps to is never touched, and distribution's own `garbage-collect` then
//! finds exactly the bytes `prune` said it frees. A registry that refuses `DELETE` is reported
//! with the setting that enables it, and nothing is deleted.

mod support;

use essregistry_testbed::apiserver::Role;
use essregistry_testbed::bundles;
use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::RegistryConfig;
use serde_json::json;
use std::path::PathBuf;
use support::cluster_world::{PASSWORD, USER, World, ready_images};

/// Release 2 in `world`: a new element-web under a new tag, haproxy as it was; a signature of
/// the old element-web, and an image in a repository no release maps to. The scenario's file
/// now holds release 2; returned: release 1's file, the old and the new element-web digests.
fn second_release(world: &World) -> (PathBuf, String, Image) {
    let registry = &world.scenario.registry;
    let old_web = world.scenario.images[1].index_digest.clone();
    let new_web = Image::build("element-web, release 2");
    new_web.push(registry, "ess/vectorim/element-web", "v1.11.46", Copy::All);
    let hex = &old_web["sha256:".len()..];
    Image::build("signature").push(registry, "ess/vectorim/element-web", &format!("sha256-{hex}.sig"), Copy::All);
    Image::build("someone else's").push(registry, "ess/other/thing", "1.0", Copy::All);
    let first = std::fs::read_to_string(&world.scenario.digests).unwrap();
    let previous = world.scenario.dir().join("release-1.yml");
    std::fs::write(&previous, &first).unwrap();
    let second = first.replace(&old_web, &new_web.index_digest).replace("v1.11.45", "v1.11.46");
    std::fs::write(&world.scenario.digests, second).unwrap();
    (previous, old_web, new_web)
}

#[test]
fn what_no_kept_release_and_no_pod_uses_is_listed_then_deleted_and_the_rest_still_pulls() {
    let world = World::ready();
    let registry = &world.scenario.registry;
    let host = registry.host();
    let (previous, old_web, new_web) = second_release(&world);
    let hex = &old_web["sha256:".len()..];
    assert_eq!(registry.garbage_collect_dry_run(), Default::default(), "nothing unreferenced before prune");

    // A pod still runs the old element-web: kept.
    world.pod("element-web-0", &format!("{host}/ess/vectorim/element-web@{old_web}"), None);
    let old = ["--old", previous.to_str().unwrap()];
    let run = world.run("prune", Role::Admin, &[&old[..], &["-o", "json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["unused"], json!([]), "the pod's image and its signature stay");

    // The pod moves to release 2.
    world.pod("element-web-0", &format!("{host}/ess/vectorim/element-web:v1.11.46"), None);
    let run = world.run("prune", Role::Admin, &[&old[..], &["-o", "json"]].concat());
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let tags: Vec<&str> = report["unused"].as_array().unwrap().iter().map(|u| u["tag"].as_str().unwrap()).collect();
    assert_eq!(tags, [format!("sha256-{hex}.sig").as_str(), "v1.11.45"], "{report}");
    let freed = report["freedBytes"].as_u64().unwrap();
    assert!(freed > 0);
    assert!(bundles::registry_raw(registry, &format!("ess/vectorim/element-web@{old_web}")).is_ok(), "a dry run");
    assert_eq!(registry.garbage_collect_dry_run(), Default::default(), "a dry run deletes nothing");

    let run = world.run("prune", Role::Admin, &[&old[..], &["--yes"]].concat());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Deleted 6 manifests") && run.stdout.contains("registry garbage-collect"),
        "{}",
        run.stdout
    );
    // The two indexes (release 1's element-web and its signature) and the platform manifests
    // they list: distribution's garbage collection keeps the blobs of any manifest left.
    let old_amd64 = &world.scenario.images[1].amd64_digest;
    for gone in [&old_web, old_amd64] {
        assert!(bundles::registry_raw(registry, &format!("ess/vectorim/element-web@{gone}")).is_err(), "deleted");
    }
    for (repo, digest) in [
        ("ess/vectorim/element-web", &new_web.index_digest),
        ("ess/library/haproxy", &world.scenario.images[0].index_digest),
    ] {
        bundles::pull_whole(registry, repo, digest).unwrap_or_else(|e| panic!("release 2 still pulls {repo}: {e}"));
    }
    assert!(bundles::registry_raw(registry, "ess/other/thing:1.0").is_ok(), "outside the inputs: untouched");

    // The registry's own garbage collection frees what prune said, byte for byte.
    let eligible = registry.garbage_collect_dry_run();
    assert!(!eligible.is_empty(), "the deleted manifests' blobs are garbage now");
    assert_eq!(eligible.values().sum::<u64>(), freed, "prune's freedBytes against garbage-collect: {eligible:?}");
}

#[test]
fn a_registry_that_refuses_delete_is_named_with_the_setting_and_nothing_is_deleted() {
    let config = RegistryConfig {
        tls: true,
        basic_auth: Some((USER.into(), PASSWORD.into())),
        refuse_delete: true,
        ..RegistryConfig::default()
    };
    let world = World::with_registry(config, &ready_images());
    let registry = &world.scenario.registry;
    let (previous, old_web, _) = second_release(&world);
    let old = ["--old", previous.to_str().unwrap(), "--offline", "--yes"];
    let run = world.run("prune", Role::Admin, &old);
    assert_eq!(run.code, 1, "not done: exit 1\n{}\n{}", run.stdout, run.stderr);
    let said = format!("{}{}", run.stdout, run.stderr);
    assert!(said.contains("storage.delete.enabled: true") && said.contains("0 deleted before that"), "{said}");
    assert!(bundles::registry_raw(registry, &format!("ess/vectorim/element-web@{old_web}")).is_ok(), "kept");
    assert!(bundles::registry_raw(registry, "ess/vectorim/element-web:v1.11.45").is_ok(), "still tagged");
}
