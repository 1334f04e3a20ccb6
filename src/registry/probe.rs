//! What `probe` asks the registry that no other command does, over the same transport: how it
//! authenticates, whether one token serves several repositories, whether it serves the
//! referrers API, lets a blob be mounted. Each answer is what the registry said; what it means
//! is `probe`'s. (Deleting a manifest is `prune`'s request, in `housekeeping`.)

use super::LookupError;
use super::http::{HttpRegistry, Scheme};
use crate::reference::{Digest, RepoPath};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, LOCATION};

/// How the registry asked to be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthFacts {
    /// `none`, `basic` or `bearer`.
    pub scheme: &'static str,
    /// A token service's realm and service name.
    pub realm: Option<String>,
    pub service: Option<String>,
}

/// What a manifest `HEAD` was answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadAnswer {
    Found(Option<Digest>),
    Missing,
    Refused,
}

/// How the registry's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFacts {
    PlainHttp,
    /// `--registry-insecure-skip-tls-verify`: not checked.
    Unchecked,
    /// Checked against `sources` (one line each), and accepted by `accepted_by` alone (the most
    /// specific that accepts: a flag, then the certs.d folder, then the system store).
    Trusted {
        accepted_by: Option<String>,
        sources: Vec<String>,
    },
}

impl HttpRegistry {
    pub fn auth_facts(&self) -> AuthFacts {
        match &self.scheme {
            Scheme::Anonymous => AuthFacts { scheme: "none", realm: None, service: None },
            Scheme::Basic => AuthFacts { scheme: "basic", realm: None, service: None },
            Scheme::Bearer(challenge) => {
                let (realm, service) = match challenge {
                    super::challenge::Challenge::Bearer { realm, service } => (Some(realm.clone()), service.clone()),
                    super::challenge::Challenge::Basic => (None, None),
                };
                AuthFacts { scheme: "bearer", realm, service }
            }
        }
    }

    pub fn tls_facts(&self) -> TlsFacts {
        match &self.connection.trust {
            Some(sources) if sources.is_empty() => TlsFacts::PlainHttp,
            Some(sources) => TlsFacts::Trusted {
                accepted_by: self.connection.accepted.source().map(str::to_owned),
                sources: sources.clone(),
            },
            None => TlsFacts::Unchecked,
        }
    }

    /// Whether one token asked for `repos` together is taken in each of them (a tags list not
    /// refused with 401). None where the registry gives no tokens.
    pub async fn one_token_serves(&self, repos: &[&RepoPath]) -> Result<Option<bool>, LookupError> {
        if !matches!(self.scheme, Scheme::Bearer(_)) {
            return Ok(None);
        }
        self.prefetch_tokens(repos).await;
        for repo in repos {
            let url = format!("{}/v2/{repo}/tags/list", self.base);
            let request = self.authorised(self.client.get(&url), repo).await?;
            let response = self
                .send(|| request.try_clone().expect("no streaming body"))
                .await
                .map_err(|t| LookupError::Failed(t.reason))?;
            if response.status() == StatusCode::UNAUTHORIZED {
                return Ok(Some(false));
            }
        }
        Ok(Some(true))
    }

    /// Whether `GET /v2/<name>/referrers/<digest>` is served: an OCI index (even of no
    /// referrers) says yes, a 404 no. None for any other answer.
    pub async fn serves_referrers(&self, repo: &RepoPath, digest: &Digest) -> Result<Option<bool>, LookupError> {
        let url = format!("{}/v2/{repo}/referrers/{digest}", self.base);
        let index = super::MANIFEST_MEDIA_TYPES[0];
        let response = self.send_authorised(repo, || self.client.get(&url).header(ACCEPT, index)).await?;
        match response.status() {
            StatusCode::OK => {
                let body = response.bytes().await.unwrap_or_default();
                let value: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
                Ok(Some(value.is_some_and(|v| v.get("manifests").is_some_and(serde_json::Value::is_array))))
            }
            StatusCode::NOT_FOUND => Ok(Some(false)),
            _ => Ok(None),
        }
    }

    /// Asks to mount `digest` from `from` into `repo`: true when mounted (201); false when the
    /// registry opened a plain upload instead (202), which is cancelled again.
    pub async fn mounts(&self, repo: &RepoPath, digest: &Digest, from: &RepoPath) -> Result<bool, LookupError> {
        let url = format!("{}/v2/{repo}/blobs/uploads/?mount={digest}&from={from}", self.base);
        let response = self.send_authorised(repo, || self.client.post(&url).header("content-length", "0")).await?;
        match response.status() {
            StatusCode::CREATED => Ok(true),
            StatusCode::ACCEPTED => {
                if let Some(location) = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
                    let session = self.upload_url(location)?;
                    // A session left open goes when the registry's upload purging runs.
                    let _ = self.send_authorised(repo, || self.client.delete(session.clone())).await;
                }
                Ok(false)
            }
            status => Err(self.refusal(status, response, "mounting a blob", repo).await),
        }
    }

    /// `HEAD` of a manifest as answered: found (with the `Docker-Content-Digest` it gave, if
    /// any), missing, or refused (405).
    pub async fn head_answer(&self, repo: &RepoPath, reference: &str) -> Result<HeadAnswer, LookupError> {
        let response = self.manifest_request(reqwest::Method::HEAD, repo, reference).await?;
        if response.status() == StatusCode::METHOD_NOT_ALLOWED {
            return Ok(HeadAnswer::Refused);
        }
        if !self.judge(response.status(), repo, reference)? {
            return Ok(HeadAnswer::Missing);
        }
        let header = response.headers().get("docker-content-digest").and_then(|v| v.to_str().ok());
        Ok(HeadAnswer::Found(header.and_then(|d| Digest::parse(d).ok())))
    }
}
