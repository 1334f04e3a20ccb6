//! The registries ESS pulls from (docker.io, ghcr.io, gitlab-registry.matrix.org), stood in for
//! by one loopback registry holding each host's repositories under a prefix of the host's name,
//! as an Artifactory remote repository or a Harbor proxy cache serves them. `mirror` is pointed
//! there with `--source-mirror HOST=http://127.0.0.1:PORT/HOST`, so nothing reaches the
//! internet, while the images_digests file names the real hosts, as the installer's does.

use crate::images::{Family, FamilySpec, Member};
use crate::registry::{Registry, RegistryConfig};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The hosts ESS's images_digests names.
pub const HOSTS: [&str; 3] = ["docker.io", "ghcr.io", "gitlab-registry.matrix.org"];

/// The ESS images the mirror tests carry, as (component, sub-component, upstream reference):
/// five images on all three hosts, one of them shared by two components (as haproxy is).
pub const ESS: [(&str, &str, &str); 6] = [
    ("adminbot", "haproxy", "docker.io/library/haproxy:2.8-alpine"),
    ("element_call", "jwt", "ghcr.io/element-hq/lk-jwt-service:0.1.1"),
    ("element_web", "element_web", "docker.io/vectorim/element-web:v1.11.45"),
    ("hookshot", "hookshot", "ghcr.io/matrix-org/matrix-hookshot:5.2.1"),
    ("pipe", "pipe", "gitlab-registry.matrix.org/ems-image-store/enterprise/pipe:2.7.0"),
    ("synapse", "haproxy", "docker.io/library/haproxy:2.8-alpine"),
];

/// One entry of images_digests.yml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub component: String,
    pub sub: String,
    pub server: String,
    pub path: String,
    pub tag: String,
    pub digest: String,
}

impl Entry {
    /// `server/path:tag`: how the installer, `plan` and a bundle's index.json name the image.
    pub fn reference(&self) -> String {
        format!("{}/{}:{}", self.server, self.path, self.tag)
    }

    /// The repository `plan --path-prefix ess` looks in: `ess/PATH`.
    pub fn target_repo(&self) -> String {
        format!("ess/{}", self.path)
    }

    /// The repository that stands for `server/path` in the loopback upstream registry.
    pub fn upstream_repo(&self) -> String {
        format!("{}/{}", self.server, self.path)
    }
}

/// One image block of a chart's values, as the chart writes it (`registry: docker.io`,
/// `repository: postgres`).
#[derive(Debug, Clone, Copy)]
pub struct ChartBlock<'a> {
    /// The block's values path: `postgres.image`.
    pub path: &'a str,
    pub registry: &'a str,
    pub repository: &'a str,
    pub tag: &'a str,
}

/// `repository` as `registry` serves it: Docker Hub serves an official image only as
/// `library/NAME` (what docker, containerd, skopeo and kubelet ask for when a name has one
/// segment), every other registry the path as written.
pub fn served_repository(registry: &str, repository: &str) -> String {
    if registry == "docker.io" && !repository.contains('/') {
        format!("library/{repository}")
    } else {
        repository.to_owned()
    }
}

/// One image to publish upstream, and the entry that pins it.
pub struct Publish<'a> {
    pub component: &'a str,
    pub sub: &'a str,
    /// `server/path:tag`.
    pub reference: &'a str,
    pub member: &'a Member,
}

/// The loopback upstream registry and the images_digests entries pinning what it holds.
pub struct Upstreams {
    pub registry: Registry,
    entries: Vec<Entry>,
    dir: TempDir,
}

impl Upstreams {
    pub fn start() -> Upstreams {
        let registry = Registry::start(RegistryConfig::default());
        Upstreams { registry, entries: Vec::new(), dir: tempfile::tempdir().expect("upstreams dir") }
    }

    /// The ESS set of `ESS`, from a family built by `spec` (five members at least): images that
    /// share base layers, so that mounting and sending each blob once matter.
    pub fn ess(spec: &FamilySpec) -> (Upstreams, Family) {
        Upstreams::family("ess", &ESS, spec)
    }

    /// The images of a chart's `blocks`, each published where its registry serves it (see
    /// `served_repository`): Docker Hub's official images only as `library/NAME`, so that a
    /// request for the chart's one-segment `postgres` is not found, as on Docker Hub. Entries are
    /// named by the block's values path (component) and `image` (sub-component).
    pub fn chart(blocks: &[ChartBlock], spec: &FamilySpec) -> (Upstreams, Family) {
        let published: Vec<(String, String)> = blocks
            .iter()
            .map(|block| {
                let served = served_repository(block.registry, block.repository);
                (block.path.to_owned(), format!("{}/{served}:{}", block.registry, block.tag))
            })
            .collect();
        let images: Vec<(&str, &str, &str)> =
            published.iter().map(|(path, reference)| (path.as_str(), "image", reference.as_str())).collect();
        Upstreams::family("chart", &images, spec)
    }

    /// `images` as (component, sub-component, `server/path:tag`), each distinct reference a member
    /// of a family named `name` built by `spec` (as many members at least).
    fn family(name: &str, images: &[(&str, &str, &str)], spec: &FamilySpec) -> (Upstreams, Family) {
        let mut distinct: Vec<&str> = Vec::new();
        for (_, _, reference) in images {
            if !distinct.contains(reference) {
                distinct.push(reference);
            }
        }
        assert!(spec.members >= distinct.len(), "{name} has {} distinct images", distinct.len());
        let family = Family::build(name, spec);
        let mut upstreams = Upstreams::start();
        let publish: Vec<Publish> = images
            .iter()
            .map(|(component, sub, reference)| {
                let index = distinct.iter().position(|r| r == reference).expect("listed above");
                Publish { component, sub, reference, member: &family.members[index] }
            })
            .collect();
        upstreams.publish(&publish);
        (upstreams, family)
    }

    /// Pushes each distinct reference once (`skopeo copy --all --preserve-digests`, four at a
    /// time) and lists every entry, in order.
    pub fn publish(&mut self, images: &[Publish]) {
        let mut pushes: Vec<(Entry, &Member)> = Vec::new();
        for image in images {
            let (server, rest) = image.reference.split_once('/').expect("server/path:tag");
            let (path, tag) = rest.rsplit_once(':').expect("server/path:tag");
            let entry = Entry {
                component: image.component.to_owned(),
                sub: image.sub.to_owned(),
                server: server.to_owned(),
                path: path.to_owned(),
                tag: tag.to_owned(),
                digest: image.member.digest.clone(),
            };
            if !pushes.iter().any(|(pushed, _)| pushed.reference() == entry.reference()) {
                pushes.push((entry.clone(), image.member));
            }
            self.entries.push(entry);
        }
        let registry = &self.registry;
        std::thread::scope(|scope| {
            for worker in 0..4 {
                let pushes = &pushes;
                scope.spawn(move || {
                    for (entry, member) in pushes.iter().skip(worker).step_by(4) {
                        member.push(registry, &entry.upstream_repo(), &entry.tag);
                    }
                });
            }
        });
    }

    /// Pins every entry of `server/path` to `digest` from now on: the tag was pushed again
    /// (with an attestation manifest added to its index, say).
    pub fn repin(&mut self, upstream_repo: &str, digest: &str) {
        for entry in self.entries.iter_mut().filter(|entry| entry.upstream_repo() == upstream_repo) {
            entry.digest = digest.to_owned();
        }
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Each upstream image once, in the order first listed.
    pub fn images(&self) -> Vec<&Entry> {
        let mut images: Vec<&Entry> = Vec::new();
        for entry in &self.entries {
            if !images.iter().any(|seen| seen.reference() == entry.reference()) {
                images.push(entry);
            }
        }
        images
    }

    /// Writes images_digests.yml with every entry, and returns where.
    pub fn digests_file(&self) -> PathBuf {
        let path = self.dir.path().join("images_digests.yml");
        std::fs::write(&path, images_digests(&self.entries)).expect("write images_digests.yml");
        path
    }

    /// `--source-mirror HOST=http://127.0.0.1:PORT/HOST` for each upstream host.
    pub fn source_mirror_args(&self) -> Vec<String> {
        self.source_mirror_args_via(&self.registry.host())
    }

    /// As `source_mirror_args`, through what stands in front of the upstream registry at
    /// `front` (a fault proxy).
    pub fn source_mirror_args_via(&self, front: &str) -> Vec<String> {
        self.hosts()
            .iter()
            .flat_map(|host| ["--source-mirror".to_owned(), format!("{host}=http://{front}/{host}")])
            .collect()
    }

    /// Every host stood in for: ESS's `HOSTS`, then any other host an entry names (a chart's
    /// `oci.element.io`), in the order first named.
    pub fn hosts(&self) -> Vec<&str> {
        let mut hosts: Vec<&str> = HOSTS.to_vec();
        for entry in &self.entries {
            if !hosts.contains(&entry.server.as_str()) {
                hosts.push(&entry.server);
            }
        }
        hosts
    }

    /// The manifest requests (`GET` or `HEAD`) the stand-in upstream answered for `server/path`,
    /// as (status, tag or digest): what a mirror asked upstream for.
    pub fn manifest_requests(&self, server: &str, path: &str) -> Vec<(u16, String)> {
        let prefix = format!("/v2/{server}/{path}/manifests/");
        let requests = self.registry.requests();
        let reads = requests.iter().filter(|r| r.method == "GET" || r.method == "HEAD");
        reads.filter_map(|r| Some((r.status, r.path.strip_prefix(&prefix)?.to_owned()))).collect()
    }

    /// `mirror -f FILE --registry TARGET --registry-plain-http --path-prefix ess`, the
    /// `--source-mirror` flags, then `extra`.
    pub fn mirror_args(&self, target: &str, extra: &[&str]) -> Vec<String> {
        let digests = self.digests_file().display().to_string();
        let mut args = strings(&["mirror", "-f", &digests]);
        args.extend(target_args(target));
        args.extend(self.source_mirror_args());
        args.extend(strings(extra));
        args
    }

    /// `mirror -f FILE --to-bundle BUNDLE`, the `--source-mirror` flags, then `extra`.
    pub fn to_bundle_args(&self, bundle: &Path, extra: &[&str]) -> Vec<String> {
        let digests = self.digests_file().display().to_string();
        let mut args = strings(&["mirror", "-f", &digests, "--to-bundle", &bundle.display().to_string()]);
        args.extend(self.source_mirror_args());
        args.extend(strings(extra));
        args
    }
}

/// `mirror --from-bundle BUNDLE --registry TARGET --registry-plain-http --path-prefix ess`, then
/// `extra`: the air-gapped side, which knows nothing of upstream.
pub fn from_bundle_args(bundle: &Path, target: &str, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["mirror", "--from-bundle", &bundle.display().to_string()]);
    args.extend(target_args(target));
    args.extend(strings(extra));
    args
}

/// `plan --offline -f FILE --registry TARGET --registry-plain-http --path-prefix ess -o json`,
/// FILE being an images_digests file or a bundle.
pub fn plan_args(file: &Path, target: &str, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["plan", "--offline", "-f", &file.display().to_string()]);
    args.extend(target_args(target));
    args.extend(strings(&["-o", "json"]));
    args.extend(strings(extra));
    args
}

fn target_args(target: &str) -> Vec<String> {
    strings(&["--registry", target, "--registry-plain-http", "--path-prefix", "ess"])
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_owned()).collect()
}

/// images_digests.yml as the ESS installer ships it: components in the order first listed, each
/// with its sub-components.
/// Each image of `entries` once (several entries may pin the same one), in their order.
pub fn distinct(entries: &[Entry]) -> Vec<&Entry> {
    let mut images: Vec<&Entry> = Vec::new();
    for entry in entries {
        if !images.iter().any(|seen| seen.reference() == entry.reference()) {
            images.push(entry);
        }
    }
    images
}

pub fn images_digests(entries: &[Entry]) -> String {
    let mut yaml = String::from("# images_digests.yml as the ESS installer ships it\nimages_digests:\n");
    let mut components: Vec<&str> = Vec::new();
    for entry in entries {
        if !components.contains(&entry.component.as_str()) {
            components.push(&entry.component);
        }
    }
    for component in components {
        yaml.push_str(&format!("  {component}:\n"));
        for entry in entries.iter().filter(|e| e.component == component) {
            yaml.push_str(&format!(
                "    {}:\n      image_digest: {}\n      image_repository_path: {}\n      image_repository_server: {}\n      image_tag: {}\n",
                entry.sub, entry.digest, entry.path, entry.server, entry.tag
            ));
        }
    }
    yaml
}
