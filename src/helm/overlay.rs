//! The values overlay: laid over the chart's values and the admin's own (`-f yours.yaml -f
//! overlay.yaml`), it sets `registry`, `repository` and `digest` on every block whose image is
//! ready, so that the chart's template (`_pods.tpl`) renders `registry/repository@digest` and
//! pulls it `IfNotPresent`; and it names the pull secret in the top-level `image.pullSecrets`,
//! which every pod takes. Blocks that are not ready are left out, and keep pulling from upstream.

use super::ImageBlock;
use crate::mapping::TargetRef;
use crate::sanitize::command_line;
use serde_yaml::{Mapping, Value};

const HEADER: &str = "# Written by kubectl-essregistry: the chart's image blocks pulled from the local registry.\n";

/// How the overlay is laid over the values it was made from: what its header says, so that it
/// matches the helm command printed with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Usage {
    /// Over the chart's values and the admin's own files (`--chart`, the files in their order):
    /// `-f yours.yaml -f this`.
    Layered(Vec<String>),
    /// Over a release's values (`--release`): `--reuse-values -f this`, which keeps what the
    /// release has, so the overlay leaves out the pull secret the release already names.
    ReuseValues,
}

impl Usage {
    fn header(&self) -> String {
        match self {
            Usage::Layered(files) => {
                let yours: String =
                    files.iter().map(|file| format!(" -f {}", command_line(std::slice::from_ref(file)))).collect();
                format!("# Lay it over your own values, last: helm upgrade ...{yours} -f this-file.yaml\n")
            }
            Usage::ReuseValues => {
                "# Lay it over the release's values: helm upgrade RELEASE ... --reuse-values -f this-file.yaml\n"
                    .to_owned()
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub usage: Usage,
    pub values: Mapping,
    /// The blocks left out, not ready: they still pull from upstream.
    pub left_out: Vec<String>,
}

impl Overlay {
    /// `targets[i]` is where `blocks[i]` points now (None: not ready, left out), and
    /// `counted[i]` whether its component counts (runs, or `--include-disabled`); `pull_secrets`
    /// is the list to set as `image.pullSecrets`, if any.
    pub fn new(
        blocks: &[ImageBlock],
        targets: &[Option<TargetRef>],
        counted: &[bool],
        pull_secrets: Option<Value>,
        usage: Usage,
    ) -> Overlay {
        let mut values = Mapping::new();
        if let Some(list) = pull_secrets {
            set(&mut values, &["image".to_owned()], "pullSecrets", list);
        }
        let mut left_out = Vec::new();
        for ((block, target), counted) in blocks.iter().zip(targets).zip(counted) {
            let Some(target) = target else {
                // A disabled component pulls nothing: it is not "still pulling from upstream".
                if *counted {
                    left_out.push(block.path.clone());
                }
                continue;
            };
            set(&mut values, &block.keys, "registry", Value::from(target.registry.as_str()));
            set(&mut values, &block.keys, "repository", Value::from(target.repository.as_str()));
            // `null` removes a digest the chart or the admin pinned, so the image is pulled by tag.
            let digest = target.digest.as_ref().map_or(Value::Null, |digest| Value::from(digest.as_str()));
            set(&mut values, &block.keys, "digest", digest);
        }
        Overlay { usage, values, left_out }
    }

    /// The overlay as a values file: what it is and how to use it, the blocks left out, then
    /// the values. Nothing in it changes from run to run unless the images do.
    pub fn render(&self) -> String {
        let mut text = format!("{HEADER}{}", self.usage.header());
        if !self.left_out.is_empty() {
            text.push_str(&format!("# Not ready, still pulling from upstream: {}\n", self.left_out.join(", ")));
        }
        if self.values.get("image").is_some() {
            text.push_str("# image.pullSecrets also lists the pull secrets your values name, if any: Helm replaces a list whole.\n");
        }
        text.push_str(&serde_yaml::to_string(&self.values).expect("values of strings always serialise"));
        text
    }
}

/// The top-level `image.pullSecrets` that makes pods use `secret`: the list the values have,
/// with `secret` added, since Helm replaces a list rather than merging it. None when the list
/// names it already.
pub fn pull_secrets(values: &Mapping, secret: &str) -> Option<Value> {
    let current = values.get("image").and_then(|i| i.get("pullSecrets")).and_then(Value::as_sequence);
    let named = |item: &Value| item.get("name").and_then(Value::as_str) == Some(secret);
    if current.is_some_and(|list| list.iter().any(named)) {
        return None;
    }
    let mut list = current.cloned().unwrap_or_default();
    let mut ours = Mapping::new();
    ours.insert("name".into(), secret.into());
    list.push(Value::Mapping(ours));
    Some(Value::Sequence(list))
}

/// Sets `field` of the mapping at `keys`, making the mappings on the way.
fn set(values: &mut Mapping, keys: &[String], field: &str, value: Value) {
    let mut current = values;
    for key in keys {
        let entry = current.entry(Value::from(key.as_str())).or_insert_with(|| Value::Mapping(Mapping::new()));
        if !entry.is_mapping() {
            *entry = Value::Mapping(Mapping::new());
        }
        current = entry.as_mapping_mut().expect("made a mapping above");
    }
    current.insert(Value::from(field), value);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::{Digest, RegistryHost, RepoPath, Tag};

    fn block(path: &str, repository: &str, digest: Option<Digest>) -> ImageBlock {
        ImageBlock {
            path: path.to_owned(),
            keys: path.split('.').map(str::to_owned).collect(),
            server: RegistryHost::parse("docker.io").unwrap(),
            repository: RepoPath::parse(repository).unwrap(),
            tag: Some(Tag::parse("1.0").unwrap()),
            digest,
            enabled: true,
        }
    }

    /// The three blocks, the first pointed at the local digest, the second at `second`, the
    /// third not ready.
    fn overlay(second: Option<Digest>, secrets: Option<Value>) -> Overlay {
        let blocks = [
            block("matrixTools.image", "element-hq/matrix-tools", None),
            block(
                "postgres.postgresExporter.image",
                "prometheuscommunity/postgres-exporter",
                Some(Digest::of(b"pinned")),
            ),
            block("postgres.image", "postgres", None),
        ];
        let target = |block: &ImageBlock, digest| TargetRef {
            registry: RegistryHost::parse("reg.local:5000").unwrap(),
            repository: block.repository.clone(),
            tag: block.tag.clone(),
            digest,
        };
        let targets = [Some(target(&blocks[0], Some(Digest::of(b"local")))), Some(target(&blocks[1], second)), None];
        Overlay::new(&blocks, &targets, &[true; 3], secrets, Usage::Layered(vec!["yours.yaml".to_owned()]))
    }

    #[test]
    fn ready_blocks_get_the_local_registry_and_a_digest_and_the_rest_are_listed() {
        let local = Digest::of(b"local");
        let overlay = overlay(Some(Digest::of(b"pinned")), None);
        let tools = &overlay.values["matrixTools"]["image"];
        assert_eq!(tools["registry"], Value::from("reg.local:5000"));
        assert_eq!(tools["repository"], Value::from("element-hq/matrix-tools"));
        assert_eq!(tools["digest"], Value::from(local.as_str()), "the tag's digest in the local registry");
        let exporter = &overlay.values["postgres"]["postgresExporter"]["image"];
        assert_eq!(exporter["digest"], Value::from(Digest::of(b"pinned").as_str()), "the pinned digest is kept");
        assert!(overlay.values["postgres"].get("image").is_none());
        assert_eq!(overlay.left_out, ["postgres.image"]);
        let text = overlay.render();
        assert!(text.contains("# Not ready, still pulling from upstream: postgres.image\n"), "{text}");
        assert!(text.contains("matrixTools:\n  image:\n    registry: reg.local:5000\n    repository: element-hq/matrix-tools\n    digest: sha256:"), "{text}");
    }

    #[test]
    fn a_dropped_digest_is_removed_with_null_and_the_pull_secret_joins_the_list() {
        let theirs: Mapping = serde_yaml::from_str("image:\n  pullSecrets:\n  - name: theirs\n").unwrap();
        let secrets = pull_secrets(&theirs, "ess-local-registry");
        let overlay = overlay(None, secrets);
        assert_eq!(overlay.values["postgres"]["postgresExporter"]["image"]["digest"], Value::Null);
        let names: Vec<_> = overlay.values["image"]["pullSecrets"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["theirs", "ess-local-registry"]);
        assert!(overlay.render().contains("# image.pullSecrets also lists the pull secrets your values name"));
        let already: Mapping = serde_yaml::from_str("image:\n  pullSecrets:\n  - name: ess-local-registry\n").unwrap();
        assert_eq!(pull_secrets(&already, "ess-local-registry"), None);
    }
}
