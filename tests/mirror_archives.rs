//! Archive bundles an operator can carry without looking inside: a rerun into the same archive
//! fetches nothing it holds (each blob it reuses checked against its digest, not its name), and
//! a run that fails part way leaves no file under the archive's name, neither a part of this run
//! nor a complete archive of an earlier release passing for this one. Real upstream registry on
//! loopback, the fault proxy in front of it for refusals, skopeo as the judge of the archive.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::faults::{Fault, FaultProxy, Rule};
use essregistry_testbed::images::sha256;
use essregistry_testbed::registry::Request;
use essregistry_testbed::upstream::{Entry, images_digests};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::archives::{edit_archive, unpacked};
use support::mirror_world::{World, reported};
use support::{Plugin, Run, strs};

/// `mirror -f DIGESTS --to-bundle BUNDLE -o json`, upstream read through `front` (the upstream
/// registry itself, or a fault proxy before it).
fn to_bundle(world: &World, digests: &Path, bundle: &Path, front: &str) -> Run {
    let mut args: Vec<String> =
        ["mirror", "-f", &digests.display().to_string(), "--to-bundle"].iter().map(|s| s.to_string()).collect();
    args.extend([bundle.display().to_string(), "-o".into(), "json".into()]);
    args.extend(world.upstreams.source_mirror_args_via(front));
    Plugin::new().run(&strs(&args))
}

/// The blobs and manifests upstream served (GET answered 200) since its log was cleared.
fn served(requests: &[Request]) -> Vec<String> {
    let mut paths: Vec<String> = requests
        .iter()
        .filter(|r| {
            r.method == "GET" && r.status == 200 && (r.path.contains("/blobs/") || r.path.contains("/manifests/"))
        })
        .map(|r| r.path.clone())
        .collect();
    paths.sort();
    paths
}

fn staging(archive: &Path) -> PathBuf {
    PathBuf::from(format!("{}.d", archive.display()))
}

/// skopeo finds every image in the archive under its name, its manifest the pinned one.
fn assert_skopeo_reads(archive: &Path, images: &[Entry]) {
    for image in images {
        let reference = format!("oci-archive:{}:{}", archive.display(), image.reference());
        let raw = bundles::bundle_raw(&reference).unwrap_or_else(|e| panic!("skopeo cannot read {reference}: {e}"));
        assert_eq!(sha256(&raw), image.digest, "{reference}");
    }
}

fn bundle_state(run: &Run) -> Value {
    run.json()["bundle"].clone()
}

/// The ESS world, its images_digests, and `ess-images.tar.zst` in `dir` holding every image of
/// it, written by a first run straight from upstream.
fn archived(dir: &Path) -> (World, PathBuf, PathBuf) {
    let world = World::new();
    let archive = dir.join("ess-images.tar.zst");
    let digests = world.upstreams.digests_file();
    let first = to_bundle(&world, &digests, &archive, &world.upstreams.registry.host());
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(archive.is_file());
    (world, digests, archive)
}

#[test]
fn a_rerun_into_the_same_archive_fetches_nothing_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (world, digests, archive) = archived(dir.path());
    world.upstreams.registry.clear_requests();
    let rerun = to_bundle(&world, &digests, &archive, &world.upstreams.registry.host());
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    let requests = world.upstreams.registry.requests();
    let blobs = served(&requests).iter().filter(|path| path.contains("/blobs/")).count();
    assert!(requests.is_empty(), "upstream was asked {} times, {blobs} blobs served", requests.len());
    let report = rerun.json();
    assert_eq!(
        (report["summary"]["present"].as_u64(), report["summary"]["copied"].as_u64()),
        (Some(5), Some(0)),
        "every image found in the archive: {report:#}"
    );
    let state = bundle_state(&rerun);
    assert_eq!((state["complete"].as_bool(), state["images"].as_u64()), (Some(true), Some(5)), "{state:#}");
    assert!(state["madeFrom"].as_str().unwrap().ends_with("images_digests.yml"), "{state:#}");
    assert!(!staging(&archive).exists(), "the staging folder is removed once the archive is packed");
    assert_skopeo_reads(&archive, &world.images());
}

#[test]
fn a_blob_the_archive_holds_damaged_is_fetched_again_not_trusted_by_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let (world, digests, archive) = archived(dir.path());
    let images = world.images();
    let damaged = world.member(&images[1]).own_layers[0].digest.clone();
    edit_archive(&archive, |folder| bundles::corrupt(&bundles::blob_path(folder, &damaged)));

    world.upstreams.registry.clear_requests();
    let rerun = to_bundle(&world, &digests, &archive, &world.upstreams.registry.host());
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    let blobs: Vec<String> = served(&world.upstreams.registry.requests())
        .into_iter()
        .filter_map(|path| path.split_once("/blobs/").map(|(_, digest)| digest.to_owned()))
        .collect();
    assert_eq!(blobs, [damaged], "only the damaged blob is fetched again");
    assert_skopeo_reads(&archive, &images);
    let check = Plugin::new().run(&["mirror", "--verify-bundle", archive.to_str().unwrap(), "-o", "json"]);
    assert_eq!(check.code, 0, "the archive is whole again: {}\n{}", check.stdout, check.stderr);
}

#[test]
fn a_partly_failed_archive_run_leaves_no_file_under_the_archive_s_name_and_the_rerun_finishes_it() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.upstreams.registry.host());
    let images = world.images();
    let refused = [&images[1], &images[3]];
    for image in refused {
        let path: &'static str = format!("/{}/manifests/", image.upstream_repo()).leak();
        let fault = Fault::Refuse {
            status: 404,
            code: "MANIFEST_UNKNOWN",
            message: "manifest unknown",
            detail: image.digest.clone(),
        };
        proxy.add(Rule { path, method: None, fault, times: None });
    }
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("ess-images.tar.zst");
    let digests = world.upstreams.digests_file();
    let failed = to_bundle(&world, &digests, &archive, &proxy.host());
    assert_eq!(failed.code, 1, "{}\n{}", failed.stdout, failed.stderr);
    assert!(!archive.exists(), "no file under the archive's name");
    assert!(!Path::new(&format!("{}.partial", archive.display())).exists());
    assert!(staging(&archive).is_dir(), "what was copied is kept for the rerun");
    let state = bundle_state(&failed);
    assert_eq!(state["complete"], false, "{state:#}");
    let missing: Vec<&str> = state["missing"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
    assert_eq!(missing, refused.map(|i| i.reference()), "the run says which images are missing");
    assert!(failed.stderr.contains(&refused[0].reference()), "said where a person looks: {}", failed.stderr);
    // Checking the archive that was not written points at what the run copied.
    let check = Plugin::new().run(&["mirror", "--verify-bundle", archive.to_str().unwrap()]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    assert!(
        check.stderr.contains(&format!("what it copied is in {}", staging(&archive).display())),
        "{}",
        check.stderr
    );

    // The rerun, upstream answering again, fetches only what the failed run did not bring.
    world.upstreams.registry.clear_requests();
    let rerun = to_bundle(&world, &digests, &archive, &world.upstreams.registry.host());
    assert_eq!(rerun.code, 0, "{}\n{}", rerun.stdout, rerun.stderr);
    let report = rerun.json();
    assert_eq!((report["summary"]["present"].as_u64(), report["summary"]["copied"].as_u64()), (Some(3), Some(2)));
    for image in images.iter().filter(|i| !refused.contains(i)) {
        let fetched = served(&world.upstreams.registry.requests());
        assert!(!fetched.iter().any(|p| p.contains(&image.upstream_repo())), "{} fetched again", image.reference());
        assert_eq!(reported(&report, image)["state"], "present");
    }
    assert!(archive.is_file() && !staging(&archive).exists());
    assert_skopeo_reads(&archive, &images);
}

#[test]
fn an_archive_of_an_earlier_release_does_not_pass_for_a_newer_one_that_failed() {
    let dir = tempfile::tempdir().unwrap();
    let (world, _, archive) = archived(dir.path());

    // The next release pins an element-web that upstream does not have (yet, or for this login).
    let mut entries = world.upstreams.entries().to_vec();
    let newer = entries.iter_mut().find(|e| e.sub == "element_web").unwrap();
    newer.tag = "v1.11.46".into();
    newer.digest = sha256(b"element-web v1.11.46, not published");
    let newer = newer.reference();
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, images_digests(&entries)).unwrap();

    world.upstreams.registry.clear_requests();
    let run = to_bundle(&world, &digests, &archive, &world.upstreams.registry.host());
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(!archive.exists(), "the earlier release's archive does not stay under the name");
    let state = bundle_state(&run);
    assert_eq!(state["complete"], false, "{state:#}");
    assert_eq!(state["missing"], serde_json::json!([newer]), "{state:#}");
    let blobs = served(&world.upstreams.registry.requests());
    assert!(blobs.iter().all(|p| !p.contains("/blobs/")), "the unchanged images come from the old archive: {blobs:#?}");
}

#[test]
fn an_archive_written_again_for_a_smaller_release_holds_only_its_images() {
    let dir = tempfile::tempdir().unwrap();
    let (world, _, archive) = archived(dir.path());
    let images = world.images();
    let dropped = images.iter().find(|i| i.sub == "pipe").unwrap();
    let entries: Vec<Entry> = world.upstreams.entries().iter().filter(|e| e.sub != "pipe").cloned().collect();
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, images_digests(&entries)).unwrap();

    world.upstreams.registry.clear_requests();
    let run = to_bundle(&world, &digests, &archive, &world.upstreams.registry.host());
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(served(&world.upstreams.registry.requests()).is_empty(), "every image came from the archive");
    let folder = unpacked(&archive);
    let mut named: Vec<String> = bundles::index(folder.path()).into_iter().filter_map(|n| n.ref_name).collect();
    named.sort();
    let mut kept: Vec<String> = images.iter().filter(|i| *i != dropped).map(|i| i.reference()).collect();
    kept.sort();
    assert_eq!(named, kept, "index.json names this release's images alone");
    for layer in &world.member(dropped).own_layers {
        assert!(!bundles::blob_path(folder.path(), &layer.digest).exists(), "{} is carried along", layer.digest);
    }
    let check = Plugin::new().run(&["mirror", "--verify-bundle", archive.to_str().unwrap(), "-o", "json"]);
    assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
    assert_eq!(check.json()["summary"]["ok"], 4);
}
