//! The README's demo: a throwaway registry on loopback (HTTPS with a test CA, a login) holding
//! ESS images mirrored the ways administrators do (some right, one missing, two with another
//! digest), a second registry standing for upstream (docker.io, ghcr.io, oci.element.io), and a
//! Kubernetes API server of the tests' own. For the installer's images_digests it runs `plan`,
//! carries the images across with `mirror` (into a bundle, then from it), then `plan`, `apply`
//! and `status` as an administrator would. For the Helm-installed ESS it does the same with the
//! matrix-stack chart's values and the administrator's own (`--chart`, `--values`): `plan`,
//! `mirror`, the values overlay (`-o values`), `apply --values-out`, and `status --release` once
//! the release is stored as Helm would store it. Everything stops at the end.

use essregistry_testbed::apiserver::{ApiServer, ELEMENT_GROUP, ELEMENT_VERSION, Role};
use essregistry_testbed::helm::{Revision, chart_archive, release_secret};
use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use serde_json::json;
use serde_yaml::Value;
use std::path::Path;
use std::process::Command;

const USER: &str = "demo-admin";
const PASSWORD: &str = "demo-password";
/// Values laid out as the matrix-stack chart lays them (the tests' fixture: a component per key,
/// each with its image block; tags of the tests' own), and an administrator's own values over
/// them, which raise Element Web's tag.
const CHART_VALUES: &str = include_str!("../../../tests/fixtures/matrix-stack/values.yaml");
const YOURS: &str = include_str!("../../../tests/fixtures/matrix-stack/yours.yaml");
const CHART_VERSION: &str = "26.1.0";
/// The namespace of the Helm release.
const RELEASE_NAMESPACE: &str = "ess";

fn main() {
    println!("Starting a registry on loopback (HTTPS, test CA, htpasswd login), mirroring ESS images,");
    println!("and starting a Kubernetes API server with the namespace element-onprem...");
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    let scenario = Scenario::seed(Registry::start(config), &ESS);
    // Upstream, on loopback: every image as published, under one folder per upstream host.
    let upstream = Registry::start(RegistryConfig::default());
    scenario.mirror_to(&upstream, &ESS);
    let sources: Vec<String> = ["docker.io", "ghcr.io"]
        .iter()
        .flat_map(|host| ["--source-mirror".to_owned(), format!("{host}=http://{}/ess", upstream.host())])
        .collect();
    let api = ApiServer::start();
    let home = tempfile::tempdir().expect("demo home");
    let installer = home.path().join(".element-enterprise-server");
    let ca = scenario.registry.ca_file().expect("TLS registry");
    let host = scenario.registry.host();
    let common = [
        "-f",
        scenario.digests_arg(),
        "--registry",
        &host,
        "--path-prefix",
        "ess",
        "--registry-ca-file",
        ca.to_str().expect("UTF-8 path"),
        "--installer-dir",
        installer.to_str().expect("UTF-8 path"),
    ];
    let kubeconfig = api.kubeconfig(Role::Admin);
    let run = |args: &[&str]| plugin(args, &kubeconfig, home.path());

    step("1. What would it take? (three images are not right yet)");
    run(&[&["plan"], &common[..]].concat());

    step("2. Carry the images across: into a bundle on the connected side, from it inside, and plan again");
    let bundle = home.path().join("ess-images.tar.zst");
    let bundle = bundle.to_str().expect("UTF-8 path");
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    run(&[&["mirror", "-f", scenario.digests_arg(), "--to-bundle", bundle], &sources[..]].concat());
    run(&[&["mirror", "--from-bundle", bundle], &common[2..8]].concat());
    run(&[&["plan"], &common[..]].concat());

    step("3. Apply: the ConfigMap and the pull secret, by server-side apply");
    run(&[&["apply"], &common[..]].concat());

    step("4. Enter both names in the installer (Cluster > Advanced), deploy, then check everything");
    let config = installer.join("config");
    std::fs::create_dir_all(&config).expect("installer config");
    std::fs::write(
        config.join("deployment.yml"),
        "spec:\n  global:\n    k8s:\n      common:\n        dockerSecrets:\n        - name: ess-local-registry\n        imagesDigestsConfigMap: ess-images-digests\n",
    )
    .expect("deployment.yml");
    // Deploying from the installer puts its ElementDeployment in the cluster: what the Operator reads.
    api.put(json!({"apiVersion": format!("{ELEMENT_GROUP}/{ELEMENT_VERSION}"), "kind": "ElementDeployment",
        "metadata": {"name": "ess", "namespace": "element-onprem"},
        "spec": {"global": {"k8s": {"common": {"dockerSecrets": [{"name": "ess-local-registry"}],
            "imagesDigestsConfigMap": "ess-images-digests"}}}}}));
    run(&[
        "status",
        "--registry-ca-file",
        ca.to_str().expect("UTF-8 path"),
        "--installer-dir",
        installer.to_str().expect("UTF-8 path"),
    ]);
    helm(&Helm { registry: &scenario.registry, upstream: &upstream, api: &api, home: home.path() }, &run);
    println!("\nThe registries and the API server are stopped now.");
}

/// Where the Helm part runs: the same local registry, upstream and API server.
struct Helm<'a> {
    registry: &'a Registry,
    upstream: &'a Registry,
    api: &'a ApiServer,
    home: &'a Path,
}

/// One image block of the chart's values: `registry`, `repository`, `tag`.
#[derive(PartialEq)]
struct Block {
    server: String,
    repository: String,
    tag: String,
}

/// ESS on Helm: the chart archive as `helm pull` writes it and your values beside it, in the
/// folder the commands run in, so that they read as an administrator types them.
fn helm(world: &Helm, run: &dyn Fn(&[&str])) {
    println!("\nNow the Helm-installed ESS: the matrix-stack chart, with your values over it.");
    chart_archive(world.home, "matrix-stack", CHART_VERSION, &[("values.yaml", CHART_VALUES.as_bytes())]);
    let chart = format!("matrix-stack-{CHART_VERSION}.tgz");
    std::fs::write(world.home.join("yours.yaml"), YOURS).expect("yours.yaml");
    let chart_values: Value = serde_yaml::from_str(CHART_VALUES).expect("the chart's values");
    let mut values = chart_values.clone();
    merge(&mut values, &serde_yaml::from_str(YOURS).expect("your values"));

    // Upstream has every image that will run; the local registry all but those your values raise.
    let mut as_shipped = Vec::new();
    image_blocks(&chart_values, &mut as_shipped);
    let mut blocks = Vec::new();
    image_blocks(&values, &mut blocks);
    // Each image is built and pushed on a thread of its own: skopeo mostly waits.
    let images: Vec<(Block, Image)> = std::thread::scope(|scope| {
        let pushes: Vec<_> = blocks
            .into_iter()
            .map(|block| {
                let shipped = as_shipped.contains(&block);
                scope.spawn(move || {
                    let image = Image::build(&format!("{}/{}:{}", block.server, block.repository, block.tag));
                    let repo = format!("ess/{}", block.repository);
                    // Docker Hub serves an official image only as library/NAME.
                    let official = block.server == "docker.io" && !block.repository.contains('/');
                    let upstream_repo =
                        if official { format!("ess/library/{}", block.repository) } else { repo.clone() };
                    image.push(world.upstream, &upstream_repo, &block.tag, Copy::All);
                    if shipped {
                        image.push(world.registry, &repo, &block.tag, Copy::All);
                    }
                    (block, image)
                })
            })
            .collect();
        pushes.into_iter().map(|push| push.join().expect("push an image")).collect()
    });
    world.api.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": RELEASE_NAMESPACE}}));

    let host = world.registry.host();
    let ca = world.registry.ca_file().expect("TLS registry");
    let ca = ca.to_str().expect("UTF-8 path");
    let target = ["--registry", &host, "--path-prefix", "ess", "--registry-ca-file", ca];
    let input = ["--chart", &chart, "--values", "yours.yaml"];
    let namespace = ["-n", RELEASE_NAMESPACE];
    let sources: Vec<String> = ["docker.io", "ghcr.io", "oci.element.io"]
        .iter()
        .flat_map(|host| ["--source-mirror".to_owned(), format!("{host}=http://{}/ess", world.upstream.host())])
        .collect();
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();

    step(
        "5. What would it take? The chart's values with yours over them: the Element Web your values raise is not mirrored yet",
    );
    run(&[&["plan"], &input[..], &target[..], &namespace[..]].concat());

    step(
        "6. Carry it across: mirror reads the same chart and values and copies only what is missing; then the overlay alone",
    );
    run(&[&["mirror"], &input[..], &target[..], &sources[..]].concat());
    run(&[&["plan"], &input[..], &target[..], &namespace[..], &["-o", "values"]].concat());

    step("7. Apply: the pull secret in the release's namespace, and the overlay in a file for helm");
    run(&[&["apply"], &input[..], &target[..], &namespace[..], &["--values-out", "overlay.yaml"]].concat());

    step("8. After helm upgrade with the overlay last, check the release: its images, pull secret, drift and pods");
    println!("(No helm here: the release is stored as Helm stores it, with yours.yaml and overlay.yaml over the");
    println!("chart's values, and its pods are recorded as the kubelet would report them.)\n");
    let overlay = std::fs::read_to_string(world.home.join("overlay.yaml")).expect("apply wrote overlay.yaml");
    let mut config: Value = serde_yaml::from_str(YOURS).expect("your values");
    merge(&mut config, &serde_yaml::from_str(&overlay).expect("the overlay"));
    world.api.put(release_secret(&Revision {
        name: "ess",
        namespace: RELEASE_NAMESPACE,
        version: 1,
        status: "deployed",
        chart_name: "matrix-stack",
        chart_version: CHART_VERSION,
        chart_values: serde_json::to_value(&chart_values).expect("JSON"),
        config: serde_json::to_value(&config).expect("JSON"),
        manifest: MANIFEST,
    }));
    let local = |repository: &str| {
        let (_, image) = images.iter().find(|(b, _)| b.repository == repository).expect("an image of the chart");
        format!("{host}/ess/{repository}@{}", image.index_digest)
    };
    let tools = local("element-hq/ess-helm/matrix-tools");
    world.api.put(pod("ess-synapse-main-0", "ess-synapse-main", &tools, &local("element-hq/synapse")));
    world.api.put(pod("ess-element-web-7d9f", "ess-element-web", &tools, &local("vectorim/element-web")));
    run(&[&["status", "--release", "ess"], &target[..], &namespace[..]].concat());
}

/// The release's workloads, as Helm rendered them: each gives its pods
/// `app.kubernetes.io/instance: RELEASE-COMPONENT`, which is how `status` finds them.
const MANIFEST: &str = "---
# Source: matrix-stack/templates/synapse/statefulset.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ess-synapse-main
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: ess-synapse-main
---
# Source: matrix-stack/templates/element-web/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: ess-element-web
spec:
  template:
    metadata:
      labels:
        app.kubernetes.io/instance: ess-element-web
";

/// A running pod of the release, with the chart's init container.
fn pod(name: &str, instance: &str, init: &str, main: &str) -> serde_json::Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": RELEASE_NAMESPACE, "labels": {"app.kubernetes.io/instance": instance}},
        "spec": {"initContainers": [{"name": "render-config", "image": init}], "containers": [{"name": "main", "image": main}]}})
}

/// Values files laid one over the other as `helm -f` lays them: maps merge key by key, anything
/// else is replaced, and `null` removes a key.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Mapping(base), Value::Mapping(over)) => {
            for (key, value) in over {
                if value.is_null() {
                    base.remove(key);
                } else if let Some(existing) = base.get_mut(key) {
                    merge(existing, value);
                } else {
                    base.insert(key.clone(), value.clone());
                }
            }
        }
        (base, over) => *base = over.clone(),
    }
}

/// Every image block of the values (a mapping with a `repository` under a key named `image`),
/// once each; a block without a registry is Docker Hub's.
fn image_blocks(values: &Value, blocks: &mut Vec<Block>) {
    let Value::Mapping(map) = values else { return };
    for (key, value) in map {
        if key.as_str() == Some("image")
            && let Some(repository) = value.get("repository").and_then(Value::as_str)
        {
            let block = Block {
                server: value.get("registry").and_then(Value::as_str).unwrap_or("docker.io").to_owned(),
                repository: repository.to_owned(),
                tag: value.get("tag").and_then(Value::as_str).unwrap_or("latest").to_owned(),
            };
            if !blocks.contains(&block) {
                blocks.push(block);
            }
        }
        image_blocks(value, blocks);
    }
}

fn step(title: &str) {
    println!("\n=== {title}");
}

/// Runs the plugin through kubectl when kubectl is installed, as an administrator would.
fn plugin(args: &[&str], kubeconfig: &Path, home: &Path) {
    let through_kubectl =
        Command::new("kubectl").args(["version", "--client"]).output().is_ok_and(|o| o.status.success());
    let mut command = if through_kubectl {
        let mut c = Command::new("kubectl");
        c.arg("essregistry");
        c
    } else {
        Command::new("kubectl-essregistry")
    };
    let shown = if through_kubectl { "kubectl essregistry" } else { "kubectl-essregistry" };
    println!("$ {shown} {}\n", args.join(" "));
    let status = command
        .args(args)
        .current_dir(home)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", home.join("kube-cache"))
        .env("ESSREGISTRY_USERNAME", USER)
        .env("ESSREGISTRY_PASSWORD", PASSWORD)
        .status()
        .expect("run kubectl-essregistry (is target/debug on PATH?)");
    println!("(exit code {})", status.code().unwrap_or(-1));
}
