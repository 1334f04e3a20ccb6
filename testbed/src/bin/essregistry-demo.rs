//! The README's demo: a throwaway registry on loopback (HTTPS with a test CA, a login) holding
//! ESS images mirrored the ways administrators do (some right, one missing, two with another
//! digest), a second registry standing for upstream (docker.io, ghcr.io), and a Kubernetes API
//! server of the tests' own. It runs `plan`, carries the images across with `mirror` (into a
//! bundle, then from it), then `plan`, `apply` and `status` as an administrator would.
//! Everything stops at the end.

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use std::path::Path;
use std::process::Command;

const USER: &str = "demo-admin";
const PASSWORD: &str = "demo-password";

fn main() {
    println!("Starting a registry on loopback (HTTPS, test CA, htpasswd login), mirroring ESS images,");
    println!("and starting a Kubernetes API server with the namespace element-onprem...");
    let config =
        RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), ..RegistryConfig::default() };
    let scenario = Scenario::seed(Registry::start(config), &ESS);
    // Upstream, on loopback: every image as published, under one folder per upstream host.
    let upstream = Registry::start(RegistryConfig::default());
    scenario.mirror_to(&upstream, &ESS);
    let sources: Vec<String> = ["docker.io", "ghcr.io"]
        .iter()
        .flat_map(|host| ["--source-mirror".to_owned(), format!("{host}=http://{}/ess", upstream.host())])
        .collect();
    let api = ApiServer::start();
    let home = tempfile::tempdir().expect("demo home");
    let installer = home.path().join(".element-enterprise-server");
    let ca = scenario.registry.ca_file().expect("TLS registry");
    let host = scenario.registry.host();
    let common = [
        "-f",
        scenario.digests_arg(),
        "--registry",
        &host,
        "--path-prefix",
        "ess",
        "--registry-ca-file",
        ca.to_str().expect("UTF-8 path"),
        "--installer-dir",
        installer.to_str().expect("UTF-8 path"),
    ];
    let kubeconfig = api.kubeconfig(Role::Admin);
    let run = |args: &[&str]| plugin(args, &kubeconfig, home.path());

    step("1. What would it take? (three images are not right yet)");
    run(&[&["plan"], &common[..]].concat());

    step("2. Carry the images across: into a bundle on the connected side, from it inside, and plan again");
    let bundle = home.path().join("ess-images.tar.zst");
    let bundle = bundle.to_str().expect("UTF-8 path");
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    run(&[&["mirror", "-f", scenario.digests_arg(), "--to-bundle", bundle], &sources[..]].concat());
    run(&[&["mirror", "--from-bundle", bundle], &common[2..8]].concat());
    run(&[&["plan"], &common[..]].concat());

    step("3. Apply: the ConfigMap and the pull secret, by server-side apply");
    run(&[&["apply"], &common[..]].concat());

    step("4. Enter both names in the installer (Cluster > Advanced), then check everything");
    let config = installer.join("config");
    std::fs::create_dir_all(&config).expect("installer config");
    std::fs::write(
        config.join("deployment.yml"),
        "spec:\n  global:\n    k8s:\n      common:\n        dockerSecrets:\n        - name: ess-local-registry\n        imagesDigestsConfigMap: ess-images-digests\n",
    )
    .expect("deployment.yml");
    run(&[
        "status",
        "--registry-ca-file",
        ca.to_str().expect("UTF-8 path"),
        "--installer-dir",
        installer.to_str().expect("UTF-8 path"),
    ]);
    println!("\nThe registry and the API server are stopped now.");
}

fn step(title: &str) {
    println!("\n=== {title}");
}

/// Runs the plugin through kubectl when kubectl is installed, as an administrator would.
fn plugin(args: &[&str], kubeconfig: &Path, home: &Path) {
    let through_kubectl =
        Command::new("kubectl").args(["version", "--client"]).output().is_ok_and(|o| o.status.success());
    let mut command = if through_kubectl {
        let mut c = Command::new("kubectl");
        c.arg("essregistry");
        c
    } else {
        Command::new("kubectl-essregistry")
    };
    let shown = if through_kubectl { "kubectl essregistry" } else { "kubectl-essregistry" };
    println!("$ {shown} {}\n", args.join(" "));
    let status = command
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("KUBECACHEDIR", home.join("kube-cache"))
        .env("ESSREGISTRY_USERNAME", USER)
        .env("ESSREGISTRY_PASSWORD", PASSWORD)
        .status()
        .expect("run kubectl-essregistry (is target/debug on PATH?)");
    println!("(exit code {})", status.code().unwrap_or(-1));
}
