//! `plan` against a real registry (Debian's docker-registry) seeded with skopeo.

mod support;

use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use support::{Plugin, strs};

fn plain_registry() -> Scenario {
    Scenario::seed(Registry::start(RegistryConfig::default()), &ESS)
}

#[test]
fn every_state_is_found_and_explained() {
    let scenario = plain_registry();
    let run = Plugin::new().run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["apiVersion"], "essregistry/v1");
    assert_eq!(report["kind"], "Plan");
    assert_eq!(report["registry"], scenario.registry.host());
    let summary = &report["summary"];
    assert_eq!(
        (
            summary["entries"].as_u64(),
            summary["images"].as_u64(),
            summary["present"].as_u64(),
            summary["mismatch"].as_u64(),
            summary["missing"].as_u64(),
            summary["ready"].as_u64()
        ),
        (Some(6), Some(5), Some(2), Some(2), Some(1), Some(2))
    );
    let images = report["images"].as_array().unwrap();
    let by_source = |source: &str| images.iter().find(|i| i["source"].as_str().unwrap().starts_with(source)).unwrap();

    let haproxy = by_source("docker.io/library/haproxy:2.8-alpine");
    assert_eq!(haproxy["state"], "present");
    assert_eq!(haproxy["entries"], serde_json::json!(["adminbot/haproxy", "synapse/haproxy"]));
    assert_eq!(haproxy["target"], format!("{}/ess/library/haproxy:2.8-alpine", scenario.registry.host()));
    assert_eq!(haproxy["digestAction"], "keep");

    let sfu = by_source("docker.io/livekit/livekit-server");
    assert_eq!(sfu["state"], "mismatch");
    assert_eq!(sfu["observedDigest"], scenario.images[2].amd64_digest.as_str());
    assert!(sfu["reason"].as_str().unwrap().contains("single-platform manifest"), "{}", sfu["reason"]);
    assert_eq!(sfu["digestAction"], "skip");

    let jwt = by_source("ghcr.io/element-hq/lk-jwt-service");
    assert_eq!(jwt["state"], "mismatch");
    assert!(jwt["reason"].as_str().unwrap().contains("converted"), "{}", jwt["reason"]);

    let hookshot = by_source("ghcr.io/matrix-org/matrix-hookshot");
    assert_eq!(hookshot["state"], "missing");
    assert!(
        hookshot["fix"]
            .as_str()
            .unwrap()
            .starts_with("skopeo copy --all --preserve-digests docker://ghcr.io/matrix-org/matrix-hookshot@sha256:")
    );

    assert_eq!(
        report["stillUpstream"],
        serde_json::json!(["element_call/jwt", "element_call/sfu", "hookshot/hookshot"])
    );
    let configmap: serde_yaml::Value = serde_yaml::from_str(report["configMap"].as_str().unwrap()).unwrap();
    let haproxy = &configmap["synapse"]["haproxy"];
    assert_eq!(haproxy["image_repository_server"].as_str(), Some(scenario.registry.host().as_str()));
    assert_eq!(haproxy["image_repository_path"].as_str(), Some("ess/library/haproxy"));
    assert_eq!(haproxy["image_digest"].as_str(), Some(scenario.images[0].index_digest.as_str()));
    assert!(haproxy.get("image_tag").is_none());
    // As it will be once ready: a release not yet mirrored does not read as components removed.
    let hookshot = &configmap["hookshot"]["hookshot"];
    assert_eq!(hookshot["image_repository_path"].as_str(), Some("ess/matrix-org/matrix-hookshot"));
}

#[test]
fn use_local_takes_the_registry_digest_and_the_table_reads_at_a_glance() {
    let scenario = plain_registry();
    let run = Plugin::new().run(&strs(&scenario.plan_args(&["--digest-mismatch", "use-local"])));
    assert_eq!(run.code, 1, "hookshot is still missing: {}", run.stderr);
    assert!(!run.stdout.contains('\u{1b}'), "no colour when stdout is not a terminal");
    let header = run.stdout.lines().next().unwrap();
    assert!(header.starts_with("STATE") && header.contains("USED BY"), "{header}");
    let sfu_row = run.stdout.lines().find(|l| l.contains("livekit-server") && l.starts_with("mismatch")).unwrap();
    assert!(sfu_row.contains(&format!("use-local {}", &scenario.images[2].amd64_digest[..19])), "{sfu_row}");
    assert!(run.stdout.contains(&format!("image_digest: {}", scenario.images[2].amd64_digest)));
    let last = run.stdout.lines().last().unwrap();
    assert_eq!(
        last,
        "5 images for 6 entries: 2 present, 2 mismatch, 1 missing, 0 unauthorized, 0 error. 4 of 5 images ready; 1 entry still pulls from upstream: hookshot/hookshot."
    );
}

#[test]
fn an_image_that_is_right_costs_one_manifest_head_and_no_get() {
    let ready: Vec<_> = ESS.into_iter().filter(|m| m.copy == Some(essregistry_testbed::images::Copy::All)).collect();
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ready);
    scenario.registry.clear_requests();
    let run = Plugin::new().run(&strs(&scenario.plan_args(&[])));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let requests = scenario.registry.requests();
    let manifests: Vec<_> = requests.iter().filter(|r| r.path.contains("/manifests/")).collect();
    assert_eq!(manifests.len(), 2, "2 images, one HEAD by tag each: {requests:#?}");
    assert!(manifests.iter().all(|r| r.method == "HEAD" && r.status == 200), "{manifests:#?}");
    assert!(requests.iter().all(|r| r.method != "GET" || r.path == "/v2/"), "{requests:#?}");
}

#[test]
fn a_registry_that_is_down_is_exit_4_with_advice() {
    let scenario = plain_registry();
    let args = scenario.plan_args(&[]);
    drop(scenario.registry);
    let run = Plugin::new().run(&strs(&args));
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stderr.contains("cannot reach the registry 127.0.0.1:"), "{}", run.stderr);
    assert!(run.stderr.contains("hint: check --registry HOST:PORT"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn a_moved_tag_keeps_the_image_present_with_a_warning() {
    use essregistry_testbed::images::{Copy, Image};
    let ready: Vec<_> = ESS.into_iter().filter(|m| m.path == "vectorim/element-web").collect();
    let scenario = Scenario::seed(Registry::start(RegistryConfig::default()), &ready);
    Image::build("a newer element-web").push(&scenario.registry, "ess/vectorim/element-web", "v1.11.45", Copy::All);
    let run = Plugin::new().run(&strs(&scenario.plan_args(&["-o", "json"])));
    assert_eq!(run.code, 0, "the pinned digest is still there: {}", run.stderr);
    let image = &run.json()["images"][0];
    assert_eq!(image["state"], "present");
    assert!(image["warning"].as_str().unwrap().contains("the tag v1.11.45 points at sha256:"), "{image}");
}

/// Runs the plugin on a pseudo-terminal (util-linux `script`), as a person at a terminal would.
fn on_a_terminal(args: &[String], env: &[(&str, &str)]) -> String {
    let command = std::iter::once(env!("CARGO_BIN_EXE_kubectl-essregistry").to_owned())
        .chain(args.iter().cloned())
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let output = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .output()
        .expect("run script(1)");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn colour_only_on_a_terminal_and_never_when_asked_not_to() {
    let scenario = plain_registry();
    let args = scenario.plan_args(&[]);
    let coloured = on_a_terminal(&args, &[]);
    assert!(coloured.contains("\u{1b}[32mpresent"), "{coloured}");
    assert!(coloured.contains("\u{1b}[31mmissing"), "{coloured}");
    assert!(!on_a_terminal(&args, &[("NO_COLOR", "1")]).contains("\u{1b}[3"));
    assert!(!on_a_terminal(&scenario.plan_args(&["--no-color"]), &[]).contains("\u{1b}[3"));
}
