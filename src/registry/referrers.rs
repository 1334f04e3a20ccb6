//! OCI 1.1 referrers over the wire (distribution-spec 1.1, "Listing Referrers" and "Pushing
//! Manifests with Subject"): the listing a registry serves for a digest, and whether it took a
//! pushed manifest's `subject`, which spares the client the referrers fallback tag.

use super::http::HttpRegistry;
use super::{LookupError, MANIFEST_MEDIA_TYPES};
use crate::oci::MAX_MANIFEST_BYTES;
use crate::reference::{Digest, RepoPath};
use reqwest::header::ACCEPT;
use reqwest::{Response, StatusCode};

/// The header a registry that processes `subject` answers a manifest `PUT` with.
const OCI_SUBJECT: &str = "oci-subject";

impl HttpRegistry {
    /// `GET /v2/<name>/referrers/<digest>`: the OCI index of the manifests whose `subject` is
    /// `digest` (empty when there are none). `Ok(None)`: the registry does not serve the API
    /// (404, 405 or 400), and the referrers fallback tag is where to look. Pages after the first (`Link`)
    /// are not followed.
    pub async fn list_referrers(&self, repo: &RepoPath, digest: &Digest) -> Result<Option<Vec<u8>>, LookupError> {
        let url = format!("{}/v2/{repo}/referrers/{digest}", self.base);
        let index = MANIFEST_MEDIA_TYPES[0];
        let response = self.send_authorised(repo, || self.client.get(&url).header(ACCEPT, index)).await?;
        // Registries without the API answer 404 (distribution 2.x), some 405 or 400 for a route
        // they do not know.
        if matches!(response.status(), StatusCode::METHOD_NOT_ALLOWED | StatusCode::BAD_REQUEST)
            || !self.judge(response.status(), repo, digest.as_str())?
        {
            return Ok(None);
        }
        if response.content_length().is_some_and(|n| n > MAX_MANIFEST_BYTES as u64) {
            return Err(LookupError::Failed(format!("the referrers of {repo}@{digest} are listed in over 4 MiB")));
        }
        let body = response.bytes().await.map_err(|e| LookupError::Failed(self.transport_error(&e).reason))?;
        Ok(Some(body.to_vec()))
    }

    /// Whether the registry said, on a manifest `PUT` of this run, that it processed `subject`:
    /// it serves the referrers API and lists the manifest there itself.
    pub fn took_subject(&self, subject: &Digest) -> bool {
        self.subjects.lock().expect("subjects").contains(subject)
    }

    /// Records the `OCI-Subject` of a manifest `PUT`'s answer.
    pub(super) fn note_subject(&self, response: &Response) {
        let subject = response.headers().get(OCI_SUBJECT).and_then(|v| Digest::parse(v.to_str().ok()?).ok());
        if let Some(subject) = subject {
            self.subjects.lock().expect("subjects").insert(subject);
        }
    }
}
