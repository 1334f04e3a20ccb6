//! The registry over HTTP: one connection pool, auth negotiated once. Sending and retries are
//! in `send`, manifest lookups in `manifests`, tokens in `token`.

use super::LookupError;
use super::access::{Access, CachedToken};
use super::auth::RegistryAuth;
use super::challenge::Challenge;
use super::options::RegistryOptions;
use super::throttle::Throttle;
use super::transport::{Connection, Transport, build_client};
use super::upload::Uploads;
use crate::error::Error;
use crate::reference::{Digest, RegistryHost, RepoPath};
use reqwest::header::WWW_AUTHENTICATE;
use reqwest::{RequestBuilder, Response, StatusCode};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// How the registry asked to be authenticated, learnt from the first `GET /v2/`.
#[derive(Debug, Clone)]
pub(super) enum Scheme {
    Anonymous,
    Basic,
    Bearer(Challenge),
}

pub struct HttpRegistry {
    pub(super) client: reqwest::Client,
    pub(super) base: String,
    pub(super) registry: RegistryHost,
    pub(super) auth: RegistryAuth,
    pub(super) scheme: Scheme,
    /// Bearer tokens per repository, so each repository costs at most one token request; the
    /// repositories of one batch share its token.
    pub(super) tokens: Mutex<HashMap<String, CachedToken>>,
    pub(super) concurrency: usize,
    pub(super) connection: Connection,
    pub(super) throttle: Throttle,
    /// Set once the registry answered a HEAD with 405: manifests are read with GET.
    pub(super) head_refused: AtomicBool,
    pub(super) access: Access,
    /// `--registry-timeout`: a whole request, or the wait for the next bytes of a blob.
    pub(super) timeout: Duration,
    /// How blobs go up, as learnt during the run.
    pub(super) uploads: Uploads,
    /// The subjects the registry said it processed, by `OCI-Subject` on a manifest `PUT`
    /// (distribution-spec "Pushing Manifests with Subject"): it lists their referrers itself.
    pub(super) subjects: Mutex<HashSet<Digest>>,
    /// Set once the registry answered the referrers API as one that does not serve it: a walk
    /// stops asking (a request per manifest saved on distribution 2.x and the like).
    pub(super) referrers_unserved: AtomicBool,
    /// Whether a manifest lookup answered 403 means "not there" (`taking_403_as_missing`).
    pub(super) forbidden_is_missing: bool,
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
            throttle: Throttle::new(options.concurrency.max(1)),
            head_refused: AtomicBool::new(false),
            access: Access::Pull,
            timeout: options.timeout,
            uploads: Uploads::new(None),
            subjects: Mutex::new(HashSet::new()),
            referrers_unserved: AtomicBool::new(false),
            forbidden_is_missing: false,
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

    /// Asks for tokens that also push, for `mirror`. Before any repository is used.
    pub fn with_push_access(mut self) -> Self {
        self.access = Access::Push;
        self
    }

    /// Asks for tokens that also push and delete, for `probe --write`, which removes what it
    /// pushed. Before any repository is used.
    pub fn with_delete_access(mut self) -> Self {
        self.access = Access::PushDelete;
        self
    }

    /// Takes a manifest lookup answered 403 as "not there", for `mirror` (and its dry run)
    /// into this registry, as go-containerregistry's pusher does
    /// (google/go-containerregistry#1691): Artifactory answers 403 `DENIED` for a tag it lacks
    /// (virtual repositories), and skopeo, which never asks before pushing, gets through. A real
    /// refusal is not hidden by it: the push that follows is refused and says so (exit 3).
    /// `plan` and `status` say a 403 as it is.
    pub fn taking_403_as_missing(mut self) -> Self {
        self.forbidden_is_missing = true;
        self
    }

    /// Sends blobs in chunks of `size` bytes from the first (`--chunk-size`).
    pub fn with_chunk_size(mut self, size: Option<u64>) -> Self {
        self.uploads = Uploads::new(size);
        self
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

    pub(super) async fn authorised(
        &self,
        request: RequestBuilder,
        repo: &RepoPath,
    ) -> Result<RequestBuilder, LookupError> {
        Ok(match (&self.scheme, &self.auth.credentials) {
            (Scheme::Basic, Some(c)) => request.basic_auth(&c.username, Some(c.password())),
            (Scheme::Bearer(_), _) => request.bearer_auth(&*self.token(repo).await?),
            _ => request,
        })
    }
}

impl HttpRegistry {
    pub(super) fn transport_error(&self, error: &reqwest::Error) -> Transport {
        Transport::of(error, &self.connection)
    }
}
