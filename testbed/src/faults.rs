//! A fault-injecting proxy in front of the real registry: it forwards every request, except
//! those a rule says to break (a status, a Retry-After, a hang, a reset, a missing header).
//! Every request is logged with the time it arrived, so tests assert on counts and order.

use crate::loopback::LoopbackServer;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Bytes, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
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
}

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
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    log: Vec<Seen>,
}

pub struct FaultProxy {
    state: Arc<Mutex<State>>,
    server: LoopbackServer,
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to the plain-HTTP registry at `upstream`.
    pub fn start(upstream: &str) -> FaultProxy {
        let state = Arc::new(Mutex::new(State::default()));
        let client: Client<HttpConnector, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let upstream = format!("http://{upstream}");
        let shared = Arc::clone(&state);
        let server = LoopbackServer::start(move |request| {
            let (state, client, upstream) = (Arc::clone(&shared), client.clone(), upstream.clone());
            async move { handle(state, client, &upstream, request).await }
        });
        FaultProxy { state, server }
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.server.port)
    }

    pub fn add(&self, rule: Rule) {
        self.state.lock().expect("state").rules.push(rule);
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.state.lock().expect("state").log.clone()
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

async fn handle(
    state: Arc<Mutex<State>>,
    client: Client<HttpConnector, Full<Bytes>>,
    upstream: &str,
    request: Request<Incoming>,
) -> Result<Response<Body>, std::io::Error> {
    let method = request.method().to_string();
    let path = request.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
    let at = Instant::now();
    let fault = take_fault(&mut state.lock().expect("state"), &method, &path);
    let log = |status: u16| {
        state.lock().expect("state").log.push(Seen { method: method.clone(), path: path.clone(), status, at })
    };
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
        Some(Fault::StripDigest | Fault::Truncate) | None => {}
    }
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let mut forward = Request::builder().method(parts.method).uri(format!("{upstream}{path}"));
    for (name, value) in &parts.headers {
        forward = forward.header(name, value);
    }
    let response =
        client.request(forward.body(Full::new(body)).expect("request")).await.map_err(std::io::Error::other)?;
    let (mut parts, body) = response.into_parts();
    if fault == Some(Fault::StripDigest) {
        parts.headers.remove("docker-content-digest");
    }
    log(parts.status.as_u16());
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let body = if fault == Some(Fault::Truncate) { cut(body) } else { whole(body) };
    Ok(Response::from_parts(parts, body))
}
