//! Every image block of the values, found by walking them: a mapping under a key named `image`
//! that has a `repository`, as the matrix-stack chart writes each of its images. Nothing is
//! known in advance, so a new chart version's new block is found like the others. Lists are
//! not walked: Helm replaces a list whole, so an overlay could not set a block inside one.

use super::values::kind_of;
use super::{ImageBlock, Values};
use crate::problem::Problem;
use crate::reference::{Digest, RegistryHost, RepoPath, Tag};
use serde_yaml::{Mapping, Value};

/// Where the chart's template takes an image from when a block names no registry (its values
/// say "If not specified Docker Hub is implied").
const DEFAULT_REGISTRY: &str = "docker.io";
/// The fields that make an `image` mapping an image block, besides `repository`.
const IMAGE_FIELDS: [&str; 3] = ["registry", "tag", "digest"];

/// The blocks in the values' order, or every problem with them.
pub fn find(values: &Values) -> Result<Vec<ImageBlock>, Vec<Problem>> {
    let mut walk = Walk { values, blocks: Vec::new(), problems: Vec::new() };
    walk.mapping(&values.merged, &mut Vec::new(), true);
    if walk.problems.is_empty() { Ok(walk.blocks) } else { Err(walk.problems) }
}

/// The release's blocks as they pulled before an overlay pointed them at `registry`: such a
/// block takes the registry, repository and digest of the chart's own block, keeping the tag the
/// release gives it; a block that does not point at `registry` is upstream already. What drift
/// is measured against, since the release's values hold the overlay's changes.
pub fn upstream(values: &Values, current: &[ImageBlock], registry: &RegistryHost) -> Vec<ImageBlock> {
    let chart = chart_blocks(values);
    current
        .iter()
        .map(|block| {
            match chart.iter().find(|theirs| theirs.path == block.path).filter(|_| &block.server == registry) {
                Some(theirs) => ImageBlock {
                    server: theirs.server.clone(),
                    repository: theirs.repository.clone(),
                    tag: block.tag.clone().or_else(|| theirs.tag.clone()),
                    digest: theirs.digest.clone(),
                    ..block.clone()
                },
                None => block.clone(),
            }
        })
        .collect()
}

/// The registry an earlier overlay pointed the blocks at (`Chart::overlaid_registry`).
pub fn overlaid_registry(values: &Values, current: &[ImageBlock]) -> Option<RegistryHost> {
    let theirs = chart_blocks(values);
    let moved = current
        .iter()
        .filter(|block| theirs.iter().find(|t| t.path == block.path).is_some_and(|t| t.server != block.server));
    RegistryHost::most_used(moved.map(|block| &block.server))
}

/// The blocks of the chart's own values, without the user's (none where they do not read).
pub fn chart_blocks(values: &Values) -> Vec<ImageBlock> {
    find(&Values::new(values.layers[0].clone(), Vec::new())).unwrap_or_default()
}

struct Walk<'a> {
    values: &'a Values,
    blocks: Vec<ImageBlock>,
    problems: Vec<Problem>,
}

impl Walk<'_> {
    /// `enabled` is false below a mapping that says `enabled: false`: a component not deployed
    /// now, whose blocks are still found so that enabling it later pulls from the local registry.
    fn mapping(&mut self, mapping: &Mapping, keys: &mut Vec<String>, enabled: bool) {
        let enabled = enabled && mapping.get("enabled") != Some(&Value::Bool(false));
        for (key, value) in mapping {
            let (Some(key), Value::Mapping(inner)) = (key.as_str(), value) else { continue };
            keys.push(key.to_owned());
            match inner.get("repository").filter(|_| key == "image") {
                Some(Value::Null) | None if key == "image" && IMAGE_FIELDS.iter().any(|f| inner.contains_key(*f)) => {
                    self.headless(keys);
                }
                Some(Value::Null) | None => self.mapping(inner, keys, enabled),
                Some(_) => self.block(inner, keys, enabled),
            }
            keys.pop();
        }
    }

    /// An `image` mapping with an image's fields but no repository: left unchecked, the chart
    /// would render an image without a name, or the block's component pulls what nobody checked.
    fn headless(&mut self, keys: &[String]) {
        self.problems.push(Problem {
            line: None,
            column: None,
            entry: Some(keys.join(".")),
            message: "sets registry, tag or digest but no repository: an image block needs one (a values file's \
                      `repository: null` removes the chart's)"
                .to_owned(),
        });
    }

    fn block(&mut self, image: &Mapping, keys: &[String], enabled: bool) {
        let path = keys.join(".");
        let problems = self.problems.len();
        let server = match self.string(image, keys, "registry") {
            Some(text) => self.parsed(keys, "registry", text, RegistryHost::parse),
            None => RegistryHost::parse(DEFAULT_REGISTRY).ok(),
        };
        let repository =
            self.string(image, keys, "repository").and_then(|t| self.parsed(keys, "repository", t, RepoPath::parse));
        let tag = self.string(image, keys, "tag").and_then(|t| self.parsed(keys, "tag", t, Tag::parse));
        let digest = self.string(image, keys, "digest").and_then(|t| self.parsed(keys, "digest", t, Digest::parse));
        let pins = ["tag", "digest"].iter().any(|field| image.get(*field).is_some_and(|v| !v.is_null()));
        if !pins {
            self.problems.push(Problem {
                line: None,
                column: None,
                entry: Some(path.clone()),
                message: "sets neither tag nor digest: the chart needs one of them to name the image".to_owned(),
            });
        }
        if let (Some(server), Some(repository), true) = (server, repository, self.problems.len() == problems) {
            self.blocks.push(ImageBlock { path, keys: keys.to_vec(), server, repository, tag, digest, enabled });
        }
    }

    /// The field's text; None when it is not set (or null), or not a string (a problem).
    fn string<'v>(&mut self, image: &'v Mapping, keys: &[String], field: &str) -> Option<&'v str> {
        match image.get(field)? {
            Value::Null => None,
            Value::String(text) => Some(text),
            other => {
                let hint = match other {
                    Value::Number(number) => format!(
                        ": quote it (\"{number}\") in a values file, or give it with --set-string; else the chart renders the \
                         number, which may not be the text written"
                    ),
                    _ => String::new(),
                };
                self.problem(keys, field, format!("is {}, not a string{hint}", kind_of(other)));
                None
            }
        }
    }

    fn parsed<T>(
        &mut self,
        keys: &[String],
        field: &str,
        text: &str,
        parse: fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        parse(text)
            .map_err(|why| self.problem(keys, field, format!("\"{}\" {why}", crate::sanitize::printable(text))))
            .ok()
    }

    /// A problem with one field, naming the layer of values that set it.
    fn problem(&mut self, keys: &[String], field: &str, what: String) {
        let mut field_keys = keys.to_vec();
        field_keys.push(field.to_owned());
        let origin = self.values.origin(&field_keys).map(|name| format!(" (set in {name})")).unwrap_or_default();
        self.problems.push(Problem {
            line: None,
            column: None,
            entry: Some(keys.join(".")),
            message: format!("{field} {what}{origin}"),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::helm::Layer;

    fn values(chart: &str, user: &str) -> Values {
        let layer =
            |name: &str, text: &str| Layer { name: name.to_owned(), values: serde_yaml::from_str(text).unwrap() };
        Values::new(layer("values.yaml", chart), vec![layer("yours.yaml", user)])
    }

    const CHART: &str = "
matrixTools:
  image:
    registry: ghcr.io
    repository: element-hq/ess-helm/matrix-tools
    tag: \"0.10.0\"
    pullSecrets: []
image:
  pullSecrets: []
postgres:
  enabled: true
  postgresExporter:
    image:
      registry: docker.io
      repository: prometheuscommunity/postgres-exporter
      tag: v0.17.0
  image:
    repository: postgres
    tag: 17-alpine
hookshot:
  enabled: false
  image:
    registry: ghcr.io
    repository: matrix-org/matrix-hookshot
    tag: 7.1.0
";

    #[test]
    fn finds_nested_and_disabled_blocks_by_their_values_path() {
        let blocks = find(&values(CHART, "")).unwrap();
        let paths: Vec<_> = blocks.iter().map(|b| b.path.as_str()).collect();
        assert_eq!(paths, ["matrixTools.image", "postgres.postgresExporter.image", "postgres.image", "hookshot.image"]);
        assert_eq!(blocks[2].server.as_str(), "docker.io", "no registry: Docker Hub");
        assert_eq!(blocks.iter().map(|b| b.enabled).collect::<Vec<_>>(), [true, true, true, false]);
        assert_eq!(blocks[1].keys, ["postgres", "postgresExporter", "image"]);
    }

    #[test]
    fn user_values_change_what_is_found() {
        let user = "postgres:\n  image:\n    digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n    tag: null\nhookshot:\n  enabled: true\n  image: null\n";
        let blocks = find(&values(CHART, user)).unwrap();
        let postgres = blocks.iter().find(|b| b.path == "postgres.image").unwrap();
        assert!(postgres.tag.is_none() && postgres.digest.is_some());
        assert!(!blocks.iter().any(|b| b.path == "hookshot.image"), "a null image is no block");
    }

    #[test]
    fn a_release_pointed_at_the_local_registry_is_traced_back_to_the_charts_images() {
        let overlay = "matrixTools:\n  image:\n    registry: reg.local\n    repository: ess/element-hq/ess-helm/matrix-tools\n    digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\npostgres:\n  image:\n    tag: 17.1-alpine\n";
        let values = values(CHART, overlay);
        let current = find(&values).unwrap();
        let upstream = upstream(&values, &current, &RegistryHost::parse("reg.local").unwrap());
        assert_eq!(upstream[0].rendered(), "ghcr.io/element-hq/ess-helm/matrix-tools:0.10.0");
        assert_eq!(
            upstream[2].rendered(),
            "docker.io/postgres:17.1-alpine",
            "upstream already, with the release's tag"
        );
        assert_eq!(upstream.len(), current.len());
    }

    #[test]
    fn problems_name_the_block_the_field_and_the_file_that_set_it() {
        let user = "matrixTools:\n  image:\n    tag: 1.10\npostgres:\n  image:\n    repository: Postgres\n  postgresExporter:\n    image:\n      tag: null\n";
        let problems: Vec<String> = find(&values(CHART, user)).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert_eq!(
            problems[0],
            "matrixTools.image: tag is a number, not a string: quote it (\"1.1\") in a values file, or give it with --set-string; else the chart renders the number, which may not be the text written (set in yours.yaml)"
        );
        assert_eq!(
            problems[1],
            "postgres.postgresExporter.image: sets neither tag nor digest: the chart needs one of them to name the image"
        );
        assert!(
            problems[2].starts_with("postgres.image: repository \"Postgres\" has an invalid component"),
            "{}",
            problems[2]
        );
        assert!(problems[2].ends_with("(set in yours.yaml)"), "{}", problems[2]);
    }

    #[test]
    fn a_block_whose_repository_is_removed_is_a_problem_not_a_silence() {
        let user = "matrixTools:\n  image:\n    repository: null\n";
        let problems: Vec<String> = find(&values(CHART, user)).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(problems[0].starts_with("matrixTools.image: sets registry, tag or digest but no repository"));
        // The top-level `image` (pull secrets only) is no image block, and no problem.
        assert!(find(&values(CHART, "")).is_ok());
    }
}
