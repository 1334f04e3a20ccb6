//! Writes the string the ConfigMap's `data.images_digests` holds.

use super::Entry;
use crate::reference::{Digest, RegistryHost, RepoPath};
use serde_yaml::{Mapping, Value};

/// The first line of the string, so whoever reads the ConfigMap knows where it came from.
/// It carries no version or date, so that re-running an unchanged plan changes nothing.
const HEADER: &str = "# Written by kubectl-essregistry: images pulled from the local registry.\n";

/// One entry as the Operator will read it: pointed at the local registry, without its tag.
pub struct Rewritten<'a> {
    pub entry: &'a Entry,
    pub server: &'a RegistryHost,
    pub path: &'a RepoPath,
    /// `None` writes no `image_digest`, which lets the Operator pull by tag.
    pub digest: Option<&'a Digest>,
}

/// Components and sub-components keep the order in which the entries come (the file's order).
pub fn configmap_string<'a>(entries: impl IntoIterator<Item = Rewritten<'a>>) -> String {
    let mut components = Mapping::new();
    for rewritten in entries {
        let entry = rewritten.entry;
        let mut fields = Mapping::new();
        if let Some(digest) = rewritten.digest {
            fields.insert("image_digest".into(), digest.as_str().into());
        }
        fields.insert("image_repository_path".into(), rewritten.path.as_str().into());
        fields.insert("image_repository_server".into(), rewritten.server.as_str().into());
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

    #[test]
    fn rewrites_server_and_path_drops_the_tag_and_reads_back() {
        let input = "images_digests:\n  synapse:\n    redis:\n      image_digest: sha256:f786a9a04e0a87bbf4e704d8fb99dbc1b2e36ed738ee7d8dfdedc9e4624a8d02\n      image_repository_path: library/redis\n      image_repository_server: docker.io\n      image_tag: 7.2-alpine\n  adminbot:\n    pipe:\n      image_digest: sha256:fdef296a8cc72a6deba2f879ddc8cc94da8a49027c5da6627ababd100efa9e57\n      image_repository_path: ems-image-store/enterprise/pipe\n      image_repository_server: gitlab-registry.matrix.org\n      image_tag: 2.7.0\n";
        let parsed = parse(input.as_bytes()).unwrap();
        let server = RegistryHost::parse("registry.local:5000").unwrap();
        let paths = [RepoPath::parse("ess/library/redis").unwrap(), RepoPath::parse("ess/pipe").unwrap()];
        let written = configmap_string(parsed.entries.iter().zip(&paths).enumerate().map(|(i, (entry, path))| {
            Rewritten { entry, server: &server, path, digest: (i == 0).then_some(&entry.digest) }
        }));
        assert_eq!(
            written,
            "# Written by kubectl-essregistry: images pulled from the local registry.\nsynapse:\n  redis:\n    image_digest: sha256:f786a9a04e0a87bbf4e704d8fb99dbc1b2e36ed738ee7d8dfdedc9e4624a8d02\n    image_repository_path: ess/library/redis\n    image_repository_server: registry.local:5000\nadminbot:\n  pipe:\n    image_repository_path: ess/pipe\n    image_repository_server: registry.local:5000\n"
        );
        let reread: serde_yaml::Value = serde_yaml::from_str(&written).unwrap();
        assert_eq!(reread["synapse"]["redis"]["image_repository_server"], "registry.local:5000");
        assert!(reread["synapse"]["redis"].get("image_tag").is_none());
    }
}
