//! The Kubernetes API client, built here rather than by kube so that it shares the registry's
//! TLS verifier (`crate::tls`) and routes as kubectl does: directly, through an HTTP(S) CONNECT
//! proxy, or through SOCKS5. kube's own layers still add the server URL, the credentials and
//! impersonation; the API's warnings are printed as kubectl prints them.

use super::config::ClusterConfig;
use crate::proxy::Proxy;
use http::Uri;
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_timeout::TimeoutConnector;
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connection, HttpConnector};
use hyper_util::rt::TokioExecutor;
use kube::client::{ClientBuilder, ConfigExt};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tower::{BoxError, ServiceBuilder};

/// Errors are plain text: the caller knows the context to name.
pub(super) fn build(cluster: &ClusterConfig) -> Result<kube::Client, String> {
    // hyper-rustls sets ALPN itself (http/1.1) and refuses a config that already has it.
    let tls = cluster.tls.client_config(&[])?;
    let server_name = cluster.config.tls_server_name.as_deref();
    let mut direct = HttpConnector::new();
    direct.enforce_http(false);
    let Some(proxy) = &cluster.proxy else {
        return finish(https(tls, server_name, direct)?, &cluster.config);
    };
    let uri: Uri = proxy.url.as_str().parse().map_err(|e| format!("{proxy} is not usable: {e}"))?;
    match proxy.url.scheme() {
        "http" => finish(https(tls, server_name, tunnel(uri, proxy, direct))?, &cluster.config),
        // To an https proxy, TLS with the same trust, then the tunnel, then TLS to the server.
        "https" => {
            let to_proxy = https(tls.clone(), None, direct)?;
            finish(https(tls, server_name, tunnel(uri, proxy, to_proxy))?, &cluster.config)
        }
        _ => {
            let mut socks = SocksV5::new(uri, direct);
            if !proxy.url.username().is_empty() {
                socks = socks.with_auth(
                    percent_decoded(proxy.url.username()),
                    percent_decoded(proxy.url.password().unwrap_or_default()),
                );
            }
            finish(https(tls, server_name, socks)?, &cluster.config)
        }
    }
}

fn tunnel<C>(uri: Uri, proxy: &Proxy, connector: C) -> Tunnel<C> {
    let tunnel = Tunnel::new(uri, connector);
    if proxy.url.username().is_empty() {
        return tunnel;
    }
    use base64::Engine as _;
    let user = percent_decoded(proxy.url.username());
    let password = percent_decoded(proxy.url.password().unwrap_or_default());
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    match http::HeaderValue::from_str(&format!("Basic {credentials}")) {
        Ok(header) => tunnel.with_auth(header),
        Err(_) => tunnel,
    }
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text).decode_utf8_lossy().into_owned()
}

/// TLS over `connector`, with the kubeconfig's `tls-server-name` when it has one.
fn https<C>(tls: ClientConfig, server_name: Option<&str>, connector: C) -> Result<HttpsConnector<C>, String> {
    let builder = HttpsConnectorBuilder::new().with_tls_config(tls).https_or_http();
    let builder = match server_name {
        Some(name) => {
            let name = ServerName::try_from(name.to_owned()).map_err(|e| format!("tls-server-name {name}: {e}"))?;
            builder.with_server_name_resolver(FixedServerNameResolver::new(name))
        }
        None => builder,
    };
    Ok(builder.enable_http1().wrap_connector(connector))
}

/// Timeouts, the HTTP client, and kube's layers for the server URL, credentials and headers.
fn finish<C>(connector: C, config: &kube::Config) -> Result<kube::Client, String>
where
    C: tower::Service<Uri> + Clone + Send + Sync + 'static,
    C::Response: Connection + hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static,
    C::Future: Send + 'static,
    C::Error: Into<BoxError>,
{
    let mut connector = TimeoutConnector::new(connector);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    let client: hyper_util::client::legacy::Client<_, kube::client::Body> =
        hyper_util::client::legacy::Builder::new(TokioExecutor::new()).build(connector);
    let auth = config.auth_layer().map_err(|e| format!("cannot use the user's credentials: {e}"))?;
    let headers = config.extra_headers_layer().map_err(|e| format!("cannot use the impersonation settings: {e}"))?;
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(auth)
        .layer(headers)
        .map_err(BoxError::from)
        .map_response(|response: http::Response<hyper::body::Incoming>| {
            super::warnings::print(response.headers());
            response
        })
        .service(client);
    Ok(ClientBuilder::new(service, config.default_namespace.clone()).build())
}
