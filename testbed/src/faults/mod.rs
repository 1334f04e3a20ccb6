//! A fault-injecting proxy in front of the real registry: it forwards every request, except
//! those a rule says to break (a status, a Retry-After, a hang, a reset, a missing header), and
//! when started with a `Profile` it answers as that registry product does in the field. Every
//! request is logged with the time it arrived and how many were in flight then, so tests assert
//! on counts, order and concurrency.

mod elsewhere;
mod profile;
mod quirks;
mod referrers;
mod uploads;

pub use elsewhere::{Arrival, Listener};
pub use profile::Profile;

use crate::loopback::LoopbackServer;
use elsewhere::Elsewhere;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use quirks::Quirks;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// What the proxy does instead of (or to) a forwarded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status, and `Retry-After` when given, without forwarding.
    Status { code: u16, retry_after: Option<u64> },
    /// Accept the request and never answer it.
    Hang,
    /// Close the connection without an answer.
    Reset,
    /// Forward, but drop `Docker-Content-Digest` from the answer.
    StripDigest,
    /// Forward, but cut the connection half-way through the answer's body.
    Truncate,
    /// Answer 401 with a Basic challenge.
    Unauthorized,
    /// Forward, then close the connection instead of passing the answer on: the registry did
    /// the work (an upload chunk stored, a blob committed) and the client never hears so.
    LoseAnswer,
    /// Answer `status` with a distribution error body `{"errors":[{code, message, detail}]}`,
    /// without forwarding: a registry refusing what it was sent, in its own words.
    Refuse { status: u16, code: &'static str, message: &'static str, detail: String },
    /// Answer `status` with this HTML page and no distribution error code, without forwarding,
    /// after reading the request's body (as nginx's lingering close does): a front (nginx, a
    /// load balancer) refusing the request before the registry ever sees it.
    Page { status: u16, body: &'static str },
}

impl Fault {
    /// What distribution answers a manifest PUT naming a blob it does not hold: 400
    /// `MANIFEST_BLOB_UNKNOWN`, the blob's digest as the detail.
    pub fn manifest_blob_unknown(digest: &str) -> Fault {
        Fault::Refuse {
            status: 400,
            code: "MANIFEST_BLOB_UNKNOWN",
            message: "blob unknown to registry",
            detail: digest.to_owned(),
        }
    }

    /// What a registry answers a manifest it will not take (a media type or a layer it
    /// refuses, as Quay or Artifactory do by policy): 400 `MANIFEST_INVALID`.
    pub fn manifest_invalid(detail: &str) -> Fault {
        Fault::Refuse { status: 400, code: "MANIFEST_INVALID", message: "manifest invalid", detail: detail.to_owned() }
    }

    /// What nginx answers a request whose body is over its `client_max_body_size` (1 MiB by
    /// default): 413 with its own HTML page, no distribution error body. A blob upload bigger
    /// than the limit gets it every time it is sent.
    pub fn nginx_body_too_large() -> Fault {
        Fault::Page { status: 413, body: NGINX_413 }
    }

    /// What Harbor answers an upload into a project that does not exist (a `--path-prefix`
    /// naming no project): 404 `NAME_UNKNOWN`, the project in the detail. It stays so until
    /// someone creates the project.
    pub fn harbor_project_not_found(project: &str) -> Fault {
        Fault::Refuse {
            status: 404,
            code: "NAME_UNKNOWN",
            message: "repository name not known to registry",
            detail: format!("project {project} not found"),
        }
    }
}

/// nginx 1.22's page for 413, byte for byte (`ngx_http_error_413_page` and its tail).
const NGINX_413: &str = "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n";

/// Breaks requests whose path contains `path` (and whose method is `method`, when given),
/// `times` times (None: every time).
#[derive(Debug, Clone)]
pub struct Rule {
    pub path: &'static str,
    pub method: Option<&'static str>,
    pub fault: Fault,
    pub times: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    /// 0 when the proxy hung or reset instead of answering.
    pub status: u16,
    pub at: Instant,
    /// Requests the proxy was serving when this one arrived, itself included.
    pub in_flight: usize,
    /// The request's `Content-Range` (an upload chunk's bytes), as sent.
    pub content_range: Option<String>,
    /// The answer's `Range` (how much of an upload the registry holds), as forwarded.
    pub range: Option<String>,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<Seen>,
    in_flight: usize,
    max_in_flight: usize,
    /// Manifest requests the profile's rate limit has refused so far.
    rate_limited: usize,
    /// How often each Bearer token was presented.
    token_uses: HashMap<String, usize>,
    /// Each upload's newest `_state=` parameter, by upload id.
    upload_states: HashMap<String, String>,
    /// Uploads that had a chunk shorter than the announced minimum.
    short_chunks: HashSet<String>,
    /// Whether the one chunk to cut was cut.
    cut_done: bool,
    /// The referrers a profile serving the referrers API recorded.
    referrers: referrers::Recorded,
}

/// What every listener of one proxy shares.
struct Shared {
    upstream: String,
    client: Client<HttpConnector, Full<Bytes>>,
    quirks: Quirks,
    state: Mutex<State>,
    /// The listeners on other hosts and ports that the profile's redirects lead to.
    elsewhere: Elsewhere,
}

pub struct FaultProxy {
    shared: Arc<Shared>,
    server: LoopbackServer,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to the plain-HTTP registry at `upstream`,
    /// answering as CNCF distribution itself does unless a rule says otherwise.
    pub fn start(upstream: &str) -> FaultProxy {
        FaultProxy::with_profile(upstream, Profile::Distribution)
    }

    /// As `start`, answering as the registry product `profile` does in the field, with the
    /// listeners that needs on other hosts and ports (object storage, token realms).
    pub fn with_profile(upstream: &str, profile: Profile) -> FaultProxy {
        let (quirks, client) = (profile.quirks(), Client::builder(TokioExecutor::new()).build_http());
        let elsewhere = Elsewhere::start(&quirks, &client);
        let front = elsewhere.tls_files().filter(|_| quirks.https).cloned();
        let upstream = format!("http://{upstream}");
        let shared = Arc::new(Shared { upstream, client, quirks, state: Mutex::new(State::default()), elsewhere });
        let proxy = Arc::clone(&shared);
        let handler = move |request| handle(Arc::clone(&proxy), request);
        let server = match front {
            Some(files) => LoopbackServer::start_tls(&files, handler),
            None => LoopbackServer::start(handler),
        };
        FaultProxy { shared, server }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.server.port)
    }

    /// How a client reaches the proxy: `--registry-ca-file CA` when it speaks HTTPS, else
    /// `--registry-plain-http`.
    pub fn registry_flags(&self) -> Vec<String> {
        match self.shared.elsewhere.ca_file().filter(|_| self.shared.quirks.https) {
            Some(ca) => vec!["--registry-ca-file".to_owned(), ca.display().to_string()],
            None => vec!["--registry-plain-http".to_owned()],
        }
    }

    pub fn add(&self, rule: Rule) {
        self.state().rules.push(rule);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state().log.clone()
    }

    /// The most requests the proxy served at once.
    pub fn max_in_flight(&self) -> usize {
        self.state().max_in_flight
    }

    /// Every request that reached the proxy's listeners on other hosts and ports, in order.
    pub fn arrivals(&self) -> Vec<Arrival> {
        self.shared.elsewhere.arrivals()
    }

    /// What a client must trust to reach the profile's HTTPS listeners (the proxy itself, the
    /// token realm's https side), when it has any.
    pub fn ca_file(&self) -> Option<&Path> {
        self.shared.elsewhere.ca_file()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().expect("state")
    }
}

type Body = BoxBody<Bytes, std::io::Error>;

fn whole(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never| match never {}).boxed()
}

/// The first half of `bytes`, then an error: hyper drops the connection mid-body.
fn cut(bytes: Bytes) -> Body {
    let half = bytes.slice(..bytes.len() / 2);
    let frames: Vec<Result<Frame<Bytes>, std::io::Error>> =
        vec![Ok(Frame::data(half)), Err(std::io::Error::other("cut by the fault proxy"))];
    StreamBody::new(futures_util::stream::iter(frames)).boxed()
}

/// The fault of the first rule that matches, used up when it counts down.
fn take_fault(state: &mut State, method: &str, path: &str) -> Option<Fault> {
    let rule = state
        .rules
        .iter_mut()
        .find(|r| path.contains(r.path) && r.method.is_none_or(|m| m == method) && r.times.is_none_or(|t| t > 0))?;
    if let Some(times) = &mut rule.times {
        *times -= 1;
    }
    Some(rule.fault.clone())
}

/// Counts a request out of the in-flight ones when its answer is made, however it ends.
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.state.lock().expect("state").in_flight -= 1;
    }
}

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Result<Response<Body>, std::io::Error> {
    let method = request.method().to_string();
    let path = request.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
    let at = Instant::now();
    let (fault, in_flight) = {
        let mut state = shared.state.lock().expect("state");
        state.in_flight += 1;
        state.max_in_flight = state.max_in_flight.max(state.in_flight);
        (take_fault(&mut state, &method, &path), state.in_flight)
    };
    let _counted = InFlight(Arc::clone(&shared));
    if let Some(latency) = shared.quirks.latency.filter(|_| path.contains("/manifests/")) {
        tokio::time::sleep(latency).await;
    }
    let content_range = request.headers().get("content-range").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let log_range = |status: u16, range: Option<String>| {
        let content_range = content_range.clone();
        let seen = Seen { method: method.clone(), path: path.clone(), status, at, in_flight, content_range, range };
        shared.state.lock().expect("state").log.push(seen);
    };
    let log = |status: u16| log_range(status, None);
    let answer = |code: u16, retry_after: Option<u64>, challenge: bool| {
        let mut response = Response::builder().status(code);
        if let Some(seconds) = retry_after {
            response = response.header("retry-after", seconds.to_string());
        }
        if challenge {
            response = response.header("www-authenticate", "Basic realm=\"essregistry-faults\"");
        }
        response.body(whole(Bytes::new())).expect("response")
    };
    match fault {
        Some(Fault::Status { code, retry_after }) => {
            log(code);
            return Ok(answer(code, retry_after, false));
        }
        Some(Fault::Unauthorized) => {
            log(401);
            return Ok(answer(401, None, true));
        }
        Some(Fault::Hang) => {
            log(0);
            std::future::pending::<()>().await;
        }
        Some(Fault::Reset) => {
            log(0);
            return Err(std::io::Error::other("reset by the fault proxy"));
        }
        Some(Fault::Refuse { status, code, message, detail }) => {
            log(status);
            let body = serde_json::json!({"errors": [{"code": code, "message": message, "detail": detail}]});
            let response = Response::builder().status(status).header("content-type", "application/json");
            return Ok(response.body(whole(Bytes::from(body.to_string()))).expect("response"));
        }
        Some(Fault::Page { status, body }) => {
            // Read what was sent, so that the client hears the answer rather than a reset.
            let _ = request.into_body().collect().await;
            log(status);
            let response =
                Response::builder().status(status).header("content-type", "text/html").header("connection", "close");
            return Ok(response.body(whole(Bytes::from_static(body.as_bytes()))).expect("response"));
        }
        Some(Fault::StripDigest | Fault::Truncate | Fault::LoseAnswer) | None => {}
    }
    if let Some(early) = quirks::before_forwarding(&shared, &method, &path, request.headers())
        .or_else(|| referrers::answer(&shared, &method, &path))
    {
        log(early.status().as_u16());
        return Ok(early.map(whole));
    }
    let (mut parts, body) = request.into_parts();
    let mut body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    if let Some(refused) = uploads::refuse(&shared, &method, &path, &body) {
        log(refused.status().as_u16());
        return Ok(refused.map(whole));
    }
    let cut_off = uploads::cuts(&shared, &method, &body);
    if cut_off {
        body = uploads::first_half(&mut parts.headers, body);
    }
    let sent = body.clone();
    let forwarded = uploads::rewrite(&shared, &method, &path);
    let mut forward = Request::builder().method(parts.method).uri(format!("{}{forwarded}", shared.upstream));
    for (name, value) in &parts.headers {
        forward = forward.header(name, value);
    }
    // As a TLS-terminating front tells the registry, so that the locations it hands out
    // (upload sessions) are https too.
    if shared.quirks.https {
        forward = forward.header("x-forwarded-proto", "https");
    }
    let response =
        shared.client.request(forward.body(Full::new(body)).expect("request")).await.map_err(std::io::Error::other)?;
    let (mut parts, body) = response.into_parts();
    if fault == Some(Fault::StripDigest) {
        parts.headers.remove("docker-content-digest");
    }
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let (mut parts, body) = quirks::after_forwarding(&shared, &method, &path, parts, body);
    uploads::answered(&shared, &method, &path, &mut parts);
    referrers::stored(&shared, &method, &path, &sent, &mut parts);
    if fault == Some(Fault::LoseAnswer) || cut_off {
        log(0);
        return Err(std::io::Error::other("answer lost by the fault proxy"));
    }
    let range = parts.headers.get("range").and_then(|v| v.to_str().ok()).map(str::to_owned);
    log_range(parts.status.as_u16(), range);
    let body = if fault == Some(Fault::Truncate) { cut(body) } else { whole(body) };
    Ok(Response::from_parts(parts, body))
}
