//! The delta benchmark (run by `scripts/bench-delta`): two releases of N images over shared base
//! layers, release 1 pushed through a full bundle into a loopback registry, `inventory` of it
//! (time, median of 5, and the registry's requests from its access log), then release 2 as a
//! full bundle and as a delta bundle (`--have` the inventory): blob bytes of each, counted on
//! disk, against the bytes the plugin reports; and the delta pushed (time, and every image of
//! release 2 checked with skopeo afterwards).
//!
//! Release 2 keeps most images, rebuilds a quarter (a new top layer over the same base layers,
//! under a new tag), removes one in fifteen and adds as many. With `--images 5 --base-kib 48,16
//! --own-kib 4` it is the pair of releases tests/delta_bundles.rs carries.

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, FamilySpec, Member};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{self, HOSTS, Publish, Upstreams, distinct};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const INVENTORY_RUNS: usize = 5;

struct Options {
    images: usize,
    base_kib: Vec<u64>,
    own_kib: u64,
}

fn main() {
    // `essregistry-bench-delta [--images N] [--base-kib A,B,..] [--own-kib K]`
    let mut options = Options { images: 30, base_kib: vec![8192, 4096, 1024], own_kib: 1024 };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| panic!("{name} takes a value"));
        match arg.as_str() {
            "--images" => options.images = value("--images").parse().expect("--images N"),
            "--base-kib" => {
                let sizes = value("--base-kib");
                options.base_kib = sizes.split(',').map(|s| s.parse().expect("--base-kib A,B,..")).collect();
            }
            "--own-kib" => options.own_kib = value("--own-kib").parse().expect("--own-kib K"),
            other => panic!("unknown argument {other}"),
        }
    }
    run(&options);
}

/// How many images release 2 rebuilds, removes and adds, of `n`.
fn shape(n: usize) -> (usize, usize) {
    let changed = n.div_ceil(4);
    let removed = n.div_ceil(15);
    assert!(changed + removed < n, "--images is too small for a release that keeps some");
    (changed, removed)
}

/// Image `i`'s reference: a third of the images on each upstream host.
fn reference(i: usize, tag: &str) -> String {
    format!("{}/element-bench/image-{i}:{tag}", HOSTS[i % HOSTS.len()])
}

fn run(options: &Options) {
    let n = options.images;
    let (changed, removed) = shape(n);
    let spec = FamilySpec {
        members: n + changed + removed,
        base_layers: options.base_kib.iter().map(|kib| kib * 1024).collect(),
        own_layer: options.own_kib * 1024,
        architectures: vec!["amd64", "arm64"],
        gzip: true,
    };
    let family = Family::build("bench", &spec);
    // Release 1: images 0..n. Release 2: the first n-changed-removed kept, the next `changed`
    // rebuilt (members n.., tag v2), the last `removed` dropped, as many added (image n.., v1).
    let kept = n - changed - removed;
    let first: Vec<(String, String, usize)> =
        (0..n).map(|i| (format!("component{i}"), reference(i, "v1"), i)).collect();
    let mut second: Vec<(String, String, usize)> = first[..kept].to_vec();
    second.extend((kept..kept + changed).map(|i| (format!("component{i}"), reference(i, "v2"), n + i - kept)));
    second.extend((0..removed).map(|j| (format!("component{}", n + j), reference(n + j, "v1"), n + changed + j)));
    let mut upstreams = Upstreams::start();
    let members = &family.members;
    fn publish<'a>(release: &'a [(String, String, usize)], members: &'a [Member]) -> Vec<Publish<'a>> {
        let publish = |(component, reference, member): &'a (String, String, usize)| Publish {
            component,
            sub: "image",
            reference,
            member: &members[*member],
        };
        release.iter().map(publish).collect()
    }
    upstreams.publish(&publish(&first, members));
    upstreams.publish(&publish(&second, members));
    let (entries_1, entries_2) = upstreams.entries().split_at(first.len());
    let work = tempfile::tempdir().expect("work dir");
    let (digests_1, digests_2) = (work.path().join("release-1.yml"), work.path().join("release-2.yml"));
    std::fs::write(&digests_1, upstream::images_digests(entries_1)).expect("release 1");
    std::fs::write(&digests_2, upstream::images_digests(entries_2)).expect("release 2");
    println!(
        "releases of {n} images (linux/amd64 and linux/arm64, base layers {:?} KiB, {} KiB of their own): release \
         2 keeps {kept}, rebuilds {changed}, removes {removed}, adds {removed}",
        options.base_kib, options.own_kib
    );

    // Release 1 inside, through a full bundle.
    let target = Registry::start(RegistryConfig::default());
    let full_1 = work.path().join("release-1-full");
    plugin(&to_bundle(&upstreams, &digests_1, &full_1, &[]));
    plugin(&upstream::from_bundle_args(&full_1, &target.host(), &[]));

    // `inventory` of release 1 there.
    let mut inventory_args = strings(&["inventory", "-f", &digests_1.display().to_string(), "-o", "yaml"]);
    inventory_args.extend(strings(&["--registry", &target.host(), "--registry-plain-http", "--path-prefix", "ess"]));
    let mut times = Vec::new();
    let mut document = String::new();
    let mut requests = 0;
    for _ in 0..INVENTORY_RUNS {
        target.clear_requests();
        let (wall, stdout) = plugin(&inventory_args);
        requests = target.requests().len();
        times.push(wall);
        document = stdout;
    }
    times.sort();
    let inventory = work.path().join("inventory.yaml");
    std::fs::write(&inventory, &document).expect("inventory");
    println!(
        "inventory of {n} images: {:.0} ms (median of {INVENTORY_RUNS}), {requests} requests to the registry ({:.2} \
         per image), a document of {} bytes",
        ms(times[INVENTORY_RUNS / 2]),
        requests as f64 / n as f64,
        document.len()
    );

    // Release 2, full and delta.
    let full_2 = work.path().join("release-2-full");
    let delta_2 = work.path().join("release-2-delta");
    let (full_wall, _) = plugin(&to_bundle(&upstreams, &digests_2, &full_2, &[]));
    let have = inventory.display().to_string();
    let (delta_wall, report) = plugin(&to_bundle(&upstreams, &digests_2, &delta_2, &["--have", &have, "-o", "json"]));
    let report: serde_json::Value = serde_json::from_str(&report).expect("the mirror report");
    let (full_bytes, delta_bytes) = (blob_bytes(&full_2), blob_bytes(&delta_2));
    println!(
        "release 2 as a full bundle: {} of files in blobs/ ({:.0} ms); as a delta: {} ({:.0} ms), {:.1} % of the \
         full bundle",
        mb(full_bytes),
        ms(full_wall),
        mb(delta_bytes),
        ms(delta_wall),
        delta_bytes as f64 * 100.0 / full_bytes as f64
    );
    let delta = &report["delta"];
    println!(
        "the plugin's report: {} blob bytes carried of {} (fullBytes), {} blobs of {} assumed in the registry \
         (manifests, which always travel, are not counted there)",
        delta["carriedBytes"],
        delta["fullBytes"],
        delta["assumedBlobs"],
        mb(delta["assumedBytes"].as_u64().unwrap_or_default())
    );

    // The delta pushed inside, every image of release 2 then checked with skopeo.
    target.clear_requests();
    let (push_wall, _) = plugin(&upstream::from_bundle_args(&delta_2, &target.host(), &[]));
    let push_requests = target.requests().len();
    for image in distinct(entries_2) {
        bundles::check_pinned(&target, &image.target_repo(), &image.digest)
            .unwrap_or_else(|e| panic!("{} is not right after the delta: {e}", image.reference()));
    }
    println!(
        "the delta pushed: {:.0} ms, {push_requests} requests (assumed blobs checked first); every image of release \
         2 verified with skopeo",
        ms(push_wall)
    );
}

fn to_bundle(upstreams: &Upstreams, digests: &Path, bundle: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["mirror", "-f", &digests.display().to_string(), "--to-bundle"]);
    args.push(bundle.display().to_string());
    args.extend(upstreams.source_mirror_args());
    args.extend(strings(extra));
    args
}

/// One plugin run: its wall time and stdout. Panics when it fails.
fn plugin(args: &[String]) -> (Duration, String) {
    let start = Instant::now();
    let output =
        Command::new("kubectl-essregistry").args(args).stdin(Stdio::null()).output().expect("run kubectl-essregistry");
    let wall = start.elapsed();
    assert!(
        output.status.success(),
        "kubectl-essregistry {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (wall, String::from_utf8(output.stdout).expect("UTF-8"))
}

/// The bytes of every file in a bundle folder's `blobs/sha256` (manifests included).
fn blob_bytes(bundle: &Path) -> u64 {
    let blobs = std::fs::read_dir(bundle.join("blobs/sha256")).expect("blobs");
    blobs.map(|entry| entry.expect("blob").metadata().expect("size").len()).sum()
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> String {
    format!("{:.2} MB", bytes as f64 / 1e6)
}
