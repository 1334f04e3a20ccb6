//! `mirror` into registries that take blob uploads otherwise than distribution, or answer for
//! what they lack otherwise (Artifactory's 403): each one a profile of the fault proxy in front
//! of the real registry. Every image must land with every
//! digest checked by skopeo at the target, at a request count the test holds to; where skopeo
//! (what administrators push with) gets through the same profile, or does not, the test says so
//! by running it.

mod support;

use essregistry_testbed::bundles;
use essregistry_testbed::faults::{Fault, FaultProxy, Profile, Rule, Seen};
use essregistry_testbed::images::FamilySpec;
use essregistry_testbed::registry::RegistryConfig;
use essregistry_testbed::upstream::Entry;
use serde_json::Value;
use std::collections::HashSet;
use std::process::Command;
use support::mirror_world::World;
use support::{Plugin, Run, strs};

const MIB: u64 = 1024 * 1024;
const USER: &str = "ess-pusher";
const PASSWORD: &str = "Pu5h-pa55";

/// Five ESS images of one platform sharing a base layer of 5 MiB and one of 1.5 MiB, with a
/// small layer each of their own: over nginx's 1 MiB and GHCR's 4 MiB.
fn large_layers() -> FamilySpec {
    FamilySpec {
        members: 5,
        base_layers: vec![5 * MIB, 3 * MIB / 2],
        own_layer: 4 * 1024,
        architectures: vec!["amd64"],
        gzip: false,
    }
}

/// The images upstream and an empty registry of `profile`'s product behind the proxy.
fn behind(profile: Profile, spec: &FamilySpec) -> (World, FaultProxy) {
    let world = World::with(spec, profile.registry(USER, PASSWORD));
    let proxy = FaultProxy::with_profile(&world.target.host(), profile);
    (world, proxy)
}

/// `mirror -o json` into the registry behind `proxy`, with the registry's login if it has one,
/// whatever its exit code.
fn try_mirror(world: &World, proxy: &FaultProxy, extra: &[&str]) -> Run {
    let extra = [&["-o", "json"], extra].concat();
    let plugin = match &world.target.credentials {
        Some((user, password)) => Plugin::new().env("ESSREGISTRY_USERNAME", user).env("ESSREGISTRY_PASSWORD", password),
        None => Plugin::new(),
    };
    plugin.run(&strs(&world.upstreams.mirror_args(&proxy.host(), &extra)))
}

/// `try_mirror`, which must succeed.
fn mirror(world: &World, proxy: &FaultProxy, extra: &[&str]) -> Run {
    let run = try_mirror(world, proxy, extra);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run
}

/// skopeo pulls every image whole from the target (each blob checked against its digest), by
/// the pinned digest and by its tag.
fn assert_every_image_pulls(world: &World) {
    for image in world.images() {
        bundles::pull_whole(&world.target, &image.target_repo(), &image.digest)
            .unwrap_or_else(|e| panic!("{}: {e}", image.reference()));
        let by_tag = bundles::registry_raw(&world.target, &format!("{}:{}", image.target_repo(), image.tag)).unwrap();
        assert_eq!(essregistry_testbed::images::sha256(&by_tag), image.digest, "{}", image.reference());
    }
}

/// `skopeo copy` of `image` from upstream through the proxy, under `skopeo/`: what an
/// administrator's own push does with the same registry.
fn skopeo_push(world: &World, proxy: &FaultProxy, image: &Entry) -> Result<(), String> {
    let mut command = Command::new("skopeo");
    command.args(["copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false", "--retry-times", "0"]);
    if let Some((user, password)) = &world.target.credentials {
        command.args(["--dest-creds", &format!("{user}:{password}")]);
    }
    let from = format!("docker://{}/{}@{}", world.upstreams.registry.host(), image.upstream_repo(), image.digest);
    let output = command.args([&from, &format!("docker://{}/skopeo/{}", proxy.host(), image.path)]).output().unwrap();
    if output.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&output.stderr).into_owned()) }
}

/// The report's `uploads`: the registry's upload mode and chunk size.
fn uploads(run: &Run) -> Value {
    run.json()["uploads"].clone()
}

fn upload_requests(proxy: &FaultProxy, method: &str) -> Vec<Seen> {
    proxy.requests().into_iter().filter(|r| r.method == method && r.path.contains("/blobs/uploads/")).collect()
}

/// Bytes of a `Content-Range: START-END`.
fn range_length(seen: &Seen) -> u64 {
    let range = seen.content_range.as_deref().expect("a chunk names its range");
    let (start, end) = range.split_once('-').unwrap();
    end.parse::<u64>().unwrap() - start.parse::<u64>().unwrap() + 1
}

/// Blobs whose upload completed (an empty or full `PUT ?digest=` answered 201), each counted
/// once per repository.
fn completed_uploads(proxy: &FaultProxy) -> usize {
    upload_requests(proxy, "PUT").iter().filter(|r| r.status == 201).count()
}

#[test]
fn a_registry_taking_data_only_by_patch_gets_every_image_in_chunks() {
    let (world, proxy) = behind(Profile::PatchOnly, &large_layers());
    let run = mirror(&world, &proxy, &[]);
    assert_every_image_pulls(&world);
    let uploads = uploads(&run);
    assert_eq!(
        (uploads["mode"].as_str(), uploads["chunkSize"].as_u64()),
        (Some("chunked"), Some(8 * MIB)),
        "{uploads}"
    );
    // Monolithic is tried until the first refusal comes back (once per blob in flight then);
    // the blobs after it go straight in chunks.
    let refused = upload_requests(&proxy, "PUT").into_iter().filter(|r| r.status == 416).count();
    assert!(refused >= 1 && refused < completed_uploads(&proxy), "{refused} whole blobs refused");
    let patched = upload_requests(&proxy, "PATCH").into_iter().filter(|r| r.status == 202).count();
    assert!(patched >= completed_uploads(&proxy), "each blob sent went by PATCH");
    assert_eq!(uploads["blobs"].as_u64(), Some(completed_uploads(&proxy) as u64));
    // skopeo sends the data by PATCH and an empty PUT: it gets through too.
    skopeo_push(&world, &proxy, &world.images()[0]).unwrap();
}

/// Mirrors through a body limit of `limit` bytes: what the chunks came to.
fn through_body_limit(profile: Profile, limit: u64) -> u64 {
    let (world, proxy) = behind(profile, &large_layers());
    let run = mirror(&world, &proxy, &[]);
    assert_every_image_pulls(&world);
    let uploads = uploads(&run);
    assert_eq!(uploads["mode"], "chunked", "{uploads}");
    let chunk = uploads["chunkSize"].as_u64().unwrap();
    assert!(chunk <= limit, "{chunk} bytes per chunk, over the {limit} limit");
    let too_large = proxy.requests().into_iter().filter(|r| r.status == 413).count();
    assert!(too_large >= 1, "the limit was met");
    let taken = upload_requests(&proxy, "PATCH").into_iter().filter(|r| r.status == 202);
    assert!(taken.clone().all(|r| range_length(&r) <= limit), "every chunk taken is within the limit");
    // Once learnt, the size is kept: every blob after the ones in flight then goes straight in
    // chunks, so the refusals stay few.
    assert!(too_large <= 16, "{too_large} refusals: {:#?}", proxy.requests());
    // skopeo sends each blob in one PATCH: over the limit, it fails.
    let refused = skopeo_push(&world, &proxy, &world.images()[0]).unwrap_err();
    assert!(refused.contains("413") || refused.contains("too large"), "{refused}");
    chunk
}

#[test]
fn a_registry_behind_nginx_s_1_mib_body_limit_gets_every_image_in_halved_chunks() {
    let chunk = through_body_limit(Profile::NginxBodyLimit, MIB);
    assert!(chunk >= MIB / 2, "halved no further than needed: {chunk}");
}

#[test]
fn ghcr_s_4_mib_request_cap_is_met_with_chunks_under_it() {
    let chunk = through_body_limit(Profile::Ghcr, 4 * MIB);
    assert!(chunk >= 2 * MIB, "halved no further than needed: {chunk}");
}

#[test]
fn an_announced_minimum_chunk_length_is_kept_by_every_chunk_but_the_last() {
    let (world, proxy) = behind(Profile::MinChunkLength, &large_layers());
    let run = mirror(&world, &proxy, &["--chunk-size", "512K"]);
    assert_every_image_pulls(&world);
    let uploads = uploads(&run);
    assert_eq!(uploads["minChunkLength"].as_u64(), Some(MIB), "{uploads}");
    assert_eq!(uploads["chunkSize"].as_u64(), Some(MIB), "--chunk-size 512K raised to the registry's minimum");
    let refused = proxy.requests().into_iter().filter(|r| r.status == 416).count();
    assert_eq!(refused, 0, "no chunk was too short: {:#?}", proxy.requests());
    // skopeo sends each blob in one PATCH, which is its last: it gets through.
    skopeo_push(&world, &proxy, &world.images()[0]).unwrap();
}

#[test]
fn a_chunk_cut_off_half_way_resumes_at_the_byte_the_registry_reports() {
    let (world, proxy) = behind(Profile::CutUpload, &large_layers());
    let run = mirror(&world, &proxy, &["--chunk-size", "1M"]);
    assert_every_image_pulls(&world);
    assert_eq!(uploads(&run)["chunkSize"].as_u64(), Some(MIB));
    let requests = proxy.requests();
    let cut = requests.iter().find(|r| r.method == "PATCH" && r.status == 0).expect("a chunk was cut");
    let id = |r: &Seen| r.path.split("/blobs/uploads/").nth(1).unwrap().split('?').next().unwrap().to_owned();
    let same: Vec<&Seen> = requests.iter().filter(|r| r.path.contains("/blobs/uploads/") && id(r) == id(cut)).collect();
    let at = same.iter().position(|r| r.status == 0).unwrap();
    let (start, end) = cut.content_range.as_deref().unwrap().split_once('-').unwrap();
    let (start, end): (u64, u64) = (start.parse().unwrap(), end.parse().unwrap());
    // The proxy let the first half of the chunk through, rounded down.
    let length = end - start + 1;
    let held = start + length / 2;
    let asked = same[at + 1];
    assert_eq!((asked.method.as_str(), asked.range.as_deref()), ("GET", Some(format!("0-{}", held - 1).as_str())));
    let resumed = same[at + 2];
    assert_eq!(resumed.method, "PATCH");
    assert!(resumed.content_range.as_deref().unwrap().starts_with(&format!("{held}-")), "{resumed:?}");
    // No upload started again: one session per blob sent.
    let sessions = upload_requests(&proxy, "POST").into_iter().filter(|r| r.status == 202).count();
    assert_eq!(sessions, completed_uploads(&proxy), "no upload started again");
    // skopeo sends each blob in one PATCH and never asks the registry where it stands: it is not
    // run here, the profile cutting only the first chunk.
}

#[test]
fn a_cut_chunk_the_registry_cannot_place_sends_the_blob_again_from_its_first_byte() {
    let world = World::new();
    let proxy = FaultProxy::start(&world.target.host());
    proxy.add(Rule { path: "/blobs/uploads/", method: Some("PATCH"), fault: Fault::Reset, times: Some(1) });
    proxy.add(Rule {
        path: "/blobs/uploads/",
        method: Some("GET"),
        fault: Fault::Status { code: 404, retry_after: None },
        times: Some(1),
    });
    let run = mirror(&world, &proxy, &["--chunk-size", "64K"]);
    assert_eq!(run.json()["summary"]["copied"], 5);
    assert_every_image_pulls(&world);
    let asked = upload_requests(&proxy, "GET");
    assert_eq!(asked.iter().map(|r| r.status).collect::<Vec<_>>(), [404], "the registry was asked where it stands");
}

#[test]
fn a_registry_answering_a_mount_with_a_plain_upload_gets_the_bytes() {
    let (world, proxy) = behind(Profile::Keppel, &FamilySpec::small(5));
    let run = mirror(&world, &proxy, &[]);
    assert_every_image_pulls(&world);
    assert_eq!(uploads(&run)["mode"], "monolithic");
    let mounted = upload_requests(&proxy, "POST").into_iter().filter(|r| r.status == 201).count();
    assert_eq!(mounted, 0, "nothing is mounted");
    assert_eq!(upload_requests(&proxy, "POST").len(), completed_uploads(&proxy), "each session took its bytes");
    // skopeo tries the mount, takes the session and sends the bytes: it gets through too.
    skopeo_push(&world, &proxy, &world.images()[0]).unwrap();
}

/// What distribution's protocol needs for a cold mirror, from what the registry stored: one
/// manifest check per image, `POST` and `PUT` per distinct blob, one mount per further
/// repository that shares it, one `PUT` per manifest.
fn protocol_minimum(requests: &[Seen], images: usize) -> usize {
    let stored = |r: &&Seen| r.status == 201;
    let blobs: HashSet<&str> = requests
        .iter()
        .filter(|r| r.method == "PUT" && r.path.contains("digest="))
        .filter(stored)
        .filter_map(|r| r.path.split("digest=").nth(1))
        .collect();
    let mounts = requests.iter().filter(|r| r.method == "POST" && r.path.contains("mount=")).filter(stored).count();
    let manifests = requests.iter().filter(|r| r.method == "PUT" && r.path.contains("/manifests/")).filter(stored);
    images + 2 * blobs.len() + mounts + manifests.count()
}

#[test]
fn a_cold_mirror_into_a_well_behaved_registry_costs_the_protocol_minimum_within_15_percent() {
    let world =
        World::with(&FamilySpec { architectures: vec!["amd64"], ..FamilySpec::small(5) }, RegistryConfig::default());
    let proxy = FaultProxy::start(&world.target.host());
    mirror(&world, &proxy, &[]);
    assert_every_image_pulls(&world);
    let requests = proxy.requests();
    let minimum = protocol_minimum(&requests, world.images().len());
    let sent = requests.len();
    assert!(sent as f64 <= minimum as f64 * 1.15, "{sent} requests for a minimum of {minimum}: {requests:#?}");
}

#[test]
fn artifactory_s_403_for_a_missing_manifest_is_pushed_through_as_skopeo_does_and_a_refused_push_says_so() {
    let (world, proxy) = behind(Profile::Artifactory, &FamilySpec::small(5));
    let images = world.images();
    let denied = || Fault::Refuse {
        status: 403,
        code: "DENIED",
        message: "The request was denied",
        detail: "the user has no deploy permission on the requested path".into(),
    };
    // skopeo never asks for the manifest before pushing it: it gets through.
    skopeo_push(&world, &proxy, &images[0]).unwrap();
    // Its push refused with 403, it fails.
    proxy.add(Rule { path: "/manifests/", method: Some("PUT"), fault: denied(), times: Some(1) });
    let refused = skopeo_push(&world, &proxy, &images[1]).unwrap_err();
    assert!(refused.contains("denied") || refused.contains("403"), "{refused}");

    // The plugin: the 403s its manifest checks get are "not there", so it pushes; the one push
    // refused is a refusal (exit 3), named as such, and the other images land.
    proxy.add(Rule { path: "/manifests/", method: Some("PUT"), fault: denied(), times: Some(1) });
    let run = try_mirror(&world, &proxy, &[]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let failed: Vec<&Value> = report["images"].as_array().unwrap().iter().filter(|i| i["state"] == "failed").collect();
    assert_eq!(failed.len(), 1, "{report:#}");
    let reason = failed[0]["reason"].as_str().unwrap();
    assert!(reason.contains("403") && reason.contains("needs push access"), "{reason}");
    assert_eq!(report["summary"]["copied"].as_u64(), Some(images.len() as u64 - 1), "{report:#}");

    // Run again: the last image goes too, and everything pulls whole.
    let run = mirror(&world, &proxy, &[]);
    assert_eq!(run.json()["summary"]["copied"], 1, "{}", run.stdout);
    assert_every_image_pulls(&world);
    let missing = proxy.requests().into_iter().filter(|r| r.path.contains("/manifests/") && r.status == 403);
    assert!(missing.count() >= images.len(), "the registry answered 403 for each image it lacked");
}
