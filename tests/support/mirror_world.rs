//! The world the `mirror` tests copy in: the ESS images upstream (five images of one family on
//! the three upstream hosts, sharing base layers) and an empty registry to mirror them into.

use super::{Plugin, Run, strs};
use essregistry_testbed::bundles;
use essregistry_testbed::images::{Family, FamilySpec, Member};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::upstream::{Entry, Upstreams};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub struct World {
    pub upstreams: Upstreams,
    pub family: Family,
    pub target: Registry,
}

impl World {
    pub fn new() -> World {
        World::with(&FamilySpec::small(5), RegistryConfig::default())
    }

    /// The images of `spec` upstream, and an empty registry of `target` to mirror them into.
    pub fn with(spec: &FamilySpec, target: RegistryConfig) -> World {
        let (upstreams, family) = Upstreams::ess(spec);
        World { upstreams, family, target: Registry::start(target) }
    }

    pub fn images(&self) -> Vec<Entry> {
        self.upstreams.images().into_iter().cloned().collect()
    }

    pub fn member(&self, image: &Entry) -> &Member {
        self.family.members.iter().find(|m| m.digest == image.digest).expect("a member of the family")
    }

    /// `mirror` straight from upstream into the target, with `-o json` and `extra`.
    pub fn mirror(&self, extra: &[&str]) -> Run {
        let extra = [&["-o", "json"], extra].concat();
        Plugin::new().run(&strs(&self.upstreams.mirror_args(&self.target.host(), &extra)))
    }

    /// Every image into the bundle at `bundle` (a folder, or an archive by its name).
    pub fn to_bundle(&self, bundle: &Path) -> Run {
        let run = Plugin::new().run(&strs(&self.upstreams.to_bundle_args(bundle, &["-o", "json"])));
        assert_eq!(run.code, 0, "to-bundle: {}\n{}", run.stdout, run.stderr);
        run
    }

    /// Every image copied into the layout `dir` by skopeo, as administrators make one today
    /// (no images_digests kept beside it).
    pub fn skopeo_layout(&self, dir: &Path) {
        for image in self.images() {
            let registry = &self.upstreams.registry;
            bundles::skopeo_layout(registry, &image.upstream_repo(), &image.digest, dir, &image.reference());
        }
    }

    /// A bundle folder of every image, in `dir`.
    pub fn bundle(&self, dir: &Path) -> PathBuf {
        let bundle = dir.join("bundle");
        self.to_bundle(&bundle);
        bundle
    }
}

/// A `kind: Mirror` report's entry for `image`, found by its upstream reference.
pub fn reported<'a>(report: &'a Value, image: &Entry) -> &'a Value {
    let images = report["images"].as_array().expect("images");
    images
        .iter()
        .find(|i| i["source"].as_str().is_some_and(|s| s.starts_with(&image.reference())))
        .unwrap_or_else(|| panic!("{} is not in the report: {report:#}", image.reference()))
}
