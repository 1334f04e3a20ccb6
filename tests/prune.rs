//! `prune`: after a second release, what the first used and the second does not is listed, kept
//! while a pod runs it, and deleted with `--yes`; the second release still pulls (skopeo), and
//! a repository no input maps to is never touched.

mod support;

use essregistry_testbed::apiserver::Role;
use essregistry_testbed::bundles;
use essregistry_testbed::images::{Copy, Image};
use serde_json::json;
use support::cluster_world::World;

#[test]
fn what_no_kept_release_and_no_pod_uses_is_listed_then_deleted_and_the_rest_still_pulls() {
    let world = World::ready();
    let registry = &world.scenario.registry;
    let host = registry.host();
    let old_web = world.scenario.images[1].index_digest.clone();
    // Release 2: a new element-web under a new tag; haproxy as it was. A signature of the old
    // element-web, and an image in a repository no release maps to.
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
    assert!(report["freedBytes"].as_u64().unwrap() > 0);
    assert!(bundles::registry_raw(registry, &format!("ess/vectorim/element-web@{old_web}")).is_ok(), "a dry run");

    let run = world.run("prune", Role::Admin, &[&old[..], &["--yes"]].concat());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("Deleted 2 manifests") && run.stdout.contains("registry garbage-collect"),
        "{}",
        run.stdout
    );
    assert!(bundles::registry_raw(registry, &format!("ess/vectorim/element-web@{old_web}")).is_err(), "deleted");
    for (repo, digest) in [
        ("ess/vectorim/element-web", &new_web.index_digest),
        ("ess/library/haproxy", &world.scenario.images[0].index_digest),
    ] {
        bundles::pull_whole(registry, repo, digest).unwrap_or_else(|e| panic!("release 2 still pulls {repo}: {e}"));
    }
    assert!(bundles::registry_raw(registry, "ess/other/thing:1.0").is_ok(), "outside the inputs: untouched");
}
