//! How registries in the field take blob uploads otherwise than distribution: a PUT carrying
//! data refused until data came by PATCH (Artifactory), request bodies over a limit refused
//! with 413 (nginx's `client_max_body_size`, GHCR's cap), a minimum chunk length announced, a
//! chunk cut off half way with the upload resumable, a mount answered with a plain upload.

use super::Shared;
use hyper::body::Bytes;
use hyper::header::{CONTENT_TYPE, LOCATION};
use hyper::http::response::Parts;
use hyper::{HeaderMap, Response, StatusCode};

/// The upload behaviours of a profile; all off is distribution's.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct UploadQuirks {
    /// A PUT to an upload location carrying data is answered 416 `BLOB_UPLOAD_INVALID` (JFrog
    /// Artifactory; containerd#3533): the data must come by PATCH, the PUT empty.
    pub patch_only: bool,
    /// Request bodies over this many bytes are refused with 413 before the registry sees them.
    pub body_limit: Option<BodyLimit>,
    /// `OCI-Chunk-Min-Length` on the answer that opens an upload; a PATCH after one shorter
    /// than it (so not the last) is refused 416.
    pub min_chunk: Option<u64>,
    /// The first PATCH longer than this reaches the registry only in its first half, and the
    /// connection is then cut: the registry holds that half and says so (`GET` on the upload,
    /// `Range: 0-N`). Upload locations stay valid across the cut, as the spec has them
    /// (distribution's own change with every answer).
    pub cut_chunk: Option<u64>,
    /// A mount (`POST ?mount=&from=`) is answered as a plain upload: 202 and a session (Sonatype
    /// Nexus, SAP Keppel), whether the blob is in the other repository or not.
    pub no_mount: bool,
}

/// A limit on request bodies and who enforces it.
#[derive(Debug, Clone, Copy)]
pub(super) enum BodyLimit {
    /// nginx in front, `client_max_body_size`: its HTML 413 page.
    Nginx(u64),
    /// GitHub's registry caps one request at this many bytes, with a JSON error.
    Ghcr(u64),
}

/// The upload id of an upload location path, `/v2/<name>/blobs/uploads/<id>?...`.
fn upload_id(path: &str) -> Option<&str> {
    let (_, rest) = path.split_once("/blobs/uploads/")?;
    let id = rest.split('?').next()?;
    (!id.is_empty()).then_some(id)
}

/// The path to forward: a mount turned into a plain upload, an upload location brought up to
/// the state the registry last gave it.
pub(super) fn rewrite(shared: &Shared, method: &str, path: &str) -> String {
    let quirks = shared.quirks.uploads;
    if quirks.no_mount && method == "POST" && path.contains("mount=") {
        return path.split('?').next().unwrap_or(path).to_owned();
    }
    if quirks.cut_chunk.is_some()
        && let Some(id) = upload_id(path)
        && let Some(latest) = shared.state.lock().expect("state").upload_states.get(id)
    {
        let (base, query) = path.split_once('?').unwrap_or((path, ""));
        let kept = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("_state="));
        let query: Vec<&str> = kept.chain(std::iter::once(latest.as_str())).collect();
        return format!("{base}?{}", query.join("&"));
    }
    path.to_owned()
}

/// An answer the profile gives an upload request itself, its body read: None forwards it.
pub(super) fn refuse(shared: &Shared, method: &str, path: &str, body: &Bytes) -> Option<Response<Bytes>> {
    let quirks = shared.quirks.uploads;
    let length = body.len() as u64;
    match quirks.body_limit {
        Some(BodyLimit::Nginx(limit)) if length > limit => {
            let page = super::NGINX_413;
            return Some(answer(StatusCode::PAYLOAD_TOO_LARGE, "text/html", page));
        }
        Some(BodyLimit::Ghcr(limit)) if length > limit => {
            let error = r#"{"errors":[{"code":"SIZE_INVALID","message":"request body too large"}]}"#;
            return Some(answer(StatusCode::PAYLOAD_TOO_LARGE, "application/json", error));
        }
        _ => {}
    }
    let id = upload_id(path)?;
    let invalid = |why: &str| {
        let error = format!(r#"{{"errors":[{{"code":"BLOB_UPLOAD_INVALID","message":"{why}"}}]}}"#);
        Some(answer(StatusCode::RANGE_NOT_SATISFIABLE, "application/json", &error))
    };
    if quirks.patch_only && method == "PUT" && length > 0 {
        return invalid("blob upload invalid: data must come by PATCH");
    }
    if let (Some(min), "PATCH") = (quirks.min_chunk, method) {
        let mut state = shared.state.lock().expect("state");
        if state.short_chunks.contains(id) {
            return invalid("a chunk shorter than OCI-Chunk-Min-Length was not the last");
        }
        if length < min {
            state.short_chunks.insert(id.to_owned());
        }
    }
    None
}

/// Whether this request is the chunk to cut: the first PATCH over the profile's length.
pub(super) fn cuts(shared: &Shared, method: &str, body: &Bytes) -> bool {
    let Some(over) = shared.quirks.uploads.cut_chunk else { return false };
    let mut state = shared.state.lock().expect("state");
    let cut = method == "PATCH" && body.len() as u64 > over && !state.cut_done;
    state.cut_done |= cut;
    cut
}

/// The first half of a chunk to cut, with its `Content-Range` and `Content-Length` to match.
pub(super) fn first_half(headers: &mut HeaderMap, body: Bytes) -> Bytes {
    let half = body.slice(..body.len() / 2);
    let start: u64 = headers
        .get("content-range")
        .and_then(|v| v.to_str().ok())
        .and_then(|range| range.split('-').next()?.trim().parse().ok())
        .unwrap_or(0);
    let range = format!("{start}-{}", start + half.len() as u64 - 1);
    headers.insert("content-range", range.parse().expect("header"));
    headers.insert("content-length", half.len().into());
    half
}

/// The registry's answer to an upload request, as the profile gives it: the minimum chunk
/// announced, the upload's newest state kept for the next request.
pub(super) fn answered(shared: &Shared, method: &str, path: &str, parts: &mut Parts) {
    let quirks = shared.quirks.uploads;
    if !path.contains("/blobs/uploads/") {
        return;
    }
    if let (Some(min), "POST", StatusCode::ACCEPTED) = (quirks.min_chunk, method, parts.status) {
        parts.headers.insert("oci-chunk-min-length", min.into());
    }
    let location = parts.headers.get(LOCATION).and_then(|v| v.to_str().ok());
    if let (Some(_), Some(location)) = (quirks.cut_chunk, location)
        && let Some(id) = upload_id(location)
        && let Some(state) = location.split(['?', '&']).find(|p| p.starts_with("_state="))
    {
        shared.state.lock().expect("state").upload_states.insert(id.to_owned(), state.to_owned());
    }
}

fn answer(status: StatusCode, content_type: &str, body: &str) -> Response<Bytes> {
    let response = Response::builder().status(status).header(CONTENT_TYPE, content_type);
    response.header("connection", "close").body(Bytes::from(body.to_owned())).expect("response")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_upload_id_is_the_path_segment_after_uploads() {
        assert_eq!(super::upload_id("/v2/a/b/blobs/uploads/1234-5?_state=x&digest=y"), Some("1234-5"));
        assert_eq!(super::upload_id("/v2/a/b/blobs/uploads/"), None);
        assert_eq!(super::upload_id("http://h:1/v2/a/blobs/uploads/u?_state=s"), Some("u"));
    }
}
