//! `probe` against the real registry and the fault proxy's profiles: read-only it says what it
//! can learn without writing and `unknown` for the rest, writing nothing; with `--write` it
//! learns every field from what it pushed under `<prefix>/essregistry-probe`, touches no other
//! repository, and removes what it pushed where the registry allows (else says what it left).

mod support;

use essregistry_testbed::faults::{Fault, FaultProxy, Profile, Rule};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use serde_json::Value;
use std::path::Path;
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
fn the_real_registry_read_only_writes_nothing_and_with_write_every_field_is_learnt_and_removed() {
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

    // With --write, on the same registry (the read-only probe left it as it was), it learns
    // every field, and removes what it pushed.
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

/// What a user reads in a probe's report, field by field (`None`: not asserted).
#[derive(Debug, Clone, Copy)]
struct Expected {
    auth: &'static str,
    monolithic: &'static str,
    chunked: &'static str,
    /// The largest request body taken lies in this range, in bytes.
    largest_body: (u64, u64),
    min_chunk_length: Option<u64>,
    mount: &'static str,
    digest_header: &'static str,
    agrees_with_get: &'static str,
}

/// distribution's answers, which a profile changes where its product differs.
const DISTRIBUTION: Expected = Expected {
    auth: "none",
    monolithic: "yes",
    chunked: "yes",
    largest_body: (5 * MIB, 5 * MIB),
    min_chunk_length: None,
    mount: "yes",
    digest_header: "yes",
    agrees_with_get: "yes",
};

/// `profile`'s registry behind the fault proxy, probed read-only and then with `--write`, one
/// set-up for both (a read-only probe writes nothing); every field a user reads is checked
/// against `expected` and what the product does.
fn probe_profile(profile: Profile, expected: Expected) {
    let registry = Registry::start(profile.registry(USER, PASSWORD));
    let proxy = FaultProxy::with_profile(&registry.host(), profile);
    let flags = proxy.registry_flags();

    let (code, read_only) = probe(&proxy.host(), &flags, &registry, &[]);
    assert_eq!(code, 0, "{profile:?} read-only: {read_only:#}");
    let writes = proxy.requests().into_iter().filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD")).count();
    assert_eq!(writes, 0, "{profile:?}: read-only writes nothing: {:#?}", proxy.requests());
    assert_eq!(read_only["write"], false);
    assert_eq!(read_only["auth"]["scheme"], expected.auth, "{profile:?}: {read_only:#}");
    // distribution 2.8 serves no referrers API, and no profile adds one.
    assert_eq!(read_only["referrers"], "no", "{profile:?}: {read_only:#}");
    for (field, value) in [
        ("mount", &read_only["mount"]),
        ("delete", &read_only["delete"]),
        ("upload.monolithic", &read_only["upload"]["monolithic"]),
        ("upload.chunked", &read_only["upload"]["chunked"]),
        ("head.digestHeader", &read_only["head"]["digestHeader"]),
        ("head.agreesWithGet", &read_only["head"]["agreesWithGet"]),
        ("index.ociIndex", &read_only["index"]["ociIndex"]),
        ("index.dockerManifestList", &read_only["index"]["dockerManifestList"]),
    ] {
        assert_eq!(value, "unknown", "{profile:?} read-only, {field}: {read_only:#}");
    }
    for field in ["pathDepth", "upload"] {
        let value = if field == "upload" { &read_only["upload"]["largestBody"] } else { &read_only[field] };
        assert!(value.is_null(), "{profile:?} read-only, {field} is not learnt: {read_only:#}");
    }

    let (code, report) = probe(&proxy.host(), &flags, &registry, &["--write"]);
    assert_eq!(code, 0, "{profile:?} --write: {report:#}");
    let said = |value: &Value| value.as_str().unwrap_or("null").to_owned();
    let upload = &report["upload"];
    assert_eq!(
        (said(&upload["monolithic"]), said(&upload["chunked"])),
        (expected.monolithic.to_owned(), expected.chunked.to_owned()),
        "{profile:?}: {report:#}"
    );
    let largest = upload["largestBody"].as_u64().unwrap_or_else(|| panic!("{profile:?}: {report:#}"));
    let (low, high) = expected.largest_body;
    assert!((low..=high).contains(&largest), "{profile:?}: largest body {largest}, not in {low}..={high}");
    assert_eq!(upload["minChunkLength"].as_u64(), expected.min_chunk_length, "{profile:?}: {report:#}");
    assert_eq!(report["mount"], expected.mount, "{profile:?}: {report:#}");
    assert_eq!(report["head"]["digestHeader"], expected.digest_header, "{profile:?}: {report:#}");
    assert_eq!(report["head"]["agreesWithGet"], expected.agrees_with_get, "{profile:?}: {report:#}");
    assert_eq!(report["index"]["ociIndex"], "yes", "{profile:?}: {report:#}");
    assert_eq!(report["index"]["dockerManifestList"], "yes", "{profile:?}: {report:#}");
    assert_eq!(report["pathDepth"], 8, "{profile:?}: {report:#}");
    assert_eq!(report["referrers"], "no", "{profile:?}: {report:#}");
    assert_eq!(report["delete"], "yes", "{profile:?}: {report:#}");
    assert_eq!(report["left"], Value::Array(vec![]), "{profile:?}: {report:#}");
    assert_eq!(report["problems"], Value::Array(vec![]), "{profile:?}: {report:#}");
    assert_writes_only_under_the_probe_repository(&registry);
    // What the probe pushed is gone: skopeo finds no tag there.
    assert!(essregistry_testbed::bundles::registry_raw(&registry, "ess/essregistry-probe:probe").is_err());
}

#[test]
fn each_upload_profile_taking_data_otherwise_is_told_apart() {
    // Artifactory: a PUT with data is refused (416), so the data goes by PATCH.
    probe_profile(Profile::PatchOnly, Expected { monolithic: "no", ..DISTRIBUTION });
    // nginx's 1 MiB: 5 MiB, then 2.5 and 1.25 MiB are refused; 640 KiB passes.
    probe_profile(Profile::NginxBodyLimit, Expected { monolithic: "no", largest_body: (MIB / 2, MIB), ..DISTRIBUTION });
    // GHCR's 4 MiB: 5 MiB is refused, 2.5 MiB passes.
    probe_profile(Profile::Ghcr, Expected { monolithic: "no", largest_body: (2 * MIB, 4 * MIB), ..DISTRIBUTION });
}

#[test]
fn each_upload_profile_announcing_resuming_or_not_mounting_is_told_apart() {
    // Chunks from the first blob, as the registry asks: a whole blob is never tried, so whether
    // it would be taken stays unknown.
    probe_profile(
        Profile::MinChunkLength,
        Expected { monolithic: "unknown", min_chunk_length: Some(MIB), ..DISTRIBUTION },
    );
    // A cut upload resumes; the probe's chunks are too small to be cut, so it reads as
    // distribution (the resume itself is `mirror`'s test).
    probe_profile(Profile::CutUpload, DISTRIBUTION);
    probe_profile(Profile::Keppel, Expected { mount: "no", ..DISTRIBUTION });
}

#[test]
fn each_product_profile_is_told_apart_harbor_nexus_artifactory_quay() {
    probe_profile(Profile::Harbor, Expected { auth: "bearer", digest_header: "no", ..DISTRIBUTION });
    probe_profile(
        Profile::Nexus,
        Expected { auth: "basic", digest_header: "unknown", agrees_with_get: "no", ..DISTRIBUTION },
    );
    probe_profile(Profile::Artifactory, Expected { auth: "bearer", ..DISTRIBUTION });
    probe_profile(Profile::Quay, Expected { auth: "bearer", ..DISTRIBUTION });
}

#[test]
fn each_product_profile_is_told_apart_ecr_zot_distribution() {
    // ECR refuses HEAD (405): no digest from it, and it does not find what GET finds.
    probe_profile(Profile::Ecr, Expected { auth: "basic", digest_header: "no", agrees_with_get: "no", ..DISTRIBUTION });
    probe_profile(Profile::Zot, Expected { auth: "bearer", ..DISTRIBUTION });
    probe_profile(Profile::Distribution, DISTRIBUTION);
}

#[test]
fn gitlab_moved_realm_gets_no_credentials_so_a_write_is_refused_as_skopeo_s_push_is() {
    let registry = Registry::start(Profile::GitLab.registry(USER, PASSWORD));
    let proxy = FaultProxy::with_profile(&registry.host(), Profile::GitLab);
    let flags = proxy.registry_flags();
    let (code, read_only) = probe(&proxy.host(), &flags, &registry, &[]);
    assert_eq!(code, 0, "{read_only:#}");
    assert_eq!(read_only["auth"]["scheme"], "bearer");
    assert_eq!(read_only["auth"]["oneTokenForManyRepositories"], "yes", "{read_only:#}");
    assert_eq!(read_only["referrers"], "no");
    // The realm moved to another host: credentials do not follow the redirect, the token
    // service gives an anonymous pull token, and the first upload is refused (exit 3).
    let (code, written) = probe(&proxy.host(), &flags, &registry, &["--write"]);
    assert_eq!(code, 3, "{written:#}");
    let problems = written["problems"].as_array().unwrap();
    assert!(
        !problems.is_empty() && problems.iter().all(|p| p.as_str().unwrap().contains("(401 Unauthorized)")),
        "{written:#}"
    );
    assert_eq!(written["upload"]["monolithic"], "unknown", "a refused session says nothing of uploads");
    assert!(written["pathDepth"].is_null(), "{written:#}");
    // skopeo, given the same login, is refused the same way.
    let family =
        essregistry_testbed::images::Family::build("gitlab", &essregistry_testbed::images::FamilySpec::small(1));
    let output = std::process::Command::new("skopeo")
        .args(["copy", "--quiet", "--dest-tls-verify=false", "--retry-times", "0", "--dest-creds"])
        .arg(format!("{USER}:{PASSWORD}"))
        .arg(&family.members[0].oci)
        .arg(format!("docker://{}/ess/essregistry-probe/skopeo:v1", proxy.host()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "skopeo's push was refused too");
    assert!(stderr.contains("401") || stderr.contains("unauthorized") || stderr.contains("denied"), "{stderr}");
}

/// skopeo's verdict on the registry's certificate with `--cert-dir DIR` (or `--tls-verify=false`
/// when None) and `env`: Ok once it got through TLS, whatever came after (Harbor's realm
/// redirect costs skopeo its login here), else Go's x509 error.
fn skopeo_tls(host: &str, cert_dir: Option<&Path>, env: &[(&str, &str)]) -> Result<(), String> {
    let mut command = std::process::Command::new("skopeo");
    command.args(["list-tags", "--creds", &format!("{USER}:{PASSWORD}")]);
    match cert_dir {
        Some(dir) => command.arg("--cert-dir").arg(dir),
        None => command.arg("--tls-verify=false"),
    };
    let output = command.arg(format!("docker://{host}/ess/essregistry-probe")).envs(env.iter().copied()).output();
    let stderr = String::from_utf8_lossy(&output.unwrap().stderr).into_owned();
    if stderr.contains("x509:") { Err(stderr) } else { Ok(()) }
}

#[test]
fn tls_names_the_trust_source_that_accepted_the_certificate_where_skopeo_accepts_it_too() {
    let registry = Registry::start(Profile::Harbor.registry(USER, PASSWORD));
    let proxy = FaultProxy::with_profile(&registry.host(), Profile::Harbor);
    let host = proxy.host();
    let ca = proxy.ca_file().unwrap().to_owned();
    let ca_arg = ca.to_str().unwrap();
    let tls_probe = |plugin: Plugin, extra: &[&str]| {
        let mut args = vec!["probe", "--registry", &host, "--path-prefix", "ess", "-o", "json"];
        args.extend(extra);
        plugin.env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD).run(&args)
    };
    let accepted_by = |run: &support::Run| {
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        let tls = run.json()["tls"].clone();
        assert_eq!(tls["verified"], true, "{tls:#}");
        tls["acceptedBy"].as_str().unwrap_or_else(|| panic!("{tls:#}")).to_owned()
    };
    // The registry's certs.d folder (under the test root), holding the CA as docker wants it:
    // skopeo is given the same folder.
    let root = tempfile::tempdir().unwrap();
    let certs_d = root.path().join("etc/docker/certs.d").join(&host);
    std::fs::create_dir_all(&certs_d).unwrap();
    std::fs::copy(&ca, certs_d.join("ca.crt")).unwrap();
    let in_root = || Plugin::new().env("ESSREGISTRY_TEST_FS_ROOT", root.path().to_str().unwrap());
    let empty = tempfile::tempdir().unwrap();
    let nowhere = || Plugin::new().env("ESSREGISTRY_TEST_FS_ROOT", empty.path().to_str().unwrap());
    // A CA that did not sign it.
    let other = essregistry_testbed::tls::issue(empty.path(), &["127.0.0.1"]).ca;

    // No source accepts it: both refuse, and the probe says why and which sources it asked.
    let refused = skopeo_tls(&host, Some(empty.path()), &[]).unwrap_err();
    assert!(refused.contains("certificate signed by unknown authority"), "{refused}");
    let run = tls_probe(nowhere(), &[]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("which is not a trusted authority; trusted: the system trust store"), "{}", run.stderr);

    // --registry-ca-file. Harbor's token service is named too, and one token of it is taken
    // in two repositories.
    assert_eq!(skopeo_tls(&host, Some(&certs_d), &[]), Ok(()));
    let run = tls_probe(nowhere(), &["--registry-ca-file", ca_arg]);
    let by = accepted_by(&run);
    assert!(by.starts_with(&format!("--registry-ca-file {ca_arg} (CN=essregistry test CA")), "{by}");
    let harbor = run.json();
    assert_eq!(harbor["auth"]["scheme"], "bearer");
    assert!(harbor["auth"]["realm"].as_str().unwrap().starts_with("http"), "{harbor:#}");
    assert_eq!(harbor["auth"]["oneTokenForManyRepositories"], "yes", "{harbor:#}");
    // The certs.d folder of the registry.
    let by = accepted_by(&tls_probe(in_root(), &[]));
    assert!(by.starts_with(&certs_d.join("ca.crt").display().to_string()), "{by}");
    // The system store, as SSL_CERT_FILE makes it (Go's rule, as for skopeo).
    assert_eq!(skopeo_tls(&host, Some(empty.path()), &[("SSL_CERT_FILE", ca_arg)]), Ok(()));
    let by = accepted_by(&tls_probe(nowhere().env("SSL_CERT_FILE", ca_arg), &[]));
    assert!(by.starts_with(&format!("the system trust store from SSL_CERT_FILE={ca_arg}")), "{by}");
    // Most specific first: the flag before certs.d; a flag whose CA did not sign it is passed
    // over for the folder that did.
    let by = accepted_by(&tls_probe(in_root(), &["--registry-ca-file", ca_arg]));
    assert!(by.starts_with("--registry-ca-file"), "{by}");
    let by = accepted_by(&tls_probe(in_root(), &["--registry-ca-file", other.to_str().unwrap()]));
    assert!(by.starts_with(&certs_d.display().to_string()), "{by}");
    // --registry-insecure-skip-tls-verify: nothing checked, nothing named.
    assert_eq!(skopeo_tls(&host, None, &[]), Ok(()));
    let run = tls_probe(nowhere(), &["--registry-insecure-skip-tls-verify"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let tls = run.json()["tls"].clone();
    assert_eq!((tls["verified"].as_bool(), tls["acceptedBy"].is_null()), (Some(false), true), "{tls:#}");
}
