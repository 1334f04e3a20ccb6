//! `mirror --dry-run`: what each image would move, told before anything is written, into a
//! registry (which sees reads only) and into a bundle (which is not made).

mod support;

use serde_json::Value;
use support::mirror_world::{World, reported};
use support::{Plugin, Run, strs};

fn dry_run(world: &World) -> Run {
    let run = world.mirror(&["--dry-run"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run
}

#[test]
fn a_dry_run_into_a_registry_tells_what_each_image_would_move_and_writes_nothing() {
    let world = World::new();
    let report = dry_run(&world).json();
    let written = world.target.requests().into_iter().filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD"));
    assert_eq!(written.count(), 0, "a dry run only reads: {:#?}", world.target.requests());
    let images = world.images();
    for image in &images {
        let entry = reported(&report, image);
        assert_eq!(entry["state"], "would-copy", "{entry}");
        assert_eq!(entry["digest"], image.digest.as_str(), "{entry}");
        assert!(entry["bytes"].as_u64().unwrap() > 0, "its own layers at least: {entry}");
    }
    // The base layers all images share are counted once, with the first image that needs them.
    let there: Vec<u64> = images.iter().map(|i| reported(&report, i)["blobsThere"].as_u64().unwrap()).collect();
    assert_eq!(there[0], 0, "{report:#}");
    assert!(there[1..].iter().all(|n| *n > 0), "{report:#}");
    assert_eq!(report["summary"]["wouldCopy"].as_u64(), Some(images.len() as u64));

    // What the dry run said is what the copy then moves.
    let copied = world.mirror(&[]);
    assert_eq!(copied.code, 0, "{}\n{}", copied.stdout, copied.stderr);
    assert_eq!(copied.json()["summary"]["bytes"], report["summary"]["bytes"]);
    let again = dry_run(&world).json();
    let states: Vec<&Value> = images.iter().map(|i| &reported(&again, i)["state"]).collect();
    assert!(states.iter().all(|s| *s == "present"), "{again:#}");
    assert_eq!(again["summary"]["bytes"], 0);
}

#[test]
fn a_dry_run_into_a_bundle_makes_no_bundle_and_says_the_same_bytes() {
    let world = World::new();
    let into_registry = dry_run(&world).json();
    let dir = tempfile::tempdir().unwrap();
    for name in ["bundle", "bundle.tar"] {
        let bundle = dir.path().join(name);
        let run = Plugin::new().run(&strs(&world.upstreams.to_bundle_args(&bundle, &["--dry-run", "-o", "json"])));
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert_eq!(run.json()["summary"]["bytes"], into_registry["summary"]["bytes"], "{name}");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{name}: nothing written");
    }
    let table = Plugin::new().run(&strs(&world.upstreams.to_bundle_args(&dir.path().join("b"), &["--dry-run"])));
    let last = table.stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with("would move (dry run: nothing written)"), "{}", table.stdout);
}
