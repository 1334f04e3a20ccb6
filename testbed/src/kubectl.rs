//! kubectl, run the way an administrator would, against the tests' API server.

use crate::apiserver::{ApiServer, Role};
use std::io::Write;
use std::process::{Command, Stdio};

/// kubectl with its own kubeconfig and discovery cache, as an independent client.
pub struct Kubectl {
    pub kubeconfig: std::path::PathBuf,
    cache: tempfile::TempDir,
}

impl Kubectl {
    pub fn new(server: &ApiServer, role: Role) -> Kubectl {
        Kubectl::with_kubeconfig(server.kubeconfig(role))
    }

    /// kubectl with a kubeconfig of the test's making (client certificates, say).
    pub fn with_kubeconfig(kubeconfig: std::path::PathBuf) -> Kubectl {
        Kubectl { kubeconfig, cache: tempfile::tempdir().unwrap() }
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        let mut child = Command::new("kubectl")
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("KUBECACHEDIR", self.cache.path())
            .env("HOME", self.cache.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let (code, stdout, stderr) = self.run(args, "");
        assert_eq!(code, 0, "kubectl {args:?}: {stderr}");
        serde_json::from_str(&stdout).unwrap()
    }
}
