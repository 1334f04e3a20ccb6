//! `mirror` when things go wrong on the way: a corrupt or truncated bundle fails that image
//! alone and names the blob, nothing of it tagged; an interrupted run leaves no half-written
//! blob under a final name and resumes with only what is missing; a registry that fails
//! mid-upload is retried; one that refuses a manifest is reported in its own words. Real
//! registries on both sides, the fault proxy in between, skopeo as the judge.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::faults::{Fault, FaultProxy, Rule};
use essregistry_testbed::images::sha256;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{self, Entry, Upstreams};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::mirror_world::{World, reported};
use support::{Plugin, Run, strs};

fn from_bundle(bundle: &Path, target: &str) -> Run {
    Plugin::new().run(&strs(&upstream::from_bundle_args(bundle, target, &["-o", "json"])))
}

fn assert_pinned(target: &Registry, image: &Entry) {
    assert_eq!(bundles::check_pinned(target, &image.target_repo(), &image.digest), Ok(3), "{}", image.reference());
    let by_tag = bundles::registry_raw(target, &format!("{}:{}", image.target_repo(), image.tag)).unwrap();
    assert_eq!(sha256(&by_tag), image.digest, "{}", image.reference());
}

/// Nothing of `image` is tagged at `target`, by skopeo's word: a pull by tag fails.
fn assert_not_tagged(target: &Registry, image: &Entry) {
    let by_tag = bundles::registry_raw(target, &format!("{}:{}", image.target_repo(), image.tag));
    assert!(by_tag.is_err(), "{} is tagged at the target", image.reference());
    assert!(bundles::registry_raw(target, &format!("{}@{}", image.target_repo(), image.digest)).is_err());
}

/// Damages one blob only `victim` has in a bundle; from-bundle then fails `victim` alone, its
/// reason naming the blob, and lands the others.
fn damaged_bundle_fails_one_image(damage: fn(&Path)) {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let bundle = world.bundle(dir.path());
    let images = world.images();
    let victim = &images[2];
    let blob = &world.member(victim).own_layers[0].digest;
    damage(&bundles::blob_path(&bundle, blob));
    let run = from_bundle(&bundle, &world.target.host());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let failed = reported(&report, victim);
    assert_eq!(failed["state"], "failed", "{failed}");
    let reason = failed["reason"].as_str().unwrap();
    assert!(reason.contains(blob.as_str()), "the reason names the blob {blob}: {reason}");
    // Caught by the plugin as the bytes pass, before the registry saw a whole wrong blob.
    assert!(reason.contains("the bundle is damaged") && !reason.contains("DIGEST_INVALID"), "{reason}");
    assert_eq!((report["summary"]["copied"].as_u64(), report["summary"]["failed"].as_u64()), (Some(4), Some(1)));
    assert_not_tagged(&world.target, victim);
    for image in images.iter().filter(|i| *i != victim) {
        assert_pinned(&world.target, image);
    }
}

#[test]
fn a_corrupt_blob_fails_its_image_alone_and_names_the_blob() {
    damaged_bundle_fails_one_image(bundles::corrupt);
}

#[test]
fn a_truncated_blob_fails_its_image_alone_and_names_the_blob() {
    damaged_bundle_fails_one_image(bundles::truncate);
}

/// Every file under a 64-hex name in the layout's blobs folder, and whether its bytes hash to
/// its name.
fn blob_files(bundle: &Path) -> Vec<(String, bool)> {
    let Ok(entries) = std::fs::read_dir(bundle.join("blobs/sha256")) else { return Vec::new() };
    entries
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().len() == 64 && e.file_name().to_string_lossy().bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|e| {
            let digest = format!("sha256:{}", e.file_name().to_string_lossy());
            let whole = sha256(&std::fs::read(e.path()).unwrap()) == digest;
            (digest, whole)
        })
        .collect()
}

/// The blob digests upstream served whole since its log was last cleared.
fn fetched(upstreams: &Upstreams) -> Vec<String> {
    let requests = upstreams.registry.requests();
    let blobs = requests.into_iter().filter(|r| r.method == "GET" && r.status == 200);
    let mut digests: Vec<String> =
        blobs.filter_map(|r| r.path.split_once("/blobs/").map(|(_, d)| d.to_owned())).collect();
    digests.sort();
    digests
}

#[test]
fn a_rerun_into_a_bundle_fetches_only_the_blobs_that_are_missing() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let bundle = world.bundle(dir.path());
    let images = world.images();
    let mut removed: Vec<String> = images[1..3].iter().map(|i| world.member(i).own_layers[1].digest.clone()).collect();
    removed.sort();
    for digest in &removed {
        std::fs::remove_file(bundles::blob_path(&bundle, digest)).unwrap();
    }
    world.upstreams.registry.clear_requests();
    let rerun = Plugin::new().run(&strs(&world.upstreams.to_bundle_args(&bundle, &[])));
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    assert_eq!(fetched(&world.upstreams), removed, "only the two missing blobs are fetched again");
    assert!(blob_files(&bundle).iter().all(|(_, whole)| *whole));
    let target = Registry::start(RegistryConfig::default());
    let back = from_bundle(&bundle, &target.host());
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    images.iter().for_each(|image| assert_pinned(&target, image));
}

#[test]
fn an_interrupted_bundle_run_leaves_no_half_blob_and_the_rerun_completes_it() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.upstreams.registry.host());
    let images = world.images();
    let stuck = world.member(&images[3]).own_layers[0].digest.clone();
    let path: &'static str = format!("/blobs/{stuck}").leak();
    proxy.add(Rule { path, method: Some("GET"), fault: Fault::Truncate, times: None });
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let digests = world.upstreams.digests_file().display().to_string();
    let mut args: Vec<String> = ["mirror", "-f", &digests, "--to-bundle"].iter().map(|s| s.to_string()).collect();
    args.push(bundle.display().to_string());
    args.extend(world.upstreams.source_mirror_args_via(&proxy.host()));

    // The run is killed (a reboot, a session timeout, Ctrl-C twice) while it retries a blob
    // that never arrives whole.
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-essregistry"))
        .args(&args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while proxy.requests().iter().filter(|r| r.path.contains(path)).count() < 2 {
        assert!(Instant::now() < deadline, "the cut blob was never asked for twice: {:#?}", proxy.requests());
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it was killed: {:#?}", proxy.requests());
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let left = blob_files(&bundle);
    assert!(left.iter().all(|(_, whole)| *whole), "every blob under its final name is whole: {left:?}");
    assert!(!left.iter().any(|(digest, _)| *digest == stuck), "the cut blob is not kept under its name");
    assert!(!left.is_empty(), "the blobs that arrived whole before the kill are kept");
    world.upstreams.registry.clear_requests();
    let rerun = Plugin::new().run(&strs(&world.upstreams.to_bundle_args(&bundle, &[])));
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    let again = fetched(&world.upstreams);
    assert!(again.contains(&stuck), "the missing blob is fetched: {again:?}");
    let kept: Vec<&String> = left.iter().map(|(digest, _)| digest).collect();
    assert!(again.iter().all(|d| !kept.contains(&d)), "blobs already in the bundle are not fetched again: {again:?}");
    let target = Registry::start(RegistryConfig::default());
    let back = from_bundle(&bundle, &target.host());
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    images.iter().for_each(|image| assert_pinned(&target, image));
}

/// `mirror` straight from upstream into the registry behind `proxy`.
fn mirror_through(world: &World, proxy: &FaultProxy) -> Run {
    Plugin::new().run(&strs(&world.upstreams.mirror_args(&proxy.host(), &["-o", "json"])))
}

fn upload(path: &'static str, method: &'static str, fault: Fault) -> Rule {
    Rule { path, method: Some(method), fault, times: Some(1) }
}

#[test]
fn a_registry_failing_mid_upload_is_retried_and_every_image_lands() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.target.host());
    proxy.add(upload("/blobs/uploads/", "PATCH", Fault::Reset));
    proxy.add(upload("/blobs/uploads/", "PUT", Fault::Status { code: 500, retry_after: None }));
    proxy.add(upload("/blobs/uploads/", "PUT", Fault::Reset));
    let run = mirror_through(&world, &proxy);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["copied"], 5);
    let broken =
        proxy.requests().into_iter().filter(|r| r.path.contains("/blobs/uploads/") && matches!(r.status, 0 | 500));
    assert!(broken.count() >= 2, "the faults fired: {:#?}", proxy.requests());
    world.images().iter().for_each(|image| assert_pinned(&world.target, image));
}

#[test]
fn a_blob_stored_but_unanswered_does_not_fail_the_image() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.target.host());
    proxy.add(upload("/blobs/uploads/", "PUT", Fault::LoseAnswer));
    let run = mirror_through(&world, &proxy);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lost = proxy.requests().into_iter().filter(|r| r.path.contains("/blobs/uploads/") && r.status == 0).count();
    assert_eq!(lost, 1, "{:#?}", proxy.requests());
    world.images().iter().for_each(|image| assert_pinned(&world.target, image));
}

#[test]
fn a_refused_manifest_fails_that_image_in_the_registry_s_words() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.target.host());
    let images = world.images();
    let (unknown, invalid) = (&images[2], &images[3]);
    let missing = world.member(unknown).own_layers[0].digest.clone();
    let path = |image: &Entry| -> &'static str { format!("/{}/manifests/", image.target_repo()).leak() };
    let fault = Fault::manifest_blob_unknown(&missing);
    proxy.add(Rule { path: path(unknown), method: Some("PUT"), fault, times: None });
    let fault = Fault::manifest_invalid("manifest references a foreign layer");
    proxy.add(Rule { path: path(invalid), method: Some("PUT"), fault, times: None });
    let run = mirror_through(&world, &proxy);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!((report["summary"]["copied"].as_u64(), report["summary"]["failed"].as_u64()), (Some(3), Some(2)));
    for (image, words) in [
        (unknown, ["MANIFEST_BLOB_UNKNOWN", "blob unknown to registry"]),
        (invalid, ["MANIFEST_INVALID", "manifest invalid"]),
    ] {
        let entry = reported(&report, image);
        assert_eq!(entry["state"], "failed", "{entry}");
        let reason = entry["reason"].as_str().unwrap();
        assert!(words.iter().any(|w| reason.contains(w)), "{reason}");
        assert_not_tagged(&world.target, image);
    }
    let reason = reported(&report, unknown)["reason"].as_str().unwrap().to_owned();
    assert!(reason.contains(&missing), "the registry's detail, the blob it lacks: {reason}");
    let refused: Vec<String> = proxy.requests().into_iter().filter(|r| r.status == 400).map(|r| r.path).collect();
    let mut distinct = refused.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(refused.len(), distinct.len(), "a refusal is not retried: {refused:#?}");
    images.iter().filter(|i| *i != unknown && *i != invalid).for_each(|image| assert_pinned(&world.target, image));
}
