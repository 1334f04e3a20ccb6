//! The recording proxy, driven by curl and by skopeo (Go's proxy support): each way a client
//! can ask it for a target reaches the server on loopback and is recorded.

use essregistry_testbed::loopback::LoopbackServer;
use essregistry_testbed::proxy::{ProxyProtocol, RecordingProxy, dead_proxy_url};
use essregistry_testbed::registry::{Registry, RegistryConfig};
use http_body_util::Full;
use hyper::Response;
use hyper::body::Bytes;
use std::process::Command;
use std::time::{Duration, Instant};

/// A server that answers with the request target and Host header it was sent.
fn origin() -> LoopbackServer {
    LoopbackServer::start(|request: hyper::Request<hyper::body::Incoming>| {
        let host = request.headers().get("host").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let body = format!("{} {host}", request.uri());
        async move { Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(body)))) }
    })
}

/// `curl --proxy PROXY [extra] URL`: what it printed, or its errors.
fn curl(proxy: &str, extra: &[&str], url: &str) -> Result<String, String> {
    let output = Command::new("curl")
        .args(["--silent", "--show-error", "--noproxy", "", "--proxy", proxy])
        .args(extra)
        .arg(url)
        .output()
        .expect("run curl");
    let text = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    if output.status.success() { Ok(text(output.stdout)) } else { Err(text(output.stderr)) }
}

#[test]
fn an_http_proxy_tunnels_connect_and_forwards_absolute_form_requests() {
    let origin = origin();
    let proxy = RecordingProxy::start(ProxyProtocol::HttpConnect);
    assert!(proxy.url().starts_with("http://127.0.0.1:"));
    let url = format!("http://registry.example:{}/v2/?n=1", origin.port);
    let host = format!("registry.example:{}", origin.port);

    let tunnelled = curl(&proxy.url(), &["--proxytunnel", "--include"], &url).unwrap();
    assert!(tunnelled.contains("HTTP/1.1 200 Connection established"), "{tunnelled}");
    assert!(tunnelled.ends_with(&format!("/v2/?n=1 {host}")), "{tunnelled}");

    let forwarded = curl(&proxy.url(), &[], &url).unwrap();
    assert_eq!(forwarded, format!("/v2/?n=1 {host}"), "the origin gets the request in origin form");
    assert_eq!(proxy.targets(), [host.clone(), host]);
}

#[test]
fn a_socks5_proxy_connects_to_domain_names_and_addresses() {
    let origin = origin();
    let proxy = RecordingProxy::start(ProxyProtocol::Socks5);
    let port = origin.port;
    // socks5h: curl sends the name; socks5: curl sends the address it has.
    let name = proxy.url().replacen("socks5://", "socks5h://", 1);
    assert!(curl(&name, &[], &format!("http://registry.example:{port}/v2/")).is_ok());
    assert!(curl(&proxy.url(), &[], &format!("http://127.0.0.1:{port}/v2/")).is_ok());
    assert!(curl(&proxy.url(), &[], &format!("http://[::1]:{port}/v2/")).is_ok());
    assert_eq!(
        proxy.targets(),
        [format!("registry.example:{port}"), format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
    );
}

#[test]
fn go_reaches_a_tls_registry_through_either_proxy() {
    let registry = Registry::start(RegistryConfig {
        tls: true,
        certificate_host: Some("registry.example".into()),
        ..RegistryConfig::default()
    });
    for protocol in [ProxyProtocol::HttpConnect, ProxyProtocol::Socks5] {
        let proxy = RecordingProxy::start(protocol);
        let auth = tempfile::tempdir().unwrap();
        let output = Command::new("skopeo")
            .args(["login", "--username", "user", "--password", "secret", "--authfile"])
            .arg(auth.path().join("auth.json"))
            .arg("--cert-dir")
            .arg(registry.cert_dir())
            .arg(format!("registry.example:{}", registry.port))
            .env("HTTPS_PROXY", proxy.url())
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .output()
            .expect("run skopeo");
        assert!(output.status.success(), "{protocol:?}: {}", String::from_utf8_lossy(&output.stderr));
        let targets = proxy.targets();
        let wanted = format!("registry.example:{}", registry.port);
        assert!(!targets.is_empty() && targets.iter().all(|t| *t == wanted), "{protocol:?}: {targets:?}");
    }
}

#[test]
fn a_dead_proxy_refuses_connections() {
    let error = curl(&dead_proxy_url(), &[], "http://registry.example/").expect_err("refused");
    assert!(error.contains("Couldn't connect") || error.contains("Failed to connect"), "{error}");
}

#[test]
fn a_dropped_proxy_stops_listening() {
    let proxy = RecordingProxy::start(ProxyProtocol::Socks5);
    let address = proxy.url().replacen("socks5://", "", 1);
    drop(proxy);
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(&address).is_ok() {
        assert!(Instant::now() < deadline, "{address} still listens");
        std::thread::sleep(Duration::from_millis(10));
    }
}
