//! `prune`: after a second release, what the first used and the second does not is listed, kept
//! while a pod runs it, and deleted with `--yes`; the second release still pulls (skopeo), a
//! repository no input maps to is never touched, and distribution's own `garbage-collect` then
//! finds exactly the bytes `prune` said it frees. A registry that refuses `DELETE` is reported
//! with the setting that enables it, and nothing is deleted.

mod support;

use essregistry_testbed::apiserver::Role;
use essregistry_testbed::artifacts;
use essregistry_testbed::bundles;
use essregistry_testbed::faults::{FaultProxy, Profile};
use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use serde_json::json;
use std::path::PathBuf;
use support::Plugin;
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

#[test]
fn on_a_registry_with_the_referrers_api_a_pruned_manifest_s_referrers_go_with_it_and_a_kept_one_s_stay() {
    let registry = Registry::start(RegistryConfig::default());
    let front = FaultProxy::with_profile(&registry.host(), Profile::Referrers);
    let repo = "ess/element-hq/synapse";
    let (old, new) = (Image::build("synapse, release 1"), Image::build("synapse, release 2"));
    old.push(&registry, repo, "v1", Copy::All);
    new.push(&registry, repo, "v2", Copy::All);
    let raw = |digest: &str| artifacts::fetch_manifest(&registry.host(), repo, digest).unwrap();
    // cosign v3 bundles stored by digest alone, listed only by the referrers API.
    let old_signature = artifacts::sigstore_bundle(&front.host(), repo, &raw(&old.index_digest), "ci", None);
    let new_signature = artifacts::sigstore_bundle(&front.host(), repo, &raw(&new.index_digest), "ci", None);
    let dir = tempfile::tempdir().unwrap();
    let release = |name: &str, digest: &str, tag: &str| {
        let path = dir.path().join(name);
        let text = format!(
            "images_digests:\n  synapse:\n    synapse:\n      image_digest: {digest}\n      \
             image_repository_path: element-hq/synapse\n      image_repository_server: ghcr.io\n      image_tag: {tag}\n"
        );
        std::fs::write(&path, text).unwrap();
        path
    };
    let (release_1, release_2) = (release("1.yml", &old.index_digest, "v1"), release("2.yml", &new.index_digest, "v2"));
    let host = front.host();
    let run = |command: &str, extra: &[&str]| {
        let mut args = vec![command, "-f", release_2.to_str().unwrap(), "--registry", &host];
        args.extend(["--path-prefix", "ess", "--registry-plain-http"]);
        args.extend(extra);
        Plugin::new().run(&args)
    };

    let inventory = run("inventory", &["-o", "json"]);
    assert_eq!(inventory.code, 0, "{}", inventory.stderr);
    let held = &inventory.json()["repositories"][repo]["manifests"];
    assert!(held[&new_signature.digest].is_object(), "the referrer is listed: {held}");

    let pruned = run("prune", &["--old", release_1.to_str().unwrap(), "--offline", "--yes", "-o", "json"]);
    assert_eq!(pruned.code, 0, "{}\n{}", pruned.stdout, pruned.stderr);
    let deleted = pruned.json()["deleted"].to_string();
    assert!(deleted.contains(&old_signature.digest), "{deleted}");
    assert!(artifacts::fetch_manifest(&registry.host(), repo, &old_signature.digest).is_none(), "gone with v1");
    assert!(artifacts::fetch_manifest(&registry.host(), repo, &old.index_digest).is_none(), "v1 deleted");
    for kept in [&new.index_digest, &new_signature.digest] {
        assert!(artifacts::fetch_manifest(&registry.host(), repo, kept).is_some(), "{kept} kept with release 2");
    }
}
