//! Helm's side of the chart tests, done as Helm does it: values files read and merged as
//! `helm -f` merges them (the plugin's own merge, whose rules are unit-tested against Helm's),
//! the merged values checked against a chart's values.schema.json, and the pods a release's
//! workloads start, as the API server would hold them.

use kubectl_essregistry::helm::{Layer, Values};
use serde_json::{Value, json};
use std::path::Path;

pub fn yaml_file(path: &Path) -> serde_yaml::Mapping {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{} is not a YAML mapping: {e}", path.display()))
}

/// The chart's values at `chart` with `user` files over them, in order, as Helm merges them.
pub fn merged(chart: &Path, user: &[serde_yaml::Mapping]) -> serde_yaml::Mapping {
    let chart = Layer { name: "values.yaml".into(), values: yaml_file(chart) };
    let user = user.iter().enumerate().map(|(i, values)| Layer { name: i.to_string(), values: values.clone() });
    Values::new(chart, user.collect()).merged
}

/// The user values Helm stores for a release installed with `-f` each of `files`, in order.
pub fn stored_user_values(files: &[serde_yaml::Mapping]) -> Value {
    let empty = Layer { name: "none".into(), values: serde_yaml::Mapping::new() };
    let user = files.iter().map(|values| Layer { name: "file".into(), values: values.clone() }).collect();
    serde_json::to_value(Values::new(empty, user).merged).expect("values as JSON")
}

/// What Helm's schema check would refuse in `values`, against the values.schema.json at
/// `schema`: one line per error, with where it is (empty: Helm would go on).
pub fn schema_errors(schema: &Path, values: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(schema).expect("read the schema");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    validator.iter_errors(values).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

/// The value at a dotted values path (`postgres.postgresExporter.image`), Null where absent.
pub fn at<'a>(values: &'a serde_yaml::Mapping, path: &str) -> &'a serde_yaml::Value {
    let mut keys = path.split('.');
    let first = &values[keys.next().expect("a path")];
    keys.fold(first, |value, key| &value[key])
}

/// A pod of a release's workload in `namespace`: matrix-stack labels it
/// `app.kubernetes.io/instance: RELEASE-COMPONENT`. `containers` are (name, image); the first
/// is its init container. With `waiting`, the last container waits for that reason.
pub fn release_pod(
    namespace: &str,
    name: &str,
    instance: &str,
    containers: &[(&str, &str)],
    waiting: Option<&str>,
) -> Value {
    let (init, main) = containers.split_first().expect("an init container and the others");
    let spec = |list: &[(&str, &str)]| {
        list.iter().map(|(name, image)| json!({"name": name, "image": image})).collect::<Vec<_>>()
    };
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": {"app.kubernetes.io/instance": instance}},
        "spec": {"initContainers": spec(std::slice::from_ref(init)), "containers": spec(main)}});
    if let (Some(reason), Some((name, image))) = (waiting, main.last()) {
        pod["status"] = json!({"containerStatuses": [{"name": name, "image": image, "imageID": "", "ready": false,
            "restartCount": 0, "state": {"waiting": {"reason": reason, "message": "Back-off pulling image"}}}]});
    }
    pod
}
