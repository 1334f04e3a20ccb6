//! The proxy's listeners on other hosts and ports, which a profile's redirects lead to: object
//! storage that manifests are handed out from, and the token realm's other addresses. Each one
//! records what reached it, above all whether an `Authorization` header came along: credentials
//! may follow a redirect to the same host, never to another one.

use super::quirks::{Quirks, Realm};
use crate::loopback::LoopbackServer;
use crate::tls::{self, TlsFiles};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::http::response::Parts;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use tempfile::TempDir;

/// Which listener a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    /// `http://localhost:PORT`, another host: the object storage or CDN that manifests are
    /// redirected to, serving what the registry answered.
    Storage,
    /// `http://127.0.0.1:PORT`: the token realm the registry's challenge names; it only redirects.
    Realm,
    /// `https://127.0.0.1:PORT`: the same host as the realm, over TLS, where it redirects to.
    RealmHttps,
    /// `http://localhost:PORT`: another host, where the realm redirects to.
    RealmElsewhere,
}

/// One request that reached a listener of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arrival {
    pub listener: Listener,
    pub method: String,
    /// Path and query.
    pub path: String,
    /// Whether an `Authorization` header came with it.
    pub authorization: bool,
    /// At `Listener::Storage`: the method of the manifest request that was redirected here.
    pub redirected_from: Option<String>,
}

/// A registry answer kept for the storage listener to serve.
struct Stored {
    method: String,
    parts: Parts,
    body: Bytes,
}

type Arrivals = Arc<Mutex<Vec<Arrival>>>;

pub(super) struct Elsewhere {
    arrivals: Arrivals,
    stored: Arc<Mutex<Vec<Stored>>>,
    /// `http://localhost:PORT` of the storage listener.
    storage: Option<String>,
    /// `http://127.0.0.1:PORT` of the realm listener.
    realm: Option<String>,
    /// The origin of the token service the registry names, learnt from its first challenge.
    token_service: Arc<OnceLock<String>>,
    /// The certificate of the HTTPS listeners, in a folder of its own.
    certificates: Option<(TempDir, TlsFiles)>,
    _servers: Vec<LoopbackServer>,
}

type Answer = Result<Response<Full<Bytes>>, std::io::Error>;

impl Elsewhere {
    /// Starts the listeners `quirks` lead to.
    pub(super) fn start(quirks: &Quirks, client: &Client<HttpConnector, Full<Bytes>>) -> Elsewhere {
        let arrivals = Arrivals::default();
        let stored: Arc<Mutex<Vec<Stored>>> = Arc::default();
        let token_service: Arc<OnceLock<String>> = Arc::default();
        let mut servers = Vec::new();
        let storage = quirks.storage_redirect.then(|| {
            let (arrivals, stored) = (Arc::clone(&arrivals), Arc::clone(&stored));
            let server = LoopbackServer::start(move |request| {
                let answer = serve_stored(&arrivals, &stored, &request);
                async move { answer }
            });
            let url = format!("http://localhost:{}", server.port);
            servers.push(server);
            url
        });
        let forwarder = |listener: Listener| {
            let (arrivals, token_service, client) = (Arc::clone(&arrivals), Arc::clone(&token_service), client.clone());
            move |request: Request<Incoming>| {
                let (arrivals, token_service, client) =
                    (Arc::clone(&arrivals), Arc::clone(&token_service), client.clone());
                async move { forward(listener, &arrivals, &token_service, &client, request).await }
            }
        };
        let certificates = (quirks.https || quirks.realm == Realm::HttpsOnSameHost).then(|| {
            let dir = tempfile::tempdir().expect("certificates dir");
            let files = tls::issue(dir.path(), &["127.0.0.1", "localhost"]);
            (dir, files)
        });
        let target = match quirks.realm {
            Realm::AsIs | Realm::Bare => None,
            Realm::HttpsOnSameHost => {
                let (_, files) = certificates.as_ref().expect("certificates");
                let server = LoopbackServer::start_tls(files, forwarder(Listener::RealmHttps));
                let target = (StatusCode::PERMANENT_REDIRECT, format!("https://127.0.0.1:{}", server.port));
                servers.push(server);
                Some(target)
            }
            Realm::MovedToAnotherHost => {
                let server = LoopbackServer::start(forwarder(Listener::RealmElsewhere));
                let target = (StatusCode::MOVED_PERMANENTLY, format!("http://localhost:{}", server.port));
                servers.push(server);
                Some(target)
            }
        };
        let realm = target.map(|(status, target)| {
            let arrivals = Arc::clone(&arrivals);
            let server = LoopbackServer::start(move |request: Request<Incoming>| {
                let path = request.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
                record(&arrivals, Listener::Realm, &request, None);
                let redirect = Response::builder()
                    .status(status)
                    .header("location", format!("{target}{path}"))
                    .body(Full::<Bytes>::default());
                async move { redirect.map_err(std::io::Error::other) }
            });
            let url = format!("http://127.0.0.1:{}", server.port);
            servers.push(server);
            url
        });
        Elsewhere { arrivals, stored, storage, realm, token_service, certificates, _servers: servers }
    }

    pub(super) fn arrivals(&self) -> Vec<Arrival> {
        self.arrivals.lock().expect("arrivals").clone()
    }

    /// The certificate the HTTPS listeners serve, when the profile has any.
    pub(super) fn tls_files(&self) -> Option<&TlsFiles> {
        self.certificates.as_ref().map(|(_, files)| files)
    }

    pub(super) fn ca_file(&self) -> Option<&Path> {
        self.tls_files().map(|files| files.ca.as_path())
    }

    /// The realm to name instead of the registry's `realm` (None: keep it), which is
    /// remembered as where the token requests are finally forwarded.
    pub(super) fn realm_in_front_of(&self, realm: &str) -> Option<String> {
        let front = self.realm.as_ref()?;
        let uri: Uri = realm.parse().ok()?;
        let origin = format!("{}://{}", uri.scheme_str()?, uri.authority()?);
        let _ = self.token_service.set(origin);
        Some(format!("{front}{}", uri.path()))
    }

    /// Keeps the registry's answer to `method` for the storage listener, and returns the URL
    /// it is served at there.
    pub(super) fn store(&self, method: &str, parts: Parts, body: Bytes) -> String {
        let storage = self.storage.as_ref().expect("a storage listener");
        let mut stored = self.stored.lock().expect("stored");
        stored.push(Stored { method: method.to_owned(), parts, body });
        format!("{storage}/storage/{}", stored.len() - 1)
    }
}

fn record(arrivals: &Arrivals, listener: Listener, request: &Request<Incoming>, redirected_from: Option<String>) {
    arrivals.lock().expect("arrivals").push(Arrival {
        listener,
        method: request.method().to_string(),
        path: request.uri().path_and_query().map(ToString::to_string).unwrap_or_default(),
        authorization: request.headers().contains_key("authorization"),
        redirected_from,
    });
}

/// What the registry answered to the request redirected to `/storage/N`.
fn serve_stored(arrivals: &Arrivals, stored: &Mutex<Vec<Stored>>, request: &Request<Incoming>) -> Answer {
    let stored = stored.lock().expect("stored");
    let index = request.uri().path().strip_prefix("/storage/").and_then(|n| n.parse::<usize>().ok());
    let Some(answer) = index.and_then(|index| stored.get(index)) else {
        record(arrivals, Listener::Storage, request, None);
        return Response::builder().status(StatusCode::NOT_FOUND).body(Full::default()).map_err(std::io::Error::other);
    };
    record(arrivals, Listener::Storage, request, Some(answer.method.clone()));
    let mut response = Response::new(Full::new(answer.body.clone()));
    *response.status_mut() = answer.parts.status;
    *response.headers_mut() = answer.parts.headers.clone();
    Ok(response)
}

/// Passes a token request on to the token service, with whatever credentials came.
async fn forward(
    listener: Listener,
    arrivals: &Arrivals,
    token_service: &OnceLock<String>,
    client: &Client<HttpConnector, Full<Bytes>>,
    request: Request<Incoming>,
) -> Answer {
    record(arrivals, listener, &request, None);
    let origin = token_service.get().expect("the realm was named before it was asked");
    let (parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map(ToString::to_string).unwrap_or_default();
    let mut forward = Request::builder().method(parts.method).uri(format!("{origin}{path}"));
    for (name, value) in parts.headers.iter().filter(|(name, _)| *name != "host") {
        forward = forward.header(name, value);
    }
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    let response =
        client.request(forward.body(Full::new(body)).expect("request")).await.map_err(std::io::Error::other)?;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.map_err(std::io::Error::other)?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}
