//! Proxies as kubectl routes them: the kubeconfig's proxy-url for the API (HTTP CONNECT and
//! SOCKS5), HTTPS_PROXY for everything else but loopback, and a failing proxy named as such.
//! A recording proxy of the tests' own shows what went through it; kubectl and skopeo, given
//! the same settings, are the judges. (The NO_PROXY matching rules have unit tests of their own
//! in src/proxy.rs: a test here would have to resolve a name that is not loopback.)

mod support;

use essregistry_testbed::apiserver::{ApiServer, Role};
use essregistry_testbed::proxy::{ProxyProtocol, RecordingProxy, dead_proxy_url};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::{Plugin, Run};

const DIGESTS: &str = "tests/fixtures/images_digests.yml";

/// A registry whose certificate is for registry.example, reached through a proxy that maps
/// every name to loopback.
fn named_registry() -> Registry {
    Registry::start(RegistryConfig {
        tls: true,
        certificate_host: Some("registry.example".into()),
        ..RegistryConfig::default()
    })
}

fn named_host(registry: &Registry) -> String {
    format!("registry.example:{}", registry.port)
}

fn plan_offline(plugin: &Plugin, host: &str, ca: &Path) -> Run {
    plugin.run(&["plan", "--offline", "-f", DIGESTS, "--registry", host, "--registry-ca-file", ca.to_str().unwrap()])
}

/// kubectl with `env` added, as an admin at a shell with those variables would run it.
fn kubectl(kubeconfig: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let cache = tempfile::tempdir().unwrap();
    let output = Command::new("kubectl")
        .args(["get", "ns"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap())
        .env("HOME", cache.path())
        .env("KUBECACHEDIR", cache.path())
        .env("KUBECONFIG", kubeconfig)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The admin kubeconfig of `api` with `proxy-url` added to its cluster entry.
fn with_proxy_url(api: &ApiServer, proxy: &str) -> PathBuf {
    let original = std::fs::read_to_string(api.kubeconfig(Role::Admin)).unwrap();
    let text = original.replacen("    server: ", &format!("    proxy-url: {proxy}\n    server: "), 1);
    let path = api.kubeconfig(Role::Admin).with_file_name(format!("kubeconfig-proxy-{}", proxy.len()));
    std::fs::write(&path, text).unwrap();
    path
}

fn status(plugin: &Plugin, kubeconfig: &Path) -> Run {
    plugin.run(&["status", "--kubeconfig", kubeconfig.to_str().unwrap(), "--no-secret", "-o", "json"])
}

#[test]
fn https_proxy_carries_registry_requests_as_it_does_skopeos() {
    let registry = named_registry();
    let proxy = RecordingProxy::start(ProxyProtocol::HttpConnect);
    let host = named_host(&registry);
    let run = plan_offline(&Plugin::new().env("HTTPS_PROXY", &proxy.url()), &host, &registry.ca_file().unwrap());
    assert_eq!(run.code, 1, "checked through the proxy: {}", run.stderr);
    assert!(proxy.targets().contains(&host), "{:?}", proxy.targets());

    let skopeo = Command::new("skopeo")
        .args(["list-tags", "--cert-dir"])
        .arg(registry.cert_dir())
        .arg(format!("docker://{host}/essregistry/probe"))
        .env("HTTPS_PROXY", proxy.url())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&skopeo.stderr);
    assert!(said.contains("registry 404"), "skopeo reached the registry the same way: {said}");
    assert!(proxy.targets().iter().filter(|t| **t == host).count() >= 2, "{:?}", proxy.targets());
}

#[test]
fn a_dead_proxy_is_named_as_the_proxy_not_blamed_on_the_registry() {
    let registry = named_registry();
    let dead = dead_proxy_url();
    let run =
        plan_offline(&Plugin::new().env("https_proxy", &dead), &named_host(&registry), &registry.ca_file().unwrap());
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("the proxy {dead} (from https_proxy) refused the connection")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("NO_PROXY"), "{}", run.stderr);
}

#[test]
fn loopback_is_never_proxied_so_a_dead_proxy_alone_stops_nothing() {
    let registry = Registry::start(RegistryConfig { tls: true, ..RegistryConfig::default() });
    let api = ApiServer::start();
    let dead = dead_proxy_url();
    let env = [("HTTPS_PROXY", dead.as_str()), ("HTTP_PROXY", dead.as_str()), ("NO_PROXY", "api.cluster.example")];
    let kubeconfig = api.kubeconfig(Role::Admin);
    let (kubectl_ok, said) = kubectl(&kubeconfig, &env);
    assert!(kubectl_ok, "kubectl goes direct: {said}");
    let plugin = env.iter().fold(Plugin::new(), |plugin, (k, v)| plugin.env(k, v));
    let ca = registry.ca_file().unwrap();
    let run = plugin.run(&[
        "plan",
        "-f",
        DIGESTS,
        "--registry",
        &registry.host(),
        "--registry-ca-file",
        ca.to_str().unwrap(),
        "--kubeconfig",
        kubeconfig.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "registry and API server reached directly: {}", run.stderr);
}

#[test]
fn the_kubeconfig_proxy_url_carries_api_requests_as_for_kubectl() {
    for protocol in [ProxyProtocol::HttpConnect, ProxyProtocol::Socks5] {
        let api = ApiServer::start();
        let proxy = RecordingProxy::start(protocol);
        let kubeconfig = with_proxy_url(&api, &proxy.url());
        let (kubectl_ok, said) = kubectl(&kubeconfig, &[]);
        assert!(kubectl_ok, "{protocol:?}: {said}");
        let through_kubectl = proxy.targets().len();
        assert!(through_kubectl > 0, "kubectl went through the {protocol:?} proxy");
        let run = status(&Plugin::new(), &kubeconfig);
        assert_ne!(run.code, 5, "{protocol:?}: {}", run.stderr);
        let targets = proxy.targets();
        assert!(targets.len() > through_kubectl, "{protocol:?}: the plugin went through the proxy too");
        assert!(targets.iter().all(|t| *t == format!("127.0.0.1:{}", api.port)), "{targets:?}");
    }
}

#[test]
fn a_dead_proxy_url_is_named_for_the_api_server() {
    let api = ApiServer::start();
    let dead = dead_proxy_url();
    let kubeconfig = with_proxy_url(&api, &dead);
    assert!(!kubectl(&kubeconfig, &[]).0);
    let run = status(&Plugin::new(), &kubeconfig);
    assert_eq!(run.code, 5, "{}", run.stderr);
    let named = format!("through the proxy {dead} (from the kubeconfig's proxy-url): it refused the connection");
    assert!(run.stderr.contains(&named), "{}", run.stderr);
    assert!(run.stderr.contains("remove proxy-url"), "NO_PROXY cannot help with proxy-url: {}", run.stderr);
}
