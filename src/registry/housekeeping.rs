//! What `prune` asks of a registry, per the OCI distribution specification: a repository's tags
//! (`GET /v2/<name>/tags/list`, page by page as the `Link` header leads, end-12) and deleting a
//! manifest by digest (`DELETE /v2/<name>/manifests/<digest>`, end-9), which a registry may
//! refuse (`405 UNSUPPORTED`: distribution without `storage.delete.enabled`).

use super::LookupError;
use super::http::HttpRegistry;
use crate::prune::Repository;
use crate::reference::{Digest, RepoPath};
use reqwest::header::LINK;
use reqwest::{Method, StatusCode};
use serde::Deserialize;

/// Tags asked for per page; a registry may send fewer and a `Link` to the rest.
const PAGE: usize = 1000;
/// A repository with more tags than this is not ESS's: stop rather than page forever.
const MAX_PAGES: usize = 100;

/// What a `DELETE` of a manifest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Not there (deleted already, by another digest's tag, or never).
    Gone,
    /// The registry does not delete manifests (405): the status line and the body's code.
    Refused(String),
}

#[derive(Deserialize)]
struct TagList {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl HttpRegistry {
    /// What `prune` decides on for `repo`: its tags, the manifest each holds, and the manifests
    /// those list, each read once. Empty for a repository the registry does not have.
    pub async fn read_repository(&self, repo: &RepoPath) -> Result<Repository, LookupError> {
        let mut repository = Repository::default();
        for tag in self.list_tags(repo).await? {
            // A tag deleted between the listing and the read is not there.
            if let Some(digest) = self.read_tree(repo, &tag, &mut repository.manifests).await? {
                repository.tags.insert(tag, digest);
            }
        }
        Ok(repository)
    }

    /// Every tag of `repo`; none for a repository the registry does not have.
    pub async fn list_tags(&self, repo: &RepoPath) -> Result<Vec<String>, LookupError> {
        let mut tags = Vec::new();
        let mut url = format!("{}/v2/{repo}/tags/list?n={PAGE}", self.base);
        for _ in 0..MAX_PAGES {
            let response = self.send_authorised(repo, || self.client.request(Method::GET, &url)).await?;
            if !self.judge(response.status(), repo, "tags/list")? {
                return Ok(tags);
            }
            let next = response.headers().get(LINK).and_then(|v| v.to_str().ok()).and_then(next_page);
            let body =
                response.bytes().await.map_err(|e| LookupError::Failed(format!("reading the tags of {repo}: {e}")))?;
            let page: TagList = serde_json::from_slice(&body).map_err(|e| {
                LookupError::Failed(format!("{} sent a tag list of {repo} that is not one: {e}", self.registry))
            })?;
            tags.extend(page.tags.unwrap_or_default());
            match next {
                Some(path) => url = format!("{}{path}", self.base),
                None => return Ok(tags),
            }
        }
        Err(LookupError::Failed(format!("{repo} has more than {} tags", PAGE * MAX_PAGES)))
    }

    /// Deletes the manifest `digest` of `repo` (every tag that points at it goes with it).
    pub async fn delete_manifest(&self, repo: &RepoPath, digest: &Digest) -> Result<Deleted, LookupError> {
        let url = format!("{}/v2/{repo}/manifests/{digest}", self.base);
        let response = self.send_authorised(repo, || self.client.request(Method::DELETE, &url)).await?;
        match response.status() {
            StatusCode::ACCEPTED | StatusCode::OK | StatusCode::NO_CONTENT => Ok(Deleted::Deleted),
            StatusCode::NOT_FOUND => Ok(Deleted::Gone),
            status @ (StatusCode::METHOD_NOT_ALLOWED | StatusCode::BAD_REQUEST) => {
                let body = response.text().await.unwrap_or_default();
                let code = if body.contains("UNSUPPORTED") { " UNSUPPORTED" } else { "" };
                Ok(Deleted::Refused(format!("{status}{code}")))
            }
            status => self.judge(status, repo, digest.as_str()).map(|_| Deleted::Refused(status.to_string())),
        }
    }
}

/// The path of the `rel="next"` page of a `Link` header: `</v2/x/tags/list?n=2&last=b>; rel="next"`.
fn next_page(link: &str) -> Option<String> {
    let (target, rel) = link.split_once(';')?;
    rel.contains("next").then(|| target.trim().trim_start_matches('<').trim_end_matches('>').to_owned())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_next_page_is_read_from_the_link_header() {
        let link = r#"</v2/ess/synapse/tags/list?n=2&last=v2>; rel="next""#;
        assert_eq!(super::next_page(link).as_deref(), Some("/v2/ess/synapse/tags/list?n=2&last=v2"));
        assert_eq!(super::next_page("garbage"), None);
    }
}
