//! The speed benchmark of `plan` (run by `scripts/bench`): N distinct images in a TLS + login
//! registry, `plan` timed against the loop of `skopeo inspect --raw` administrators script today.
//! Prints wall times, the ratio, registry requests per image and the plugin's peak memory.

use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "bench";
const PASSWORD: &str = "bench-password";
const PLAN_RUNS: usize = 5;

fn main() {
    // `essregistry-bench [N ...] [-- extra plan flags]`
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let sizes: Vec<usize> = args[..split].iter().map(|a| a.parse().expect("sizes are numbers")).collect();
    let sizes = if sizes.is_empty() { vec![30, 300] } else { sizes };
    let extra: Vec<String> = args.get(split + 1..).unwrap_or_default().to_vec();
    println!(
        "{:>5}  {:>10}  {:>12}  {:>7}  {:>13}  {:>9}",
        "N", "plan (ms)", "skopeo (ms)", "ratio", "requests/img", "peak RSS"
    );
    for n in sizes {
        bench(n, &extra);
    }
}

fn bench(n: usize, extra: &[String]) {
    let registry = Registry::start(RegistryConfig {
        tls: true,
        basic_auth: Some((USER.into(), PASSWORD.into())),
        ..RegistryConfig::default()
    });
    let dir = tempfile::tempdir().expect("bench dir");
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, seed(&registry, n)).expect("write images_digests");
    let ca = registry.ca_file().expect("TLS");

    registry.clear_requests();
    let mut times = Vec::new();
    let mut peak_kib = 0;
    for _ in 0..PLAN_RUNS {
        let (elapsed, kib) = time_plan(&registry, &digests, &ca, extra);
        times.push(elapsed);
        peak_kib = peak_kib.max(kib);
    }
    let requests = registry.requests().len() as f64 / (PLAN_RUNS * n) as f64;
    times.sort();
    let plan = times[PLAN_RUNS / 2];

    let certs = registry.cert_dir().expect("TLS");
    let start = Instant::now();
    for i in 0..n {
        let status = Command::new("skopeo")
            .args(["inspect", "--raw", "--creds", &format!("{USER}:{PASSWORD}")])
            .arg("--cert-dir")
            .arg(&certs)
            .arg(format!("docker://{}/bench/image-{i}:v1", registry.host()))
            .stdout(Stdio::null())
            .status()
            .expect("run skopeo");
        assert!(status.success(), "skopeo inspect failed");
    }
    let skopeo = start.elapsed();
    println!(
        "{n:>5}  {:>10.1}  {:>12.1}  {:>6.1}x  {requests:>13.2}  {:>6.1} MB",
        ms(plan),
        ms(skopeo),
        skopeo.as_secs_f64() / plan.as_secs_f64(),
        peak_kib as f64 / 1024.0
    );
}

/// Pushes n distinct images (4 skopeo copies at a time) and returns the images_digests pinning them.
fn seed(registry: &Registry, n: usize) -> String {
    let entries: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..4)
            .map(|worker| {
                scope.spawn(move || {
                    (worker..n)
                        .step_by(4)
                        .map(|i| {
                            let image = Image::build(&format!("bench-{i}"));
                            image.push(registry, &format!("bench/image-{i}"), "v1", Copy::All);
                            (i, format!(
                                "  component{i}:\n    image:\n      image_digest: {}\n      image_repository_path: image-{i}\n      image_repository_server: registry.example\n      image_tag: v1\n",
                                image.index_digest
                            ))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<(usize, String)> = workers.into_iter().flat_map(|w| w.join().expect("seed worker")).collect();
        all.sort();
        all.into_iter().map(|(_, entry)| entry).collect()
    });
    format!("images_digests:\n{}", entries.concat())
}

/// One `plan` run under GNU time: wall time and peak resident memory in KiB.
fn time_plan(registry: &Registry, digests: &Path, ca: &Path, extra: &[String]) -> (Duration, u64) {
    let start = Instant::now();
    let mut child = Command::new("/usr/bin/time")
        .args(["-f", "%M", "kubectl-essregistry", "plan", "--offline", "-o", "json", "--path-prefix", "bench"])
        .arg("-f")
        .arg(digests)
        .args(["--registry", &registry.host(), "--registry-username", USER, "--registry-password-stdin"])
        .arg("--registry-ca-file")
        .arg(ca)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run kubectl-essregistry under /usr/bin/time");
    child.stdin.take().expect("stdin").write_all(PASSWORD.as_bytes()).expect("password");
    let output = child.wait_with_output().expect("wait");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "plan failed: {stderr}");
    let kib = stderr.lines().last().and_then(|l| l.trim().parse().ok()).expect("peak RSS from /usr/bin/time");
    (elapsed, kib)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
