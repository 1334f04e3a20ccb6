//! The registry under faults, through a fault-injecting proxy in front of the real one: every
//! fault ends with a documented exit code and a message that says what happened and what to
//! do, never a panic or a hang; retries happen where they should, and only there.

mod support;

use essregistry_testbed::faults::{Fault, FaultProxy, Rule};
use essregistry_testbed::images::Copy;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use std::time::Duration;
use support::{Plugin, Run};

struct Faulty {
    scenario: Scenario,
    proxy: FaultProxy,
}

impl Faulty {
    fn new() -> Faulty {
        let ready: Vec<_> = ESS.into_iter().filter(|m| m.copy == Some(Copy::All)).collect();
        let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ready);
        let proxy = FaultProxy::start(&scenario.registry.host());
        Faulty { scenario, proxy }
    }

    fn plan(&self, plugin: &Plugin, extra: &[&str]) -> Run {
        let host = self.proxy.host();
        let mut args = vec!["plan", "--offline", "-f", self.scenario.digests_arg(), "--registry", &host];
        args.extend(["--path-prefix", "ess", "--registry-plain-http", "-o", "json"]);
        args.extend(extra);
        plugin.run(&args)
    }

    fn manifest_statuses(&self) -> Vec<u16> {
        self.proxy.requests().iter().filter(|r| r.path.contains("/manifests/")).map(|r| r.status).collect()
    }
}

fn rule(path: &'static str, fault: Fault, times: Option<usize>) -> Rule {
    Rule { path, method: None, fault, times }
}

#[test]
fn server_errors_are_retried_until_the_registry_answers() {
    let faulty = Faulty::new();
    for code in [503, 502, 500] {
        faulty.proxy.add(rule("ess/library/haproxy/manifests/", Fault::Status { code, retry_after: None }, Some(1)));
    }
    let run = faulty.plan(&Plugin::new(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let haproxy: Vec<u16> =
        faulty.proxy.requests().iter().filter(|r| r.path.contains("haproxy/manifests/")).map(|r| r.status).collect();
    assert_eq!(haproxy, [503, 502, 500, 200], "three failures, then the retry that works");
}

#[test]
fn a_429_waits_for_its_retry_after() {
    let faulty = Faulty::new();
    faulty.proxy.add(rule("/manifests/", Fault::Status { code: 429, retry_after: Some(1) }, Some(1)));
    let run = faulty.plan(&Plugin::new(), &["--concurrency", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let requests = faulty.proxy.requests();
    let limited = requests.iter().position(|r| r.status == 429).unwrap();
    let retry = &requests[limited + 1];
    assert_eq!(retry.path, requests[limited].path);
    assert!(retry.at.duration_since(requests[limited].at) >= Duration::from_secs(1), "Retry-After: 1 was honoured");
}

#[test]
fn a_connection_reset_is_retried() {
    let faulty = Faulty::new();
    faulty.proxy.add(rule("/manifests/", Fault::Reset, Some(2)));
    let run = faulty.plan(&Plugin::new(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
}

#[test]
fn a_registry_that_never_answers_times_out_with_advice() {
    let faulty = Faulty::new();
    faulty.proxy.add(rule("/manifests/", Fault::Hang, None));
    let run = faulty.plan(&Plugin::new(), &["--registry-timeout", "300ms"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["summary"]["error"], 2);
    assert_eq!(report["images"][0]["reason"], "the request timed out");
    assert_eq!(faulty.manifest_statuses(), [0; 8], "2 images x 4 attempts, then it gives up");

    let hung = Faulty::new();
    hung.proxy.add(rule("/v2/", Fault::Hang, None));
    let run = hung.plan(&Plugin::new(), &["--registry-timeout", "300ms"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("the request timed out") && run.stderr.contains("--registry-timeout"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_401_everywhere_fails_fast_without_a_retry_storm() {
    let faulty = Faulty::new();
    faulty.proxy.add(rule("/v2/", Fault::Unauthorized, None));
    let plugin = Plugin::new().env("ESSREGISTRY_USERNAME", "ess").env("ESSREGISTRY_PASSWORD", "wrong");
    let run = faulty.plan(&plugin, &[]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(
        run.stderr.contains("refused the credentials from ESSREGISTRY_USERNAME and ESSREGISTRY_PASSWORD"),
        "{}",
        run.stderr
    );
    assert_eq!(faulty.proxy.requests().len(), 2, "one probe, one login: {:#?}", faulty.proxy.requests());
}

#[test]
fn a_head_without_docker_content_digest_falls_back_to_get() {
    let faulty = Faulty::new();
    faulty.proxy.add(Rule { path: "/manifests/", method: Some("HEAD"), fault: Fault::StripDigest, times: None });
    let run = faulty.plan(&Plugin::new(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2);
    let gets = faulty.proxy.requests().iter().filter(|r| r.method == "GET" && r.path.contains("/manifests/")).count();
    assert_eq!(gets, 2, "one GET per image, to hash the manifest");
}

#[test]
fn a_certificate_for_another_host_is_exit_4_and_says_so() {
    let config =
        RegistryConfig { tls: true, certificate_host: Some("registry.example".into()), ..RegistryConfig::default() };
    let registry = Registry::start(config);
    let ca = registry.ca_file().unwrap();
    let host = registry.host();
    let run = Plugin::new().run(&[
        "plan",
        "--offline",
        "-f",
        "tests/fixtures/images_digests.yml",
        "--registry",
        &host,
        "--registry-ca-file",
        ca.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("the certificate is for registry.example, not for 127.0.0.1"), "{}", run.stderr);
    assert!(run.stderr.contains("use one of the names the certificate holds as --registry"), "{}", run.stderr);
}

#[test]
fn https_to_an_http_registry_says_to_add_plain_http() {
    let registry = Registry::start(RegistryConfig::default());
    let host = registry.host();
    let run = Plugin::new().run(&["plan", "--offline", "-f", "tests/fixtures/images_digests.yml", "--registry", &host]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("does not speak TLS") && run.stderr.contains("add --registry-plain-http"),
        "{}",
        run.stderr
    );
}

#[test]
fn plain_http_to_an_https_registry_says_to_drop_the_flag() {
    let registry = Registry::start(RegistryConfig { tls: true, ..RegistryConfig::default() });
    let host = registry.host();
    let args =
        ["plan", "--offline", "-f", "tests/fixtures/images_digests.yml", "--registry", &host, "--registry-plain-http"];
    let run = Plugin::new().run(&args);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("answered 400") && run.stderr.contains("drop --registry-plain-http"), "{}", run.stderr);
}

#[test]
fn a_body_cut_off_mid_response_is_fetched_again() {
    let faulty = Faulty::new();
    faulty.proxy.add(Rule { path: "/manifests/", method: Some("HEAD"), fault: Fault::StripDigest, times: None });
    faulty.proxy.add(Rule { path: "/manifests/", method: Some("GET"), fault: Fault::Truncate, times: Some(2) });
    let run = faulty.plan(&Plugin::new(), &["--concurrency", "1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["present"], 2, "the digests came out right after the retries");
    let gets = faulty.proxy.requests().iter().filter(|r| r.method == "GET" && r.path.contains("/manifests/")).count();
    assert_eq!(gets, 4, "two cut off, then one whole GET per image");
}
