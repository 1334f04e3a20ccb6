//! `status` as data: every check of the live state, and the problems it found. The pure
//! comparisons (drift of a ConfigMap or of a release, entries still pulling from upstream) live
//! here too.

use crate::check::{Finding, ImageState};
use crate::cluster::installer::InstallerReport;
use crate::cluster::objects::{SECRET_KEY, SECRET_TYPE};
use crate::cluster::pods::{PodProblem, pod_problems};
use crate::credentials::{Credentials, dockerconfigjson};
use crate::digests::{self, DATA_KEY, Entry, LiveEntry};
use crate::exit::{self, Outcome};
use crate::helm::{Chart, ImageBlock};
use crate::mapping::{Image, Mapping, Pinned, TargetRef};
use crate::plan::Plan;
use crate::reference::RegistryHost;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Secret};
use serde::Serialize;

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
    /// What the ESS installer references (images_digests input only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub installer: Option<InstallerReport>,
    pub pods: Vec<PodProblem>,
    /// Pods in the namespace: with none, nothing has pulled yet, so nothing is proven by them.
    pub pods_checked: usize,
    /// One line per problem; empty when everything holds.
    pub problems: Vec<String>,
    /// The values overlay as `apply` would write it now (`--release`), for `-o values`.
    #[serde(skip)]
    pub overlay: Option<String>,
    /// What the registry's failure means for the exit code, when it could not be used.
    #[serde(skip)]
    pub registry_failure: Option<Outcome>,
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
        let images = self.images.iter().map(|image| match image.state {
            ImageState::Error => Outcome::Unreachable,
            ImageState::Unauthorized => Outcome::Refused,
            _ => Outcome::Ready,
        });
        let rest = self.registry_failure.into_iter().chain((!self.healthy()).then_some(Outcome::NotReady));
        exit::fold(images.chain(rest))
    }

    /// The registry could not be used (`ClusterAccess::failure`): one problem, and the exit code
    /// it means (3 refused, 4 unreachable), while everything the API shows is still reported.
    pub fn record_registry_failure(&mut self, failure: &crate::error::Error) {
        self.registry_failure = Some(match failure {
            crate::error::Error::RegistryAuth { .. } => Outcome::Refused,
            _ => Outcome::Unreachable,
        });
        let hint = failure.hint().map(|hint| format!(" ({hint})")).unwrap_or_default();
        self.problems.push(format!("the registry's images were not checked: {failure}{hint}"));
    }
}

impl StatusReport {
    /// The live ConfigMap `name` (None: not there): its entries, recorded as checked, or the
    /// problems that make them unreadable.
    pub fn record_configmap(&mut self, name: &str, configmap: Option<&ConfigMap>) -> Vec<LiveEntry> {
        let namespace = self.namespace.clone();
        let status = self.config_map.insert(ObjectStatus { name: name.to_owned(), ..ObjectStatus::default() });
        let Some(configmap) = configmap else {
            self.problems
                .push(format!("the ConfigMap {namespace}/{name} does not exist: run kubectl essregistry apply"));
            return Vec::new();
        };
        status.exists = true;
        let text = configmap.data.as_ref().and_then(|d| d.get(DATA_KEY)).cloned().unwrap_or_default();
        match digests::parse_live(text.as_bytes()) {
            Ok(live) => {
                status.detail = format!("{} entries", live.len());
                live
            }
            Err(problems) => {
                for problem in problems {
                    self.problems.push(format!("the ConfigMap {namespace}/{name}: data.{DATA_KEY}: {problem}"));
                }
                Vec::new()
            }
        }
    }

    /// The pull Secret `name` (None: not there) exists, has the right type and an entry for the
    /// registry; returns its credentials, as kubelet will use them.
    pub fn record_secret(
        &mut self,
        name: &str,
        secret: Option<&Secret>,
        registry: &RegistryHost,
    ) -> Option<Credentials> {
        let full = format!("{}/{name}", self.namespace);
        let credentials = match secret {
            None => {
                self.problems.push(format!("the pull Secret {full} does not exist: run kubectl essregistry apply"));
                None
            }
            Some(secret) if secret.type_.as_deref() != Some(SECRET_TYPE) => {
                self.problems.push(format!(
                    "the pull Secret {full} is of type {}, not {SECRET_TYPE}",
                    secret.type_.as_deref().unwrap_or("Opaque")
                ));
                None
            }
            Some(secret) => {
                let json = secret.data.as_ref().and_then(|d| d.get(SECRET_KEY)).map(|b| b.0.as_slice());
                let found = dockerconfigjson::read(json.unwrap_or_default(), registry.as_str());
                if found.is_none() {
                    self.problems.push(format!("the pull Secret {full} has no username and password for {registry}"));
                }
                found
            }
        };
        self.secret = Some(ObjectStatus { name: name.to_owned(), exists: secret.is_some(), ..ObjectStatus::default() });
        credentials
    }

    /// What the registry said of the live ConfigMap's images (`live_images`), each with the
    /// entries that use it; a missing or unreadable image is a problem.
    pub fn record_live_images(&mut self, pinned: &[Pinned], images: &[Image], findings: Vec<Finding>) {
        let Some(registry) = self.registry.clone() else { return };
        for (image, finding) in images.iter().zip(findings) {
            let entries: Vec<String> = image.entries.iter().map(|&i| pinned[i].name.clone()).collect();
            let reference = format!("{registry}/{image}");
            let reason = match finding.state {
                ImageState::Present => None,
                ImageState::Missing => Some(format!("{reference} is not in the registry")),
                ImageState::Unsigned => finding.reason.map(|why| format!("{reference} is unsigned: {why}")),
                _ => finding.reason,
            };
            if let Some(reason) = &reason {
                self.problems.push(format!("{reason} (used by {})", entries.join(", ")));
            }
            self.images.push(PinnedImage { entries, image: reference, state: finding.state, reason });
        }
        let present = self.images.iter().filter(|i| i.state == ImageState::Present).count();
        if let Some(object) = self.config_map.as_mut().or(self.release.as_mut()) {
            object.detail.push_str(&format!(", {present} of {} images in {registry}", self.images.len()));
        }
    }
}

impl StatusReport {
    /// Whether the pull Secret's credentials log in to `registry`: pods cannot pull otherwise.
    /// `checked` is false when they were the only credentials, so the images went unchecked: that
    /// is said too, and the run exits as refused (3).
    pub fn secret_logs_in(&mut self, registry: &RegistryHost, accepted: bool, checked: bool) {
        if !accepted {
            self.problems.push(format!("the pull Secret's credentials are refused by {registry}: pods cannot pull"));
            if !checked {
                self.registry_failure = Some(Outcome::Refused);
                self.problems.push(
                    "the registry's images were not checked: no credentials but the Secret's were given (give them \
                     with --registry-username and --registry-password-stdin, or ESSREGISTRY_USERNAME and \
                     ESSREGISTRY_PASSWORD)"
                        .to_owned(),
                );
            }
        } else if let Some(secret) = &mut self.secret {
            secret.detail = format!("authenticates to {registry}");
        }
    }

    /// What the installer references, and a problem for each object it does not.
    pub fn record_installer(&mut self, installer: InstallerReport) {
        if installer.evidence_available {
            let references = std::iter::once(&installer.config_map).chain(&installer.secret);
            self.problems.extend(references.clone().filter_map(|reference| reference.problem.clone()));
            self.warnings.extend(references.filter_map(|reference| reference.warning.clone()));
        }
        self.installer = Some(installer);
    }

    /// The pods' containers that pull from elsewhere than the local registry, or cannot pull.
    pub fn record_pods(&mut self, pods: &[Pod]) {
        self.pods_checked = pods.len();
        if let Some(registry) = &self.registry {
            self.pods = pod_problems(pods, registry);
        }
        for pod in &self.pods {
            let what = match pod.problem.as_str() {
                "upstream" => "does not come from the local registry".to_owned(),
                reason => format!("is in {reason}"),
            };
            self.problems.push(format!("pod {} container {}: image {} {what}", pod.pod, pod.container, pod.image));
        }
    }
}

impl StatusReport {
    /// How the live state differs from what the input gives now, each a problem too.
    pub fn record_drift(&mut self, drift: Vec<String>) {
        self.problems.extend(drift.iter().map(|d| format!("drift: {d}")));
        self.drift = drift;
    }

    /// Live entries that point at another registry than the local one.
    pub fn record_foreign(&mut self, live: &[LiveEntry], registry: &RegistryHost) {
        for entry in live.iter().filter(|l| &l.server != registry) {
            self.problems.push(format!(
                "{} points at {}, not at the local registry {registry}",
                entry.name(),
                entry.server
            ));
        }
    }

    /// The enabled blocks of a release that pull from elsewhere than `registry`, each a problem:
    /// their pods do not come from the local registry.
    pub fn record_upstream_blocks(&mut self, blocks: &[ImageBlock], registry: &RegistryHost) {
        for block in blocks.iter().filter(|block| block.enabled && &block.server != registry) {
            self.problems.push(format!(
                "{}: the release pulls {} from upstream, not from {registry}",
                block.path,
                block.rendered()
            ));
        }
    }

    /// A release whose values do not name the pull Secret: its pods pull without credentials.
    pub fn record_release_pull_secret(&mut self, chart: &Chart, secret: &str, registry: &RegistryHost) {
        if crate::helm::pull_secrets(&chart.values.merged, secret).is_some() {
            self.problems.push(format!(
                "the release's values do not name the pull Secret {secret} in image.pullSecrets: pods cannot pull \
                 from {registry}; run apply, then the helm command it prints"
            ));
        }
    }

    /// A release's images as the plan found them, and a problem for each that the overlay
    /// would leave out.
    pub fn record_plan(&mut self, plan: &Plan) {
        for image in &plan.images {
            let entries: Vec<String> = image.image.entries.iter().map(|&i| plan.entries[i].clone()).collect();
            if !image.ready() {
                let reason = image.finding.reason.as_deref().unwrap_or("not ready");
                self.problems.push(format!(
                    "{}/{}: {reason} (used by {})",
                    plan.registry,
                    image.image,
                    entries.join(", ")
                ));
            }
            self.images.push(PinnedImage {
                entries,
                image: format!("{}/{}", plan.registry, image.image),
                state: image.finding.state,
                reason: image.finding.reason.clone(),
            });
        }
    }
}

/// The live entries that point at `registry` and pin a digest, as images to check there (their
/// paths are already the local registry's), and a warning for each that pins none.
pub fn live_images(live: &[LiveEntry], registry: &RegistryHost) -> (Vec<Pinned>, Mapping, Vec<String>) {
    let mut warnings = Vec::new();
    let pinned = live
        .iter()
        .filter(|entry| &entry.server == registry)
        .filter(|entry| {
            let pins = entry.digest.is_some();
            if !pins {
                warnings.push(format!("{} pins no digest: its image is not verified", entry.name()));
            }
            pins
        })
        .map(LiveEntry::pinned)
        .collect();
    (pinned, Mapping::identity(registry.clone()), warnings)
}

/// The images a release renders from `registry` (enabled blocks; every block with `include_disabled`), as the pod gets each
/// (`registry/repository@digest`, else `:tag`): what to check there, with the identity mapping.
pub fn release_images(
    blocks: &[ImageBlock],
    registry: &RegistryHost,
    include_disabled: bool,
) -> (Vec<Pinned>, Mapping) {
    let pinned = blocks
        .iter()
        .filter(|block| (block.enabled || include_disabled) && &block.server == registry)
        .map(|block| Pinned {
            digest: block.digest.clone(),
            tag: if block.digest.is_some() { None } else { block.tag.clone() },
            ..block.pinned()
        })
        .collect();
    (pinned, Mapping::identity(registry.clone()))
}

/// The registry most live entries point at: the one the ConfigMap was written for.
pub fn live_registry(live: &[LiveEntry]) -> Option<RegistryHost> {
    RegistryHost::most_used(live.iter().map(|entry| &entry.server))
}

/// How a deployed release's images from `registry` differ from what the overlay would set now,
/// each compared as the pod gets it (`registry/repository@digest`, as the chart's `_pods.tpl`
/// renders it). `targets[i]` is where the plan points the release's block `current[i]` (None:
/// not ready in `registry`). Blocks pulling from upstream are `record_upstream_blocks`' own.
pub fn chart_drift(current: &[ImageBlock], registry: &RegistryHost, targets: &[Option<TargetRef>]) -> Vec<String> {
    let mut found = Vec::new();
    for (block, target) in current.iter().zip(targets) {
        if !block.enabled || &block.server != registry {
            continue;
        }
        let now = block.rendered();
        let Some(target) = target else {
            found.push(format!(
                "{}: the release pulls {now}, which the overlay would leave out now: it is not ready in {registry}",
                block.path
            ));
            continue;
        };
        let wanted = target.rendered();
        if now != wanted {
            found.push(format!("{}: the release pulls {now}, the overlay would set {wanted}", block.path));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digests::{parse, parse_live};

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
        let mapping = Mapping::identity(registry.clone());
        let pinned: Vec<_> = upstream.iter().map(ImageBlock::pinned).collect();
        let images = crate::mapping::map_images(&pinned, &mapping).unwrap();
        let found = |state, observed| Finding { state, observed, reason: None, fix: None, warning: None, tagged: None };
        let findings = vec![
            found(ImageState::Present, Some(Digest::of(b"new"))),
            found(ImageState::Present, Some(Digest::of(b"same"))),
            found(ImageState::Missing, None),
        ];
        let plan = crate::plan::Plan::new(registry, &pinned, images, findings, crate::plan::MismatchPolicy::Fail);
        let current = [
            block("synapse.image", "reg.local", "element-hq/synapse", Some(Digest::of(b"old"))),
            block("haproxy.image", "reg.local", "library/haproxy", Some(Digest::of(b"same"))),
            block("hookshot.image", "ghcr.io", "matrix-org/hookshot", None),
        ];
        let drift = chart_drift(&current, &plan.registry, &plan.targets());
        assert_eq!(drift.len(), 1, "blocks pulling from upstream are recorded apart: {drift:#?}");
        assert_eq!(
            drift[0],
            format!(
                "synapse.image: the release pulls reg.local/element-hq/synapse@{}, the overlay would set reg.local/element-hq/synapse@{}",
                Digest::of(b"old"),
                Digest::of(b"new")
            )
        );
        let mut report = StatusReport::default();
        report.record_upstream_blocks(&current, &plan.registry);
        assert_eq!(
            report.problems,
            ["hookshot.image: the release pulls ghcr.io/matrix-org/hookshot:v1 from upstream, not from reg.local"]
        );
    }

    #[test]
    fn entries_not_pointed_at_the_registry_still_pull_from_upstream() {
        let upstream = parse(UPSTREAM.as_bytes()).unwrap().entries;
        let live = parse_live(LIVE.as_bytes()).unwrap();
        let registry = RegistryHost::parse("reg.local").unwrap();
        assert_eq!(still_upstream(&upstream, &live, &registry), ["synapse/redis"]);
        assert_eq!(live_registry(&live), Some(registry));
    }
}
