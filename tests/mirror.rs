//! `mirror` between real registries (Debian's docker-registry) on both sides, upstream hosts
//! pointed at loopback with `--source-mirror`, and skopeo as the independent judge: every image
//! and every platform manifest lands under its pinned digest, `plan` agrees, skopeo reads the
//! plugin's bundles and the plugin reads skopeo's.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, sha256};
use essregistry_testbed::registry::{Registry, RegistryConfig, Request};
use essregistry_testbed::upstream::{self, Entry, Publish, Upstreams};
use serde_json::Value;
use std::path::Path;
use support::mirror_world::{World, reported};
use support::{Plugin, Run, strs};

fn with_json<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    [&["-o", "json"], extra].concat()
}

fn from_bundle(bundle: &Path, target: &Registry, extra: &[&str]) -> Run {
    Plugin::new().run(&strs(&upstream::from_bundle_args(bundle, &target.host(), &with_json(extra))))
}

/// `plan` of `file` (images_digests or a bundle) against `target`.
fn plan(file: &Path, target: &Registry, extra: &[&str]) -> Run {
    Plugin::new().run(&strs(&upstream::plan_args(file, &target.host(), extra)))
}

/// skopeo's verdict on every image at `target`: the index under its pinned digest byte for
/// byte, both platform manifests under theirs, the tag pointing at the index, every blob pulled.
fn assert_all_pinned(target: &Registry, images: &[Entry]) {
    for image in images {
        let checked = bundles::check_pinned(target, &image.target_repo(), &image.digest);
        assert_eq!(checked, Ok(3), "{} at {}", image.reference(), target.host());
        let by_tag = bundles::registry_raw(target, &format!("{}:{}", image.target_repo(), image.tag)).unwrap();
        assert_eq!(sha256(&by_tag), image.digest, "the tag of {} names the pinned index", image.reference());
        bundles::pull_whole(target, &image.target_repo(), &image.digest).unwrap();
    }
}

fn assert_plan_all_present(file: &Path, target: &Registry, images: usize) {
    let run = plan(file, target, &[]);
    assert_eq!(run.code, 0, "plan after mirror: {}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["present"], images, "{}", run.stdout);
}

#[test]
fn a_direct_mirror_lands_every_image_and_platform_under_its_pinned_digest() {
    let world = World::new();
    let run = world.mirror(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["kind"], "Mirror");
    assert_eq!((report["summary"]["copied"].as_u64(), report["summary"]["failed"].as_u64()), (Some(5), Some(0)));
    for image in world.images() {
        let entry = reported(&report, &image);
        assert_eq!(entry["state"], "copied", "{entry}");
        let target = entry["target"].as_str().unwrap();
        assert!(target.contains(&format!("{}/{}", world.target.host(), image.target_repo())), "{target}");
    }
    assert_all_pinned(&world.target, &world.images());
    assert_plan_all_present(&world.upstreams.digests_file(), &world.target, 5);
}

/// The blob digests a registry served (GET, 200) or stored (a completed upload), each as often
/// as it did.
fn blob_digests(requests: &[Request], method: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method == method && (200..300).contains(&r.status))
        .filter_map(|r| match method {
            "GET" => r.path.split_once("/blobs/").map(|(_, digest)| digest.to_owned()),
            _ => r.path.split_once("digest=").map(|(_, d)| d.split('&').next().unwrap_or_default().replace("%3A", ":")),
        })
        .collect()
}

fn repeated(digests: &[String]) -> Vec<&String> {
    let mut seen = std::collections::HashSet::new();
    digests.iter().filter(|d| !seen.insert(*d)).collect()
}

#[test]
fn shared_base_layers_are_downloaded_once_and_uploaded_once() {
    let world = World::new();
    world.upstreams.registry.clear_requests();
    let run = world.mirror(&[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let pulled = blob_digests(&world.upstreams.registry.requests(), "GET");
    let pushed = blob_digests(&world.target.requests(), "PUT");
    assert!(repeated(&pulled).is_empty(), "blobs downloaded twice: {:?}", repeated(&pulled));
    assert!(repeated(&pushed).is_empty(), "blobs uploaded twice (not mounted): {:?}", repeated(&pushed));
    let layers = 2 * (2 + 5);
    assert!(pulled.len() >= layers, "every layer downloaded: {pulled:?}");
    let bytes = report_bytes(&run);
    let distinct = world.family.layout.blob_bytes();
    assert!(bytes > 0 && bytes <= distinct, "{bytes} bytes sent, {distinct} bytes of distinct blobs");
}

fn report_bytes(run: &Run) -> u64 {
    run.json()["summary"]["bytes"].as_u64().expect("summary.bytes")
}

#[test]
fn a_second_run_finds_everything_there_in_at_most_two_requests_per_image() {
    let world = World::new();
    let first = world.mirror(&[]);
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    world.target.clear_requests();
    world.upstreams.registry.clear_requests();
    let second = world.mirror(&[]);
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    let report = second.json();
    assert_eq!((report["summary"]["present"].as_u64(), report["summary"]["copied"].as_u64()), (Some(5), Some(0)));
    assert_eq!(report_bytes(&second), 0, "nothing sent");
    let requests: Vec<Request> =
        world.target.requests().into_iter().chain(world.upstreams.registry.requests()).collect();
    assert!(requests.len() <= 2 * 5, "{} requests for 5 images: {requests:#?}", requests.len());
    assert!(requests.iter().all(|r| r.method == "GET" || r.method == "HEAD"), "nothing written: {requests:#?}");
}

#[test]
fn a_bundle_round_trip_lands_every_image_in_a_registry_that_never_saw_upstream() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    world.to_bundle(&bundle);
    let images = world.images();
    let named = bundles::index(&bundle);
    for image in &images {
        let reference = image.reference();
        let found = named.iter().find(|n| n.ref_name.as_deref() == Some(reference.as_str()));
        let found = found.unwrap_or_else(|| panic!("index.json names no {reference}: {named:#?}"));
        assert_eq!(found.containerd_name.as_deref(), Some(reference.as_str()));
        assert_eq!(found.digest, image.digest);
    }
    let carried: serde_yaml::Value = serde_yaml::from_slice(&std::fs::read(bundle.join("images_digests.yml")).unwrap())
        .expect("the bundle holds images_digests.yml");
    let given: serde_yaml::Value =
        serde_yaml::from_slice(&std::fs::read(world.upstreams.digests_file()).unwrap()).unwrap();
    assert_eq!(carried, given, "the bundle carries the file it was made from");

    // The air-gapped side: upstream is gone, the second registry has never held anything.
    drop(world);
    let air_gapped = Registry::start(RegistryConfig::default());
    let run = from_bundle(&bundle, &air_gapped, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["copied"], 5);
    assert_all_pinned(&air_gapped, &images);
}

#[test]
fn plan_reads_the_images_digests_inside_a_bundle() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    world.to_bundle(&bundle);
    let before = plan(&bundle, &world.target, &[]);
    assert_eq!(before.code, 1, "nothing mirrored yet: {}\n{}", before.stdout, before.stderr);
    assert_eq!(before.json()["summary"]["missing"], 5, "{}", before.stdout);
    let run = from_bundle(&bundle, &world.target, &[]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_plan_all_present(&bundle, &world.target, 5);
}

#[test]
fn skopeo_reads_the_plugin_s_bundles_as_a_folder_and_as_an_oci_archive() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("bundle");
    let archive = dir.path().join("bundle.tar");
    world.to_bundle(&folder);
    world.to_bundle(&archive);
    for image in world.images() {
        let reference = image.reference();
        for bundle in
            [format!("oci:{}:{reference}", folder.display()), format!("oci-archive:{}:{reference}", archive.display())]
        {
            let raw = bundles::bundle_raw(&bundle).unwrap_or_else(|e| panic!("skopeo cannot read {bundle}: {e}"));
            assert_eq!(sha256(&raw), image.digest, "{bundle}");
        }
    }
    // skopeo copies out of the plugin's bundle with every digest kept, as an administrator would.
    let image = &world.images()[0];
    let copied = std::process::Command::new("skopeo")
        .args(["copy", "--quiet", "--all", "--preserve-digests", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:{}", folder.display(), image.reference()))
        .arg(format!("docker://{}/{}:{}", world.target.host(), image.target_repo(), image.tag))
        .output()
        .unwrap();
    assert!(copied.status.success(), "{}", String::from_utf8_lossy(&copied.stderr));
    assert_all_pinned(&world.target, std::slice::from_ref(image));
}

#[test]
fn the_plugin_reads_back_its_archives_in_every_compression() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    for name in ["bundle.tar", "bundle.tar.gz", "bundle.tar.zst"] {
        let archive = dir.path().join(name);
        world.to_bundle(&archive);
        assert!(archive.is_file(), "{name} is one file");
        let target = Registry::start(RegistryConfig::default());
        let run = from_bundle(&archive, &target, &[]);
        assert_eq!(run.code, 0, "{name}: {}\n{}", run.stdout, run.stderr);
        assert_all_pinned(&target, &world.images());
    }
}

#[test]
fn the_plugin_reads_a_layout_skopeo_wrote_given_the_images_digests() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("skopeo-layout");
    world.skopeo_layout(&layout);
    assert!(!layout.join("images_digests.yml").exists());
    let digests = world.upstreams.digests_file();
    let run = from_bundle(&layout, &world.target, &["-f", digests.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["summary"]["copied"], 5);
    assert_all_pinned(&world.target, &world.images());
    assert_plan_all_present(&digests, &world.target, 5);
}

#[test]
fn one_platform_only_is_another_digest_and_plan_use_local_is_ready() {
    let world = World::new();
    let run = world.mirror(&["--platform", "linux/amd64"]);
    assert!(run.code == 0 || run.code == 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let mut local_digests = Vec::new();
    for image in world.images() {
        let member = world.family.members.iter().find(|m| m.digest == image.digest).unwrap();
        let tagged = bundles::registry_raw(&world.target, &format!("{}:{}", image.target_repo(), image.tag)).unwrap();
        let index: Value = serde_json::from_slice(&tagged).unwrap();
        let listed: Vec<&str> =
            index["manifests"].as_array().unwrap().iter().map(|m| m["digest"].as_str().unwrap()).collect();
        assert_eq!(listed, [member.platforms[0].1.as_str()], "only linux/amd64, its manifest byte for byte");
        let local = sha256(&tagged);
        assert_ne!(local, image.digest);
        let arm64 = bundles::registry_raw(&world.target, &format!("{}@{}", image.target_repo(), member.platforms[1].1));
        assert!(arm64.is_err(), "linux/arm64 was not copied");
        let entry = reported(&report, &image);
        assert_eq!(entry["digest"].as_str(), Some(local.as_str()), "the report names the digest the target holds");
        assert_eq!(entry["trimmedFrom"].as_str(), Some(image.digest.as_str()), "and the pinned one it differs from");
        local_digests.push(local);
    }
    let digests = world.upstreams.digests_file();
    let strict = plan(&digests, &world.target, &[]);
    assert_eq!(strict.code, 1, "the pinned digests are not there: {}", strict.stdout);
    let use_local = plan(&digests, &world.target, &["--digest-mismatch", "use-local"]);
    assert_eq!(use_local.code, 0, "{}\n{}", use_local.stdout, use_local.stderr);
    let plan = use_local.json();
    assert_eq!(plan["summary"]["ready"], 5, "{plan:#}");
    let configmap = plan["configMap"].as_str().unwrap();
    assert!(local_digests.iter().all(|d| configmap.contains(d.as_str())), "{configmap}");
}

#[test]
fn a_docker_archive_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let archive = dir.path().join("haproxy.tar");
    bundles::docker_archive(&archive, "docker.io/library/haproxy:2.8-alpine");
    let unpacked = dir.path().join("haproxy");
    std::fs::create_dir(&unpacked).unwrap();
    tar::Archive::new(std::fs::File::open(&archive).unwrap()).unpack(&unpacked).unwrap();
    let target = Registry::start(RegistryConfig::default());
    for bundle in [&archive, &unpacked] {
        let run = from_bundle(bundle, &target, &["-f", "tests/fixtures/images_digests.yml"]);
        assert_eq!(run.code, 2, "{}: {}\n{}", bundle.display(), run.stdout, run.stderr);
        let said = run.stderr.to_lowercase();
        assert!(said.contains("docker save") || said.contains("docker-archive"), "{said}");
        assert!(said.contains("digest"), "the reason: it cannot keep the digests: {said}");
    }
    let written: Vec<_> = target.requests().into_iter().filter(|r| r.method != "GET" && r.method != "HEAD").collect();
    assert!(written.is_empty(), "nothing pushed: {written:#?}");
}

/// Runs the plugin and reads its peak resident memory (VmHWM, a high-water mark) from /proc
/// until it exits: its exit code, the peak in KiB, and what it wrote to stderr.
fn peak_memory(args: &[String]) -> (i32, u64, String) {
    let home = tempfile::tempdir().unwrap();
    let stderr = home.path().join("stderr");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-essregistry"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    loop {
        let high_water = std::fs::read_to_string(&status).ok().and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        peak = peak.max(high_water.unwrap_or(0));
        if let Some(exit) = child.try_wait().unwrap() {
            return (exit.code().expect("exited"), peak, std::fs::read_to_string(&stderr).unwrap());
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

#[test]
fn a_layer_larger_than_the_memory_limit_streams_through() {
    const LIMIT_KIB: u64 = 64 * 1024;
    let family = Family::large(128 << 20);
    let mut upstreams = Upstreams::start();
    let reference = "docker.io/matrixdotorg/synapse:v1.99.0";
    upstreams.publish(&[Publish { component: "synapse", sub: "synapse", reference, member: &family.members[0] }]);
    let image = upstreams.images()[0].clone();
    let target = Registry::start(RegistryConfig::default());
    let (code, direct, said) = peak_memory(&upstreams.mirror_args(&target.host(), &[]));
    assert_eq!(code, 0, "direct mirror of a 128 MiB layer: {said}");
    assert_eq!(bundles::check_pinned(&target, &image.target_repo(), &image.digest), Ok(2));
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    let (code, to_bundle, said) = peak_memory(&upstreams.to_bundle_args(&bundle, &[]));
    assert_eq!(code, 0, "to-bundle of a 128 MiB layer: {said}");
    let air_gapped = Registry::start(RegistryConfig::default());
    let (code, from_bundle, said) = peak_memory(&upstream::from_bundle_args(&bundle, &air_gapped.host(), &[]));
    assert_eq!(code, 0, "from-bundle of a 128 MiB layer: {said}");
    assert_eq!(bundles::check_pinned(&air_gapped, &image.target_repo(), &image.digest), Ok(2));
    let peaks = [direct, to_bundle, from_bundle];
    assert!(peaks.iter().all(|kib| *kib > 0 && *kib < LIMIT_KIB), "peak RSS in KiB (direct, to, from): {peaks:?}");
}
