//! The HTTP client and what a failed request means: TLS from the trust sources, the proxy
//! rules, and transport errors (TLS, proxies, timeouts, refused connections) described with
//! what to do about them.

use super::options::RegistryOptions;
use crate::causes;
use crate::error::Error;
use crate::proxy::Proxy;
use crate::reference::RegistryHost;
use crate::tls::{AcceptedBy, Peer, describe};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

/// What a failure message needs to know about how the registry is reached.
#[derive(Debug, Clone)]
pub(super) struct Connection {
    host: String,
    client_certificate: bool,
    /// The proxy the registry's own URL goes through, if any.
    proxy: Option<Proxy>,
    base: reqwest::Url,
    tls: Arc<rustls::ClientConfig>,
    timeout: Duration,
    /// The trust sources the registry's certificate is checked against, as `probe` names them:
    /// empty over plain HTTP, None when the checks are skipped.
    pub(super) trust: Option<Vec<String>>,
    /// Which of them accepted the registry's certificate, once a handshake did.
    pub(super) accepted: AcceptedBy,
}

pub(super) fn build_client(
    registry: &RegistryHost,
    base: &reqwest::Url,
    options: &RegistryOptions,
) -> Result<(reqwest::Client, Connection), Error> {
    let tls = super::tls::settings(registry, options)?;
    let accepted = AcceptedBy::default();
    let config = tls
        .client_config_noting(&[b"h2", b"http/1.1"], &accepted)
        .map_err(|e| Error::usage(e, "check the TLS flags"))?;
    let proxy = options
        .proxy
        .route(base)
        .map_err(|e| Error::usage(e, "fix the proxy variable, or unset it if the registry is reached directly"))?;
    let rules = options.proxy.clone();
    // Every URL (registry, token service, redirect targets) is routed by the same rules.
    let route = reqwest::Proxy::custom(move |url| rules.route(url).ok().flatten().map(|proxy| proxy.url));
    let client = reqwest::Client::builder()
        .use_preconfigured_tls(config.clone())
        .no_proxy()
        .proxy(route)
        // Redirects are followed by `send`, which decides where credentials may go.
        .redirect(reqwest::redirect::Policy::none())
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .pool_max_idle_per_host(options.concurrency)
        .user_agent(concat!("kubectl-essregistry/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::usage(format!("cannot set up the HTTP client: {e}"), "check the TLS flags"))?;
    let connection = Connection {
        host: registry.to_string(),
        client_certificate: tls.identity.is_some(),
        proxy,
        base: base.clone(),
        tls: Arc::new(config),
        timeout: options.timeout,
        trust: match (options.plain_http, options.insecure_skip_tls_verify) {
            (true, _) => Some(Vec::new()),
            (false, true) => None,
            (false, false) => Some(tls.trust.sources().to_vec()),
        },
        accepted,
    };
    Ok((client, connection))
}

impl Connection {
    /// A connection closed without a TLS error may still have been refused by the server's
    /// alert after the handshake (TLS 1.3 servers that require a client certificate check it
    /// only then, and the HTTP client reports only "connection closed"). One direct handshake
    /// and request of its own finds the alert and says what it means.
    pub(super) async fn explain(&self, transport: Transport) -> Transport {
        if transport.tls || self.proxy.is_some() || self.base.scheme() != "https" {
            return transport;
        }
        match tokio::time::timeout(self.timeout, self.handshake_error()).await {
            Ok(Some(tls)) => {
                let peer = Peer::Registry { host: &self.host, client_certificate: self.client_certificate };
                let (reason, hint) = describe(&tls, peer);
                Transport { reason, hint, tls: true }
            }
            _ => transport,
        }
    }

    async fn handshake_error(&self) -> Option<rustls::Error> {
        let host = self.base.host_str()?.trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = self.base.port_or_known_default()?;
        let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await.ok()?;
        let name = rustls::pki_types::ServerName::try_from(host.clone()).ok()?;
        let connector = tokio_rustls::TlsConnector::from(Arc::clone(&self.tls));
        let mut tls = match connector.connect(name, stream).await {
            Ok(tls) => tls,
            Err(error) => return causes::find::<rustls::Error>(&error).cloned(),
        };
        let request = format!("GET /v2/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.host);
        if let Err(error) = tls.write_all(request.as_bytes()).await {
            return causes::find::<rustls::Error>(&error).cloned();
        }
        let mut answer = [0u8; 1];
        tls.read(&mut answer).await.err().and_then(|error| causes::find::<rustls::Error>(&error).cloned())
    }
}

/// A request that got no HTTP answer, described for a person.
#[derive(Debug, Clone)]
pub(super) struct Transport {
    pub reason: String,
    pub hint: String,
    /// TLS failures are not retried: they do not heal.
    pub tls: bool,
}

impl Transport {
    pub(super) fn of(error: &reqwest::Error, connection: &Connection) -> Self {
        if let Some(tls) = causes::find::<rustls::Error>(error) {
            let peer = Peer::Registry { host: &connection.host, client_certificate: connection.client_certificate };
            let (reason, hint) = describe(tls, peer);
            return Transport { reason, hint, tls: true };
        }
        let chain = crate::sanitize::error_chain(error);
        let (reason, hint) = if error.is_timeout() {
            ("the request timed out".to_owned(), "check the registry's health, or raise --registry-timeout".to_owned())
        } else if let (true, Some(proxy)) = (error.is_connect(), &connection.proxy) {
            let what = match causes::find::<std::io::Error>(error).map(std::io::Error::kind) {
                Some(std::io::ErrorKind::ConnectionRefused) => "refused the connection".to_owned(),
                _ if chain.contains("tunnel") => format!("did not open a tunnel to {} ({chain})", connection.host),
                _ => format!("could not be used ({chain})"),
            };
            (
                format!("{proxy} {what}"),
                format!(
                    "check the proxy, or add {} to NO_PROXY if the registry is reached directly (as for docker \
                     and kubectl)",
                    connection.host.split(':').next().unwrap_or_default()
                ),
            )
        } else if error.is_connect() {
            let reason = match causes::find::<std::io::Error>(error).map(std::io::Error::kind) {
                Some(std::io::ErrorKind::ConnectionRefused) => "the connection was refused".to_owned(),
                _ => format!("connection failed ({chain})"),
            };
            (reason, "check --registry HOST:PORT and that the registry is running".to_owned())
        } else {
            (format!("request failed ({chain})"), "check the registry's health and run again".to_owned())
        };
        Transport { reason, hint, tls: false }
    }
}
