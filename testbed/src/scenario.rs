//! ESS images mirrored into a real registry in every way an administrator might have done it,
//! and the images_digests file that pins them: shared by the tests and the demo.

use crate::images::{Copy, Image};
use crate::registry::Registry;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// One upstream image of a scenario and how it reached the local registry (None: not at all).
pub struct Mirrored {
    pub component: &'static str,
    pub sub: &'static str,
    pub server: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub copy: Option<Copy>,
}

/// The ESS images used by the scenarios: one of each state, and one image shared by two
/// components. Targets are `ess/<upstream path>` (`--path-prefix ess`).
pub const ESS: [Mirrored; 6] = [
    Mirrored {
        component: "adminbot",
        sub: "haproxy",
        server: "docker.io",
        path: "library/haproxy",
        tag: "2.8-alpine",
        copy: Some(Copy::All),
    },
    Mirrored {
        component: "element_call",
        sub: "jwt",
        server: "ghcr.io",
        path: "element-hq/lk-jwt-service",
        tag: "0.1.1",
        copy: Some(Copy::Converted),
    },
    Mirrored {
        component: "element_call",
        sub: "sfu",
        server: "docker.io",
        path: "livekit/livekit-server",
        tag: "v1.7.2",
        copy: Some(Copy::SinglePlatform),
    },
    Mirrored {
        component: "element_web",
        sub: "element_web",
        server: "docker.io",
        path: "vectorim/element-web",
        tag: "v1.11.45",
        copy: Some(Copy::All),
    },
    Mirrored {
        component: "hookshot",
        sub: "hookshot",
        server: "ghcr.io",
        path: "matrix-org/matrix-hookshot",
        tag: "5.2.1",
        copy: None,
    },
    Mirrored {
        component: "synapse",
        sub: "haproxy",
        server: "docker.io",
        path: "library/haproxy",
        tag: "2.8-alpine",
        copy: Some(Copy::All),
    },
];

/// A registry seeded with `images`, and the images_digests file that pins them.
pub struct Scenario {
    pub registry: Registry,
    pub images: Vec<Image>,
    dir: TempDir,
    pub digests: PathBuf,
}

impl Scenario {
    pub fn seed(registry: Registry, mirrored: &[Mirrored]) -> Scenario {
        let mut yaml = String::from("# images_digests.yml as the ESS installer ships it\nimages_digests:\n");
        let mut images: Vec<Image> = Vec::new();
        let mut built: Vec<&str> = Vec::new();
        let mut component = "";
        for m in mirrored {
            let index = match built.iter().position(|p| *p == m.path) {
                Some(index) => index,
                None => {
                    let image = Image::build(m.path);
                    if let Some(copy) = m.copy {
                        image.push(&registry, &format!("ess/{}", m.path), m.tag, copy);
                    }
                    images.push(image);
                    built.push(m.path);
                    images.len() - 1
                }
            };
            if m.component != component {
                yaml.push_str(&format!("  {}:\n", m.component));
                component = m.component;
            }
            yaml.push_str(&format!(
                "    {}:\n      image_digest: {}\n      image_repository_path: {}\n      image_repository_server: {}\n      image_tag: {}\n",
                m.sub, images[index].index_digest, m.path, m.server, m.tag
            ));
        }
        let dir = tempfile::tempdir().expect("scenario dir");
        let digests = dir.path().join("images_digests.yml");
        std::fs::write(&digests, yaml).expect("write images_digests.yml");
        Scenario { registry, images, dir, digests }
    }

    pub fn digests_arg(&self) -> &str {
        self.digests.to_str().expect("UTF-8 path")
    }

    /// `plan --offline` with the scenario's file, registry and TLS flags, then `extra`.
    pub fn plan_args(&self, extra: &[&str]) -> Vec<String> {
        let mut offline = vec!["--offline"];
        offline.extend(extra);
        self.args("plan", &offline)
    }

    /// `COMMAND -f FILE --registry HOST --path-prefix ess` and the TLS flags the registry needs.
    pub fn args(&self, command: &str, extra: &[&str]) -> Vec<String> {
        self.args_at(&self.registry.host(), self.registry_flags(), command, extra)
    }

    /// As `args` for what stands in front of the registry (a proxy, say): `host` as
    /// `--registry`, and `flags` to reach it instead of the registry's own.
    pub fn args_at(&self, host: &str, flags: Vec<String>, command: &str, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = [command, "-f", self.digests_arg(), "--registry", host, "--path-prefix", "ess"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        args.extend(flags);
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    /// `--registry-ca-file CA`, or `--registry-plain-http`.
    pub fn registry_flags(&self) -> Vec<String> {
        match self.registry.ca_file() {
            Some(ca) => vec!["--registry-ca-file".to_owned(), ca.display().to_string()],
            None => vec!["--registry-plain-http".to_owned()],
        }
    }

    /// Mirrors every image again the right way (`skopeo copy --all --preserve-digests`), as
    /// the fixes `plan` prints would.
    pub fn mirror_all(&self, mirrored: &[Mirrored]) {
        self.mirror_to(&self.registry, mirrored);
    }

    /// The same images, the right way, into another registry at the same paths (a move to a
    /// new registry).
    pub fn mirror_to(&self, registry: &Registry, mirrored: &[Mirrored]) {
        let mut done: Vec<&str> = Vec::new();
        for m in mirrored {
            if !done.contains(&m.path) {
                self.images[done.len()].push(registry, &format!("ess/{}", m.path), m.tag, Copy::All);
                done.push(m.path);
            }
        }
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
