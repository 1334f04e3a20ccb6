//! The registry over HTTP: one connection pool, auth negotiated once, retries with backoff.

use super::auth::RegistryAuth;
use super::challenge::Challenge;
use super::transport::{Connection, Transport, build_client};
use super::{LookupError, MANIFEST_MEDIA_TYPES, ManifestHead, ManifestStore};
use crate::error::Error;
use crate::proxy::ProxyRules;
use crate::reference::{Digest, RegistryHost, RepoPath};
use reqwest::header::{ACCEPT, CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{RequestBuilder, Response, StatusCode};
use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Attempts per request (the first and three retries), for connection errors, 429 and 5xx.
const MAX_ATTEMPTS: u32 = 4;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// A `Retry-After` longer than this is cut short, so a confused registry cannot stall a run.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// How to reach the registry, from the command line.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    pub plain_http: bool,
    /// `--registry-ca-file`: CAs added to the system's and the certs.d folder's.
    pub ca_files: Vec<PathBuf>,
    /// `--registry-cert-dir`: read instead of the certs.d search.
    pub cert_dir: Option<PathBuf>,
    /// Where the registry's certs.d folder is searched for (`tls::certs_d::roots`).
    pub certs_d_roots: Vec<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    pub insecure_skip_tls_verify: bool,
    pub proxy: ProxyRules,
    pub timeout: Duration,
    pub concurrency: usize,
}

/// How the registry asked to be authenticated, learnt from the first `GET /v2/`.
#[derive(Debug, Clone)]
pub(super) enum Scheme {
    Anonymous,
    Basic,
    Bearer(Challenge),
}

pub struct HttpRegistry {
    pub(super) client: reqwest::Client,
    base: String,
    registry: RegistryHost,
    pub(super) auth: RegistryAuth,
    pub(super) scheme: Scheme,
    /// Bearer tokens per repository, so each repository costs at most one token request; the
    /// repositories of one batch share its token.
    pub(super) tokens: Mutex<HashMap<String, Arc<str>>>,
    pub(super) concurrency: usize,
    connection: Connection,
}

impl HttpRegistry {
    /// Builds the client and asks `GET /v2/` once: an unreachable registry, a TLS problem or
    /// refused credentials stop the run here, before any image is checked.
    pub async fn connect(
        registry: &RegistryHost,
        auth: RegistryAuth,
        options: &RegistryOptions,
    ) -> Result<Self, Error> {
        let scheme_name = if options.plain_http { "http" } else { "https" };
        let base = format!("{scheme_name}://{registry}");
        let url = reqwest::Url::parse(&base)
            .map_err(|e| Error::usage(format!("--registry {registry}: {e}"), "check --registry HOST[:PORT]"))?;
        let (client, connection) = build_client(registry, &url, options)?;
        let mut this = Self {
            client,
            base,
            registry: registry.clone(),
            auth,
            scheme: Scheme::Anonymous,
            tokens: Mutex::new(HashMap::new()),
            concurrency: options.concurrency.max(1),
            connection,
        };
        let ping = format!("{}/v2/", this.base);
        let response = match this.send(|| this.client.get(&ping)).await {
            Ok(response) => response,
            Err(transport) => return Err(this.unreachable(&this.connection.explain(transport).await)),
        };
        this.scheme = match response.status() {
            status if status.is_success() => Scheme::Anonymous,
            StatusCode::UNAUTHORIZED => {
                let challenge =
                    response.headers().get(WWW_AUTHENTICATE).and_then(|h| h.to_str().ok()).and_then(Challenge::parse);
                match challenge {
                    Some(Challenge::Basic) => Scheme::Basic,
                    Some(bearer) => Scheme::Bearer(bearer),
                    None => {
                        return Err(this.refused("it answered 401 without a challenge this tool understands"));
                    }
                }
            }
            status => {
                return Err(Error::RegistryUnreachable {
                    registry: registry.to_string(),
                    reason: format!("GET /v2/ answered {status}: this is not a registry API (v2) endpoint"),
                    // An HTTPS server answers a plain HTTP request with 400.
                    hint: if options.plain_http && status == StatusCode::BAD_REQUEST {
                        "is it an HTTPS registry? then drop --registry-plain-http".into()
                    } else {
                        "check --registry HOST[:PORT]".into()
                    },
                });
            }
        };
        this.verify_credentials().await?;
        Ok(this)
    }

    /// One request with the credentials, so a wrong password fails once, not once per image.
    async fn verify_credentials(&self) -> Result<(), Error> {
        let Some(credentials) = &self.auth.credentials else {
            return match (&self.scheme, &self.auth.identity_token) {
                (Scheme::Bearer(_), Some(_)) => self.check_login(self.token_request(&[], true).await),
                (Scheme::Basic, Some(_)) => Err(self.refused(
                    "it asks for a password, and the Docker config holds only an identity token for it (a token \
                     service's refresh token)",
                )),
                (Scheme::Basic, None) => Err(self.refused("it requires credentials and none were found")),
                _ => Ok(()),
            };
        };
        let response = match &self.scheme {
            Scheme::Anonymous => return Ok(()),
            Scheme::Basic => {
                let url = format!("{}/v2/", self.base);
                self.send(|| self.client.get(&url).basic_auth(&credentials.username, Some(credentials.password())))
                    .await
            }
            Scheme::Bearer(_) => self.token_request(&[], true).await,
        };
        self.check_login(response)
    }

    fn check_login(&self, response: Result<Response, Transport>) -> Result<(), Error> {
        match response {
            Ok(response) if response.status().is_success() => Ok(()),
            Ok(response) if matches!(response.status(), StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) => {
                Err(self.refused("the login was refused"))
            }
            Ok(response) => Err(Error::RegistryUnreachable {
                registry: self.registry.to_string(),
                reason: format!("the login answered {}", response.status()),
                hint: "check the registry's health and run again".into(),
            }),
            Err(transport) => Err(Error::RegistryUnreachable {
                registry: self.registry.to_string(),
                reason: format!("the login failed: {}", transport.reason),
                hint: transport.hint,
            }),
        }
    }

    fn refused(&self, why: &str) -> Error {
        Error::RegistryAuth {
            registry: self.registry.to_string(),
            credentials: self.auth.source.to_string(),
            hint: format!(
                "{why}; give the right credentials with --registry-username and --registry-password-stdin, \
                 ESSREGISTRY_USERNAME and ESSREGISTRY_PASSWORD, or `docker login {}`",
                self.registry
            ),
        }
    }

    fn unreachable(&self, transport: &Transport) -> Error {
        Error::RegistryUnreachable {
            registry: self.registry.to_string(),
            reason: transport.reason.clone(),
            hint: transport.hint.clone(),
        }
    }

    async fn authorised(&self, request: RequestBuilder, repo: &RepoPath) -> Result<RequestBuilder, LookupError> {
        Ok(match (&self.scheme, &self.auth.credentials) {
            (Scheme::Basic, Some(c)) => request.basic_auth(&c.username, Some(c.password())),
            (Scheme::Bearer(_), _) => request.bearer_auth(&*self.token(repo).await?),
            _ => request,
        })
    }

    /// Sends one manifest request; a Bearer token refused once (it may have expired) is renewed.
    async fn manifest_request(
        &self,
        method: reqwest::Method,
        repo: &RepoPath,
        reference: &str,
    ) -> Result<Response, LookupError> {
        let url = format!("{}/v2/{repo}/manifests/{reference}", self.base);
        let accept = MANIFEST_MEDIA_TYPES.join(", ");
        for renewal in [false, true] {
            let request =
                self.authorised(self.client.request(method.clone(), &url).header(ACCEPT, &accept), repo).await?;
            let response = self
                .send(|| request.try_clone().expect("no streaming body"))
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

    /// Sends with retries on connection errors, 429 (after its Retry-After) and 5xx.
    pub(super) async fn send(&self, request: impl Fn() -> RequestBuilder) -> Result<Response, Transport> {
        let request = &request;
        with_retries(|last| async move {
            match request().send().await {
                Ok(response) if !last && is_retryable(response.status()) => {
                    ControlFlow::Continue(retry_after(&response))
                }
                Ok(response) => ControlFlow::Break(Ok(response)),
                Err(error) => {
                    let transport = Transport::of(&error, &self.connection);
                    if last || transport.tls { ControlFlow::Break(Err(transport)) } else { ControlFlow::Continue(None) }
                }
            }
        })
        .await
    }
}

/// Runs `attempt` up to MAX_ATTEMPTS times (it is told when it is the last), waiting between
/// tries as long as it asks, else with a doubling backoff.
async fn with_retries<T, Attempt>(mut attempt: impl FnMut(bool) -> Attempt) -> T
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

impl HttpRegistry {
    pub(super) fn transport_error(&self, error: &reqwest::Error) -> Transport {
        Transport::of(error, &self.connection)
    }

    /// GET of the manifest and the sha256 of its bytes. A body cut off mid-way is fetched
    /// again, like any other failed attempt.
    async fn manifest_digest_by_get(&self, repo: &RepoPath, reference: &str) -> Result<Digest, LookupError> {
        with_retries(|last| async move {
            let response = match self.manifest_request(reqwest::Method::GET, repo, reference).await {
                Ok(response) if response.status() == StatusCode::OK => response,
                Ok(response) => {
                    let status = response.status();
                    return ControlFlow::Break(Err(LookupError::Failed(format!(
                        "GET of {repo}:{reference} answered {status}"
                    ))));
                }
                Err(error) => return ControlFlow::Break(Err(error)),
            };
            match response.bytes().await {
                Ok(body) => ControlFlow::Break(Ok(Digest::of(&body))),
                Err(error) if last => {
                    ControlFlow::Break(Err(LookupError::Failed(Transport::of(&error, &self.connection).reason)))
                }
                Err(_) => ControlFlow::Continue(None),
            }
        })
        .await
    }
}

impl ManifestStore for HttpRegistry {
    async fn prepare(&self, repos: &[&RepoPath]) {
        self.prefetch_pull_tokens(repos).await;
    }

    async fn head(&self, repo: &RepoPath, reference: &str) -> Result<Option<ManifestHead>, LookupError> {
        let response = self.manifest_request(reqwest::Method::HEAD, repo, reference).await?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => return Ok(None),
            StatusCode::UNAUTHORIZED => {
                return Err(LookupError::Unauthorized(format!(
                    "{} answered 401 for {repo} with {}",
                    self.registry, self.auth.source
                )));
            }
            StatusCode::FORBIDDEN => {
                return Err(LookupError::Unauthorized(format!(
                    "{} denied access to {repo} (403) for {}",
                    self.registry, self.auth.source
                )));
            }
            status if is_retryable(status) => {
                return Err(LookupError::Failed(format!(
                    "{} answered {status} after {MAX_ATTEMPTS} attempts",
                    self.registry
                )));
            }
            status => {
                return Err(LookupError::Failed(format!("{} answered {status} for {repo}:{reference}", self.registry)));
            }
        }
        let media_type = header(&response, CONTENT_TYPE.as_str());
        let digest = match header(&response, "docker-content-digest").map(|d| Digest::parse(&d)) {
            Some(Ok(digest)) => digest,
            // Some registries omit the header on HEAD: the digest is the sha256 of the body.
            _ => self.manifest_digest_by_get(repo, reference).await?,
        };
        Ok(Some(ManifestHead { digest, media_type }))
    }
}

fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(crate::sanitize::printable)
}

fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

/// `Retry-After` in seconds (the HTTP-date form is rare from registries and falls back to backoff).
fn retry_after(response: &Response) -> Option<Duration> {
    let value = response.headers().get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}
