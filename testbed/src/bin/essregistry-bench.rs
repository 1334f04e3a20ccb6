//! The speed benchmark of `plan` (run by `scripts/bench`): N distinct images in a TLS + login
//! registry, `plan` timed against the loop of `skopeo inspect --raw` administrators script today.
//! Prints wall times, the ratio, registry requests per image, the CPU the registry and the plugin
//! spent (which of the two bounds the run), and the plugin's peak memory.
//!
//! `--auth basic` (default) is distribution with htpasswd, which bcrypt-checks every request;
//! `--auth bearer` a token service (the Harbor, GitLab, Quay kind), where the registry checks a
//! signed token and only token requests check the password; `--auth none` shows the registry's
//! cost without any password check.

use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::token::TokenPolicy;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const USER: &str = "bench";
const PASSWORD: &str = "bench-password";
const PLAN_RUNS: usize = 5;

/// How the benchmark registry asks for the password.
#[derive(Clone, Copy, PartialEq)]
enum Auth {
    Basic,
    Bearer,
    None,
}

fn main() {
    // `essregistry-bench [--auth basic|bearer|none] [N ...] [-- extra plan flags]`
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let extra: Vec<String> = args.drain(split..).skip(1).collect();
    let mut auth = Auth::Basic;
    if let Some(at) = args.iter().position(|a| a == "--auth") {
        auth = match args.get(at + 1).map(String::as_str) {
            Some("basic") => Auth::Basic,
            Some("bearer") => Auth::Bearer,
            Some("none") => Auth::None,
            _ => panic!("--auth takes basic, bearer or none"),
        };
        args.drain(at..at + 2);
    }
    let sizes: Vec<usize> = args.iter().map(|a| a.parse().expect("sizes are numbers")).collect();
    let sizes = if sizes.is_empty() { vec![30, 300] } else { sizes };
    println!(
        "{:>5}  {:>10}  {:>12}  {:>7}  {:>13}  {:>16}  {:>11}  {:>9}",
        "N", "plan (ms)", "skopeo (ms)", "ratio", "requests/img", "registry CPU/img", "plugin CPU", "peak RSS"
    );
    for n in sizes {
        bench(n, auth, &extra);
    }
}

fn bench(n: usize, auth: Auth, extra: &[String]) {
    let credentials = (USER.to_owned(), PASSWORD.to_owned());
    let registry = Registry::start(RegistryConfig {
        tls: true,
        basic_auth: (auth == Auth::Basic).then(|| credentials.clone()),
        token: (auth == Auth::Bearer).then(|| TokenPolicy {
            user: USER.into(),
            password: PASSWORD.into(),
            ..TokenPolicy::default()
        }),
        ..RegistryConfig::default()
    });
    let dir = tempfile::tempdir().expect("bench dir");
    let digests = dir.path().join("images_digests.yml");
    std::fs::write(&digests, seed(&registry, n)).expect("write images_digests");
    let ca = registry.ca_file().expect("TLS");

    registry.clear_requests();
    let registry_cpu = registry.cpu_time();
    let mut runs: Vec<PlanRun> = (0..PLAN_RUNS).map(|_| time_plan(&registry, &digests, &ca, auth, extra)).collect();
    let registry_cpu = (registry.cpu_time() - registry_cpu) / (PLAN_RUNS * n) as u32;
    let requests = registry.requests().len() as f64 / (PLAN_RUNS * n) as f64;
    runs.sort_by_key(|run| run.wall);
    let median = &runs[PLAN_RUNS / 2];
    let peak_kib = runs.iter().map(|run| run.peak_kib).max().unwrap_or(0);

    let certs = registry.cert_dir();
    let start = Instant::now();
    for i in 0..n {
        let mut skopeo = Command::new("skopeo");
        skopeo.args(["inspect", "--raw"]);
        if auth != Auth::None {
            skopeo.args(["--creds", &format!("{USER}:{PASSWORD}")]);
        }
        let status = skopeo
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
        "{n:>5}  {:>10.1}  {:>12.1}  {:>6.1}x  {requests:>13.2}  {:>13.2} ms  {:>8.0} ms  {:>6.1} MB",
        ms(median.wall),
        ms(skopeo),
        skopeo.as_secs_f64() / median.wall.as_secs_f64(),
        ms(registry_cpu),
        ms(median.cpu),
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

struct PlanRun {
    wall: Duration,
    /// User + system CPU of the plugin.
    cpu: Duration,
    peak_kib: u64,
}

/// One `plan` run under GNU time.
fn time_plan(registry: &Registry, digests: &Path, ca: &Path, auth: Auth, extra: &[String]) -> PlanRun {
    let start = Instant::now();
    let mut command = Command::new("/usr/bin/time");
    command
        .args(["-f", "%U %S %M", "kubectl-essregistry", "plan", "--offline", "-o", "json", "--path-prefix", "bench"])
        .arg("-f")
        .arg(digests)
        .args(["--registry", &registry.host()])
        .arg("--registry-ca-file")
        .arg(ca)
        .args(extra)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if auth != Auth::None {
        command.args(["--registry-username", USER, "--registry-password-stdin"]);
    }
    let mut child = command.spawn().expect("run kubectl-essregistry under /usr/bin/time");
    let stdin = child.stdin.take().expect("stdin");
    if auth != Auth::None {
        (&stdin).write_all(PASSWORD.as_bytes()).expect("password");
    }
    drop(stdin);
    let output = child.wait_with_output().expect("wait");
    let wall = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "plan failed: {stderr}");
    let figures: Vec<f64> = stderr
        .lines()
        .last()
        .map(|line| line.split_whitespace().filter_map(|f| f.parse().ok()).collect())
        .unwrap_or_default();
    let [user, system, kib] = figures[..] else { panic!("no figures from /usr/bin/time: {stderr}") };
    PlanRun { wall, cpu: Duration::from_secs_f64(user + system), peak_kib: kib as u64 }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
