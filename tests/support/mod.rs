//! Shared by the integration tests: run the built plugin in a clean environment, and lay out
//! registry scenarios made of real images.
#![allow(dead_code)] // each test binary uses a different part of this module

use essregistry_testbed::images::{Copy, Image};
use essregistry_testbed::registry::Registry;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// What one run of the plugin printed and returned.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// A clean environment: its own HOME (no Docker config, no installer folder), no credentials.
pub struct Plugin {
    home: TempDir,
    env: Vec<(String, String)>,
}

impl Plugin {
    pub fn new() -> Plugin {
        Plugin { home: tempfile::tempdir().expect("home"), env: Vec::new() }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn env(mut self, key: &str, value: &str) -> Plugin {
        self.env.push((key.into(), value.into()));
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-essregistry"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl-essregistry");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        let output = child.wait_with_output().expect("wait");
        Run {
            code: output.status.code().expect("exited, not killed"),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        }
    }
}

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
    Mirrored { component: "adminbot", sub: "haproxy", server: "docker.io", path: "library/haproxy", tag: "2.8-alpine", copy: Some(Copy::All) },
    Mirrored { component: "element_call", sub: "jwt", server: "ghcr.io", path: "element-hq/lk-jwt-service", tag: "0.1.1", copy: Some(Copy::Converted) },
    Mirrored { component: "element_call", sub: "sfu", server: "docker.io", path: "livekit/livekit-server", tag: "v1.7.2", copy: Some(Copy::SinglePlatform) },
    Mirrored { component: "element_web", sub: "element_web", server: "docker.io", path: "vectorim/element-web", tag: "v1.11.45", copy: Some(Copy::All) },
    Mirrored { component: "hookshot", sub: "hookshot", server: "ghcr.io", path: "matrix-org/matrix-hookshot", tag: "5.2.1", copy: None },
    Mirrored { component: "synapse", sub: "haproxy", server: "docker.io", path: "library/haproxy", tag: "2.8-alpine", copy: Some(Copy::All) },
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

    /// `plan -f FILE --registry HOST --path-prefix ess` and the TLS flags the registry needs.
    pub fn plan_args<'a>(&'a self, extra: &[&'a str]) -> Vec<String> {
        let mut args: Vec<String> = ["plan", "-f", self.digests_arg(), "--registry", &self.registry.host(), "--path-prefix", "ess"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        match self.registry.ca_file() {
            Some(ca) => args.extend(["--registry-ca-file".to_owned(), ca.display().to_string()]),
            None => args.push("--registry-plain-http".to_owned()),
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
