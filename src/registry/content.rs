//! Reading and writing content for `mirror`, per the OCI distribution specification: manifests
//! fetched and pushed as bytes (`GET`/`PUT /v2/<name>/manifests/<reference>`), blobs checked
//! (`HEAD /v2/<name>/blobs/<digest>`), streamed out (`GET`) and uploaded (`POST` then a
//! monolithic `PUT`, or mounted from another repository). Bodies stream: a blob is never held
//! whole. Requests whose body can be sent again go through the one retry loop; an upload's
//! streamed body cannot, so the caller retries the whole transfer.

use super::LookupError;
use super::MANIFEST_MEDIA_TYPES;
use super::http::{HttpRegistry, Scheme};
use crate::oci::MAX_MANIFEST_BYTES;
use crate::reference::{Digest, RepoPath};
use futures::{Stream, StreamExt};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use std::time::Duration;

/// How long one blob may take to stream, start to end. A stalled download is caught sooner:
/// `--registry-timeout` without a byte (`blob_stream`).
pub(super) const BLOB_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// The smallest chunk the registry takes but the last (distribution-spec 1.1), on the answer
/// that opens an upload.
const CHUNK_MIN_LENGTH: &str = "oci-chunk-min-length";

/// A manifest as the registry holds it: its bytes, unchanged, and the media type it was sent as.
#[derive(Debug, Clone)]
pub struct RawManifest {
    pub bytes: Vec<u8>,
    pub media_type: Option<String>,
}

impl HttpRegistry {
    /// Sends with the repository's credentials; a Bearer token refused once is renewed, once.
    pub(super) async fn send_authorised(
        &self,
        repo: &RepoPath,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, LookupError> {
        self.send_authorised_retrying_if(true, repo, build).await
    }

    /// `send_authorised` once, without the retry loop: for a request that must not be sent
    /// again blindly (an upload chunk the registry may have taken in part).
    pub(super) async fn send_authorised_once(
        &self,
        repo: &RepoPath,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, LookupError> {
        self.send_authorised_retrying_if(false, repo, build).await
    }

    async fn send_authorised_retrying_if(
        &self,
        retry: bool,
        repo: &RepoPath,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, LookupError> {
        for renewal in [false, true] {
            let request = self.authorised(build(), repo).await?;
            let response = self
                .send_retrying_if(retry, || request.try_clone().expect("no streaming body"))
                .await
                .map_err(|t| LookupError::Failed(t.reason))?;
            if response.status() == StatusCode::UNAUTHORIZED && matches!(self.scheme, Scheme::Bearer(_)) && !renewal {
                self.forget_token(repo);
                continue;
            }
            return Ok(response);
        }
        unreachable!("the loop returns on its second pass")
    }

    /// The manifest's bytes as stored. `Ok(None)`: the registry has no such manifest.
    pub async fn fetch_manifest(&self, repo: &RepoPath, reference: &str) -> Result<Option<RawManifest>, LookupError> {
        let response = self.manifest_request(Method::GET, repo, reference).await?;
        if !self.judge(response.status(), repo, reference)? {
            return Ok(None);
        }
        let media_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        if response.content_length().is_some_and(|n| n > MAX_MANIFEST_BYTES as u64) {
            return Err(LookupError::Failed(format!("the manifest {repo}:{reference} is over 4 MiB")));
        }
        let bytes = response.bytes().await.map_err(|e| LookupError::Failed(self.transport_error(&e).reason))?;
        Ok(Some(RawManifest { bytes: bytes.to_vec(), media_type }))
    }

    /// Whether the repository holds the blob (`HEAD`).
    pub async fn has_blob(&self, repo: &RepoPath, digest: &Digest) -> Result<bool, LookupError> {
        let url = format!("{}/v2/{repo}/blobs/{digest}", self.base);
        let response = self.send_authorised(repo, || self.client.head(&url)).await?;
        self.judge(response.status(), repo, digest.as_str())
    }

    /// The blob's bytes as a stream, redirects to storage followed. Not yet checked against the
    /// digest: the caller hashes as the bytes pass.
    pub async fn blob_stream(
        &self,
        repo: &RepoPath,
        digest: &Digest,
    ) -> Result<impl Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static, LookupError> {
        let url = format!("{}/v2/{repo}/blobs/{digest}", self.base);
        let response = self.send_authorised(repo, || self.client.get(&url).timeout(BLOB_TIMEOUT)).await?;
        if !self.judge(response.status(), repo, digest.as_str())? {
            return Err(LookupError::Failed(format!("{} has no blob {digest} in {repo}", self.registry)));
        }
        Ok(stalls_after(response.bytes_stream().map(|chunk| chunk.map_err(std::io::Error::other)), self.timeout))
    }

    /// Opens a blob upload, asking the registry to mount the blob from `from` instead
    /// (distribution spec: "Mounting a blob from another repository"). `Ok(None)`: mounted, no
    /// byte to send. A registry that cannot mount answers 202 and opens an upload, whose
    /// location is returned so the bytes can go there.
    pub async fn mount_blob(
        &self,
        repo: &RepoPath,
        digest: &Digest,
        from: Option<&RepoPath>,
    ) -> Result<Option<reqwest::Url>, LookupError> {
        let mut url = format!("{}/v2/{repo}/blobs/uploads/", self.base);
        if let Some(from) = from {
            url = format!("{url}?mount={digest}&from={from}");
        }
        let response = self.send_authorised(repo, || self.client.post(&url).header(CONTENT_LENGTH, "0")).await?;
        match response.status() {
            StatusCode::CREATED if from.is_some() => Ok(None),
            StatusCode::ACCEPTED => {
                let min = response.headers().get(CHUNK_MIN_LENGTH).and_then(|v| v.to_str().ok()?.trim().parse().ok());
                if let Some(min) = min {
                    self.uploads.announced(min);
                }
                let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).ok_or_else(|| {
                    LookupError::Failed(format!("{} opened an upload without a Location", self.registry))
                })?;
                Ok(Some(self.upload_url(location)?))
            }
            status => Err(self.refusal(status, response, "opening a blob upload", repo).await),
        }
    }

    /// An upload location as the registry sent it, made absolute.
    pub(super) fn upload_url(&self, location: &str) -> Result<reqwest::Url, LookupError> {
        reqwest::Url::parse(&self.base)
            .and_then(|base| base.join(location))
            .map_err(|e| LookupError::Failed(format!("{} sent an unusable upload Location: {e}", self.registry)))
    }

    /// Pushes a manifest's bytes unchanged, so that its digest holds. A registry that processes
    /// the manifest's `subject` says so (`OCI-Subject`), which `took_subject` then tells.
    pub async fn push_manifest(
        &self,
        repo: &RepoPath,
        reference: &str,
        manifest: &RawManifest,
    ) -> Result<(), LookupError> {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.base);
        let media_type = manifest.media_type.as_deref().unwrap_or(MANIFEST_MEDIA_TYPES[2]);
        let response = self
            .send_authorised(repo, || {
                self.client.put(&url).header(CONTENT_TYPE, media_type).body(manifest.bytes.clone())
            })
            .await?;
        match response.status() {
            StatusCode::CREATED | StatusCode::OK | StatusCode::ACCEPTED => {
                self.note_subject(&response);
                Ok(())
            }
            status => Err(self.refusal(status, response, &format!("pushing manifest {repo}:{reference}"), repo).await),
        }
    }

    /// A refused write in the registry's own words: the codes and messages of its error body
    /// (distribution spec, "Error Codes"), e.g. `MANIFEST_BLOB_UNKNOWN: blob unknown to registry`.
    pub(super) async fn refusal(
        &self,
        status: StatusCode,
        response: Response,
        doing: &str,
        repo: &RepoPath,
    ) -> LookupError {
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            return LookupError::Unauthorized(format!(
                "{} refused {doing} in {repo} ({status}) for {}: the account needs push access",
                self.registry, self.auth.source
            ));
        }
        let body = response.bytes().await.unwrap_or_default();
        let words = registry_errors(&body);
        let said = match &words {
            Some(words) => format!("{} refused {doing}: {words}", self.registry),
            None => format!("{} answered {status} to {doing}", self.registry),
        };
        if !status.is_client_error() {
            return LookupError::Failed(said);
        }
        LookupError::Rejected(match advice(status, words.as_deref(), repo) {
            Some(advice) => format!("{said}; {advice}"),
            None => said,
        })
    }
}

/// What to do about a 413.
pub(super) const BODY_LIMIT_ADVICE: &str = "a proxy in front of the registry limits the size of a request body \
     (client_max_body_size on nginx, 1 MiB by default): raise the limit for the registry's /v2/ path";

/// What to do about the refusals administrators meet most.
fn advice(status: StatusCode, words: Option<&str>, repo: &RepoPath) -> Option<String> {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return Some(BODY_LIMIT_ADVICE.to_owned());
    }
    if words.is_some_and(|words| words.contains("NAME_UNKNOWN")) {
        let project = repo.as_str().split('/').next().unwrap_or_default();
        return Some(format!(
            "the registry knows no repository or project {project}: create the project (Harbor, Nexus and \
             Artifactory do not create it on push), or check --path-prefix"
        ));
    }
    None
}

/// `stream`, failing when no byte comes for `patience` (the client's own timeouts would also
/// cut a long upload whose response is not read until its body is sent).
fn stalls_after(
    stream: impl Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static,
    patience: Duration,
) -> impl Stream<Item = std::io::Result<bytes::Bytes>> + Send + 'static {
    futures::stream::unfold(Some(Box::pin(stream)), move |stream| async move {
        let mut stream = stream?;
        match tokio::time::timeout(patience, stream.next()).await {
            Ok(Some(chunk)) => Some((chunk, Some(stream))),
            Ok(None) => None,
            Err(_) => Some((
                Err(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no byte of the blob came for {}", humantime::format_duration(patience)),
                )),
                None,
            )),
        }
    })
}

/// `CODE: message (detail)` for each error of a distribution error body, joined with `; `.
fn registry_errors(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let errors = value.get("errors")?.as_array()?;
    let words: Vec<String> = errors
        .iter()
        .map(|error| {
            let field = |name: &str| error.get(name).and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let detail = match error.get("detail") {
                Some(serde_json::Value::String(text)) if !text.is_empty() => format!(" ({text})"),
                Some(value @ serde_json::Value::Object(_)) => format!(" ({value})"),
                _ => String::new(),
            };
            crate::sanitize::printable(&format!("{}: {}{detail}", field("code"), field("message")))
        })
        .collect();
    (!words.is_empty()).then(|| words.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_is_told_in_the_registrys_words() {
        let body = br#"{"errors":[{"code":"MANIFEST_BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:ab"}]}"#;
        assert_eq!(registry_errors(body).unwrap(), "MANIFEST_BLOB_UNKNOWN: blob unknown to registry (sha256:ab)");
        assert_eq!(registry_errors(b"<html>bad gateway</html>"), None);
    }
}
