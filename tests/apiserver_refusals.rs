//! What `apply` does with objects kube-apiserver will not let it update in place (a pull Secret
//! of another type, an immutable ConfigMap) and with a ConfigMap over the API's 1 MiB limit:
//! it says so before writing anything, and `--force` deletes and re-creates. The API's
//! warnings reach the administrator as kubectl shows them.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Logged, MAX_DATA_BYTES, Role};
use essregistry_testbed::images::Copy;
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use serde_json::{Value, json};
use std::path::Path;
use support::{Plugin, Run, strs};

const USER: &str = "ess-pull";
const PASSWORD: &str = "pu11-Secret";
const NAMESPACE: &str = "element-onprem";
const CONFIGMAP: &str = "ess-images-digests";
const SECRET: &str = "ess-local-registry";

/// stdout and stderr together, where a person reads what happened.
fn said(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

/// A registry holding every image right, behind Basic auth (so apply writes a pull Secret), and
/// an API server.
struct Site {
    scenario: Scenario,
    api: ApiServer,
    plugin: Plugin,
}

impl Site {
    fn new() -> Site {
        let config =
            RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
        let ready: Vec<_> = ESS.into_iter().filter(|m| m.copy == Some(Copy::All)).collect();
        Site {
            scenario: Scenario::seed(Registry::start(config), &ready),
            api: ApiServer::start(),
            plugin: Plugin::new().env("ESSREGISTRY_USERNAME", USER).env("ESSREGISTRY_PASSWORD", PASSWORD),
        }
    }

    /// `COMMAND` with the scenario's flags but `digests` as `-f`, against the API server.
    fn run(&self, command: &str, digests: &Path, extra: &[&str]) -> Run {
        let kubeconfig = self.api.kubeconfig(Role::Admin);
        let mut args = self.scenario.args(command, &["--kubeconfig", kubeconfig.to_str().unwrap()]);
        let file = args.iter().position(|a| a == "-f").expect("-f") + 1;
        args[file] = digests.display().to_string();
        args.extend(extra.iter().map(|s| s.to_string()));
        self.plugin.run(&strs(&args))
    }

    fn apply(&self, extra: &[&str]) -> Run {
        self.run("apply", &self.scenario.digests, extra)
    }

    /// Every request that could have changed something.
    fn writes(&self) -> Vec<Logged> {
        self.api.requests().into_iter().filter(|r| !matches!(r.method.as_str(), "GET" | "HEAD")).collect()
    }

    fn live(&self, plural: &str, name: &str) -> Option<Value> {
        self.api.get(plural, NAMESPACE, name)
    }
}

#[test]
fn a_secret_of_another_type_stops_apply_before_anything_is_written_unless_forced() {
    let site = Site::new();
    site.api.put(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
        "metadata": {"name": SECRET, "namespace": NAMESPACE}, "data": {"token": "aGFuZC1tYWRl"}}));

    let run = site.apply(&[]);
    assert_eq!(run.code, 5, "a refusal by the cluster: {}", run.stderr);
    assert!(
        run.stderr.contains("type")
            && (run.stderr.contains("cannot change") || run.stderr.contains("cannot be changed")),
        "the message says the Secret's type cannot be changed: {}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "and suggests --force: {}", run.stderr);
    assert_eq!(site.writes(), [], "nothing was sent that writes");
    assert!(site.live("configmaps", CONFIGMAP).is_none(), "not even the ConfigMap, which could have been");
    assert_eq!(site.live("secrets", SECRET).unwrap()["type"], "Opaque");

    let forced = site.apply(&["--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(said(&forced).contains("re-create"), "it says it deleted and re-created the Secret: {}", said(&forced));
    let secret = site.live("secrets", SECRET).unwrap();
    assert_eq!(secret["type"], "kubernetes.io/dockerconfigjson");
    assert!(secret["data"].get("token").is_none(), "a new object, not the old one updated: {secret}");
    let writes: Vec<(String, bool)> =
        site.writes().iter().map(|r| (r.method.clone(), r.uri.contains(&format!("/secrets/{SECRET}")))).collect();
    let delete = writes.iter().position(|w| *w == ("DELETE".into(), true)).expect("the Secret was deleted");
    assert!(writes[delete..].contains(&("PATCH".into(), true)), "then applied anew: {writes:?}");
}

#[test]
fn an_immutable_configmap_stops_apply_before_anything_is_written_unless_forced() {
    let site = Site::new();
    site.api.put(json!({"apiVersion": "v1", "kind": "ConfigMap", "immutable": true,
        "metadata": {"name": CONFIGMAP, "namespace": NAMESPACE}, "data": {"images_digests": "# an older release\n"}}));

    let run = site.apply(&[]);
    assert_eq!(run.code, 5, "a refusal by the cluster: {}", run.stderr);
    assert!(run.stderr.contains("immutable"), "the message says the ConfigMap is immutable: {}", run.stderr);
    assert!(run.stderr.contains("--force"), "and suggests --force: {}", run.stderr);
    assert_eq!(site.writes(), [], "nothing was sent that writes");
    assert!(site.live("secrets", SECRET).is_none(), "not even the Secret, which could have been");

    let forced = site.apply(&["--force"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(said(&forced).contains("re-create"), "it says it deleted and re-created the ConfigMap: {}", said(&forced));
    let plan = site.run("plan", &site.scenario.digests, &["-o", "json"]).json();
    assert_eq!(site.live("configmaps", CONFIGMAP).unwrap()["data"]["images_digests"], plan["configMap"]);
    assert!(site.live("secrets", SECRET).is_some());
}

/// An images_digests whose ConfigMap would be over 1 MiB: thousands of components sharing the
/// haproxy image, so the registry is asked about one image only.
fn oversized(site: &Site) -> std::path::PathBuf {
    let digest = &site.scenario.images[0].index_digest;
    let mut yaml = String::from("images_digests:\n");
    for n in 0..6000 {
        yaml.push_str(&format!(
            "  component{n:04}:\n    haproxy:\n      image_digest: {digest}\n      image_repository_path: library/haproxy\n      image_repository_server: docker.io\n      image_tag: 2.8-alpine\n"
        ));
    }
    let path = site.scenario.dir().join("oversized.yml");
    std::fs::write(&path, yaml).unwrap();
    path
}

#[test]
fn a_configmap_over_1_mib_is_refused_before_anything_is_sent() {
    let site = Site::new();
    let digests = oversized(&site);
    let plan = site.run("plan", &digests, &["--offline", "-o", "json"]);
    let value = plan.json()["configMap"].as_str().unwrap().len();
    assert!(value > MAX_DATA_BYTES, "the test's ConfigMap is over the limit: {value} bytes");

    let run = site.run("apply", &digests, &[]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert_eq!(site.writes(), [], "refused before anything was sent");
    assert!(site.live("configmaps", CONFIGMAP).is_none());
    assert!(run.stderr.contains(&MAX_DATA_BYTES.to_string()), "the message gives the limit: {}", run.stderr);
    // The API counts the values; counting the key too is as right for a refusal.
    let sizes = value..=value + "images_digests".len();
    let numbers: Vec<usize> = run
        .stderr
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|word| word.parse().ok())
        .filter(|n| sizes.contains(n))
        .collect();
    assert!(!numbers.is_empty(), "the message gives the ConfigMap's size ({value} bytes): {}", run.stderr);
}

#[test]
fn the_apis_warnings_are_printed_as_kubectl_prints_them() {
    let site = Site::new();
    let text = "policy ess-local-images: images in element-onprem should come from the local registry";
    site.api.add_warning(text);
    let run = site.apply(&[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("Warning: {text}\n")), "{}", run.stderr);
    assert_eq!(run.stderr.matches(text).count(), 1, "each warning once: {}", run.stderr);
}
