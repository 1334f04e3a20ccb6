//! Evidence that the ESS installer references the ConfigMap and the pull secret. The installer's
//! field names are not published, so a reference is any string value equal to the name, in
//! the installer's files on this machine or in ElementDeployment objects in the cluster.

use serde::Serialize;
use serde_json::Value;
use std::path::Path;

/// Where the installer keeps its configuration files, under its folder.
const CONFIG_DIR: &str = "config";

/// What the ESS installer still needs, from the evidence found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallerReport {
    pub config_map: Reference,
    pub secret: Option<Reference>,
    /// Entries of the installer's images_digests that do not pull from the local registry.
    pub still_upstream: Vec<String>,
    /// Where evidence was looked for.
    pub searched: Vec<String>,
    /// False when there was nothing to look in (no installer files, no ElementDeployment):
    /// "not referenced" then means "unknown".
    pub evidence_available: bool,
}

impl InstallerReport {
    pub fn complete(&self) -> bool {
        self.config_map.referenced
            && self.secret.as_ref().is_none_or(|s| s.referenced)
            && self.still_upstream.is_empty()
    }
}

/// The installer's field names, as the administrator sees them in the installer.
pub const CONFIGMAP_FIELD: &str = "Cluster > Advanced > Images Digests Config Map";
pub const SECRET_FIELD: &str = "Cluster > Advanced > Docker Secrets";

/// A document that may hold references, and where it came from.
pub struct Source {
    /// `deployment.yml`, or `ElementDeployment/NAME`.
    pub label: String,
    pub document: Value,
}

/// One name the installer must reference, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reference {
    pub name: String,
    /// The installer's field, as the administrator sees it.
    pub installer_field: &'static str,
    pub referenced: bool,
    /// `deployment.yml: spec.global.k8s.common.dockerSecrets[0].name`
    pub evidence: Vec<String>,
}

pub fn reference(name: &str, installer_field: &'static str, sources: &[Source]) -> Reference {
    let evidence: Vec<String> = sources
        .iter()
        .flat_map(|source| {
            paths_to(&source.document, name).into_iter().map(move |path| format!("{}: {path}", source.label))
        })
        .collect();
    Reference { name: name.to_owned(), installer_field, referenced: !evidence.is_empty(), evidence }
}

/// The YAML paths of every string value equal to `needle`.
pub fn paths_to(document: &Value, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    walk(document, String::new(), needle, &mut found);
    found
}

fn walk(value: &Value, path: String, needle: &str, found: &mut Vec<String>) {
    match value {
        Value::String(text) if text == needle => found.push(path),
        Value::Object(map) => {
            for (key, child) in map {
                let child_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
                walk(child, child_path, needle, found);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                walk(child, format!("{path}[{index}]"), needle, found);
            }
        }
        _ => {}
    }
}

/// The YAML files directly under `<installer dir>/config`, each as a source; files that are
/// not YAML are skipped with a warning (the installer keeps other files there too).
pub fn read_installer_files(installer_dir: &Path, warnings: &mut Vec<String>) -> Vec<Source> {
    let dir = installer_dir.join(CONFIG_DIR);
    let Ok(listing) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = listing
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|path| {
            let label = path.file_name()?.to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).ok()?;
            match serde_yaml::from_str::<Value>(&text) {
                Ok(document) => Some(Source { label, document }),
                Err(e) => {
                    warnings.push(format!("skipped {}: not YAML ({e})", path.display()));
                    None
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_every_string_equal_to_the_name_with_its_path() {
        let deployment = json!({"spec": {"global": {"k8s": {"common": {
            "dockerSecrets": [{"name": "other"}, {"name": "ess-local-registry"}],
            "imagesDigestsConfigMap": "ess-images-digests"}}}}});
        let sources = [Source { label: "deployment.yml".into(), document: deployment }];
        let secret = reference("ess-local-registry", "Docker Secrets", &sources);
        assert!(secret.referenced);
        assert_eq!(secret.evidence, ["deployment.yml: spec.global.k8s.common.dockerSecrets[1].name"]);
        assert!(!reference("ess-images", "Images Digests Config Map", &sources).referenced);
    }
}
