//! The registry adapter: a small interface the checks are written against, and its HTTP
//! implementation (distribution API v2, Basic and Bearer auth, retries, TLS options).

mod access;
mod auth;
mod challenge;
mod content;
mod docker_config;
mod housekeeping;
mod http;
mod manifests;
mod options;
mod probe;
mod referrers;
mod send;
mod throttle;
mod tls;
mod token;
mod transport;
mod tree;
mod upload;

pub use auth::{CredentialSource, RegistryAuth};
pub use content::RawManifest;
pub use docker_config::DOCKER_HUB;
pub use housekeeping::Deleted;
pub use http::HttpRegistry;
pub use options::RegistryOptions;
pub use probe::{AuthFacts, HeadAnswer, TlsFacts};
pub use upload::{CHUNK_CEILING, CHUNK_FLOOR, DEFAULT_CHUNK, UploadError, UploadFacts, UploadMode};

use crate::reference::{Digest, RepoPath};
use std::future::Future;

/// What a HEAD of one manifest told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestHead {
    pub digest: Digest,
    /// The manifest's media type (an index, or a single-platform manifest), when sent.
    pub media_type: Option<String>,
}

/// Why one manifest lookup failed. Per image: the run goes on and records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// 401 or 403 for this repository, with the credentials that were accepted by the registry.
    Unauthorized(String),
    /// Unreachable, TLS, a timeout or 5xx after retries, or an answer that makes no sense.
    Failed(String),
    /// The registry refused what it was sent with a 4xx other than 401 and 403 (400, 404, 405,
    /// 413, 416; with or without an error code): sending it again unchanged cannot help, so it
    /// is not retried.
    Rejected(String),
}

impl LookupError {
    /// For a command that cannot go on without the answer (a walk, a listing): refused
    /// credentials exit 3, anything else 4, each with `hint`.
    pub fn stops(self, registry: &crate::reference::RegistryHost, hint: &str) -> crate::error::Error {
        match self {
            LookupError::Unauthorized(why) => crate::error::Error::RegistryAuth {
                registry: registry.to_string(),
                credentials: why,
                hint: hint.to_owned(),
            },
            LookupError::Failed(reason) | LookupError::Rejected(reason) => crate::error::Error::RegistryUnreachable {
                registry: registry.to_string(),
                reason,
                hint: hint.to_owned(),
            },
        }
    }
}

/// Reads manifests from the local registry. `Ok(None)` means the registry has no such manifest.
pub trait ManifestStore: Sync {
    /// Told every repository a run will ask about, before the first `head`, so that access can
    /// be arranged for all of them at once (a token registry: one token for many repositories).
    fn prepare(&self, repos: &[&RepoPath]) -> impl Future<Output = ()> + Send;

    fn head(
        &self,
        repo: &RepoPath,
        reference: &str,
    ) -> impl Future<Output = Result<Option<ManifestHead>, LookupError>> + Send;

    /// Whether `head` reads manifests whole already (a registry that refuses HEAD): then a
    /// GET would only repeat it.
    fn head_reads_whole(&self) -> bool {
        false
    }

    /// The manifest read whole, its digest computed: to confirm that a manifest HEAD called
    /// missing really is (Nexus answers HEAD by tag with 404 while GET finds it).
    fn get(
        &self,
        repo: &RepoPath,
        reference: &str,
    ) -> impl Future<Output = Result<Option<ManifestHead>, LookupError>> + Send;
}

/// Every manifest media type, so that no registry converts what it sends.
pub const MANIFEST_MEDIA_TYPES: [&str; 4] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

/// True for a multi-platform index (OCI index or Docker manifest list).
pub fn is_index(media_type: &str) -> bool {
    media_type.starts_with(MANIFEST_MEDIA_TYPES[0]) || media_type.starts_with(MANIFEST_MEDIA_TYPES[1])
}
