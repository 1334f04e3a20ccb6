//! The speed benchmark of `mirror` (run by `scripts/bench-mirror`): N images sharing base
//! layers in a loopback upstream registry, carried into empty loopback registries by the plugin
//! and by what administrators script today. Prints the direct mirror against a loop of `skopeo
//! copy --all --preserve-digests` per image, the bundle round trip against `skopeo sync` to a
//! folder and back, a second run when everything is there (time and requests per image), and
//! the bytes moved against the distinct blobs, counted from the registries' own access logs.
//!
//! `--rss [MIB]` instead measures the plugin's peak memory (GNU time) while it mirrors an image
//! whose one layer is MIB MiB (1024 by default), directly and through a bundle.
//!
//! `--upload [MIB]` instead sets the plugin's `mirror` of one image whose one layer is MIB MiB
//! (256 by default) of random bytes against `curl` uploading the same layer (`POST`, then one
//! `PUT ?digest=` with the whole blob) into an empty loopback registry: the speed a large layer
//! moves at, `UPLOAD_RUNS` runs each, min and median.

use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, FamilySpec};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{self, Entry, HOSTS, Publish, Upstreams};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs of the second mirror, whose median is printed: one run of a few tens of milliseconds
/// is at the mercy of the scheduler.
const SECOND_RUNS: usize = 5;
/// Runs of each side of `--upload`: the machine may be shared, so the minimum and the median.
const UPLOAD_RUNS: usize = 5;

struct Options {
    images: usize,
    base_mib: Vec<f64>,
    own_kib: u64,
    rss_mib: Option<u64>,
    upload_mib: Option<u64>,
    /// Flags given to every `mirror` run (`--concurrency 8`, say).
    extra: Vec<String>,
    /// linux/amd64 alone instead of linux/amd64 and linux/arm64.
    single_platform: bool,
}

fn main() {
    // `essregistry-bench-mirror [--images N] [--base-mib A,B,..] [--own-kib K] [--single-platform] [--rss [MIB]] [--upload [MIB]] [-- mirror flags]`
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let extra: Vec<String> = args.drain(split..).skip(1).collect();
    let mut options = Options {
        images: 30,
        base_mib: vec![8.0, 4.0, 1.0],
        own_kib: 1024,
        rss_mib: None,
        upload_mib: None,
        extra,
        single_platform: false,
    };
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().unwrap_or_else(|| panic!("{name} takes a value"));
        match arg.as_str() {
            "--images" => options.images = value("--images").parse().expect("--images N"),
            "--base-mib" => {
                let sizes = value("--base-mib");
                options.base_mib = sizes.split(',').map(|s| s.parse().expect("--base-mib A,B,..")).collect();
            }
            "--single-platform" => options.single_platform = true,
            "--own-kib" => options.own_kib = value("--own-kib").parse().expect("--own-kib K"),
            "--rss" => {
                let mib = args.next_if(|a| a.parse::<u64>().is_ok()).map(|a| a.parse().expect("MiB"));
                options.rss_mib = Some(mib.unwrap_or(1024));
            }
            "--upload" => {
                let mib = args.next_if(|a| a.parse::<u64>().is_ok()).map(|a| a.parse().expect("MiB"));
                options.upload_mib = Some(mib.unwrap_or(256));
            }
            other => panic!("unknown argument {other}"),
        }
    }
    match (options.rss_mib, options.upload_mib) {
        (Some(mib), _) => rss(mib, &options.extra),
        (None, Some(mib)) => upload(mib, &options.extra),
        (None, None) => speed(&options),
    }
}

/// N images, a third on each upstream host, every one pinned in images_digests.
fn publish(family: &Family) -> Upstreams {
    let mut upstreams = Upstreams::start();
    let names: Vec<(String, String)> = (0..family.members.len())
        .map(|i| (format!("component{i}"), format!("{}/element-bench/image-{i}:v1", HOSTS[i % HOSTS.len()])))
        .collect();
    let images: Vec<Publish> = names
        .iter()
        .zip(&family.members)
        .map(|((component, reference), member)| Publish { component, sub: "image", reference, member })
        .collect();
    upstreams.publish(&images);
    upstreams
}

fn speed(options: &Options) {
    let spec = FamilySpec {
        members: options.images,
        base_layers: options.base_mib.iter().map(|mib| (mib * 1048576.0) as u64).collect(),
        own_layer: options.own_kib * 1024,
        architectures: if options.single_platform { vec!["amd64"] } else { vec!["amd64", "arm64"] },
        gzip: true,
    };
    let family = Family::build("bench", &spec);
    let upstreams = publish(&family);
    let upstream = &upstreams.registry;
    let sizes = blob_sizes(family.layout.path());
    let extra: Vec<&str> = options.extra.iter().map(String::as_str).collect();
    let n = upstreams.images().len();
    let count = |tags: &Tags, registries: &[&Registry]| Traffic::of(registries, &sizes, tags);
    let tags = Tags::of(upstreams.entries());

    let direct_target = Registry::start(RegistryConfig::default());
    let direct_args = upstreams.mirror_args(&direct_target.host(), &extra);
    upstream.clear_requests();
    let direct = plugin(&direct_args);
    let direct_traffic = (count(&tags, &[upstream]), count(&tags, &[&direct_target]));
    verify(&direct_target, &upstreams);

    let loop_target = Registry::start(RegistryConfig::default());
    upstream.clear_requests();
    let copy_loop = skopeo_loop(&upstreams, &loop_target);
    let loop_traffic = (count(&tags, &[upstream]), count(&tags, &[&loop_target]));

    let mut second: Vec<Duration> = Vec::new();
    direct_target.clear_requests();
    upstream.clear_requests();
    for _ in 0..SECOND_RUNS {
        second.push(plugin(&direct_args).wall);
    }
    second.sort();
    let second_requests = count(&tags, &[upstream, &direct_target]).requests as f64 / (SECOND_RUNS * n) as f64;
    loop_target.clear_requests();
    upstream.clear_requests();
    let second_loop = skopeo_loop(&upstreams, &loop_target);
    let second_loop_requests = count(&tags, &[upstream, &loop_target]).requests as f64 / n as f64;

    let dir = tempfile::tempdir().expect("bench dir");
    let (to_bundle, from_bundle, bundle_target) = bundle_round_trip(&upstreams, dir.path(), &extra);
    verify(&bundle_target, &upstreams);
    let (sync_out, sync_in) = skopeo_sync_round_trip(&upstreams, dir.path());

    let (base, own) = (options.base_mib.iter().sum::<f64>(), options.own_kib);
    let platforms = if options.single_platform { "linux/amd64" } else { "linux/amd64 and linux/arm64" };
    println!(
        "{n} images for {platforms}: {} base layers ({base} MiB per platform) shared, {own} KiB each of their own",
        options.base_mib.len()
    );
    println!("distinct blobs (layers, configs, manifests): {}\n", mb(family.layout.blob_bytes()));
    let row = |what: &str, plugin: String, skopeo: String, ratio: String| {
        println!("{what:<32}  {plugin:>22}  {skopeo:>30}  {ratio:>7}");
    };
    let ratio = |ours: Duration, theirs: Duration| format!("{:.1}x", theirs.as_secs_f64() / ours.as_secs_f64());
    row("", "plugin".into(), "skopeo".into(), "ratio".into());
    row("direct mirror", secs(direct.wall), format!("{} (copy loop)", secs(copy_loop)), ratio(direct.wall, copy_loop));
    let round_trip = to_bundle.wall + from_bundle.wall;
    row(
        "bundle round trip",
        format!("{} ({} + {})", secs(round_trip), secs(to_bundle.wall), secs(from_bundle.wall)),
        format!("{} (sync {} + {})", secs(sync_out + sync_in), secs(sync_out), secs(sync_in)),
        ratio(round_trip, sync_out + sync_in),
    );
    let median = second[SECOND_RUNS / 2];
    row(
        "second run, all there (median)",
        secs(median),
        format!("{} (copy loop)", secs(second_loop)),
        ratio(median, second_loop),
    );
    row(
        "requests per image, second run",
        format!("{second_requests:.2}"),
        format!("{second_loop_requests:.2}"),
        String::new(),
    );
    row(
        "requests into the registry, cold",
        direct_traffic.1.against_minimum(n),
        loop_traffic.1.against_minimum(n),
        String::new(),
    );
    row("bytes from upstream, direct", mb(direct_traffic.0.pulled), mb(loop_traffic.0.pulled), String::new());
    row("bytes into the registry, direct", mb(direct_traffic.1.pushed), mb(loop_traffic.1.pushed), String::new());
    row("blobs mounted, direct", direct_traffic.1.mounts.to_string(), loop_traffic.1.mounts.to_string(), String::new());
    row(
        "bundle on disk",
        mb(disk_usage(&dir.path().join("bundle"))),
        mb(disk_usage(&dir.path().join("sync"))),
        String::new(),
    );
    let peak = [direct.peak_kib, to_bundle.peak_kib, from_bundle.peak_kib].into_iter().max().unwrap_or(0);
    row("plugin peak RSS", format!("{:.1} MB", peak as f64 / 1024.0), String::new(), String::new());
}

/// The plugin into a bundle folder, then from it into an empty registry (returned).
fn bundle_round_trip(upstreams: &Upstreams, dir: &Path, extra: &[&str]) -> (Timed, Timed, Registry) {
    let bundle = dir.join("bundle");
    let to_bundle = plugin(&upstreams.to_bundle_args(&bundle, extra));
    let target = Registry::start(RegistryConfig::default());
    let from_bundle = plugin(&upstream::from_bundle_args(&bundle, &target.host(), extra));
    (to_bundle, from_bundle, target)
}

/// `skopeo copy --all --preserve-digests` of each image by digest to its tag at `target`.
fn skopeo_loop(upstreams: &Upstreams, target: &Registry) -> Duration {
    let start = Instant::now();
    for image in upstreams.images() {
        skopeo(&[
            "copy",
            "--quiet",
            "--all",
            "--preserve-digests",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            &format!("docker://{}/{}@{}", upstreams.registry.host(), image.upstream_repo(), image.digest),
            &format!("docker://{}/{}:{}", target.host(), image.target_repo(), image.tag),
        ]);
    }
    start.elapsed()
}

/// `skopeo sync` of every image to a `dir` folder (scoped by registry and path), then from it
/// into an empty registry: the other way across an air gap.
fn skopeo_sync_round_trip(upstreams: &Upstreams, dir: &Path) -> (Duration, Duration) {
    let mut yaml = format!("{}:\n  tls-verify: false\n  images:\n", upstreams.registry.host());
    for image in upstreams.images() {
        yaml.push_str(&format!("    {}: [\"{}\"]\n", image.upstream_repo(), image.tag));
    }
    let list = dir.join("sync.yaml");
    std::fs::write(&list, yaml).expect("write sync.yaml");
    let folder = dir.join("sync");
    let start = Instant::now();
    let (list, folder_arg) = (list.display().to_string(), folder.display().to_string());
    let all = ["sync", "--all", "--preserve-digests"];
    skopeo(&[&all[..], &["--scoped", "--src", "yaml", "--dest", "dir", &list, &folder_arg]].concat());
    let out = start.elapsed();
    let target = Registry::start(RegistryConfig::default());
    let scoped = folder.join(upstreams.registry.host()).display().to_string();
    let start = Instant::now();
    let into = format!("{}/ess", target.host());
    skopeo(&[&all[..], &["--src", "dir", "--dest", "docker", "--dest-tls-verify=false", &scoped, &into]].concat());
    (out, start.elapsed())
}

fn skopeo(args: &[&str]) {
    let output = Command::new("skopeo").args(args).stdout(Stdio::null()).output().expect("run skopeo");
    assert!(output.status.success(), "skopeo {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
}

/// Every image is at its target under its pinned digest, with every platform manifest: a fast
/// run that copied nothing would be no benchmark.
fn verify(target: &Registry, upstreams: &Upstreams) {
    for image in upstreams.images() {
        bundles::check_pinned(target, &image.target_repo(), &image.digest)
            .unwrap_or_else(|e| panic!("{} is not right at the target: {e}", image.reference()));
    }
}

/// One plugin run under GNU time.
struct Timed {
    wall: Duration,
    peak_kib: u64,
}

fn plugin(args: &[String]) -> Timed {
    let start = Instant::now();
    let output = Command::new("/usr/bin/time")
        .args(["-f", "%M", "kubectl-essregistry"])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run kubectl-essregistry under /usr/bin/time");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "kubectl-essregistry {args:?} failed:\n{stderr}");
    let peak_kib = stderr.lines().last().and_then(|l| l.trim().parse().ok()).expect("peak RSS from /usr/bin/time");
    Timed { wall, peak_kib }
}

/// The size of each blob of a layout, by digest.
fn blob_sizes(layout: &Path) -> HashMap<String, u64> {
    let blobs = std::fs::read_dir(layout.join("blobs/sha256")).expect("blobs");
    blobs
        .map(|entry| entry.expect("blob"))
        .map(|entry| (format!("sha256:{}", entry.file_name().to_string_lossy()), entry.metadata().expect("size").len()))
        .collect()
}

/// Which digest each `repo:tag` of the targets names, to size a manifest pushed by tag.
struct Tags(HashMap<String, String>);

impl Tags {
    fn of(entries: &[Entry]) -> Tags {
        Tags(entries.iter().map(|e| (format!("{}/manifests/{}", e.target_repo(), e.tag), e.digest.clone())).collect())
    }
}

/// What the registries' access logs say a run cost.
#[derive(Default)]
struct Traffic {
    requests: usize,
    /// Bytes of every answer to a GET: what was downloaded.
    pulled: u64,
    /// Bytes of every blob upload completed (a PUT naming its digest) and every manifest put.
    pushed: u64,
    /// Blobs mounted from another repository instead of uploaded.
    mounts: usize,
    /// The distinct blobs whose upload completed (a PUT naming its digest).
    uploaded: HashSet<String>,
    /// Manifests stored.
    manifests_put: usize,
}

impl Traffic {
    fn of(registries: &[&Registry], sizes: &HashMap<String, u64>, tags: &Tags) -> Traffic {
        let mut traffic = Traffic::default();
        for line in registries.iter().flat_map(|r| r.log().lines().map(str::to_owned).collect::<Vec<_>>()) {
            // `127.0.0.1 - - [date] "GET /v2/... HTTP/1.1" 200 1234 "" "agent"`
            let Some((_, rest)) = line.split_once('"') else { continue };
            let Some((request, answer)) = rest.split_once('"') else { continue };
            let mut request = request.split(' ');
            let (Some(method), Some(path)) = (request.next(), request.next()) else { continue };
            let mut answer = answer.split_whitespace();
            let status: u16 = answer.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            let bytes: u64 = answer.next().and_then(|s| s.parse().ok()).unwrap_or(0);
            traffic.requests += 1;
            match method {
                "GET" => traffic.pulled += bytes,
                "PUT" if status == 201 => {
                    traffic.pushed += pushed_size(path, sizes, tags);
                    match path.split_once("digest=") {
                        Some((_, digest)) => drop(traffic.uploaded.insert(digest.to_owned())),
                        None => traffic.manifests_put += 1,
                    }
                }
                "POST" if status == 201 && path.contains("mount=") => traffic.mounts += 1,
                _ => {}
            }
        }
        traffic
    }
}

impl Traffic {
    /// What the distribution protocol needs for what this traffic stored into a registry that
    /// held none of it: one manifest check per image, `POST` and `PUT` per distinct blob, one
    /// mount per further repository sharing it, one `PUT` per manifest. The `GET /v2/` that
    /// learns how to log in is not counted.
    fn minimum(&self, images: usize) -> usize {
        images + 2 * self.uploaded.len() + self.mounts + self.manifests_put
    }

    /// `requests (minimum M, R.RRx)`.
    fn against_minimum(&self, images: usize) -> String {
        let minimum = self.minimum(images);
        format!("{} (minimum {minimum}, {:.2}x)", self.requests, self.requests as f64 / minimum as f64)
    }
}

/// The size of what a PUT stored: the blob its `digest=` names, or the manifest at its path.
fn pushed_size(path: &str, sizes: &HashMap<String, u64>, tags: &Tags) -> u64 {
    let digest = match path.split_once("digest=") {
        Some((_, query)) => query.split('&').next().unwrap_or_default().replace("%3A", ":").replace("%3a", ":"),
        None => {
            let reference = path.trim_start_matches("/v2/");
            match reference.rsplit_once("/manifests/") {
                Some((_, digest)) if digest.starts_with("sha256:") => digest.to_owned(),
                _ => tags.0.get(reference).cloned().unwrap_or_default(),
            }
        }
    };
    sizes.get(&digest).copied().unwrap_or(0)
}

fn disk_usage(path: &Path) -> u64 {
    let Ok(metadata) = std::fs::symlink_metadata(path) else { return 0 };
    if !metadata.is_dir() {
        return metadata.len();
    }
    std::fs::read_dir(path).expect("read folder").map(|e| disk_usage(&e.expect("entry").path())).sum()
}

/// The plugin's peak memory while it mirrors one image whose single layer is `mib` MiB: direct,
/// into a bundle folder, and from it.
fn rss(mib: u64, extra: &[String]) {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let family = Family::large(mib << 20);
    let upstreams = publish(&family);
    let target = Registry::start(RegistryConfig::default());
    let direct = plugin(&upstreams.mirror_args(&target.host(), &extra));
    verify(&target, &upstreams);
    drop(target);
    let dir = tempfile::tempdir().expect("bench dir");
    let (to_bundle, from_bundle, bundle_target) = bundle_round_trip(&upstreams, dir.path(), &extra);
    verify(&bundle_target, &upstreams);
    println!("one image, one layer of {mib} MiB ({}):\n", mb(family.layout.blob_bytes()));
    println!("{:<14}  {:>8}  {:>10}", "", "time", "peak RSS");
    for (what, run) in [("direct mirror", direct), ("to-bundle", to_bundle), ("from-bundle", from_bundle)] {
        println!("{what:<14}  {:>8}  {:>7.1} MB", secs(run.wall), run.peak_kib as f64 / 1024.0);
    }
}

/// The plugin's `mirror` of one image whose one layer is `mib` MiB, each run into an empty
/// registry, against `curl` uploading the same layer's bytes into another.
fn upload(mib: u64, extra: &[String]) {
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    let family = Family::large(mib << 20);
    let upstreams = publish(&family);
    let sizes = blob_sizes(family.layout.path());
    let (digest, size) = sizes.iter().max_by_key(|(_, size)| **size).expect("a layer");
    let layer = family.layout.path().join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
    let (mut plugin_runs, mut curl_runs) = (Vec::new(), Vec::new());
    for _ in 0..UPLOAD_RUNS {
        let target = Registry::start(RegistryConfig::default());
        plugin_runs.push(plugin(&upstreams.mirror_args(&target.host(), &extra)).wall);
        verify(&target, &upstreams);
        drop(target);
        let target = Registry::start(RegistryConfig::default());
        curl_runs.push(curl_upload(&target, &layer, digest));
    }
    plugin_runs.sort();
    curl_runs.sort();
    println!("one image, one layer of {mib} MiB ({} layer, {} in all):\n", mb(*size), mb(family.layout.blob_bytes()));
    println!("{:<46}  {:>8}  {:>8}  runs", "", "min", "median");
    for (what, runs) in [
        ("plugin mirror (upstream -> registry, checked)", &plugin_runs),
        ("curl POST + PUT ?digest= of the layer", &curl_runs),
    ] {
        println!("{what:<46}  {:>8}  {:>8}  {}", secs(runs[0]), secs(runs[runs.len() / 2]), runs.len());
    }
}

/// `curl` uploading `blob` to `target` as a client that sends it whole does: `POST` for an
/// upload location, then `PUT <location>&digest=` streaming every byte from the file
/// (`--upload-file`). The time of both.
fn curl_upload(target: &Registry, blob: &Path, digest: &str) -> Duration {
    let start = Instant::now();
    let url = format!("http://{}/v2/bench/upload/blobs/uploads/", target.host());
    let opened = Command::new("curl")
        .args(["-sS", "-X", "POST", "-o", "/dev/null", "-D", "-", &url])
        .output()
        .expect("run curl");
    let headers = String::from_utf8_lossy(&opened.stdout);
    let location = headers
        .lines()
        .find_map(|line| line.split_once(':').filter(|(name, _)| name.eq_ignore_ascii_case("location")))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_else(|| panic!("POST {url} gave no Location: {headers}"));
    let location = if location.starts_with('/') { format!("http://{}{location}", target.host()) } else { location };
    let separator = if location.contains('?') { '&' } else { '?' };
    let put = Command::new("curl")
        .args(["-sS", "-f", "-o", "/dev/null", "-H", "Content-Type: application/octet-stream", "--upload-file"])
        .arg(blob)
        .arg(format!("{location}{separator}digest={digest}"))
        .output()
        .expect("run curl");
    let elapsed = start.elapsed();
    assert!(put.status.success(), "curl PUT failed: {}", String::from_utf8_lossy(&put.stderr));
    elapsed
}

fn secs(duration: Duration) -> String {
    if duration < Duration::from_secs(1) {
        format!("{:.0} ms", duration.as_secs_f64() * 1000.0)
    } else {
        format!("{:.2} s", duration.as_secs_f64())
    }
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}
