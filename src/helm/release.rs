//! A deployed Helm release, read back from the Secret Helm keeps it in. Helm's default storage
//! driver (pkg/storage/driver/secrets.go) names the Secret `sh.helm.release.v1.NAME.vN`, labels
//! it `owner=helm`, `name`, `status` and `version`, and stores the release in `data.release` as
//! base64 of gzip of the release's JSON, which the Secret's own base64 then wraps
//! (pkg/storage/driver/util.go). The JSON holds the chart's values (`chart.values`) and the
//! user's values (`config`), from which Helm renders the release.

use super::values::normalized;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_yaml::{Mapping, Value};
use std::io::Read;

/// The key of a release Secret's data that holds the release.
pub const RELEASE_KEY: &str = "release";
/// Helm's longest release name, and the characters of one (a DNS label, dots allowed).
const MAX_NAME: usize = 53;
/// A release is a few megabytes unpacked; far more is no release.
const MAX_UNPACKED_BYTES: u64 = 128 * 1024 * 1024;
const GZIP_MAGIC: &[u8] = b"\x1F\x8B\x08";
/// Kinds whose pods carry the labels of `spec.template`.
const WORKLOADS: [&str; 5] = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"];
const INSTANCE_LABEL: &str = "app.kubernetes.io/instance";

/// What the plugin needs of one revision of a release.
#[derive(Debug, Clone)]
pub struct Release {
    pub name: String,
    pub namespace: String,
    pub revision: u64,
    pub chart_name: String,
    pub chart_version: String,
    pub chart_values: Mapping,
    /// The user's values, as merged from the `-f` files and `--set` flags of that revision.
    pub config: Mapping,
    /// The `app.kubernetes.io/instance` label of every pod the release's workloads make:
    /// matrix-stack names them `NAME-<component>`, not `NAME`.
    pub pod_instances: Vec<String>,
}

#[derive(Deserialize)]
struct Stored {
    #[serde(default)]
    name: String,
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    version: u64,
    #[serde(default)]
    chart: StoredChart,
    #[serde(default)]
    config: Option<Value>,
    #[serde(default)]
    manifest: String,
    #[serde(default)]
    hooks: Vec<Hook>,
}

#[derive(Deserialize, Default)]
struct StoredChart {
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    values: Option<Value>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct Hook {
    #[serde(default)]
    manifest: String,
}

/// Helm's rule for a release name; anything else is refused before it reaches a label selector.
pub fn check_name(name: &str) -> Result<(), String> {
    let label = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !part.starts_with('-')
            && !part.ends_with('-')
    };
    if name.len() <= MAX_NAME && name.split('.').all(label) {
        Ok(())
    } else {
        Err(format!(
            "\"{}\" is not a Helm release name (at most {MAX_NAME} lower-case letters, digits, '-' and '.')",
            crate::sanitize::printable(name)
        ))
    }
}

/// The selector of Helm's own lookup of the deployed revisions (storage.DeployedAll).
pub fn deployed_selector(name: &str) -> String {
    format!("name={name},{EVERY_DEPLOYED}")
}

/// The selector of the deployed revision of every release in a namespace.
pub const EVERY_DEPLOYED: &str = "owner=helm,status=deployed";

/// The selector of every revision of the release (storage.History).
pub fn history_selector(name: &str) -> String {
    format!("name={name},owner=helm")
}

/// The release's pods: the instances its workloads label them with, and the bare name, which
/// charts that label pods with the release's name alone use.
pub fn pod_selector(release: &Release) -> String {
    let mut instances = vec![release.name.as_str()];
    instances.extend(release.pod_instances.iter().map(String::as_str).filter(|i| *i != release.name));
    format!("{INSTANCE_LABEL} in ({})", instances.join(","))
}

/// `data.release` of a release Secret, once the API's base64 is undone.
pub fn decode(stored: &[u8]) -> Result<Release, String> {
    let text: Vec<u8> = stored.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    let bytes =
        STANDARD.decode(&text).map_err(|e| format!("data.{RELEASE_KEY} is not base64 as Helm writes it: {e}"))?;
    // Helm 3 gzips; releases stored before compression are plain JSON, and Helm still reads them.
    let json = if bytes.starts_with(GZIP_MAGIC) {
        let mut json = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .take(MAX_UNPACKED_BYTES + 1)
            .read_to_end(&mut json)
            .map_err(|e| format!("data.{RELEASE_KEY} is not gzip as Helm writes it: {e}"))?;
        if json.len() as u64 > MAX_UNPACKED_BYTES {
            return Err(format!("data.{RELEASE_KEY} unpacks to more than {} MiB", MAX_UNPACKED_BYTES >> 20));
        }
        json
    } else {
        bytes
    };
    let stored: Stored =
        serde_json::from_slice(&json).map_err(|e| format!("data.{RELEASE_KEY} is not a Helm release: {e}"))?;
    let mapping = |value: Option<Value>, what: &str| match value.map(normalized) {
        None | Some(Value::Null) => Ok(Mapping::new()),
        Some(Value::Mapping(values)) => Ok(values),
        Some(_) => Err(format!("the release's {what} are not a mapping")),
    };
    let mut pod_instances = Vec::new();
    for manifest in std::iter::once(&stored.manifest).chain(stored.hooks.iter().map(|h| &h.manifest)) {
        collect_instances(manifest, &mut pod_instances);
    }
    pod_instances.sort();
    pod_instances.dedup();
    Ok(Release {
        chart_values: mapping(stored.chart.values, "chart values")?,
        config: mapping(stored.config, "user values (config)")?,
        name: stored.name,
        namespace: stored.namespace,
        revision: stored.version,
        chart_name: stored.chart.metadata.name,
        chart_version: stored.chart.metadata.version,
        pod_instances,
    })
}

/// The instance labels of the pods the manifest's objects make. Helm wrote the manifest, so a
/// document that does not read is skipped rather than refused.
fn collect_instances(manifest: &str, found: &mut Vec<String>) {
    for document in serde_yaml::Deserializer::from_str(manifest) {
        let Ok(object) = Value::deserialize(document) else { continue };
        let kind = object.get("kind").and_then(Value::as_str).unwrap_or_default();
        let labels = match kind {
            "Pod" => object.get("metadata"),
            "CronJob" => {
                ["spec", "jobTemplate", "spec", "template", "metadata"].iter().try_fold(&object, |v, k| v.get(k))
            }
            kind if WORKLOADS.contains(&kind) => {
                ["spec", "template", "metadata"].iter().try_fold(&object, |v, k| v.get(k))
            }
            _ => None,
        };
        let instance = labels.and_then(|m| m.get("labels")).and_then(|l| l.get(INSTANCE_LABEL)).and_then(Value::as_str);
        if let Some(instance) = instance.filter(|i| is_label_value(i)) {
            found.push(instance.to_owned());
        }
    }
}

/// Kubernetes' rule for a label value, so that a selector built from it stays well formed.
fn is_label_value(text: &str) -> bool {
    text.len() <= 63
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && text.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && text.bytes().last().is_some_and(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    const MANIFEST: &str = "---\n# Source: matrix-stack/templates/synapse/statefulset.yaml\napiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: ess-synapse-main\nspec:\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/instance: ess-synapse-main\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: ess-synapse\n  labels:\n    app.kubernetes.io/instance: ess-service\n";

    fn release_json() -> serde_json::Value {
        serde_json::json!({
            "name": "ess", "namespace": "ess", "version": 3, "info": {"status": "deployed"},
            "chart": {"metadata": {"name": "matrix-stack", "version": "26.1.0"},
                      "values": {"synapse": {"image": {"repository": "element-hq/synapse", "tag": "v1"}}}},
            "config": {"synapse": {"image": {"tag": "v2"}}},
            "manifest": MANIFEST,
            "hooks": [{"manifest": "kind: Job\nspec:\n  template:\n    metadata:\n      labels:\n        app.kubernetes.io/instance: ess-init-secrets\n"}]
        })
    }

    /// `data.release` as Helm's Secret driver stores it: base64 of gzip of the JSON.
    fn stored(json: &serde_json::Value) -> Vec<u8> {
        let mut gzip = GzEncoder::new(Vec::new(), Compression::best());
        gzip.write_all(json.to_string().as_bytes()).unwrap();
        STANDARD.encode(gzip.finish().unwrap()).into_bytes()
    }

    #[test]
    fn decodes_what_helm_stores_and_finds_the_pods_instances() {
        let release = decode(&stored(&release_json())).unwrap();
        assert_eq!((release.name.as_str(), release.revision), ("ess", 3));
        assert_eq!((release.chart_name.as_str(), release.chart_version.as_str()), ("matrix-stack", "26.1.0"));
        assert_eq!(release.config["synapse"]["image"]["tag"], Value::from("v2"));
        assert_eq!(release.chart_values["synapse"]["image"]["tag"], Value::from("v1"));
        assert_eq!(release.pod_instances, ["ess-init-secrets", "ess-synapse-main"]);
        assert_eq!(pod_selector(&release), "app.kubernetes.io/instance in (ess,ess-init-secrets,ess-synapse-main)");
    }

    #[test]
    fn reads_uncompressed_releases_and_says_what_is_wrong_with_others() {
        let plain = STANDARD.encode(release_json().to_string());
        assert_eq!(decode(plain.as_bytes()).unwrap().revision, 3);
        assert!(decode(b"not base64!").unwrap_err().contains("not base64"));
        assert!(decode(STANDARD.encode("{\"chart\": 1}").as_bytes()).unwrap_err().contains("not a Helm release"));
        let no_values = serde_json::json!({"name": "ess", "config": [1]});
        assert!(decode(&stored(&no_values)).unwrap_err().contains("user values (config) are not a mapping"));
    }

    #[test]
    fn release_names_are_checked_before_they_reach_a_selector() {
        assert!(check_name("ess").is_ok() && check_name("ess-2.prod").is_ok());
        for bad in ["", "Ess", "ess,owner=x", "-ess", &"a".repeat(54)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        assert_eq!(deployed_selector("ess"), "name=ess,owner=helm,status=deployed");
        assert_eq!(history_selector("ess"), "name=ess,owner=helm");
    }
}
