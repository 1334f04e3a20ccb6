//! A forward proxy that records what it is asked to reach, so tests can tell that a client went
//! through it, and to which host. It speaks HTTP (CONNECT tunnels, and plain-HTTP requests in
//! absolute form) or SOCKS5, and reaches every host on 127.0.0.1 at the port asked for, so
//! tests can use names like registry.example without DNS.

mod socks5;

use crate::free_port;
use crate::loopback::LoopbackServer;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper::ext::ReasonPhrase;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::sync::{Arc, Mutex};
use tokio::net::TcpStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyProtocol {
    HttpConnect,
    Socks5,
}

/// Every target asked for, in order, as `host:port`.
type Targets = Arc<Mutex<Vec<String>>>;

/// A running proxy; stopped when dropped.
pub struct RecordingProxy {
    protocol: ProxyProtocol,
    targets: Targets,
    server: LoopbackServer,
}

impl RecordingProxy {
    /// Starts on a free loopback port.
    pub fn start(protocol: ProxyProtocol) -> RecordingProxy {
        let targets = Targets::default();
        let shared = Arc::clone(&targets);
        let server = match protocol {
            ProxyProtocol::HttpConnect => {
                let client: Client<HttpConnector, Incoming> = Client::builder(TokioExecutor::new()).build_http();
                LoopbackServer::start(move |request| http(Arc::clone(&shared), client.clone(), request))
            }
            ProxyProtocol::Socks5 => LoopbackServer::accept(move |stream| socks5::serve(Arc::clone(&shared), stream)),
        };
        RecordingProxy { protocol, targets, server }
    }

    /// `http://127.0.0.1:PORT` or `socks5://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let scheme = match self.protocol {
            ProxyProtocol::HttpConnect => "http",
            ProxyProtocol::Socks5 => "socks5",
        };
        format!("{scheme}://127.0.0.1:{}", self.server.port)
    }

    /// Every target asked for, in order, as `host:port`: CONNECT's authority, a plain request's
    /// host and port, or the SOCKS5 domain name or address and port.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().expect("targets").clone()
    }
}

/// An http:// proxy URL on a loopback port where nothing listens: what a client configured with
/// a proxy that is down meets.
pub fn dead_proxy_url() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

type ProxyBody = BoxBody<Bytes, hyper::Error>;

fn empty(status: StatusCode) -> Response<ProxyBody> {
    let mut response = Response::new(Empty::new().map_err(|never| match never {}).boxed());
    *response.status_mut() = status;
    response
}

async fn http(
    targets: Targets,
    client: Client<HttpConnector, Incoming>,
    mut request: Request<Incoming>,
) -> Result<Response<ProxyBody>, hyper::Error> {
    let connect = request.method() == Method::CONNECT;
    // A request in origin form names no target: it was meant for a server, not a proxy.
    let Some(authority) = request.uri().authority().cloned() else {
        return Ok(empty(StatusCode::BAD_REQUEST));
    };
    let port = authority.port_u16().unwrap_or(if connect { 443 } else { 80 });
    targets.lock().expect("targets").push(format!("{}:{port}", authority.host()));
    if connect {
        let Ok(mut upstream) = TcpStream::connect(("127.0.0.1", port)).await else {
            return Ok(empty(StatusCode::BAD_GATEWAY));
        };
        tokio::spawn(async move {
            if let Ok(tunnel) = hyper::upgrade::on(request).await {
                let _ = tokio::io::copy_bidirectional(&mut TokioIo::new(tunnel), &mut upstream).await;
            }
        });
        let mut response = empty(StatusCode::OK);
        response.extensions_mut().insert(ReasonPhrase::from_static(b"Connection established"));
        return Ok(response);
    }
    let path = request.uri().path_and_query().map_or("/", |path| path.as_str());
    *request.uri_mut() = format!("http://127.0.0.1:{port}{path}").parse().expect("a loopback URI");
    request.headers_mut().remove("proxy-connection");
    request.headers_mut().remove("proxy-authorization");
    Ok(match client.request(request).await {
        Ok(response) => response.map(BodyExt::boxed),
        Err(_) => empty(StatusCode::BAD_GATEWAY),
    })
}
