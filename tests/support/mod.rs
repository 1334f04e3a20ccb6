//! Shared by the integration tests: run the built plugin in a clean environment.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod archives;
pub mod cluster_world;
pub mod helm_values;
pub mod mirror_world;

use std::io::Write;
use std::path::Path;
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
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
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
        let run = Run {
            code: output.status.code().expect("exited, not killed by a signal"),
            stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
        };
        // Whatever the test, the plugin never panics and always exits with a documented code.
        assert!(!run.stderr.contains("panicked at"), "the plugin panicked: {}", run.stderr);
        assert!((0..=5).contains(&run.code), "exit code {} is not documented: {}", run.code, run.stderr);
        run
    }
}

pub fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}
