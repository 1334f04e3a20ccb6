//! Writes the string the ConfigMap's `data.images_digests` holds.

use super::Entry;
use crate::mapping::TargetRef;
use serde_yaml::{Mapping, Value};

/// The first line of the string, so whoever reads the ConfigMap knows where it came from.
/// It carries no version or date, so that re-running an unchanged plan changes nothing.
const HEADER: &str = "# Written by kubectl-essregistry: images pulled from the local registry.\n";

/// `targets[i]` is where `entries[i]` points now; an entry without one is left out (it keeps
/// pulling from upstream). Each is written as the Operator reads it: server and path of the
/// local registry, no tag, `image_digest` only when the target pins one (without it the
/// Operator pulls by tag). Components and sub-components keep the file's order.
pub fn configmap_string(entries: &[Entry], targets: &[Option<TargetRef>]) -> String {
    let mut components = Mapping::new();
    for (entry, target) in entries.iter().zip(targets) {
        let Some(target) = target else { continue };
        let mut fields = Mapping::new();
        if let Some(digest) = &target.digest {
            fields.insert("image_digest".into(), digest.as_str().into());
        }
        fields.insert("image_repository_path".into(), target.repository.as_str().into());
        fields.insert("image_repository_server".into(), target.registry.as_str().into());
        for (key, value) in &entry.extra {
            fields.insert(key.as_str().into(), value.as_str().into());
        }
        let subs = components.entry(entry.component.as_str().into()).or_insert_with(|| Value::Mapping(Mapping::new()));
        if let Value::Mapping(subs) = subs {
            subs.insert(entry.sub.as_str().into(), Value::Mapping(fields));
        }
    }
    if components.is_empty() {
        return HEADER.to_owned();
    }
    let body = serde_yaml::to_string(&components).expect("a mapping of strings always serialises");
    format!("{HEADER}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digests::parse;
    use crate::reference::{RegistryHost, RepoPath};

    #[test]
    fn rewrites_server_and_path_drops_the_tag_and_reads_back() {
        let input = "images_digests:\n  synapse:\n    redis:\n      image_digest: sha256:f786a9a04e0a87bbf4e704d8fb99dbc1b2e36ed738ee7d8dfdedc9e4624a8d02\n      image_repository_path: library/redis\n      image_repository_server: docker.io\n      image_tag: 7.2-alpine\n  adminbot:\n    pipe:\n      image_digest: sha256:fdef296a8cc72a6deba2f879ddc8cc94da8a49027c5da6627ababd100efa9e57\n      image_repository_path: ems-image-store/enterprise/pipe\n      image_repository_server: gitlab-registry.matrix.org\n      image_tag: 2.7.0\n";
        let parsed = parse(input.as_bytes()).unwrap();
        let server = RegistryHost::parse("registry.local:5000").unwrap();
        let paths = [RepoPath::parse("ess/library/redis").unwrap(), RepoPath::parse("ess/pipe").unwrap()];
        let targets: Vec<_> = parsed
            .entries
            .iter()
            .zip(paths)
            .enumerate()
            .map(|(i, (entry, repository))| {
                let digest = (i == 0).then(|| entry.digest.clone());
                Some(TargetRef { registry: server.clone(), repository, tag: None, digest })
            })
            .collect();
        let written = configmap_string(&parsed.entries, &targets);
        assert_eq!(
            written,
            "# Written by kubectl-essregistry: images pulled from the local registry.\nsynapse:\n  redis:\n    image_digest: sha256:f786a9a04e0a87bbf4e704d8fb99dbc1b2e36ed738ee7d8dfdedc9e4624a8d02\n    image_repository_path: ess/library/redis\n    image_repository_server: registry.local:5000\nadminbot:\n  pipe:\n    image_repository_path: ess/pipe\n    image_repository_server: registry.local:5000\n"
        );
        let reread: serde_yaml::Value = serde_yaml::from_str(&written).unwrap();
        assert_eq!(reread["synapse"]["redis"]["image_repository_server"], "registry.local:5000");
        assert!(reread["synapse"]["redis"].get("image_tag").is_none());
    }
}
