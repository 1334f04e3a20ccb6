//! The matrix-stack chart as input, against a real registry and the tests' API server: plan,
//! the values overlay (checked against a schema with the chart's rules for image blocks, and
//! each image it renders checked in the registry with skopeo), apply, and status of a release
//! that Helm would have stored.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::helm::{Revision, chart_archive, release_secret};
use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::kubectl::Kubectl;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::helm_values::{at, merged, release_pod, schema_errors, stored_user_values, yaml_file};
use support::{Plugin, Run};

const USER: &str = "ess-admin";
const PASSWORD: &str = "s3cret&<pass>";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/matrix-stack");

/// The fixture's blocks in the order of its values: path, upstream repository, the tag that
/// will run (yours.yaml raises Element Web's), and whether the component is enabled.
const BLOCKS: [(&str, &str, &str, bool); 10] = [
    ("matrixTools.image", "element-hq/ess-helm/matrix-tools", "0.10.0", true),
    ("matrixRTC.image", "lk-jwt-service", "0.6.0", true),
    ("matrixRTC.sfu.image", "livekit/livekit-server", "v1.13.6", false),
    ("elementWeb.image", "vectorim/element-web", "v1.12.1", true),
    ("haproxy.image", "library/haproxy", "3.2-alpine", true),
    ("matrixAuthenticationService.image", "element-hq/matrix-authentication-service", "1.6.0", true),
    ("postgres.postgresExporter.image", "prometheuscommunity/postgres-exporter", "v0.17.0", true),
    ("postgres.image", "postgres", "17-alpine", true),
    ("synapse.image", "element-hq/synapse", "v1.140.0", true),
    ("hookshot.image", "matrix-org/matrix-hookshot", "7.1.0", false),
];
const HOOKSHOT: usize = 9;

/// A TLS registry with Basic auth, holding the fixture's images under `ess/` but those left out.
struct World {
    registry: Registry,
    images: Vec<Image>,
    plugin: Plugin,
    dir: tempfile::TempDir,
}

impl World {
    fn new(left_out: &[usize]) -> World {
        let config =
            RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
        let registry = Registry::start(config);
        let images: Vec<Image> = BLOCKS
            .iter()
            .enumerate()
            .map(|(index, (_, repository, tag, _))| {
                let image = Image::build(repository);
                if !left_out.contains(&index) {
                    image.push(&registry, &format!("ess/{repository}"), tag, Copy::All);
                }
                image
            })
            .collect();
        World {
            registry,
            images,
            plugin: Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// `COMMAND --registry HOST --path-prefix ess --registry-ca-file CA`, then `extra`.
    fn run(&self, command: &str, extra: &[&str]) -> Run {
        let host = self.registry.host();
        let ca = self.registry.ca_file().unwrap();
        // Hookshot, the image these tests leave out, is disabled in the chart's values: counted.
        let mut args =
            vec![command, "--include-disabled", "--registry", &host, "--path-prefix", "ess", "--registry-ca-file"];
        args.push(ca.to_str().unwrap());
        args.extend(extra);
        self.plugin.run(&args)
    }

    fn chart_args(&self) -> Vec<String> {
        ["--chart", &fixture("values.yaml"), "--values", &fixture("yours.yaml")].map(str::to_owned).into()
    }

    /// The digest the registry serves for `reference` (`HOST/repo@digest` or `:tag`), read by
    /// skopeo as a container runtime would pull it.
    fn served_digest(&self, reference: &str) -> Option<String> {
        let output = Command::new("skopeo")
            .args(["inspect", "--raw", "--cert-dir"])
            .arg(self.registry.cert_dir())
            .args(["--creds", &format!("{USER}:{PASSWORD}"), &format!("docker://{reference}")])
            .output()
            .expect("run skopeo");
        output.status.success().then(|| kubectl_essregistry::reference::Digest::of(&output.stdout).to_string())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[test]
fn plan_finds_every_block_and_its_overlay_passes_the_charts_schema_and_pulls_what_the_registry_holds() {
    let world = World::new(&[HOOKSHOT]);
    let mut args = world.chart_args();
    args.extend(["--offline", "-o", "json"].map(str::to_owned));
    let run = world.run("plan", &strs(&args));
    assert_eq!(run.code, 1, "hookshot is not mirrored: {}", run.stderr);
    assert!(
        run.stderr.contains("note: matrixRTC.sfu.image, hookshot.image belong to disabled components"),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert_eq!(report["kind"], "Plan");
    assert!(report.get("configMap").is_none(), "{report}");
    let images = report["images"].as_array().unwrap();
    let entries: Vec<&str> = images.iter().map(|i| i["entries"][0].as_str().unwrap()).collect();
    assert_eq!(entries, BLOCKS.map(|(path, ..)| path), "every block, named by its values path, in the values' order");
    let host = world.registry.host();
    for (image, ((_, repository, tag, _), built)) in images.iter().zip(BLOCKS.iter().zip(&world.images)) {
        assert_eq!(image["target"], format!("{host}/ess/{repository}:{tag}"));
        if repository.ends_with("hookshot") {
            assert_eq!((image["state"].as_str(), image["digestAction"].as_str()), (Some("missing"), Some("skip")));
            let fix = image["fix"].as_str().unwrap();
            assert!(
                fix.starts_with(
                    "skopeo copy --all --preserve-digests docker://ghcr.io/matrix-org/matrix-hookshot:7.1.0 "
                ),
                "{fix}"
            );
        } else {
            assert_eq!(image["state"], "present", "{image}");
            assert_eq!(image["expectedDigest"], Value::Null, "the chart pins no digest");
            assert_eq!(image["observedDigest"], built.index_digest.as_str(), "the digest the local tag holds");
            assert_eq!(image["digestAction"], "use-local");
        }
    }
    assert_eq!(report["stillUpstream"], json!(["hookshot.image"]));
    let helm_values = &report["helmValues"];
    assert_eq!(helm_values["elementWeb"]["image"]["digest"], world.images[3].index_digest.as_str());
    assert_eq!(helm_values["image"]["pullSecrets"], json!([{"name": "corp-pull"}, {"name": "ess-local-registry"}]));

    let mut args = world.chart_args();
    args.extend(["--offline", "-o", "values"].map(str::to_owned));
    let run = world.run("plan", &strs(&args));
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("left out of the overlay (still pulling from upstream): hookshot.image"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("# Not ready, still pulling from upstream: hookshot.image\n"), "{}", run.stdout);
    let overlay_file = world.path("overlay.yaml");
    std::fs::write(&overlay_file, &run.stdout).unwrap();
    let overlay: serde_yaml::Mapping = serde_yaml::from_str(&run.stdout).unwrap();
    assert_eq!(serde_json::to_value(&overlay).unwrap(), *helm_values, "-o values is the report's helmValues");

    // Merged as Helm merges chart, yours.yaml and the overlay, the values pass the chart's rules.
    let values = merged(Path::new(&fixture("values.yaml")), &[yaml_file(Path::new(&fixture("yours.yaml"))), overlay]);
    let schema = PathBuf::from(fixture("values.schema.json"));
    let instance = serde_json::to_value(&values).unwrap();
    let errors = schema_errors(&schema, &instance);
    assert!(errors.is_empty(), "{errors:#?}");

    // Each block as the chart's _pods.tpl renders it: registry/repository@digest, served as is.
    for (path, repository, tag, _) in BLOCKS {
        let block = at(&values, path);
        let field = |name: &str| block[name].as_str().unwrap_or_default().to_owned();
        if path == "hookshot.image" {
            assert_eq!(field("registry"), "ghcr.io", "not ready: left pulling from upstream");
            continue;
        }
        assert_eq!(field("tag"), tag, "{path}: the overlay leaves the tag");
        let rendered = format!("{}/{}@{}", field("registry"), field("repository"), field("digest"));
        assert_eq!(rendered, format!("{host}/ess/{repository}@{}", field("digest")));
        assert_eq!(world.served_digest(&rendered).as_deref(), Some(field("digest").as_str()), "{path}: {rendered}");
    }
    // A schema check that can fail: a block that names no image is refused.
    let mut broken = instance.clone();
    broken["synapse"]["image"].as_object_mut().unwrap().remove("tag");
    broken["synapse"]["image"].as_object_mut().unwrap().remove("digest");
    assert!(!schema_errors(&schema, &broken).is_empty());
}

#[test]
fn a_chart_archive_reads_as_its_values_and_the_table_shows_the_overlay() {
    let world = World::new(&[HOOKSHOT]);
    let values = std::fs::read(fixture("values.yaml")).unwrap();
    let schema = std::fs::read(fixture("values.schema.json")).unwrap();
    let template = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n";
    let archive = chart_archive(
        world.dir.path(),
        "matrix-stack",
        "26.1.0",
        &[("values.yaml", &values), ("values.schema.json", &schema), ("templates/configmap.yaml", template)],
    );
    let by_file =
        world.run("plan", &strs(&[world.chart_args(), vec!["--offline".into(), "-o".into(), "json".into()]].concat()));
    let archive_args = ["--chart", archive.to_str().unwrap(), "--values", &fixture("yours.yaml"), "--offline"];
    let by_archive = world.run("plan", &[&archive_args[..], &["-o", "json"]].concat());
    assert_eq!(by_archive.code, 1, "{}", by_archive.stderr);
    assert_eq!(by_archive.json()["images"], by_file.json()["images"]);
    assert_eq!(by_archive.json()["helmValues"], by_file.json()["helmValues"]);

    let table = world.run("plan", &archive_args);
    assert!(
        table.stdout.contains("Helm values overlay, as it would be written (-o values prints it alone):"),
        "{}",
        table.stdout
    );
    let last = table.stdout.lines().last().unwrap();
    assert_eq!(
        last,
        "10 images for 10 image blocks: 9 present, 0 mismatch, 1 missing, 0 unauthorized, 0 error. 9 of 10 images ready; 1 image block still pulls from upstream: hookshot.image."
    );

    let not_a_chart = world.path("matrix-stack-0.0.1.tgz");
    std::fs::write(&not_a_chart, [0x1f, 0x8b, 0x08, 0x00, 0x00]).unwrap();
    let run = world.run("plan", &["--chart", not_a_chart.to_str().unwrap(), "--offline"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("not a chart archive"), "{}", run.stderr);
}

#[test]
fn values_that_cannot_be_used_are_exit_2_naming_the_file_and_the_block_and_nothing_is_contacted() {
    let world = World::new(&(0..BLOCKS.len()).collect::<Vec<_>>());
    world.registry.clear_requests();
    let bad = world.path("bad.yaml");
    std::fs::write(&bad, "synapse:\n  image:\n    tag: 1.10\npostgres:\n  image:\n    repository: Postgres\n").unwrap();
    let run = world.run("plan", &["--chart", &fixture("values.yaml"), "--values", bad.to_str().unwrap(), "--offline"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let file = bad.display().to_string();
    assert!(run.stderr.contains(&format!("with {file} cannot be used (2 problems)")), "{}", run.stderr);
    assert!(run.stderr.contains("synapse.image: tag is a number, not a string: quote it (\"1.1\")"), "{}", run.stderr);
    assert!(run.stderr.contains(&format!("(set in {file})")), "{}", run.stderr);
    assert!(run.stderr.contains("postgres.image: repository \"Postgres\""), "{}", run.stderr);
    std::fs::write(&bad, "synapse:\n  image: [unclosed\n").unwrap();
    let run = world.run("plan", &["--chart", &fixture("values.yaml"), "--values", bad.to_str().unwrap(), "--offline"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains(&format!("{file} cannot be used (1 problem):\n  line 3, column 1: not valid YAML")),
        "{}",
        run.stderr
    );
    assert!(world.registry.requests().is_empty(), "bad input contacts nothing");

    let usage = [
        (vec!["plan", "--values", "x.yaml", "--registry", "r.local"], "--chart"),
        (vec!["plan", "--release", "ess", "--registry", "r.local", "--offline"], "drop --offline"),
        (vec!["plan", "--release", "Ess,owner=x", "--registry", "r.local"], "is not a Helm release name"),
        (vec!["apply", "--chart", "values.yaml", "--registry", "r.local"], "--values-out FILE is missing"),
        (
            vec!["apply", "-f", "images_digests.yml", "--registry", "r.local", "--values-out", "o.yaml"],
            "drop --values-out",
        ),
        (vec!["status", "--chart", "values.yaml"], "pass the deployed release with --release NAME"),
        (vec!["status", "-o", "values"], "use -o values with status --release NAME"),
    ];
    for (args, says) in usage {
        let run = world.plugin.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

/// The objects an ESS release's pods come from, as rendered: each workload's pods carry
/// `app.kubernetes.io/instance: RELEASE-COMPONENT`, which is how status finds them.
const MANIFEST: &str = "---\n# Source: matrix-stack/templates/synapse/statefulset.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: ess-synapse-main\nspec:\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/instance: ess-synapse-main\n---\n# Source: matrix-stack/templates/element-web/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ess-element-web\nspec:\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/instance: ess-element-web\n";

fn revision(version: u64, status: &str, config: Value) -> Value {
    let chart_values = serde_json::to_value(yaml_file(Path::new(&fixture("values.yaml")))).unwrap();
    release_secret(&Revision {
        name: "ess",
        namespace: "element-onprem",
        version,
        status,
        chart_name: "matrix-stack",
        chart_version: "26.1.0",
        chart_values,
        config,
        manifest: MANIFEST,
    })
}

fn yours() -> Value {
    serde_json::to_value(yaml_file(Path::new(&fixture("yours.yaml")))).unwrap()
}

#[test]
fn release_input_reads_the_deployed_revision_and_apply_writes_the_secret_and_the_overlay() {
    let world = World::new(&[]);
    let api = ApiServer::start();
    let kubeconfig = api.kubeconfig(Role::Admin);
    let kubeconfig = kubeconfig.to_str().unwrap();
    // Revision 1 ran the chart's Element Web, which is not mirrored; revision 2 runs yours.yaml's.
    api.put(revision(1, "superseded", json!({"serverName": "example.test"})));
    api.put(revision(2, "deployed", yours()));

    let run = world.run("plan", &["--release", "ess", "--kubeconfig", kubeconfig, "-o", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let element_web =
        report["images"].as_array().unwrap().iter().find(|i| i["entries"][0] == "elementWeb.image").unwrap();
    assert!(element_web["target"].as_str().unwrap().ends_with("/ess/vectorim/element-web:v1.12.1"), "{element_web}");
    assert_eq!(
        report["resources"],
        json!([{"kind": "Secret", "name": "ess-local-registry", "namespace": "element-onprem", "action": "create", "diff": null}])
    );
    let selectors: Vec<String> =
        api.requests().iter().filter(|r| r.uri.contains("labelSelector")).map(|r| r.uri.clone()).collect();
    assert_eq!(selectors.len(), 1, "{selectors:#?}");
    assert!(selectors[0].contains("labelSelector=name%3Dess%2Cowner%3Dhelm%2Cstatus%3Ddeployed"), "{selectors:#?}");

    let out = world.path("essregistry-values.yaml");
    let run =
        world.run("apply", &["--release", "ess", "--kubeconfig", kubeconfig, "--values-out", out.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("secret/ess-local-registry created"), "{}", run.stdout);
    assert!(run.stdout.contains(&format!("values overlay written to {}", out.display())), "{}", run.stdout);
    let command = format!(
        "helm upgrade --install ess oci://ghcr.io/element-hq/ess-helm/matrix-stack --version 26.1.0 --namespace element-onprem --reuse-values -f {}",
        out.display()
    );
    assert!(run.stdout.contains(&command), "{}", run.stdout);
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.starts_with("# Written by kubectl-essregistry"), "{written}");
    assert!(api.get("configmaps", "element-onprem", "ess-images-digests").is_none(), "no ConfigMap for a chart");

    let kubectl = Kubectl::new(&api, Role::Admin);
    let secret = kubectl.json(&["get", "secret", "ess-local-registry", "-o", "json"]);
    let host = world.registry.host();
    let expected = kubectl.json(&[
        "create",
        "secret",
        "docker-registry",
        "ess-local-registry",
        "--docker-server",
        &host,
        "--docker-username",
        USER,
        "--docker-password",
        PASSWORD,
        "--dry-run=client",
        "-o",
        "json",
    ]);
    assert_eq!(secret["data"][".dockerconfigjson"], expected["data"][".dockerconfigjson"]);
    assert!(!run.stdout.contains(PASSWORD) && !written.contains(PASSWORD), "secrets never in output");

    let again = world.run(
        "apply",
        &["--release", "ess", "--kubeconfig", kubeconfig, "--values-out", out.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again = again.json();
    assert_eq!(again["resources"][0]["action"], "unchanged");
    assert_eq!(again["helm"]["written"], true);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), written, "the same images write the same overlay");
}

#[test]
fn a_release_that_is_not_deployed_or_not_there_is_exit_5_with_advice() {
    let world = World::new(&(0..BLOCKS.len()).collect::<Vec<_>>());
    let api = ApiServer::start();
    let kubeconfig = api.kubeconfig(Role::Admin);
    let kubeconfig = kubeconfig.to_str().unwrap();
    let run = world.run("plan", &["--release", "ess", "--kubeconfig", kubeconfig]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("no Helm release ess in namespace element-onprem"), "{}", run.stderr);
    assert!(run.stderr.contains("helm list -n element-onprem"), "{}", run.stderr);

    api.put(revision(1, "superseded", json!({})));
    api.put(revision(2, "failed", json!({})));
    let run = world.run("plan", &["--release", "ess", "--kubeconfig", kubeconfig]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(
        run.stderr.contains("the release ess has no deployed revision: 1 (superseded), 2 (failed)"),
        "{}",
        run.stderr
    );

    let run = world.run("plan", &["--release", "ess", "--kubeconfig", kubeconfig, "-n", "nowhere"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("the namespace nowhere does not exist"), "{}", run.stderr);
}

/// A pod of the release in element-onprem: its init container and its main container.
fn pod(name: &str, instance: &str, init: &str, main: &str, waiting: Option<&str>) -> Value {
    release_pod("element-onprem", name, instance, &[("render-config", init), ("main", main)], waiting)
}

#[test]
fn status_of_a_release_checks_its_pods_its_pull_secret_and_drift_from_the_overlay() {
    let world = World::new(&[]);
    let api = ApiServer::start();
    let kubeconfig = api.kubeconfig(Role::Admin);
    let kubeconfig = kubeconfig.to_str().unwrap();
    api.put(revision(1, "deployed", yours()));
    let out = world.path("overlay.yaml");
    let apply =
        world.run("apply", &["--release", "ess", "--kubeconfig", kubeconfig, "--values-out", out.to_str().unwrap()]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);

    let guess = world.plugin.run(&["status", "--release", "ess", "--kubeconfig", kubeconfig]);
    assert_eq!(guess.code, 2, "{}", guess.stderr);
    assert!(guess.stderr.contains("pulls every image from the chart's own registries"), "{}", guess.stderr);
    assert!(guess.stderr.contains("pass --registry HOST[:PORT]"), "{}", guess.stderr);
    let status = world.run("status", &["--release", "ess", "--kubeconfig", kubeconfig, "-o", "json"]);
    assert_eq!(status.code, 1, "the release still pulls from upstream: {}", status.stderr);
    let report = status.json();
    let problems = report["problems"].to_string();
    assert!(
        problems.contains(&format!(
            "synapse.image: the release pulls ghcr.io/element-hq/synapse:v1.140.0 from upstream, not from {}",
            world.registry.host()
        )),
        "{problems}"
    );
    assert!(report["problems"].to_string().contains("do not name the pull Secret ess-local-registry"), "{report}");

    // `helm upgrade ess ... --reuse-values -f overlay.yaml`, as Helm stores it: revision 2.
    let overlay = yaml_file(&out);
    let config = stored_user_values(&[yaml_file(Path::new(&fixture("yours.yaml"))), overlay]);
    api.put(revision(1, "superseded", yours()));
    api.put(revision(2, "deployed", config));
    let host = world.registry.host();
    let local = |index: usize| format!("{host}/ess/{}@{}", BLOCKS[index].1, world.images[index].index_digest);
    api.put(pod("ess-synapse-main-0", "ess-synapse-main", &local(0), &local(8), None));
    // Another release's pod, pulling from upstream, is none of this release's business.
    api.put(pod("ess-staging-synapse-main-0", "ess-staging-synapse-main", "ghcr.io/x/y:1", "ghcr.io/x/z:1", None));

    let status = world.run("status", &["--release", "ess", "--kubeconfig", kubeconfig]);
    assert_eq!(status.code, 0, "{}\n{}", status.stdout, status.stderr);
    assert!(
        status.stdout.contains("Release ess: exists (revision 2, chart matrix-stack 26.1.0, 10 of 10 images in"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains(&format!("Secret ess-local-registry: exists (authenticates to {host})")),
        "{}",
        status.stdout
    );
    assert!(status.stdout.contains("Everything holds"), "{}", status.stdout);
    // What apply would write now: the same blocks as applied; the pull secret is named already.
    let now = world.run("status", &["--release", "ess", "--kubeconfig", kubeconfig, "-o", "values"]);
    let planned = world.run("plan", &["--release", "ess", "--kubeconfig", kubeconfig, "-o", "values"]);
    assert_eq!(now.stdout, planned.stdout);
    let mut applied = yaml_file(&out);
    applied.remove("image");
    assert_eq!(serde_yaml::from_str::<serde_yaml::Mapping>(&now.stdout).unwrap(), applied);

    // An init container from upstream, a pull stuck in back-off, and a tag moved to new content.
    api.put(pod(
        "ess-element-web-0",
        "ess-element-web",
        "ghcr.io/element-hq/ess-helm/matrix-tools:0.10.0",
        &local(3),
        Some("ImagePullBackOff"),
    ));
    let moved = Image::build("a newer synapse");
    moved.push(&world.registry, "ess/element-hq/synapse", "v1.140.0", Copy::All);
    let status = world.run("status", &["--release", "ess", "--kubeconfig", kubeconfig, "-o", "json"]);
    assert_eq!(status.code, 1, "{}", status.stderr);
    let report = status.json();
    let problems: Vec<&str> = report["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    let expect = |needle: &str| assert!(problems.iter().any(|p| p.contains(needle)), "{needle}: {problems:#?}");
    expect(
        "pod ess-element-web-0 container render-config: image ghcr.io/element-hq/ess-helm/matrix-tools:0.10.0 does not come from the local registry",
    );
    expect(&format!("pod ess-element-web-0 container main: image {} is in ImagePullBackOff", local(3)));
    expect(&format!(
        "drift: synapse.image: the release pulls {}, the overlay would set {host}/ess/element-hq/synapse@{}",
        local(8),
        moved.index_digest
    ));
    assert!(!problems.iter().any(|p| p.contains("ess-staging")), "{problems:#?}");

    // The pull Secret's credentials must really log in.
    api.put(json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": "ess-local-registry", "namespace": "element-onprem"},
        "data": {".dockerconfigjson": data_encoding_base64(&essregistry_testbed::docker_config(&host, USER, "wrong"))}}));
    let ca = world.registry.ca_file().unwrap();
    let status = Plugin::new().run(&[
        "status",
        "--release",
        "ess",
        "--kubeconfig",
        kubeconfig,
        "--path-prefix",
        "ess",
        "--registry-ca-file",
        ca.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(status.code, 3, "refused, and the images went unchecked: {}", status.stderr);
    assert!(
        status.json()["problems"].to_string().contains("the registry's images were not checked"),
        "{}",
        status.stdout
    );
    assert!(
        status.json()["problems"].to_string().contains("the pull Secret's credentials are refused by"),
        "{}",
        status.stdout
    );
}

fn data_encoding_base64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}
