//! The field behaviours a `Profile` switches on: what the proxy answers before forwarding a
//! request (rate limits, expired tokens, HEAD refused), and how it changes the registry's
//! answer after (a header dropped, 404 turned 403, the token realm moved, manifests redirected).

use super::Shared;
use super::uploads::UploadQuirks;
use crate::timestamp;
use hyper::body::Bytes;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, WWW_AUTHENTICATE};
use hyper::http::response::Parts;
use hyper::{HeaderMap, Response, StatusCode};
use std::time::Duration;

/// What a registry product does otherwise than distribution; the default is distribution.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Quirks {
    /// The proxy is reached over HTTPS (a certificate for 127.0.0.1 and localhost from a CA of
    /// its own), the registry behind it still over HTTP, as behind a TLS-terminating front.
    pub https: bool,
    pub head: Option<Head>,
    /// A manifest the registry does not have is answered 403 with an OCI `DENIED` error.
    pub denied_when_missing: bool,
    pub realm: Realm,
    /// A Bearer token presented this many times is refused from then on with a bare 401 (no
    /// challenge, no body): it has expired.
    pub token_uses: Option<usize>,
    pub rate_limit: Option<RateLimit>,
    /// How long every manifest answer takes, so that requests a client sends at once are in
    /// flight together (a proxy that answers at once would see them one after the other).
    pub latency: Option<Duration>,
    /// Manifests are handed out from another host (object storage, a CDN) by redirect: 307 by
    /// tag, 308 by digest (a digest's content never changes, so the move is permanent).
    pub storage_redirect: bool,
    /// The OCI 1.1 referrers API is served (`referrers`).
    pub referrers: bool,
    pub uploads: UploadQuirks,
}

/// How `HEAD` of a manifest is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Head {
    /// 404 with an HTML error page, whether the manifest is there or not.
    NotFoundHtml,
    /// 405 Method Not Allowed, `Allow: GET`.
    MethodNotAllowed,
    /// 200 without `Docker-Content-Digest`.
    NoDigest,
}

/// What becomes of the registry's Bearer challenge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Realm {
    #[default]
    AsIs,
    /// `Bearer realm="..."` alone: no `service`, no `scope`.
    Bare,
    /// The realm is on plain HTTP, and redirects (308) to HTTPS on the same host.
    HttpsOnSameHost,
    /// The realm redirects (301) to another host.
    MovedToAnotherHost,
}

/// The first `requests` manifest requests are answered 429.
#[derive(Debug, Clone, Copy)]
pub(super) struct RateLimit {
    pub requests: usize,
    pub retry_after: RetryAfter,
}

/// The two forms of `Retry-After` (RFC 9110 section 10.2.3).
#[derive(Debug, Clone, Copy)]
pub(super) enum RetryAfter {
    Seconds(u64),
    /// An HTTP date this far ahead.
    Date(Duration),
}

fn is_manifest(path: &str) -> bool {
    path.contains("/manifests/")
}

/// An answer the proxy gives itself, the registry never asked: None forwards the request.
pub(super) fn before_forwarding(
    shared: &Shared,
    method: &str,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response<Bytes>> {
    let quirks = &shared.quirks;
    if let Some(limit) = quirks.rate_limit.filter(|_| is_manifest(path)) {
        let mut state = shared.state.lock().expect("state");
        if state.rate_limited < limit.requests {
            state.rate_limited += 1;
            let retry_after = match limit.retry_after {
                RetryAfter::Seconds(seconds) => seconds.to_string(),
                RetryAfter::Date(ahead) => timestamp::http_date_in(ahead),
            };
            let body = r#"{"errors":[{"code":"TOOMANYREQUESTS","message":"Rate exceeded"}]}"#;
            return Some(answer(
                StatusCode::TOO_MANY_REQUESTS,
                "application/json",
                body,
                &[("retry-after", &retry_after)],
            ));
        }
    }
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if let (Some(uses), Some(token)) = (quirks.token_uses, bearer) {
        let mut state = shared.state.lock().expect("state");
        let used = state.token_uses.entry(token.to_owned()).or_default();
        if *used >= uses {
            return Some(answer(StatusCode::UNAUTHORIZED, "text/plain", "", &[]));
        }
        *used += 1;
    }
    if method != "HEAD" || !is_manifest(path) {
        return None;
    }
    match quirks.head? {
        Head::NotFoundHtml => {
            let page = "<html><head><title>404 - Not Found</title></head><body><h1>404 - Not Found</h1></body></html>";
            Some(answer(StatusCode::NOT_FOUND, "text/html", page, &[]))
        }
        Head::MethodNotAllowed => {
            let body = r#"{"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported."}]}"#;
            Some(answer(StatusCode::METHOD_NOT_ALLOWED, "application/json", body, &[("allow", "GET")]))
        }
        Head::NoDigest => None,
    }
}

fn answer(status: StatusCode, content_type: &str, body: &str, headers: &[(&str, &str)]) -> Response<Bytes> {
    let mut response = Response::builder().status(status).header(CONTENT_TYPE, content_type);
    for (name, value) in headers {
        response = response.header(*name, *value);
    }
    response.body(Bytes::from(body.to_owned())).expect("response")
}

/// The registry's answer `parts` and `body`, as the product gives it.
pub(super) fn after_forwarding(
    shared: &Shared,
    method: &str,
    path: &str,
    mut parts: Parts,
    mut body: Bytes,
) -> (Parts, Bytes) {
    let quirks = &shared.quirks;
    let elsewhere = &shared.elsewhere;
    if quirks.head == Some(Head::NoDigest) && method == "HEAD" && is_manifest(path) {
        parts.headers.remove("docker-content-digest");
    }
    if quirks.denied_when_missing && is_manifest(path) && parts.status == StatusCode::NOT_FOUND {
        parts.status = StatusCode::FORBIDDEN;
        parts.headers.insert(CONTENT_TYPE, "application/json".parse().expect("header"));
        parts.headers.remove(CONTENT_LENGTH);
        body = Bytes::from_static(
            br#"{"errors":[{"code":"DENIED","message":"The request was denied: the user has no read permission on the requested path"}]}"#,
        );
    }
    if parts.status == StatusCode::UNAUTHORIZED && quirks.realm != Realm::AsIs {
        let challenge = parts.headers.get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).and_then(realm_of);
        if let Some((realm, rest)) = challenge {
            let realm = elsewhere.realm_in_front_of(&realm).unwrap_or(realm);
            let rewritten = match quirks.realm {
                Realm::Bare => format!("Bearer realm=\"{realm}\""),
                _ => format!("Bearer realm=\"{realm}\"{rest}"),
            };
            parts.headers.insert(WWW_AUTHENTICATE, rewritten.parse().expect("header"));
        }
    }
    if quirks.storage_redirect && is_manifest(path) && parts.status == StatusCode::OK {
        let by_digest = path.rsplit('/').next().is_some_and(|reference| reference.starts_with("sha256:"));
        let status = if by_digest { StatusCode::PERMANENT_REDIRECT } else { StatusCode::TEMPORARY_REDIRECT };
        let location = elsewhere.store(method, parts, body);
        let redirect = Response::builder().status(status).header("location", location).body(()).expect("redirect");
        return (redirect.into_parts().0, Bytes::new());
    }
    (parts, body)
}

/// A Bearer challenge's realm, and the parameters after it (`,service="...",scope="..."`).
fn realm_of(challenge: &str) -> Option<(String, String)> {
    let rest = challenge.strip_prefix("Bearer ")?;
    let after = rest.strip_prefix("realm=\"")?;
    let (realm, rest) = after.split_once('"')?;
    Some((realm.to_owned(), rest.to_owned()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_realm_of_distributions_challenge() {
        let challenge = r#"Bearer realm="http://127.0.0.1:1/token",service="s",scope="repository:a/b:pull""#;
        let (realm, rest) = super::realm_of(challenge).unwrap();
        assert_eq!(realm, "http://127.0.0.1:1/token");
        assert_eq!(rest, r#",service="s",scope="repository:a/b:pull""#);
        assert_eq!(super::realm_of(r#"Basic realm="x""#), None);
    }
}
