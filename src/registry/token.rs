//! Bearer tokens from the registry's token service: cached per repository, and asked for many
//! repositories at once before the checks. Token services verify the password on every token
//! request (a deliberately slow hash), so one token per repository would cost the registry side
//! more than the checks themselves.

use super::LookupError;
use super::access::{Access, CachedToken};
use super::challenge::Challenge;
use super::http::{HttpRegistry, Scheme};
use super::transport::Transport;
use crate::reference::RepoPath;
use futures::StreamExt;
use reqwest::{Response, StatusCode};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Scope bytes per token request. The token carries one access entry per scope, and the proxies
/// in front of registries refuse long header lines (nginx: 8 KiB by default), so tokens stay small.
const SCOPE_BYTES_PER_TOKEN: usize = 2048;

impl HttpRegistry {
    /// Fetches tokens for `repos` in a few requests, using the token protocol's repeated
    /// `scope`. Best effort: a batch that fails is left to the per-repository path, which retries
    /// and names the repository at fault; a token that grants only part of its batch is renewed
    /// per repository when the registry refuses it.
    pub(super) async fn prefetch_tokens(&self, repos: &[&RepoPath]) {
        if !matches!(self.scheme, Scheme::Bearer(_)) {
            return;
        }
        let mut seen = HashSet::new();
        let distinct: Vec<&RepoPath> = repos.iter().copied().filter(|repo| seen.insert(repo.as_str())).collect();
        futures::stream::iter(scope_batches(&distinct, self.access, SCOPE_BYTES_PER_TOKEN))
            .for_each_concurrent(self.concurrency, |batch| async move {
                let Ok(response) = self.token_request(&batch, false).await else { return };
                let Ok(token) = read_token(response, &batch).await else { return };
                let mut cache = self.tokens.lock().expect("token cache");
                for repo in batch {
                    cache.insert(repo.to_string(), token.clone());
                }
            })
            .await;
    }

    /// Asks the token service for `repos` with this registry's access (none: just to log in), with
    /// retries when `retry`: a GET with the password, or, with an identity token, the OAuth2
    /// refresh-token grant (a form POST, as docker sends it). A service that refuses the POST
    /// (404, 405) is asked with GET, the refresh token as the password, as containerd falls back.
    pub(super) async fn token_request(&self, repos: &[&RepoPath], retry: bool) -> Result<Response, Transport> {
        let Scheme::Bearer(Challenge::Bearer { realm, service }) = &self.scheme else {
            unreachable!("token requests are only made for Bearer registries")
        };
        let scopes: Vec<String> = repos.iter().map(|repo| scope(repo, self.access)).collect();
        let get = || {
            let mut query: Vec<(&str, String)> = Vec::new();
            query.extend(service.iter().map(|service| ("service", service.clone())));
            query.extend(scopes.iter().map(|scope| ("scope", scope.clone())));
            if let Some(credentials) = &self.auth.credentials {
                query.push(("account", credentials.username.clone()));
            }
            let request = self.client.get(realm).query(&query);
            match (&self.auth.credentials, &self.auth.identity_token) {
                (Some(c), _) => request.basic_auth(&c.username, Some(c.password())),
                (None, Some(token)) => request.basic_auth("<token>", Some(token.secret())),
                (None, None) => request,
            }
        };
        let Some(token) = &self.auth.identity_token else { return self.send_retrying_if(retry, get).await };
        let post = || {
            let mut form = vec![
                ("grant_type", "refresh_token".to_owned()),
                ("refresh_token", token.secret().to_owned()),
                ("client_id", "kubectl-essregistry".to_owned()),
            ];
            form.extend(service.iter().map(|service| ("service", service.clone())));
            if !scopes.is_empty() {
                form.push(("scope", scopes.join(" ")));
            }
            self.client.post(realm).form(&form)
        };
        let response = self.send_retrying_if(retry, post).await?;
        if matches!(response.status(), StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED) {
            return self.send_retrying_if(retry, get).await;
        }
        Ok(response)
    }

    /// The token for one repository, from the cache or from the token service.
    pub(super) async fn token(&self, repo: &RepoPath) -> Result<Arc<str>, LookupError> {
        if let Some(cached) = self.tokens.lock().expect("token cache").get(repo.as_str())
            && cached.expires > Instant::now()
        {
            return Ok(Arc::clone(&cached.token));
        }
        let response = self.token_request(&[repo], true).await.map_err(|t| LookupError::Failed(t.reason))?;
        let cached = read_token(response, &[repo]).await?;
        let token = Arc::clone(&cached.token);
        self.tokens.lock().expect("token cache").insert(repo.to_string(), cached);
        Ok(token)
    }

    /// Forgets a token the registry refused (expired, or not granting this repository).
    pub(super) fn forget_token(&self, repo: &RepoPath) {
        self.tokens.lock().expect("token cache").remove(repo.as_str());
    }
}

/// A resource scope of the token protocol (distribution's `token-scope` specification).
fn scope(repo: &RepoPath, access: Access) -> String {
    match access {
        Access::Pull => format!("repository:{repo}:pull"),
        Access::Push => format!("repository:{repo}:pull,push"),
        Access::PushDelete => format!("repository:{repo}:pull,push,delete"),
    }
}

/// Token services answer `token` or `access_token` (OAuth2), and `expires_in` in seconds, 60
/// when absent (distribution's token specification).
async fn read_token(response: Response, repos: &[&RepoPath]) -> Result<CachedToken, LookupError> {
    match response.status() {
        status if status.is_success() => {}
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
            let names: Vec<&str> = repos.iter().map(|r| r.as_str()).collect();
            return Err(LookupError::Unauthorized(format!(
                "the token service refused a token for {}",
                names.join(", ")
            )));
        }
        status => return Err(LookupError::Failed(format!("the token service answered {status}"))),
    }
    let unreadable = |_| LookupError::Failed("the token service sent an unreadable answer".into());
    let bytes = response.bytes().await.map_err(|e| unreadable(e.to_string()))?;
    let body: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| unreadable(e.to_string()))?;
    let token = body
        .get("token")
        .or_else(|| body.get("access_token"))
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .map(Arc::from)
        .ok_or_else(|| LookupError::Failed("the token service sent no token".into()))?;
    let lifetime = body.get("expires_in").and_then(serde_json::Value::as_u64).filter(|s| *s > 0).unwrap_or(60);
    Ok(CachedToken { token, expires: Instant::now() + Duration::from_secs(lifetime) })
}

/// Splits repositories, in order, into batches whose scopes add up to at most `budget` bytes
/// (a repository longer than that gets a batch of its own).
fn scope_batches<'a>(repos: &[&'a RepoPath], access: Access, budget: usize) -> Vec<Vec<&'a RepoPath>> {
    let mut batches: Vec<Vec<&RepoPath>> = Vec::new();
    let mut used = 0;
    for &repo in repos {
        let size = scope(repo, access).len();
        match batches.last_mut() {
            Some(batch) if used + size <= budget => batch.push(repo),
            _ => {
                batches.push(vec![repo]);
                used = 0;
            }
        }
        used += size;
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repos(names: &[&str]) -> Vec<RepoPath> {
        names.iter().map(|n| RepoPath::parse(n).unwrap()).collect()
    }

    #[test]
    fn batches_keep_order_and_stay_within_the_budget() {
        let owned = repos(&["a/one", "a/two", "a/three", "b/four"]);
        let refs: Vec<&RepoPath> = owned.iter().collect();
        // "repository:a/one:pull" is 21 bytes: two fit in 45, a third does not.
        let batches = scope_batches(&refs, Access::Pull, 45);
        let names: Vec<Vec<&str>> = batches.iter().map(|b| b.iter().map(|r| r.as_str()).collect()).collect();
        assert_eq!(names, vec![vec!["a/one", "a/two"], vec!["a/three", "b/four"]]);
    }

    #[test]
    fn a_repository_longer_than_the_budget_gets_its_own_batch() {
        let owned = repos(&["short", "a/very/long/repository/name", "x"]);
        let refs: Vec<&RepoPath> = owned.iter().collect();
        let batches = scope_batches(&refs, Access::Pull, 20);
        assert_eq!(batches.iter().map(Vec::len).collect::<Vec<_>>(), vec![1, 1, 1]);
        assert!(scope_batches(&[], Access::Pull, 20).is_empty());
    }

    #[test]
    fn the_whole_ess_release_fits_in_a_few_tokens() {
        let owned: Vec<RepoPath> = (0..30)
            .map(|i| {
                RepoPath::parse(&format!(
                    "elementdeployment/gitlab-registry.matrix.org/ems-image-store/enterprise/component-{i}"
                ))
                .unwrap()
            })
            .collect();
        let refs: Vec<&RepoPath> = owned.iter().collect();
        let batches = scope_batches(&refs, Access::Push, SCOPE_BYTES_PER_TOKEN);
        assert!(batches.len() <= 2, "{} token requests for 30 repositories", batches.len());
        assert_eq!(batches.concat().len(), 30);
    }
}
