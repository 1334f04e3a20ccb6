//! Evidence that the ESS installer references the ConfigMap and the pull secret, weighed as the
//! Operator reads it. The installer's schema is not published: a field is recognised by its key
//! (`imagesDigestsConfigMap`, `dockerSecrets[].name`, the shapes the installer writes today), and
//! a name found under a key of neither kind still counts, as matched by value only, so that a
//! shape this code does not know keeps working.
//!
//! The Operator reconciles the live ElementDeployment, not the installer's files: a name found
//! only in the files is saved, not deployed.

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
        self.config_map.referenced()
            && self.secret.as_ref().is_none_or(Reference::referenced)
            && self.still_upstream.is_empty()
    }
}

/// One of the two installer fields the plugin's objects must be entered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ImagesDigestsConfigMap,
    DockerSecrets,
}

impl Field {
    /// As the administrator sees the field in the installer.
    pub fn label(self) -> &'static str {
        match self {
            Field::ImagesDigestsConfigMap => "Cluster > Advanced > Images Digests Config Map",
            Field::DockerSecrets => "Cluster > Advanced > Docker Secrets",
        }
    }

    /// What a name entered in this field is, for a sentence ("entered as a Docker Secret").
    fn entered_as(self) -> &'static str {
        match self {
            Field::ImagesDigestsConfigMap => "the Images Digests Config Map",
            Field::DockerSecrets => "a Docker Secret",
        }
    }

    /// The field a YAML path is, by its keys: any `dockerSecrets` on the way (the list of pull
    /// secrets, `dockerSecrets[0].name`), else a last key naming the images digests ConfigMap.
    /// Compared without case or separators, as the installer's own spelling has changed before.
    fn of_path(path: &str) -> Option<Field> {
        let keys: Vec<String> = path
            .split('.')
            .map(|key| key.split('[').next().unwrap_or_default().replace(['_', '-'], "").to_lowercase())
            .collect();
        if keys.iter().any(|key| key == "dockersecrets") {
            Some(Field::DockerSecrets)
        } else if keys.last().is_some_and(|key| key.starts_with("imagesdigests")) {
            Some(Field::ImagesDigestsConfigMap)
        } else {
            None
        }
    }
}

/// A document that may hold references, and where it came from.
pub struct Source {
    /// `deployment.yml`, or `ElementDeployment/NAME`.
    pub label: String,
    /// A live ElementDeployment (what the Operator reconciles), not an installer file.
    pub deployed: bool,
    pub document: Value,
}

/// How far the installer references a name, weighed as the Operator sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReferenceState {
    /// In its field of a live ElementDeployment.
    Referenced,
    /// In its field of the installer's files only: deploying from the installer is still to do.
    SavedNotDeployed,
    /// Under the other field (the ConfigMap's name among the Docker Secrets, say).
    WrongField,
    NotReferenced,
}

/// One name the installer must reference, and where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    pub name: String,
    /// The installer's field, as the administrator sees it.
    pub installer_field: &'static str,
    pub state: ReferenceState,
    /// `ElementDeployment/ess: spec.global.k8s.common.dockerSecrets[0].name (Docker Secrets,
    /// recognised by its key)`, live objects first.
    pub evidence: Vec<String>,
    /// What is wrong and what to do, when the state is not `referenced`.
    pub problem: Option<String>,
    /// A referenced name that is also under the other field (in the installer's saved files,
    /// say): the next deploy from the installer would put that live.
    pub warning: Option<String>,
}

impl Reference {
    pub fn referenced(&self) -> bool {
        self.state == ReferenceState::Referenced
    }
}

/// One place a name was found.
struct Found<'a> {
    source: &'a Source,
    path: String,
    field: Option<Field>,
}

impl Found<'_> {
    fn describe(&self) -> String {
        let how = match self.field {
            Some(field) => format!("{}, recognised by its key", field.label()),
            None => "a field not recognised, matched by the value alone".to_owned(),
        };
        format!("{}: {} ({how})", self.source.label, self.path)
    }
}

/// How `sources` reference `name`, which belongs in `field`: a live object's field first, then
/// a name in the other field (the Operator would look for it where it is not), then the
/// installer's saved files.
pub fn reference(name: &str, field: Field, sources: &[Source]) -> Reference {
    let mut found: Vec<Found> = sources
        .iter()
        .flat_map(|source| {
            paths_to(&source.document, name).into_iter().map(move |path| Found {
                field: Field::of_path(&path),
                source,
                path,
            })
        })
        .collect();
    found.sort_by_key(|f| !f.source.deployed);
    let right = |f: &&Found| f.field.is_none_or(|other| other == field);
    let deployed_right = found.iter().filter(right).any(|f| f.source.deployed);
    let wrong = found.iter().find(|f| !right(f));
    let saved_right = found.iter().filter(right).find(|f| !f.source.deployed);
    let warning = match (deployed_right, wrong) {
        (true, Some(wrong)) => Some(format!(
            "{name} is also entered as {} in {} ({}): the next deploy from the installer would put that live; \
             remove it there",
            wrong.field.expect("a wrong field is a recognised one").entered_as(),
            wrong.source.label,
            wrong.path
        )),
        _ => None,
    };
    let (state, problem) = match (deployed_right, wrong, saved_right) {
        (true, _, _) => (ReferenceState::Referenced, None),
        (false, Some(wrong), _) => {
            let other = wrong.field.expect("a wrong field is a recognised one");
            let fix = match saved_right {
                Some(_) => "the installer's saved configuration has it right: deploy from the installer",
                None => "move it to the right field in the installer, then deploy",
            };
            (
                ReferenceState::WrongField,
                Some(format!(
                    "{name} is entered as {} ({}: {}), where the Operator needs {}: {fix}",
                    other.entered_as(),
                    wrong.source.label,
                    wrong.path,
                    field.label()
                )),
            )
        }
        (false, None, Some(saved)) => (
            ReferenceState::SavedNotDeployed,
            Some(format!(
                "{name} is saved in the installer ({}), not deployed yet: deploy from the installer",
                saved.source.label
            )),
        ),
        (false, None, None) => (
            ReferenceState::NotReferenced,
            Some(format!("the installer does not reference {name}: enter it under {}", field.label())),
        ),
    };
    Reference {
        name: name.to_owned(),
        installer_field: field.label(),
        state,
        // A referenced name is backed by its right places only; the others are the warning.
        evidence: found
            .iter()
            .filter(|found| state != ReferenceState::Referenced || right(found))
            .map(Found::describe)
            .collect(),
        problem,
        warning,
    }
}

/// The YAML paths of every string value equal to `needle`.
fn paths_to(document: &Value, needle: &str) -> Vec<String> {
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
                Ok(document) => Some(Source { label, deployed: false, document }),
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

    fn common(fields: Value) -> Value {
        json!({"spec": {"global": {"k8s": {"common": fields}}}})
    }

    fn source(label: &str, deployed: bool, document: Value) -> Source {
        Source { label: label.to_owned(), deployed, document }
    }

    #[test]
    fn a_name_in_its_field_of_the_live_object_is_referenced_with_its_path() {
        let fields = json!({"dockerSecrets": [{"name": "other"}, {"name": "ess-local-registry"}],
            "imagesDigestsConfigMap": "ess-images-digests"});
        let sources = [source("ElementDeployment/ess", true, common(fields))];
        let secret = reference("ess-local-registry", Field::DockerSecrets, &sources);
        assert_eq!(secret.state, ReferenceState::Referenced);
        assert_eq!(
            secret.evidence,
            ["ElementDeployment/ess: spec.global.k8s.common.dockerSecrets[1].name (Cluster > Advanced > Docker \
              Secrets, recognised by its key)"]
        );
        assert_eq!(reference("ess-images-digests", Field::ImagesDigestsConfigMap, &sources).problem, None);
        let absent = reference("ess-images", Field::ImagesDigestsConfigMap, &sources);
        assert_eq!(absent.state, ReferenceState::NotReferenced);
    }

    #[test]
    fn names_in_each_others_fields_are_refused_with_the_field_they_are_in() {
        let fields = json!({"dockerSecrets": [{"name": "ess-images-digests"}],
            "imagesDigestsConfigMap": "ess-local-registry"});
        let sources = [source("ElementDeployment/ess", true, common(fields))];
        let configmap = reference("ess-images-digests", Field::ImagesDigestsConfigMap, &sources);
        assert_eq!(configmap.state, ReferenceState::WrongField);
        let problem = configmap.problem.unwrap();
        assert!(problem.starts_with("ess-images-digests is entered as a Docker Secret (ElementDeployment/ess: spec."));
        assert!(problem.contains("where the Operator needs Cluster > Advanced > Images Digests Config Map"));
        let secret = reference("ess-local-registry", Field::DockerSecrets, &sources);
        assert!(secret.problem.unwrap().starts_with("ess-local-registry is entered as the Images Digests Config Map"));
    }

    #[test]
    fn a_name_only_in_the_installers_files_is_saved_not_deployed() {
        let fields = json!({"imagesDigestsConfigMap": "ess-images-digests"});
        let sources =
            [source("deployment.yml", false, common(fields)), source("ElementDeployment/ess", true, common(json!({})))];
        let configmap = reference("ess-images-digests", Field::ImagesDigestsConfigMap, &sources);
        assert_eq!(configmap.state, ReferenceState::SavedNotDeployed);
        assert_eq!(
            configmap.problem.as_deref(),
            Some(
                "ess-images-digests is saved in the installer (deployment.yml), not deployed yet: deploy from the installer"
            )
        );
    }

    #[test]
    fn a_shape_not_recognised_still_counts_by_value() {
        let sources =
            [source("ElementDeployment/ess", true, json!({"spec": {"registryConfig": "ess-images-digests"}}))];
        let configmap = reference("ess-images-digests", Field::ImagesDigestsConfigMap, &sources);
        assert_eq!(configmap.state, ReferenceState::Referenced);
        assert!(configmap.evidence[0].ends_with("(a field not recognised, matched by the value alone)"));
    }
}
