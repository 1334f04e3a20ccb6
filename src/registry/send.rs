//! Sending one request: the one retry loop (connection errors, 429 after its `Retry-After`,
//! 5xx), redirects followed as Go's client follows them, and fewer requests at once while the
//! registry pushes back.

use super::http::HttpRegistry;
use super::transport::Transport;
use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RETRY_AFTER};
use reqwest::{Method, Request, RequestBuilder, Response, StatusCode};
use std::ops::ControlFlow;
use std::time::{Duration, SystemTime};

/// Attempts per request (the first and three retries), for connection errors, 429 and 5xx.
pub(super) const MAX_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// A `Retry-After` longer than this is cut short, so a confused registry cannot stall a run.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// As Go's http.Client.
const MAX_REDIRECTS: usize = 10;

impl HttpRegistry {
    /// Sends with retries on connection errors, 408, 429 (after its Retry-After) and 5xx. The last
    /// answer is returned whatever its status.
    pub(super) async fn send(&self, request: impl Fn() -> RequestBuilder) -> Result<Response, Transport> {
        let request = &request;
        with_retries(|last| async move {
            let permit = self.throttle.acquire().await;
            let sent = self.follow(request()).await;
            let flow = match sent {
                Ok(response) if response.status() == StatusCode::TOO_MANY_REQUESTS => {
                    self.throttle.pushed_back();
                    if last { ControlFlow::Break(Ok(response)) } else { ControlFlow::Continue(retry_after(&response)) }
                }
                Ok(response)
                    if !last
                        && (response.status().is_server_error()
                            || response.status() == StatusCode::REQUEST_TIMEOUT) =>
                {
                    ControlFlow::Continue(retry_after(&response))
                }
                Ok(response) => {
                    self.throttle.eased();
                    ControlFlow::Break(Ok(response))
                }
                Err(error) => {
                    let transport = self.transport_error(&error);
                    if last || transport.tls { ControlFlow::Break(Err(transport)) } else { ControlFlow::Continue(None) }
                }
            };
            self.throttle.release(permit);
            flow
        })
        .await
    }

    /// `send`, or once with no retry (best-effort requests whose failure has a fallback).
    pub(super) async fn send_retrying_if(
        &self,
        retry: bool,
        request: impl Fn() -> RequestBuilder,
    ) -> Result<Response, Transport> {
        if retry {
            self.send(request).await
        } else {
            self.follow(request()).await.map_err(|e| self.transport_error(&e))
        }
    }

    /// Sends once, for a request whose body streams and so cannot be sent again (a blob
    /// upload): the caller retries the whole transfer.
    pub(super) async fn send_once(&self, request: RequestBuilder) -> Result<Response, Transport> {
        self.follow(request).await.map_err(|e| self.transport_error(&e))
    }

    /// Sends, following redirects itself (the client follows none) as Go does: 307 and 308
    /// keep the method, 301 to 303 turn a POST into a GET (HEAD and GET stay), and the
    /// `Authorization` header goes along only to the same host or a subdomain of it, whatever
    /// the port or scheme (net/http's `shouldCopyHeaderOnRedirect`).
    async fn follow(&self, request: RequestBuilder) -> Result<Response, reqwest::Error> {
        let mut request = request.build()?;
        let origin = request.url().host_str().unwrap_or_default().to_ascii_lowercase();
        for _ in 0..MAX_REDIRECTS {
            let again = request.try_clone();
            let response = self.client.execute(request).await?;
            let (Some(again), Some(target)) = (again, redirect_target(&response)) else { return Ok(response) };
            request = redirected(again, response.status(), target, &origin);
        }
        self.client.execute(request).await
    }
}

fn redirect_target(response: &Response) -> Option<reqwest::Url> {
    if !matches!(response.status().as_u16(), 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers().get(LOCATION)?.to_str().ok()?;
    response.url().join(location).ok()
}

fn redirected(mut request: Request, status: StatusCode, target: reqwest::Url, origin: &str) -> Request {
    if matches!(status.as_u16(), 301..=303) && request.method() == Method::POST {
        *request.method_mut() = Method::GET;
        *request.body_mut() = None;
        request.headers_mut().remove(CONTENT_TYPE);
        request.headers_mut().remove(CONTENT_LENGTH);
    }
    let host = target.host_str().unwrap_or_default().to_ascii_lowercase();
    if !same_site(&host, origin) {
        request.headers_mut().remove(AUTHORIZATION);
    }
    *request.url_mut() = target;
    request
}

/// `host` is `origin` or a subdomain of it.
fn same_site(host: &str, origin: &str) -> bool {
    host == origin || host.strip_suffix(origin).is_some_and(|prefix| prefix.ends_with('.'))
}

/// Runs `attempt` up to MAX_ATTEMPTS times (it is told when it is the last), waiting between
/// tries as long as it asks, else with a doubling backoff.
pub(super) async fn with_retries<T, Attempt>(mut attempt: impl FnMut(bool) -> Attempt) -> T
where
    Attempt: Future<Output = ControlFlow<T, Option<Duration>>>,
{
    let mut backoff = FIRST_BACKOFF;
    for number in 1..=MAX_ATTEMPTS {
        match attempt(number == MAX_ATTEMPTS).await {
            ControlFlow::Break(done) => return done,
            ControlFlow::Continue(wait) => tokio::time::sleep(wait.unwrap_or(backoff).min(MAX_RETRY_AFTER)).await,
        }
        backoff *= 2;
    }
    unreachable!("the last attempt breaks")
}

/// `Retry-After` in seconds or as an HTTP date (RFC 9110 section 10.2.3).
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_follow_to_the_same_host_and_its_subdomains_only() {
        assert!(same_site("registry.example", "registry.example"));
        assert!(same_site("auth.registry.example", "registry.example"));
        assert!(!same_site("evilregistry.example", "registry.example"));
        assert!(!same_site("cdn.example", "registry.example"));
    }

    #[test]
    fn a_redirect_keeps_head_and_drops_authorization_to_another_host() {
        let request = |method| {
            let mut request = Request::new(method, "https://registry.example/v2/x/manifests/v1".parse().unwrap());
            request.headers_mut().insert(AUTHORIZATION, "Bearer t".parse().unwrap());
            request
        };
        let cdn = reqwest::Url::parse("https://cdn.example/blob").unwrap();
        let moved = redirected(request(Method::HEAD), StatusCode::TEMPORARY_REDIRECT, cdn.clone(), "registry.example");
        assert_eq!((moved.method(), moved.headers().get(AUTHORIZATION)), (&Method::HEAD, None));
        let same = reqwest::Url::parse("https://registry.example:8443/token").unwrap();
        let kept = redirected(request(Method::POST), StatusCode::MOVED_PERMANENTLY, same, "registry.example");
        assert_eq!(kept.method(), Method::GET);
        assert!(kept.headers().get(AUTHORIZATION).is_some());
    }
}
