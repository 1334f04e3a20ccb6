//! `probe` against the real registry and the fault proxy's profiles: read-only it says what it
//! can learn without writing and `unknown` for the rest, writing nothing; with `--write` it
//! learns every field from what it pushed under `<prefix>/essregistry-probe`, touches no other
//! repository, and removes what it pushed where the registry allows (else says what it left).

mod support;

use essregistry_testbed::faults::{Fault, FaultProxy, Profile, Rule};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use serde_json::Value;
use support::{Plugin, strs};

const USER: &str = "ess-prober";
const PASSWORD: &str = "Pr0be-pa55";
const MIB: u64 = 1024 * 1024;

/// `probe -o json` of the registry at `host`, with `flags` to reach it and `extra`.
fn probe(host: &str, flags: &[String], registry: &Registry, extra: &[&str]) -> (i32, Value) {
    let mut args: Vec<String> =
        ["probe", "--registry", host, "--path-prefix", "ess", "-o", "json"].iter().map(|s| s.to_string()).collect();
    args.extend(flags.iter().cloned());
    args.extend(extra.iter().map(|s| s.to_string()));
    let plugin = match &registry.credentials {
        Some((user, password)) => Plugin::new().env("ESSREGISTRY_USERNAME", user).env("ESSREGISTRY_PASSWORD", password),
        None => Plugin::new(),
    };
    let run = plugin.run(&strs(&args));
    (run.code, run.json())
}

fn plain() -> Vec<String> {
    vec!["--registry-plain-http".to_owned()]
}

/// The paths the probe wrote to, each under `ess/essregistry-probe`.
fn assert_writes_only_under_the_probe_repository(registry: &Registry) {
    for request in registry.requests().iter().filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD")) {
        assert!(request.path.starts_with("/v2/ess/essregistry-probe/"), "{} {}", request.method, request.path);
    }
}

#[test]
fn read_only_it_learns_what_reads_tell_and_writes_nothing() {
    let registry = Registry::start(RegistryConfig::default());
    let (code, report) = probe(&registry.host(), &plain(), &registry, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!((report["apiVersion"].as_str(), report["kind"].as_str()), (Some("essregistry/v1"), Some("Probe")));
    assert_eq!(report["repository"], "ess/essregistry-probe");
    assert_eq!(report["tls"]["scheme"], "http");
    assert_eq!(report["auth"]["scheme"], "none");
    // distribution 2.8 serves no referrers API.
    assert_eq!(report["referrers"], "no", "{report:#}");
    for field in ["mount", "delete"] {
        assert_eq!(report[field], "unknown", "{field}: {report:#}");
    }
    assert_eq!(report["upload"]["monolithic"], "unknown");
    assert_eq!(report["head"]["digestHeader"], "unknown");
    assert_eq!(report["index"]["ociIndex"], "unknown");
    assert!(report["pathDepth"].is_null(), "{report:#}");
    let writes = registry.requests().into_iter().filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD")).count();
    assert_eq!(writes, 0, "read only: {:#?}", registry.requests());
}

#[test]
fn with_write_it_learns_every_field_of_the_real_registry_and_removes_what_it_pushed() {
    let registry = Registry::start(RegistryConfig::default());
    let (code, report) = probe(&registry.host(), &plain(), &registry, &["--write"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["write"], true);
    assert_eq!(report["upload"]["monolithic"], "yes", "{report:#}");
    assert_eq!(report["upload"]["chunked"], "yes", "{report:#}");
    assert_eq!(report["upload"]["largestBody"], 5 * MIB);
    assert_eq!(report["mount"], "yes");
    assert_eq!(report["head"]["digestHeader"], "yes");
    assert_eq!(report["head"]["agreesWithGet"], "yes");
    assert_eq!(report["index"]["ociIndex"], "yes");
    assert_eq!(report["index"]["dockerManifestList"], "yes");
    assert_eq!(report["pathDepth"], 8, "{report:#}");
    assert_eq!(report["delete"], "yes");
    assert_eq!(report["left"], Value::Array(vec![]));
    assert_writes_only_under_the_probe_repository(&registry);
    // Removed: skopeo finds nothing tagged there.
    let tag = essregistry_testbed::bundles::registry_raw(&registry, "ess/essregistry-probe:probe");
    assert!(tag.is_err(), "the probe's tag is gone");
}

#[test]
fn a_registry_that_does_not_delete_is_told_with_what_the_probe_left() {
    let registry = Registry::start(RegistryConfig::default());
    let proxy = FaultProxy::start(&registry.host());
    let fault = Fault::Status { code: 405, retry_after: None };
    proxy.add(Rule { path: "/manifests/", method: Some("DELETE"), fault, times: None });
    let (code, report) = probe(&proxy.host(), &proxy.registry_flags(), &registry, &["--write"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["delete"], "no");
    let left: Vec<&str> = report["left"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert!(!left.is_empty() && left.iter().all(|l| l.starts_with("ess/essregistry-probe")), "{left:?}");
}

/// `probe --write` through `profile` in front of the real registry.
fn through(profile: Profile) -> Value {
    let registry = Registry::start(profile.registry(USER, PASSWORD));
    let proxy = FaultProxy::with_profile(&registry.host(), profile);
    let (code, report) = probe(&proxy.host(), &proxy.registry_flags(), &registry, &["--write"]);
    assert_eq!(code, 0, "{profile:?}: {report:#}");
    report
}

#[test]
fn with_write_it_tells_each_upload_profile_apart() {
    let patch_only = through(Profile::PatchOnly);
    assert_eq!(
        (patch_only["upload"]["monolithic"].as_str(), patch_only["upload"]["chunked"].as_str()),
        (Some("no"), Some("yes"))
    );
    let nginx = through(Profile::NginxBodyLimit);
    assert_eq!(nginx["upload"]["monolithic"], "no", "{nginx:#}");
    assert!(nginx["upload"]["largestBody"].as_u64().unwrap() <= MIB, "{nginx:#}");
    let ghcr = through(Profile::Ghcr);
    let largest = ghcr["upload"]["largestBody"].as_u64().unwrap();
    assert!((MIB..=4 * MIB).contains(&largest), "{ghcr:#}");
    let minimum = through(Profile::MinChunkLength);
    assert_eq!(minimum["upload"]["minChunkLength"], MIB, "{minimum:#}");
    assert_eq!(minimum["upload"]["chunked"], "yes");
    let keppel = through(Profile::Keppel);
    assert_eq!(keppel["mount"], "no", "{keppel:#}");
}

#[test]
fn with_write_it_finds_nexus_s_head_disagreeing_and_a_token_registry_s_realm() {
    let nexus = through(Profile::Nexus);
    assert_eq!(nexus["auth"]["scheme"], "basic");
    assert_eq!(nexus["head"]["agreesWithGet"], "no", "{nexus:#}");
    let harbor = through(Profile::Harbor);
    assert_eq!(harbor["tls"]["scheme"], "https");
    assert_eq!(harbor["tls"]["verified"], true);
    assert_eq!(harbor["auth"]["scheme"], "bearer");
    assert!(harbor["auth"]["realm"].as_str().unwrap().starts_with("http"), "{harbor:#}");
    assert_eq!(harbor["auth"]["oneTokenForManyRepositories"], "yes", "{harbor:#}");
    assert_eq!(harbor["head"]["digestHeader"], "no", "{harbor:#}");
}
