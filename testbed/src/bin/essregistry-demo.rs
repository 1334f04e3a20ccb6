//! The README's demo: a throwaway registry on loopback (HTTPS with a test CA, a login), a few
//! ESS images mirrored into it the ways administrators do (some right, one missing, two with
//! another digest), then `kubectl essregistry plan` against it. Everything stops at the end.

use essregistry_testbed::registry::{Registry, RegistryConfig};
use essregistry_testbed::scenario::{ESS, Scenario};
use std::io::Write;
use std::process::{Command, Stdio};

const USER: &str = "demo-admin";
const PASSWORD: &str = "demo-password";

fn main() {
    println!("Starting a registry on loopback (HTTPS, test CA, htpasswd login) and mirroring ESS images...");
    let config = RegistryConfig { tls: true, basic_auth: Some((USER.into(), PASSWORD.into())), token: None };
    let scenario = Scenario::seed(Registry::start(config), &ESS);
    let ca = scenario.registry.ca_file().expect("TLS registry");
    let host = scenario.registry.host();
    let args = [
        "essregistry",
        "plan",
        "-f",
        scenario.digests_arg(),
        "--registry",
        &host,
        "--path-prefix",
        "ess",
        "--registry-ca-file",
        ca.to_str().expect("UTF-8 path"),
        "--registry-username",
        USER,
        "--registry-password-stdin",
    ];
    // kubectl finds the plugin on PATH; without kubectl, the plugin runs on its own.
    let (program, args) = match Command::new("kubectl").arg("version").arg("--client").output() {
        Ok(out) if out.status.success() => ("kubectl", &args[..]),
        _ => ("kubectl-essregistry", &args[1..]),
    };
    println!("\n$ {program} {}\n", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .spawn()
        .expect("run kubectl-essregistry (is target/debug on PATH?)");
    child.stdin.take().expect("stdin").write_all(PASSWORD.as_bytes()).expect("password");
    let status = child.wait().expect("wait for the plugin");
    println!(
        "\nThe plugin exited with {} (1: some image is not ready). The registry is stopped now.",
        status.code().unwrap_or(-1)
    );
}
