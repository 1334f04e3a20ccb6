//! The plan: every image's finding, and where each entry points once applied (its `TargetRef`),
//! or that it is left out. Pure data, whichever the input: the ConfigMap string and the Helm
//! overlay are both rendered from `Plan::targets` (`input::Written`).

use crate::check::{Finding, ImageState};
use crate::digests::LiveEntry;
use crate::exit::{self, Outcome};
use crate::mapping::{Image, Pinned, TargetRef};
use crate::reference::{Digest, RegistryHost};
use serde::Serialize;

/// `--digest-mismatch`: what the ConfigMap carries for an image whose local tag has another digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum MismatchPolicy {
    /// Nothing yet: the image is not ready and keeps pulling from upstream.
    #[default]
    Fail,
    /// The digest the local registry holds.
    UseLocal,
    /// No digest: the Operator pulls by tag.
    Drop,
}

/// What the ConfigMap's `image_digest` becomes for an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DigestAction {
    /// The pinned digest, as the installer ships it.
    Keep,
    /// The local registry's digest replaces the pinned one.
    UseLocal,
    /// No digest is written.
    Drop,
    /// The entry is left out: the image is not ready.
    Skip,
}

impl DigestAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DigestAction::Keep => "keep",
            DigestAction::UseLocal => "use-local",
            DigestAction::Drop => "drop",
            DigestAction::Skip => "skip",
        }
    }
}

/// One image with its finding and the resulting digest action.
#[derive(Debug, Clone)]
pub struct ImagePlan {
    pub image: Image,
    pub finding: Finding,
    pub action: DigestAction,
}

impl ImagePlan {
    pub fn ready(&self) -> bool {
        self.action != DigestAction::Skip
    }

    /// The digest written for the image, if any.
    pub fn written_digest(&self) -> Option<&Digest> {
        match self.action {
            DigestAction::Keep => self.image.digest.as_ref(),
            DigestAction::UseLocal => self.finding.observed.as_ref(),
            DigestAction::Drop | DigestAction::Skip => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub registry: RegistryHost,
    /// Every entry's name, in input order: `component/sub`, or a chart block's values path.
    pub entries: Vec<String>,
    /// Whether each entry's component runs (`Pinned::enabled`): an image only disabled
    /// components use is checked and shown, but counts for nothing.
    pub enabled: Vec<bool>,
    pub images: Vec<ImagePlan>,
}

/// The counts a summary line and the report's `summary` show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub entries: usize,
    pub images: usize,
    pub present: usize,
    pub mismatch: usize,
    pub missing: usize,
    pub unauthorized: usize,
    pub error: usize,
    /// Present, but not signed by a `--verify-key` key over the pinned digest.
    pub unsigned: usize,
    /// Images pointed at the local registry (by the ConfigMap, or by the overlay).
    pub ready: usize,
    /// Images only components the values disable use: checked, but in no count above.
    pub disabled: usize,
}

/// Each image's digest action, from its finding and the policy. An image pinned by tag alone
/// that is present takes the digest its local tag holds.
fn decide(images: Vec<Image>, findings: Vec<Finding>, policy: MismatchPolicy) -> Vec<ImagePlan> {
    images
        .into_iter()
        .zip(findings)
        .map(|(image, finding)| {
            let action = match (finding.state, policy) {
                (ImageState::Present, _) if image.digest.is_none() => DigestAction::UseLocal,
                (ImageState::Present, _) => DigestAction::Keep,
                (ImageState::Mismatch, MismatchPolicy::UseLocal) => DigestAction::UseLocal,
                (ImageState::Mismatch, MismatchPolicy::Drop) => DigestAction::Drop,
                _ => DigestAction::Skip,
            };
            ImagePlan { image, finding, action }
        })
        .collect()
}

/// For each of `entries` entries, the index of the image it uses.
fn image_of_entry(entries: usize, images: &[ImagePlan]) -> Vec<usize> {
    let mut found = vec![0; entries];
    for (index, plan) in images.iter().enumerate() {
        for &entry in &plan.image.entries {
            found[entry] = index;
        }
    }
    found
}

impl Plan {
    /// `findings` come in the order of `images`, which were mapped from `pinned`.
    pub fn new(
        registry: RegistryHost,
        pinned: &[Pinned],
        images: Vec<Image>,
        findings: Vec<Finding>,
        policy: MismatchPolicy,
    ) -> Self {
        let images = decide(images, findings, policy);
        let entries = pinned.iter().map(|entry| entry.name.clone()).collect();
        let enabled = pinned.iter().map(|entry| entry.enabled).collect();
        Self { registry, entries, enabled, images }
    }

    /// Where each entry points once applied, in input order; None for an entry whose image is
    /// not ready, which keeps pulling from upstream.
    pub fn targets(&self) -> Vec<Option<TargetRef>> {
        image_of_entry(self.entries.len(), &self.images)
            .into_iter()
            .map(|index| {
                let plan = &self.images[index];
                plan.ready().then(|| TargetRef {
                    registry: self.registry.clone(),
                    repository: plan.image.target.clone(),
                    tag: plan.image.tag.clone(),
                    digest: plan.written_digest().cloned(),
                })
            })
            .collect()
    }

    /// Whether each entry's image is ready, in input order.
    pub fn entries_ready(&self) -> Vec<bool> {
        self.targets().iter().map(Option::is_some).collect()
    }

    /// The plan as it will be once every image is ready: each image not ready yet written with
    /// the digest it pins (by its tag, where it pins none). What a new release is heading for.
    pub fn once_ready(&self) -> Plan {
        let mut plan = self.clone();
        for image in plan.images.iter_mut().filter(|image| !image.ready()) {
            image.action = if image.image.digest.is_some() { DigestAction::Keep } else { DigestAction::Drop };
        }
        plan
    }

    /// Where an image's local tag holds the digest the live ConfigMap pins for its entries, the
    /// mismatch is the previous release still there, and its reason says so.
    pub fn name_previous_release(&mut self, live: &[LiveEntry]) {
        for image in self.images.iter_mut().filter(|image| image.finding.state == ImageState::Mismatch) {
            let pinned_live = image.image.entries.iter().any(|&entry| {
                live.iter().any(|current| {
                    current.name() == self.entries[entry]
                        && current.digest.is_some()
                        && current.digest == image.finding.observed
                })
            });
            if let (true, Some(observed)) = (pinned_live, &image.finding.observed) {
                image.finding.reason = Some(format!(
                    "the local tag holds {}, the digest the live ConfigMap pins (the previous release): the new \
                     release's image is not mirrored yet",
                    observed.short()
                ));
            }
        }
    }

    pub fn summary(&self) -> Summary {
        let mut summary = Summary { entries: self.entries.len(), ..Summary::default() };
        for plan in &self.images {
            if !self.runs(plan) {
                summary.disabled += 1;
                continue;
            }
            summary.images += 1;
            *match plan.finding.state {
                ImageState::Present => &mut summary.present,
                ImageState::Mismatch => &mut summary.mismatch,
                ImageState::Missing => &mut summary.missing,
                ImageState::Unauthorized => &mut summary.unauthorized,
                ImageState::Error => &mut summary.error,
                ImageState::Unsigned => &mut summary.unsigned,
            } += 1;
            summary.ready += usize::from(plan.ready());
        }
        summary
    }

    /// `component/sub` of every entry of a running component the ConfigMap leaves out, in file
    /// order.
    pub fn still_upstream(&self) -> Vec<String> {
        let mut names: Vec<(usize, String)> = self
            .images
            .iter()
            .filter(|plan| !plan.ready())
            .flat_map(|plan| plan.image.entries.iter().map(|&i| (i, self.entries[i].clone())))
            .filter(|(i, _)| self.enabled[*i])
            .collect();
        names.sort();
        names.into_iter().map(|(_, name)| name).collect()
    }

    /// The entries of components the values disable, in input order.
    pub fn disabled(&self) -> Vec<String> {
        self.entries.iter().zip(&self.enabled).filter(|(_, enabled)| !**enabled).map(|(name, _)| name.clone()).collect()
    }

    /// Whether a running component uses the image.
    pub fn runs(&self, image: &ImagePlan) -> bool {
        image.image.entries.iter().any(|&entry| self.enabled[entry])
    }

    /// The worst finding among the images that run decides: an unreachable registry, then
    /// refused access, then not ready.
    pub fn exit_code(&self) -> u8 {
        exit::fold(self.images.iter().filter(|image| self.runs(image)).map(ImagePlan::outcome))
    }
}

impl ImagePlan {
    /// What this image means for the exit code.
    pub fn outcome(&self) -> Outcome {
        match self.finding.state {
            ImageState::Error => Outcome::Unreachable,
            ImageState::Unauthorized => Outcome::Refused,
            _ if !self.ready() => Outcome::NotReady,
            _ => Outcome::Ready,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digests::{configmap_string, parse};
    use crate::mapping::{Layout, Mapping, map_images};

    const INPUT: &str = "images_digests:
  adminbot:
    haproxy:
      image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6
      image_repository_path: library/haproxy
      image_repository_server: docker.io
      image_tag: 2.8-alpine
  element_web:
    element_web:
      image_digest: sha256:874b3a2ce69c158b5495e3e69beda82324258d0714bf81b16fd81d0869f07eb0
      image_repository_path: vectorim/element-web
      image_repository_server: docker.io
      image_tag: v1.11.45
  synapse:
    haproxy:
      image_digest: sha256:75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6
      image_repository_path: library/haproxy
      image_repository_server: docker.io
      image_tag: 2.8-alpine
";

    fn plan(element_web: ImageState, policy: MismatchPolicy) -> Plan {
        let entries: Vec<Pinned> = parse(INPUT.as_bytes()).unwrap().entries.iter().map(|e| e.pinned()).collect();
        let registry = RegistryHost::parse("reg.local").unwrap();
        let mapping = Mapping { registry: registry.clone(), prefix: None, layout: Layout::Preserve, rules: vec![] };
        let images = map_images(&entries, &mapping).unwrap();
        let found = |state, observed| Finding { state, observed, reason: None, fix: None, warning: None, tagged: None };
        let observed = (element_web == ImageState::Mismatch).then(|| Digest::of(b"local"));
        let findings = vec![found(ImageState::Present, None), found(element_web, observed)];
        Plan::new(registry, &entries, images, findings, policy)
    }

    fn configmap(plan: &Plan) -> String {
        configmap_string(&parse(INPUT.as_bytes()).unwrap().entries, &plan.targets())
    }

    #[test]
    fn a_shared_image_counts_once_and_writes_every_entry() {
        let plan = plan(ImageState::Present, MismatchPolicy::Fail);
        assert_eq!(plan.summary(), Summary { entries: 3, images: 2, present: 2, ready: 2, ..Summary::default() });
        assert_eq!(configmap(&plan).matches("image_repository_server: reg.local").count(), 3);
        assert_eq!(plan.exit_code(), exit::READY);
    }

    #[test]
    fn a_missing_image_is_left_out_and_named() {
        let plan = plan(ImageState::Missing, MismatchPolicy::UseLocal);
        assert_eq!(plan.still_upstream(), ["element_web/element_web"]);
        assert!(!configmap(&plan).contains("element_web"));
        assert_eq!(plan.exit_code(), exit::NOT_READY);
    }

    #[test]
    fn the_mismatch_policy_decides_the_digest() {
        let fail = plan(ImageState::Mismatch, MismatchPolicy::Fail);
        assert_eq!(fail.images[1].action, DigestAction::Skip);
        assert_eq!(fail.exit_code(), exit::NOT_READY);
        let local = plan(ImageState::Mismatch, MismatchPolicy::UseLocal);
        assert!(configmap(&local).contains(Digest::of(b"local").as_str()));
        assert_eq!(local.exit_code(), exit::READY);
        let dropped = plan(ImageState::Mismatch, MismatchPolicy::Drop);
        assert_eq!(configmap(&dropped).matches("image_digest").count(), 2);
        assert!(configmap(&dropped).contains("element_web:\n  element_web:\n    image_repository_path"));
    }
}
