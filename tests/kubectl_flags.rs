//! kubectl's habits: the global flags before or after the command, and the connection flags
//! that plugins built on kubectl's own libraries accept, with kubectl's meaning. kubectl, given
//! the same flags, is the judge.

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use std::path::Path;
use std::process::Command;
use support::{Plugin, Run};

/// A ConfigMap that `kubectl apply -f -` writes: only a role that may write can.
const PROBE: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\n  namespace: element-onprem\ndata:\n  a: b\n";

/// kubectl with only the given flags (`PROBE` on stdin): no kubeconfig of its own, a cache in a
/// temporary folder.
fn kubectl(args: &[&str], kubeconfig: Option<&Path>) -> (bool, String) {
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new("kubectl");
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", home.path())
        .env("KUBECACHEDIR", home.path().join("cache"));
    if let Some(path) = kubeconfig {
        command.env("KUBECONFIG", path);
    }
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), PROBE.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

fn connected(run: &Run) -> bool {
    run.code != 5
}

#[test]
fn server_token_and_certificate_authority_need_no_kubeconfig() {
    let api = ApiServer::start();
    let ca = api.trust_file();
    let flags =
        ["--server", &api.url(), "--token", "essregistry-admin-token", "--certificate-authority", ca.to_str().unwrap()];
    let (kubectl_ok, said) = kubectl(&[&flags[..], &["get", "ns"]].concat(), None);
    assert!(kubectl_ok, "{said}");
    let run = Plugin::new().run(&[&["status", "--no-secret", "-o", "json"], &flags[..]].concat());
    assert!(connected(&run), "{}", run.stderr);
    assert_eq!(run.json()["namespace"], "element-onprem");
    assert!(!run.stderr.contains("essregistry-admin-token"), "the token never shows");

    // Another CA given by the flag: both refuse, and the plugin names the flag as the trust.
    let other = ApiServer::start();
    let other_ca = other.trust_file();
    let wrong = [
        "--server",
        &api.url(),
        "--token",
        "essregistry-admin-token",
        "--certificate-authority",
        other_ca.to_str().unwrap(),
    ];
    assert!(!kubectl(&[&wrong[..], &["get", "ns"]].concat(), None).0);
    let run = Plugin::new().run(&[&["status", "--no-secret"], &wrong[..]].concat());
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("trusted: --certificate-authority {}", other_ca.display())), "{}", run.stderr);

    // Without the CA both refuse; with --insecure-skip-tls-verify both go on.
    let bare = ["--server", &api.url(), "--token", "essregistry-admin-token"];
    assert!(!kubectl(&[&bare[..], &["get", "ns"]].concat(), None).0);
    assert!(!connected(&Plugin::new().run(&[&["status", "--no-secret"], &bare[..]].concat())));
    let insecure = [&bare[..], &["--insecure-skip-tls-verify"]].concat();
    assert!(kubectl(&[&insecure[..], &["get", "ns"]].concat(), None).0);
    assert!(connected(&Plugin::new().run(&[&["status", "--no-secret"], &insecure[..]].concat())));
}

#[test]
fn user_and_token_flags_replace_the_contexts_credentials() {
    let api = ApiServer::start();
    let readonly = api.kubeconfig(Role::ReadOnly);
    let path = readonly.to_str().unwrap();
    // A read-only context cannot write; --token of an admin can, for kubectl and the plugin.
    let write = ["apply", "--server-side", "--validate=false", "-f", "-"];
    assert!(!kubectl(&write, Some(&readonly)).0);
    assert!(kubectl(&[&write[..], &["--token", "essregistry-admin-token"]].concat(), Some(&readonly)).0);
    let unknown = Plugin::new().run(&["status", "--kubeconfig", path, "--no-secret", "--token", "not-a-token"]);
    assert_eq!(unknown.code, 5, "{}", unknown.stderr);
    assert!(unknown.stderr.contains("401"), "{}", unknown.stderr);
    let admin =
        Plugin::new().run(&["status", "--kubeconfig", path, "--no-secret", "--token", "essregistry-admin-token"]);
    assert!(connected(&admin), "{}", admin.stderr);

    // --user picks another user entry of the kubeconfig.
    let text = std::fs::read_to_string(&readonly)
        .unwrap()
        .replace("users:\n", "users:\n- name: other-admin\n  user:\n    token: essregistry-admin-token\n");
    let two_users = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(two_users.path(), text).unwrap();
    assert!(kubectl(&[&write[..], &["--user", "other-admin"]].concat(), Some(two_users.path())).0);
    let run = Plugin::new().run(&[
        "status",
        "--kubeconfig",
        two_users.path().to_str().unwrap(),
        "--user",
        "nobody",
        "--no-secret",
    ]);
    assert_eq!(run.code, 5, "an unknown --user is refused: {}", run.stderr);
}

#[test]
fn global_flags_go_before_or_after_the_command() {
    let api = ApiServer::start();
    let kubeconfig = api.kubeconfig(Role::Admin);
    let path = kubeconfig.to_str().unwrap();
    let flags = ["--kubeconfig", path, "-n", "element-onprem", "--context", "testbed", "--request-timeout", "5s"];
    let output = ["-o", "json", "--no-color", "--registry-timeout", "3s"];
    let plugin = Plugin::new();
    let after = plugin.run(&[&["status", "--no-secret"], &flags[..], &output[..]].concat());
    let before = plugin.run(&[&flags[..], &output[..], &["status", "--no-secret"]].concat());
    let mixed = plugin.run(&[&flags[..], &["status", "--no-secret"], &output[..]].concat());
    assert!(connected(&after), "{}", after.stderr);
    for run in [&before, &mixed] {
        assert_eq!((run.code, run.json()), (after.code, after.json()), "{}", run.stderr);
    }
    let elsewhere = plugin.run(&["-n", "elsewhere", "--kubeconfig", path, "-o", "json", "status", "--no-secret"]);
    assert_eq!(elsewhere.json()["namespace"], "elsewhere", "-n before the command is honoured: {}", elsewhere.stderr);
}

#[test]
fn impersonation_flags_act_as_another_user_as_for_kubectl() {
    let api = ApiServer::start();
    let admin = api.kubeconfig(Role::Admin);
    let path = admin.to_str().unwrap();
    // The admin acting as a user the cluster gives no role: refused for both.
    let as_nobody = ["--as", "nobody", "--as-group", "ess-viewers", "--as-uid", "1234"];
    assert!(!kubectl(&[&["get", "ns"], &as_nobody[..]].concat(), Some(&admin)).0);
    let run = Plugin::new().run(&[&["status", "--no-secret", "--kubeconfig", path], &as_nobody[..]].concat());
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("forbidden"), "{}", run.stderr);
    // Acting as the read-only user: reads work, writes do not, for both.
    let as_reader = ["--as", "essregistry-readonly"];
    assert!(kubectl(&[&["get", "ns"], &as_reader[..]].concat(), Some(&admin)).0);
    assert!(
        !kubectl(&[&["apply", "--server-side", "--validate=false", "-f", "-"], &as_reader[..]].concat(), Some(&admin))
            .0
    );
    let run = Plugin::new().run(&[&["status", "--no-secret", "--kubeconfig", path], &as_reader[..]].concat());
    assert!(connected(&run), "{}", run.stderr);
    // A read-only identity may not impersonate at all.
    let reader = api.kubeconfig(Role::ReadOnly);
    let as_admin = ["--as", "essregistry-admin"];
    assert!(!kubectl(&[&["get", "ns"], &as_admin[..]].concat(), Some(&reader)).0);
    let run = Plugin::new()
        .run(&[&["status", "--no-secret", "--kubeconfig", reader.to_str().unwrap()], &as_admin[..]].concat());
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(run.stderr.contains("cannot impersonate"), "{}", run.stderr);
    assert!(run.stderr.contains("this identity may not impersonate"), "{}", run.stderr);
}

#[test]
fn tls_server_name_cluster_and_client_certificate_flags() {
    let api = ApiServer::start_with(essregistry_testbed::apiserver::ServerTls {
        names: vec!["api.cluster.example".into()],
        client_ca: true,
        ..Default::default()
    });
    let ca = api.trust_file();
    let dir = tempfile::tempdir().unwrap();
    let client =
        api.client_ca().unwrap().client(dir.path(), "essregistry-admin", essregistry_testbed::tls::KeyAlgorithm::Ec);
    let base = ["--server", &api.url(), "--certificate-authority", ca.to_str().unwrap()];
    let cert = ["--client-certificate", client.cert.to_str().unwrap(), "--client-key", client.key.to_str().unwrap()];
    let named = ["--tls-server-name", "api.cluster.example"];
    let without_name = [&base[..], &cert[..]].concat();
    assert!(!kubectl(&[&without_name[..], &["get", "ns"]].concat(), None).0);
    assert!(!connected(&Plugin::new().run(&[&["status", "--no-secret"], &without_name[..]].concat())));
    let full = [&base[..], &cert[..], &named[..]].concat();
    assert!(kubectl(&[&full[..], &["get", "ns"]].concat(), None).0);
    let run = Plugin::new().run(&[&["status", "--no-secret"], &full[..]].concat());
    assert!(connected(&run), "{}", run.stderr);

    // --cluster: another cluster entry of the kubeconfig than the context's.
    let kubeconfig = dir.path().join("kubeconfig");
    let data = |path: &Path| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap())
    };
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: wrong\n  cluster:\n    server: https://127.0.0.1:1\n- name: right\n  cluster:\n    server: {}\n    certificate-authority-data: {}\n    tls-server-name: api.cluster.example\nusers:\n- name: u\n  user:\n    token: essregistry-admin-token\ncontexts:\n- name: c\n  context: {{cluster: wrong, user: u}}\ncurrent-context: c\n",
            api.url(),
            data(&ca)
        ),
    )
    .unwrap();
    assert!(!kubectl(&["get", "ns"], Some(&kubeconfig)).0);
    assert!(kubectl(&["get", "ns", "--cluster", "right"], Some(&kubeconfig)).0);
    let path = kubeconfig.to_str().unwrap();
    assert!(!connected(&Plugin::new().run(&["status", "--no-secret", "--kubeconfig", path])));
    let run = Plugin::new().run(&["status", "--no-secret", "--kubeconfig", path, "--cluster", "right"]);
    assert!(connected(&run), "{}", run.stderr);
}
