//! Where each upstream image lives in the local registry, and which entries share an image.

use crate::problem::Problem;
use crate::reference::{Digest, RegistryHost, RepoPath, Tag};
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// How an upstream `server/path` becomes a path in the local registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Layout {
    /// Keep the upstream path: docker.io/vectorim/element-web -> vectorim/element-web.
    #[default]
    Preserve,
    /// Put the upstream host first: docker.io/library/haproxy -> docker.io/library/haproxy.
    SourceHost,
    /// Keep only the last segment, for registries that refuse nested paths: -> element-web.
    Flat,
}

/// `--map FROM=TO`: the upstream prefix FROM (`server[/path]`) is replaced by the path TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapRule {
    from: String,
    to: RepoPath,
}

impl FromStr for MapRule {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (from, to) = text
            .split_once('=')
            .ok_or_else(|| format!("\"{text}\" is not FROM=TO (for example docker.io/library=mirror)"))?;
        let from = from.trim_end_matches('/');
        if from.contains("://") {
            return Err(format!("FROM \"{from}\" must be server[/path] without a scheme"));
        }
        let (server, path) = from.split_once('/').unwrap_or((from, ""));
        RegistryHost::parse(server).map_err(|why| format!("FROM's host \"{server}\" {why}"))?;
        if !path.is_empty() {
            RepoPath::parse(path).map_err(|why| format!("FROM's path \"{path}\" {why}"))?;
        }
        let to = RepoPath::parse(to.trim_matches('/')).map_err(|why| format!("TO \"{to}\" {why}"))?;
        Ok(Self { from: from.to_owned(), to })
    }
}

/// As typed: `FROM=TO`.
impl fmt::Display for MapRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.from, self.to)
    }
}

/// Everything that decides a target path, as given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub registry: RegistryHost,
    pub prefix: Option<RepoPath>,
    pub layout: Layout,
    pub rules: Vec<MapRule>,
}

impl Mapping {
    /// The path in the local registry. The longest matching `--map` wins over the layout;
    /// `--path-prefix` goes in front of every result, as the project every image lives under.
    pub fn target_path(&self, server: &RegistryHost, path: &RepoPath) -> RepoPath {
        let source = format!("{server}/{path}");
        let rule = self
            .rules
            .iter()
            .filter(|rule| source == rule.from || source.starts_with(&format!("{}/", rule.from)))
            .max_by_key(|rule| rule.from.len());
        let mapped = match rule {
            Some(rule) => match source[rule.from.len()..].strip_prefix('/') {
                Some(rest) => rule.to.join(&RepoPath::parse(rest).expect("the rest of a valid path is valid")),
                None => rule.to.clone(),
            },
            None => match self.layout {
                Layout::Preserve => path.clone(),
                Layout::SourceHost => host_as_path(server).join(path),
                Layout::Flat => RepoPath::parse(path.last_component()).expect("a component of a valid path is valid"),
            },
        };
        match &self.prefix {
            Some(prefix) => prefix.join(&mapped),
            None => mapped,
        }
    }
}

/// The mapping as `apply` records it on the ConfigMap (`kubectl-essregistry/mapping`), so that
/// `status` compares a new images_digests with the live one without the mapping flags.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Recorded {
    registry: String,
    path_prefix: Option<String>,
    layout: String,
    map: Vec<String>,
}

impl Mapping {
    /// The mapping that keeps every path as it is, in `registry`: for references already the
    /// local registry's (a live ConfigMap's, a deployed release's).
    pub fn identity(registry: RegistryHost) -> Mapping {
        Mapping { registry, prefix: None, layout: Layout::Preserve, rules: vec![] }
    }

    /// One line of JSON: `{"registry":"reg:5000","pathPrefix":"ess","layout":"preserve","map":[]}`.
    pub fn recorded(&self) -> String {
        let recorded = Recorded {
            registry: self.registry.to_string(),
            path_prefix: self.prefix.as_ref().map(ToString::to_string),
            layout: self.layout.flag_value().to_owned(),
            map: self.rules.iter().map(ToString::to_string).collect(),
        };
        serde_json::to_string(&recorded).expect("strings serialise")
    }

    /// The mapping `recorded` wrote; None for a value that is not one (edited by hand, or
    /// written by a later version), which then counts as not recorded.
    pub fn from_recorded(text: &str) -> Option<Mapping> {
        let recorded: Recorded = serde_json::from_str(text).ok()?;
        Some(Mapping {
            registry: RegistryHost::parse(&recorded.registry).ok()?,
            prefix: recorded.path_prefix.map(|p| RepoPath::parse(&p)).transpose().ok()?,
            layout: <Layout as clap::ValueEnum>::from_str(&recorded.layout, false).ok()?,
            rules: recorded.map.iter().map(|rule| rule.parse()).collect::<Result<_, _>>().ok()?,
        })
    }
}

impl Layout {
    /// As `--layout` takes it.
    pub fn flag_value(self) -> &'static str {
        match self {
            Layout::Preserve => "preserve",
            Layout::SourceHost => "source-host",
            Layout::Flat => "flat",
        }
    }
}

/// The mapping as the flags that give it, for messages: `--registry reg:5000 --path-prefix ess`.
impl fmt::Display for Mapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--registry {}", self.registry)?;
        if let Some(prefix) = &self.prefix {
            write!(f, " --path-prefix {prefix}")?;
        }
        if self.layout != Layout::Preserve {
            write!(f, " --layout {}", self.layout.flag_value())?;
        }
        for rule in &self.rules {
            write!(f, " --map {rule}")?;
        }
        Ok(())
    }
}

/// A host name is a valid path component once its port separator is replaced.
fn host_as_path(server: &RegistryHost) -> RepoPath {
    let text = server.as_str().replace(':', "-").replace(['[', ']'], "");
    RepoPath::parse(&text.to_ascii_lowercase()).unwrap_or_else(|_| RepoPath::parse("registry").expect("valid"))
}

/// One image an input names, whichever the input: every reader (images_digests, a live
/// ConfigMap, a chart's values, a release, a bundle) yields these, and everything after the
/// reader works on them alone. An images_digests entry pins a digest (and mostly a tag), a
/// chart's image block mostly a tag alone, a live ConfigMap's entry a digest alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The name messages and reports give it: `component/sub`, or a values path.
    pub name: String,
    pub server: RegistryHost,
    pub path: RepoPath,
    pub tag: Option<Tag>,
    pub digest: Option<Digest>,
    /// Where it starts in its file, when the input has lines to point at.
    pub line: Option<usize>,
    /// False for a chart block of a component its values disable (below `enabled: false`): it
    /// does not run, so it counts for nothing unless `--include-disabled`.
    pub enabled: bool,
}

impl Pinned {
    /// `server/path:tag@digest` (or without the part not pinned), the upstream image exactly as pinned.
    pub fn source(&self) -> String {
        let tag = self.tag.as_ref().map(|tag| format!(":{tag}")).unwrap_or_default();
        let digest = self.digest.as_ref().map(|digest| format!("@{digest}")).unwrap_or_default();
        format!("{}/{}{tag}{digest}", self.server, self.path)
    }
}

/// Where an entry points once it is pulled from the local registry: what the ConfigMap's entry
/// and the Helm overlay's block are both rendered from. `digest` None: pulled by its tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRef {
    pub registry: RegistryHost,
    pub repository: RepoPath,
    pub tag: Option<Tag>,
    pub digest: Option<Digest>,
}

impl TargetRef {
    /// `registry/repository@digest`, else `registry/repository:tag`: the image a pod gets, as
    /// kubelet is given it (the chart's `_pods.tpl` renders a block so).
    pub fn rendered(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => format!("{}/{}@{digest}", self.registry, self.repository),
            (None, Some(tag)) => format!("{}/{}:{tag}", self.registry, self.repository),
            (None, None) => format!("{}/{}", self.registry, self.repository),
        }
    }
}

/// One upstream image (server, path, tag, digest) and the entries that use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// `server/path` upstream, as the server serves it (`docker.io/library/postgres` for a
    /// `postgres` on Docker Hub); the target keeps the path as the input writes it.
    pub upstream: String,
    pub target: RepoPath,
    /// None for an entry written for the Operator: the image is known by its digest alone.
    pub tag: Option<Tag>,
    /// None for a chart's image block that pins only a tag: the local registry's tag decides
    /// the digest.
    pub digest: Option<Digest>,
    /// Indexes into the entry list, in file order.
    pub entries: Vec<usize>,
}

impl Image {
    /// Whether a component that runs uses it (`entries` index `pinned`).
    pub fn enabled(&self, pinned: &[Pinned]) -> bool {
        self.entries.iter().any(|&entry| pinned[entry].enabled)
    }

    /// `server/path:tag` (or `server/path@digest`), the upstream image as administrators name it.
    pub fn source(&self) -> String {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => format!("{}:{tag}", self.upstream),
            (None, Some(digest)) => format!("{}@{digest}", self.upstream),
            (None, None) => self.upstream.clone(),
        }
    }
}

/// `target:tag`, or `target@digest` for an image without a tag.
impl fmt::Display for Image {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => write!(f, "{}:{tag}", self.target),
            (None, Some(digest)) => write!(f, "{}@{digest}", self.target),
            (None, None) => write!(f, "{}", self.target),
        }
    }
}

/// Groups entries by upstream image in order of first appearance, and refuses two different
/// upstream images that would share one target tag: one of them would silently be lost.
pub fn map_images(entries: &[Pinned], mapping: &Mapping) -> Result<Vec<Image>, Vec<Problem>> {
    let mut images: Vec<Image> = Vec::new();
    let mut by_source: HashMap<String, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        if entry.tag.is_none() && entry.digest.is_none() {
            problems.push(Problem {
                line: entry.line,
                column: None,
                entry: Some(entry.name.clone()),
                message: "pins neither a tag nor a digest: there is nothing to look up".to_owned(),
            });
            continue;
        }
        let source = entry.source();
        match by_source.get(&source) {
            Some(&image) => images[image].entries.push(index),
            None => {
                by_source.insert(source.clone(), images.len());
                images.push(Image {
                    upstream: format!("{}/{}", entry.server, entry.path.normalized_on(&entry.server)),
                    target: mapping.target_path(&entry.server, &entry.path),
                    tag: entry.tag.clone(),
                    digest: entry.digest.clone(),
                    entries: vec![index],
                });
            }
        }
    }
    let mut by_target: HashMap<(&RepoPath, &Tag), &Image> = HashMap::new();
    // Images without a tag never collide: each is known by its own digest.
    for image in images.iter().filter(|image| image.tag.is_some()) {
        let tag = image.tag.as_ref().expect("filtered above");
        if let Some(first) = by_target.insert((&image.target, tag), image) {
            let a = &entries[first.entries[0]];
            let b = &entries[image.entries[0]];
            problems.push(Problem {
                line: b.line,
                column: None,
                entry: Some(b.name.clone()),
                message: format!(
                    "{} and {} ({}) would both be {}/{image}; choose another --layout or add a --map for one of them",
                    b.source(),
                    a.source(),
                    a.name,
                    mapping.registry
                ),
            });
        }
    }
    if problems.is_empty() { Ok(images) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(layout: Layout, prefix: Option<&str>, rules: &[&str]) -> Mapping {
        Mapping {
            registry: RegistryHost::parse("localregistry.local").unwrap(),
            prefix: prefix.map(|p| RepoPath::parse(p).unwrap()),
            layout,
            rules: rules.iter().map(|r| r.parse().unwrap()).collect(),
        }
    }

    fn target(mapping: &Mapping, server: &str, path: &str) -> String {
        mapping.target_path(&RegistryHost::parse(server).unwrap(), &RepoPath::parse(path).unwrap()).to_string()
    }

    #[test]
    fn layouts_and_prefix() {
        let preserve = mapping(Layout::Preserve, Some("elementdeployment"), &[]);
        assert_eq!(target(&preserve, "docker.io", "vectorim/element-web"), "elementdeployment/vectorim/element-web");
        let host = mapping(Layout::SourceHost, None, &[]);
        assert_eq!(target(&host, "docker.io", "library/haproxy"), "docker.io/library/haproxy");
        assert_eq!(target(&host, "reg.example:5000", "a/b"), "reg.example-5000/a/b");
        let flat = mapping(Layout::Flat, Some("ess"), &[]);
        assert_eq!(target(&flat, "gitlab-registry.matrix.org", "ems-image-store/enterprise/pipe"), "ess/pipe");
    }

    #[test]
    fn the_longest_map_wins_over_the_layout() {
        let rules = [
            "gitlab-registry.matrix.org/ems-image-store=ems",
            "gitlab-registry.matrix.org/ems-image-store/enterprise=ess",
            "docker.io=hub",
        ];
        let m = mapping(Layout::Flat, None, &rules);
        assert_eq!(target(&m, "gitlab-registry.matrix.org", "ems-image-store/enterprise/pipe"), "ess/pipe");
        assert_eq!(target(&m, "gitlab-registry.matrix.org", "ems-image-store/other/x"), "ems/other/x");
        assert_eq!(target(&m, "docker.io", "library/redis"), "hub/library/redis");
        // A prefix of a component is not a match.
        assert_eq!(target(&m, "gitlab-registry.matrix.org", "ems-image-store-x/y"), "y");
        let exact = mapping(Layout::Preserve, Some("p"), &["ghcr.io/element-hq/element-call=call"]);
        assert_eq!(target(&exact, "ghcr.io", "element-hq/element-call"), "p/call");
    }

    #[test]
    fn map_rules_are_validated() {
        assert!("docker.io".parse::<MapRule>().unwrap_err().contains("FROM=TO"));
        assert!("https://docker.io=x".parse::<MapRule>().unwrap_err().contains("scheme"));
        assert!("docker.io=Upper".parse::<MapRule>().unwrap_err().contains("TO"));
    }

    fn entry(name: &str, server: &str, path: &str, tag: Option<&str>, line: Option<usize>) -> Pinned {
        Pinned {
            name: name.into(),
            server: RegistryHost::parse(server).unwrap(),
            path: RepoPath::parse(path).unwrap(),
            tag: tag.map(|t| Tag::parse(t).unwrap()),
            digest: line.map(|_| Digest::of(path.as_bytes())),
            line,
            enabled: true,
        }
    }

    #[test]
    fn tag_only_entries_map_by_their_name_and_one_that_names_no_image_is_refused() {
        let blocks = [
            entry("synapse.image", "ghcr.io", "element-hq/synapse", Some("v1"), None),
            entry("b.image", "ghcr.io", "org/synapse", Some("v1"), None),
        ];
        let images = map_images(&blocks, &mapping(Layout::Preserve, Some("ess"), &[])).unwrap();
        assert_eq!((images[0].to_string(), images[0].digest.clone()), ("ess/element-hq/synapse:v1".to_owned(), None));
        let clash = map_images(&blocks, &mapping(Layout::Flat, None, &[])).unwrap_err();
        assert_eq!((clash[0].entry.as_deref(), clash[0].line), (Some("b.image"), None));
        let unnamed =
            map_images(&[entry("x.image", "ghcr.io", "org/x", None, None)], &mapping(Layout::Flat, None, &[]))
                .unwrap_err();
        assert!(unnamed[0].message.contains("pins neither a tag nor a digest"), "{unnamed:?}");
    }

    #[test]
    fn a_one_component_docker_hub_name_is_fetched_as_library_and_kept_as_written_locally() {
        let entries = [
            entry("postgres.image", "docker.io", "postgres", Some("17-alpine"), None),
            entry("other.image", "ghcr.io", "postgres", Some("16"), None),
        ];
        let images = map_images(&entries, &mapping(Layout::Preserve, Some("ess"), &[])).unwrap();
        assert_eq!(images[0].source(), "docker.io/library/postgres:17-alpine");
        assert_eq!(images[0].target.as_str(), "ess/postgres");
        assert_eq!(images[1].source(), "ghcr.io/postgres:16", "only Docker Hub has official images");
    }

    #[test]
    fn shared_images_are_checked_once_and_collisions_refused() {
        let entries = [
            entry("adminbot/main", "docker.io", "library/haproxy", Some("2.8"), Some(3)),
            entry("synapse/main", "docker.io", "library/haproxy", Some("2.8"), Some(9)),
            entry("groupsync/main", "gitlab-registry.matrix.org", "ems/enterprise/groupsync", Some("1"), Some(15)),
        ];
        let images = map_images(&entries, &mapping(Layout::Preserve, None, &[])).unwrap();
        assert_eq!(images.len(), 2);
        assert_eq!(images[0].entries, [0, 1]);

        let clash = [
            entry("a/main", "docker.io", "org1/pipe", Some("1"), Some(3)),
            entry("b/main", "ghcr.io", "org2/pipe", Some("1"), Some(9)),
        ];
        let problems = map_images(&clash, &mapping(Layout::Flat, None, &[])).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, Some(9));
        assert!(problems[0].message.contains("would both be localregistry.local/pipe:1"), "{}", problems[0].message);
    }
}
