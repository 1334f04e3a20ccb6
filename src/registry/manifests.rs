//! Manifest lookups, with registries as they answer in the field: HEAD first (one request per
//! present image), GET where HEAD cannot be trusted or is refused, and every refusal worded.

use super::http::HttpRegistry;
use super::send::{MAX_ATTEMPTS, with_retries};
use super::{LookupError, MANIFEST_MEDIA_TYPES, ManifestHead, ManifestStore};
use crate::reference::{Digest, RepoPath};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Response, StatusCode};
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;

impl HttpRegistry {
    /// Sends one manifest request, asking for every manifest media type.
    pub(super) async fn manifest_request(
        &self,
        method: Method,
        repo: &RepoPath,
        reference: &str,
    ) -> Result<Response, LookupError> {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.base);
        let accept = MANIFEST_MEDIA_TYPES.join(", ");
        self.send_authorised(repo, || self.client.request(method.clone(), &url).header(ACCEPT, &accept)).await
    }

    /// What a status means for one lookup: Ok(true) found, Ok(false) not there.
    ///
    /// A 403 is a refusal, except for a registry `mirror` pushes to
    /// (`HttpRegistry::taking_403_as_missing`).
    pub(super) fn judge(&self, status: StatusCode, repo: &RepoPath, reference: &str) -> Result<bool, LookupError> {
        match status {
            StatusCode::OK => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            StatusCode::FORBIDDEN if self.forbidden_is_missing => Ok(false),
            StatusCode::UNAUTHORIZED => Err(LookupError::Unauthorized(format!(
                "{} answered 401 for {repo} with {}",
                self.registry, self.auth.source
            ))),
            StatusCode::FORBIDDEN => Err(LookupError::Unauthorized(format!(
                "{} denied access to {repo}:{reference} (403) for {}; some registries (ECR, Artifactory, \
                 GHCR) also answer 403 for a tag or digest they do not have",
                self.registry, self.auth.source
            ))),
            StatusCode::TOO_MANY_REQUESTS => Err(LookupError::Failed(format!(
                "rate-limited: {} still answered 429 Too Many Requests after {MAX_ATTEMPTS} attempts; run again \
                 later or with a lower --concurrency",
                self.registry
            ))),
            status if status.is_server_error() => {
                Err(LookupError::Failed(format!("{} answered {status} after {MAX_ATTEMPTS} attempts", self.registry)))
            }
            status => Err(LookupError::Failed(format!("{} answered {status} for {repo}:{reference}", self.registry))),
        }
    }

    /// GET of the manifest, its digest the sha256 of its bytes. A body cut off mid-way is
    /// fetched again, like any other failed attempt.
    async fn get_manifest(&self, repo: &RepoPath, reference: &str) -> Result<Option<ManifestHead>, LookupError> {
        with_retries(|last| async move {
            let response = match self.manifest_request(Method::GET, repo, reference).await {
                Ok(response) => response,
                Err(error) => return ControlFlow::Break(Err(error)),
            };
            match self.judge(response.status(), repo, reference) {
                Ok(true) => {}
                Ok(false) => return ControlFlow::Break(Ok(None)),
                Err(error) => return ControlFlow::Break(Err(error)),
            }
            let media_type = header(&response, CONTENT_TYPE.as_str());
            match response.bytes().await {
                Ok(body) => ControlFlow::Break(Ok(Some(ManifestHead { digest: Digest::of(&body), media_type }))),
                Err(error) if last => ControlFlow::Break(Err(LookupError::Failed(self.transport_error(&error).reason))),
                Err(_) => ControlFlow::Continue(None),
            }
        })
        .await
    }
}

impl ManifestStore for HttpRegistry {
    async fn prepare(&self, repos: &[&RepoPath]) {
        self.prefetch_tokens(repos).await;
    }

    async fn head(&self, repo: &RepoPath, reference: &str) -> Result<Option<ManifestHead>, LookupError> {
        if self.head_refused.load(Ordering::Relaxed) {
            return self.get_manifest(repo, reference).await;
        }
        let response = self.manifest_request(Method::HEAD, repo, reference).await?;
        // A registry that refuses HEAD (405) is asked with GET from then on.
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            self.head_refused.store(true, Ordering::Relaxed);
            return self.get_manifest(repo, reference).await;
        }
        if !self.judge(response.status(), repo, reference)? {
            return Ok(None);
        }
        let media_type = header(&response, CONTENT_TYPE.as_str());
        match header(&response, "docker-content-digest").map(|d| Digest::parse(&d)) {
            Some(Ok(digest)) => Ok(Some(ManifestHead { digest, media_type })),
            // Some registries omit the header on HEAD: the digest is the sha256 of the body.
            _ => self.get_manifest(repo, reference).await,
        }
    }

    fn head_reads_whole(&self) -> bool {
        self.head_refused.load(Ordering::Relaxed)
    }

    async fn get(&self, repo: &RepoPath, reference: &str) -> Result<Option<ManifestHead>, LookupError> {
        self.get_manifest(repo, reference).await
    }
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(crate::sanitize::printable)
}
