//! Values given as Helm users give them, read as Helm reads them: `--set`, `--set-string` and
//! `--set-json` over the `--values` files, and YAML 1.1 booleans (`enabled: no`) in a values
//! file. What changes is which images are checked, and which components count.

mod support;

use essregistry_testbed::registry::{Registry, RegistryConfig};
use serde_json::Value;
use support::{Plugin, Run};

const CHART: &str = "synapse:\n  enabled: true\n  image:\n    registry: ghcr.io\n    repository: element-hq/synapse\n    tag: \"v1.140.0\"\nhookshot:\n  enabled: true\n  image:\n    registry: ghcr.io\n    repository: matrix-org/matrix-hookshot\n    tag: \"7.1.0\"\n";

struct World {
    registry: Registry,
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("values.yaml"), CHART).unwrap();
        World { registry: Registry::start(RegistryConfig::default()), dir }
    }

    /// `plan --offline -o json` of the chart with `yours` as the --values file, then `extra`.
    fn plan(&self, yours: &str, extra: &[&str]) -> Run {
        let values = self.dir.path().join("values.yaml");
        let mine = self.dir.path().join("yours.yaml");
        std::fs::write(&mine, yours).unwrap();
        let host = self.registry.host();
        let mut args = vec!["plan", "--chart", values.to_str().unwrap(), "--values", mine.to_str().unwrap()];
        args.extend(["--registry", &host, "--registry-plain-http", "--offline", "-o", "json"]);
        args.extend(extra);
        Plugin::new().run(&args)
    }
}

fn sources(report: &Value) -> Vec<String> {
    report["images"].as_array().unwrap().iter().map(|i| i["source"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn set_flags_go_over_the_values_files_in_helms_order() {
    let world = World::new();
    let yours = "synapse:\n  image:\n    tag: \"v1.141.0\"\n";
    let run = world.plan(yours, &["--set", "synapse.image.tag=v1.2.3"]);
    assert_eq!(run.code, 1, "nothing is mirrored: {}", run.stderr);
    let report = run.json();
    assert_eq!(sources(&report)[0], "ghcr.io/element-hq/synapse:v1.2.3", "--set wins over --values");

    // --set-string goes after --set, whatever the order on the command line; --set-json first.
    let order = [
        "--set-string",
        "synapse.image.tag=v3",
        "--set",
        "synapse.image.tag=v2",
        "--set-json",
        r#"synapse.image.tag="v1""#,
    ];
    assert_eq!(sources(&world.plan(yours, &order).json())[0], "ghcr.io/element-hq/synapse:v3");
    // A component disabled by --set counts for nothing, and the report lists it.
    let disabled = world.plan(yours, &["--set", "hookshot.enabled=false"]).json();
    assert_eq!(disabled["disabled"], serde_json::json!(["hookshot.image"]));
}

#[test]
fn a_plain_yes_or_no_is_a_boolean_as_helm_reads_it_and_a_quoted_one_a_string() {
    let world = World::new();
    let plain = world.plan("hookshot:\n  enabled: no\n", &[]).json();
    assert_eq!(plain["disabled"], serde_json::json!(["hookshot.image"]), "YAML 1.1: no is false");
    // Quoted, "no" is a string, and Helm's `if` takes a non-empty string as true: deployed.
    let quoted = world.plan("hookshot:\n  enabled: \"no\"\n", &[]).json();
    assert_eq!(quoted["disabled"], serde_json::json!([]));
}

#[test]
fn a_set_line_helm_refuses_or_one_without_a_chart_is_exit_2_and_contacts_nothing() {
    let world = World::new();
    let run = world.plan("{}\n", &["--set", "synapse.image"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--set synapse.image: key \"image\" has no value"), "{}", run.stderr);
    assert!(run.stderr.contains("a.b=c for a nested key"), "{}", run.stderr);

    let digests = world.dir.path().join("images_digests.yml");
    std::fs::write(&digests, "images_digests: {}\n").unwrap();
    let run = Plugin::new().run(&["plan", "-f", digests.to_str().unwrap(), "--registry", "r.local", "--set", "a=b"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--set, --set-string and --set-json set a chart's values"), "{}", run.stderr);
}
