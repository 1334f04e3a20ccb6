//! `status` as data: every check of the live state, and the problems it found. The pure
//! comparisons (drift of a ConfigMap or of a release, entries still pulling from upstream) live
//! here too.

use crate::check::ImageState;
use crate::cluster::installer::InstallerReport;
use crate::cluster::pods::PodProblem;
use crate::digests::{Entry, LiveEntry};
use crate::exit;
use crate::helm::ImageBlock;
use crate::mapping::Mapping;
use crate::plan::{MismatchPolicy, Plan, image_of_entry};
use crate::reference::RegistryHost;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusReport {
    pub context: String,
    pub namespace: String,
    pub registry: Option<String>,
    /// The images_digests ConfigMap (images_digests input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ObjectStatus>,
    /// The deployed Helm release (`--release`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<ObjectStatus>,
    pub secret: Option<ObjectStatus>,
    pub images: Vec<PinnedImage>,
    pub drift: Vec<String>,
    pub installer: Option<InstallerReport>,
    pub pods: Vec<PodProblem>,
    /// One line per problem; empty when everything holds.
    pub problems: Vec<String>,
    /// The values overlay as `apply` would write it now (`--release`), for `-o values`.
    #[serde(skip)]
    pub overlay: Option<String>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectStatus {
    pub name: String,
    pub exists: bool,
    /// What was verified, for a person ("30 entries", "authenticates to ...").
    pub detail: String,
}

/// One pinned image of the live ConfigMap.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PinnedImage {
    pub entries: Vec<String>,
    pub image: String,
    pub state: ImageState,
    pub reason: Option<String>,
}

impl StatusReport {
    pub fn healthy(&self) -> bool {
        self.problems.is_empty()
    }

    /// As for plan: an unreachable registry, then refused access, then any other problem.
    pub fn exit_code(&self) -> u8 {
        let states = || self.images.iter().map(|i| i.state);
        if states().any(|s| s == ImageState::Error) {
            exit::REGISTRY_UNREACHABLE
        } else if states().any(|s| s == ImageState::Unauthorized) {
            exit::REGISTRY_AUTH
        } else if self.healthy() {
            exit::READY
        } else {
            exit::NOT_READY
        }
    }
}

/// The registry most live entries point at: the one the ConfigMap was written for.
pub fn live_registry(live: &[LiveEntry]) -> Option<RegistryHost> {
    most_used(live.iter().map(|entry| &entry.server))
}

/// The host named most often, the first in name order among equals.
pub fn most_used<'a>(hosts: impl IntoIterator<Item = &'a RegistryHost>) -> Option<RegistryHost> {
    let mut counts: HashMap<&RegistryHost, usize> = HashMap::new();
    for host in hosts {
        *counts.entry(host).or_default() += 1;
    }
    counts.into_iter().max_by_key(|(host, count)| (*count, std::cmp::Reverse(host.as_str()))).map(|(h, _)| h.clone())
}

/// How a deployed release's images differ from what the overlay would set now, each compared
/// as the pod gets it (`registry/repository@digest`, as the chart's `_pods.tpl` renders it).
/// `current[i]` is the release's block for `plan.entries[i]`.
pub fn chart_drift(current: &[ImageBlock], plan: &Plan) -> Vec<String> {
    let mut found = Vec::new();
    for (block, &index) in current.iter().zip(&image_of_entry(current.len(), &plan.images)) {
        let image = &plan.images[index];
        let now = block.rendered();
        if !image.ready() {
            if block.server != plan.registry {
                found.push(format!("{}: pulls {now} from upstream; it is not ready in {}", block.path, plan.registry));
            }
            continue;
        }
        let wanted = match (image.written_digest(), &image.image.tag) {
            (Some(digest), _) => format!("{}/{}@{digest}", plan.registry, image.image.target),
            (None, Some(tag)) => format!("{}/{}:{tag}", plan.registry, image.image.target),
            (None, None) => format!("{}/{}", plan.registry, image.image.target),
        };
        if now != wanted {
            let what = if block.server == plan.registry { "" } else { " from upstream" };
            found.push(format!("{}: the release pulls {now}{what}, the overlay would set {wanted}", block.path));
        }
    }
    found
}

/// Entries of the installer's file that the live ConfigMap does not point at the registry.
pub fn still_upstream(upstream: &[Entry], live: &[LiveEntry], registry: &RegistryHost) -> Vec<String> {
    upstream
        .iter()
        .filter(|entry| {
            !live.iter().any(|l| l.component == entry.component && l.sub == entry.sub && &l.server == registry)
        })
        .map(Entry::name)
        .collect()
}

/// How the live ConfigMap differs from what the installer's file maps to.
pub fn drift(upstream: &[Entry], mapping: &Mapping, live: &[LiveEntry], policy: MismatchPolicy) -> Vec<String> {
    let mut found = Vec::new();
    for entry in upstream {
        let name = entry.name();
        let Some(current) = live.iter().find(|l| l.component == entry.component && l.sub == entry.sub) else {
            found.push(format!(
                "{name} is in the installer's file but not in the ConfigMap: it still pulls from upstream"
            ));
            continue;
        };
        let target = mapping.target_path(&entry.server, &entry.path);
        if current.server != mapping.registry || current.path != target {
            found.push(format!(
                "{name}: the ConfigMap points at {}/{}, the file maps it to {}/{target}",
                current.server, current.path, mapping.registry
            ));
        }
        match (&current.digest, policy) {
            (Some(digest), _) if digest == &entry.digest => {}
            (Some(_), MismatchPolicy::UseLocal) | (None, MismatchPolicy::Drop) => {}
            (Some(digest), _) => found.push(format!(
                "{name}: the ConfigMap pins {}, the file pins {} (a new installer release?)",
                digest.short(),
                entry.digest.short()
            )),
            (None, _) => {
                found.push(format!("{name}: the ConfigMap pins no digest, the file pins {}", entry.digest.short()))
            }
        }
    }
    for current in live {
        if !upstream.iter().any(|e| e.component == current.component && e.sub == current.sub) {
            found.push(format!("{} is in the ConfigMap but no longer in the installer's file", current.name()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digests::{parse, parse_live};
    use crate::mapping::Layout;

    const UPSTREAM: &str = "images_digests:\n  synapse:\n    haproxy:\n      image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6\n      image_repository_path: library/haproxy\n      image_repository_server: docker.io\n      image_tag: 2.8\n    redis:\n      image_digest: sha256:f786a9a04e0a87bbf4e704d8fb99dbc1b2e36ed738ee7d8dfdedc9e4624a8d02\n      image_repository_path: library/redis\n      image_repository_server: docker.io\n      image_tag: 7.2\n";
    const LIVE: &str = "synapse:\n  haproxy:\n    image_digest: sha256:0000000000000000000000000000000000000000000000000000000000000000\n    image_repository_path: ess/library/haproxy\n    image_repository_server: reg.local\n  hydrogen:\n    image_repository_path: ess/hydrogen\n    image_repository_server: reg.local\n";

    #[test]
    fn a_release_drifts_when_the_image_its_pods_get_is_not_what_the_overlay_sets_now() {
        use crate::check::{Finding, ImageState};
        use crate::reference::{Digest, Tag};
        let registry = RegistryHost::parse("reg.local").unwrap();
        let block = |path: &str, server: &str, repository: &str, digest: Option<Digest>| ImageBlock {
            path: path.to_owned(),
            keys: path.split('.').map(str::to_owned).collect(),
            server: RegistryHost::parse(server).unwrap(),
            repository: crate::reference::RepoPath::parse(repository).unwrap(),
            tag: Some(Tag::parse("v1").unwrap()),
            digest,
            enabled: true,
        };
        let upstream = [
            block("synapse.image", "ghcr.io", "element-hq/synapse", None),
            block("haproxy.image", "docker.io", "library/haproxy", None),
            block("hookshot.image", "ghcr.io", "matrix-org/hookshot", None),
        ];
        let mapping = Mapping { registry: registry.clone(), prefix: None, layout: Layout::Preserve, rules: vec![] };
        let images = crate::mapping::map_images(&upstream, &mapping).unwrap();
        let found = |state, observed| Finding { state, observed, reason: None, fix: None, warning: None };
        let findings = vec![
            found(ImageState::Present, Some(Digest::of(b"new"))),
            found(ImageState::Present, Some(Digest::of(b"same"))),
            found(ImageState::Missing, None),
        ];
        let plan = Plan::for_chart(registry, &upstream, images, findings, MismatchPolicy::Fail, None);
        let current = [
            block("synapse.image", "reg.local", "element-hq/synapse", Some(Digest::of(b"old"))),
            block("haproxy.image", "reg.local", "library/haproxy", Some(Digest::of(b"same"))),
            block("hookshot.image", "ghcr.io", "matrix-org/hookshot", None),
        ];
        let drift = chart_drift(&current, &plan);
        assert_eq!(drift.len(), 2, "{drift:#?}");
        assert_eq!(
            drift[0],
            format!(
                "synapse.image: the release pulls reg.local/element-hq/synapse@{}, the overlay would set reg.local/element-hq/synapse@{}",
                Digest::of(b"old"),
                Digest::of(b"new")
            )
        );
        assert_eq!(
            drift[1],
            "hookshot.image: pulls ghcr.io/matrix-org/hookshot:v1 from upstream; it is not ready in reg.local"
        );
    }

    #[test]
    fn drift_names_new_digests_missing_and_removed_entries() {
        let upstream = parse(UPSTREAM.as_bytes()).unwrap().entries;
        let live = parse_live(LIVE.as_bytes()).unwrap();
        let registry = RegistryHost::parse("reg.local").unwrap();
        let mapping = Mapping {
            registry: registry.clone(),
            prefix: Some(crate::reference::RepoPath::parse("ess").unwrap()),
            layout: Layout::Preserve,
            rules: vec![],
        };
        let drift = drift(&upstream, &mapping, &live, MismatchPolicy::Fail);
        assert_eq!(drift.len(), 3, "{drift:#?}");
        assert!(
            drift[0].starts_with(
                "synapse/haproxy: the ConfigMap pins sha256:000000000000, the file pins sha256:75fc37d6372c"
            )
        );
        assert!(drift[1].starts_with("synapse/redis is in the installer's file but not in the ConfigMap"));
        assert!(drift[2].starts_with("synapse/hydrogen is in the ConfigMap but no longer"), "{}", drift[2]);
        assert_eq!(still_upstream(&upstream, &live, &registry), ["synapse/redis"]);
        assert_eq!(live_registry(&live), Some(registry));
    }
}
