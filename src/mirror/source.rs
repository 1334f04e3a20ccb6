//! Where images are copied from: the upstream registries the images_digests names (each
//! perhaps through an internal mirror, `--source-mirror`), or a bundle carried across the air
//! gap. Both give manifests checked against their digests and blobs as streams.

use super::verify::ByteStream;
use crate::bundle::layout::Layout;
use crate::error::Error;
use crate::oci::Descriptor;
use crate::reference::{Digest, RegistryHost, RepoPath};
use crate::registry::{HttpRegistry, LookupError, RawManifest, RegistryAuth, RegistryOptions};
use futures::StreamExt;
use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

/// `--source-mirror UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX]`: the upstream host's
/// images are read from HOST, under PREFIX, as an Artifactory remote repository or a Harbor
/// proxy cache serves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMirror {
    pub upstream: RegistryHost,
    pub host: RegistryHost,
    pub plain_http: bool,
    pub prefix: Option<RepoPath>,
}

impl FromStr for SourceMirror {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let Some((upstream, mirror)) = text.split_once('=') else {
            return Err(format!("\"{text}\" is not UPSTREAM=[http://|https://]HOST[:PORT][/PREFIX]"));
        };
        let upstream = RegistryHost::parse(upstream.trim()).map_err(|e| format!("upstream \"{upstream}\": {e}"))?;
        let (plain_http, rest) = match mirror.split_once("://") {
            Some(("http", rest)) => (true, rest),
            Some(("https", rest)) => (false, rest),
            Some((scheme, _)) => return Err(format!("\"{scheme}://\": a mirror is reached over http:// or https://")),
            None => (false, mirror),
        };
        let (host, prefix) = match rest.split_once('/') {
            Some((host, prefix)) => (host, Some(prefix.trim_end_matches('/'))),
            None => (rest, None),
        };
        let host = RegistryHost::parse(host).map_err(|e| format!("mirror host \"{host}\": {e}"))?;
        let prefix = match prefix.filter(|p| !p.is_empty()) {
            Some(prefix) => Some(RepoPath::parse(prefix).map_err(|e| format!("mirror prefix \"{prefix}\": {e}"))?),
            None => None,
        };
        Ok(Self { upstream, host, plain_http, prefix })
    }
}

impl fmt::Display for SourceMirror {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.plain_http { "http" } else { "https" };
        write!(f, "{}={scheme}://{}", self.upstream, self.host)?;
        match &self.prefix {
            Some(prefix) => write!(f, "/{prefix}"),
            None => Ok(()),
        }
    }
}

/// Where one upstream repository is read: the registry to ask and the path there.
fn endpoint(mirrors: &[SourceMirror], server: &RegistryHost, path: &RepoPath) -> (RegistryHost, bool, RepoPath) {
    match mirrors.iter().find(|m| m.upstream == *server) {
        Some(mirror) => {
            let path = match &mirror.prefix {
                Some(prefix) => prefix.join(path),
                None => path.clone(),
            };
            (mirror.host.clone(), mirror.plain_http, path)
        }
        // Docker Hub's registry API is not served at docker.io itself.
        None if crate::registry::DOCKER_HUB.contains(&server.as_str()) => {
            (RegistryHost::parse(crate::registry::DOCKER_HUB[2]).expect("valid"), false, path.clone())
        }
        None => (server.clone(), false, path.clone()),
    }
}

/// A source failure, with what it means for the exit code.
#[derive(Debug, Clone)]
pub enum Failure {
    /// The source refused the credentials (exit 3).
    Refused(String),
    /// The source could not be reached, or TLS failed (exit 4).
    Unreachable(String),
    /// This image only.
    Image(String),
    /// A blob's bytes were not the blob (this image only).
    Corrupt(String),
    /// The destination refused what it was sent, as it will every time (this image only, not
    /// retried).
    Rejected(String),
}

/// Why, in a person's words (a message for an input read through a source, not a copy).
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(why)
            | Failure::Unreachable(why)
            | Failure::Image(why)
            | Failure::Corrupt(why)
            | Failure::Rejected(why) => f.write_str(why),
        }
    }
}

impl From<LookupError> for Failure {
    fn from(error: LookupError) -> Self {
        match error {
            LookupError::Unauthorized(why) => Failure::Refused(why),
            LookupError::Failed(why) => Failure::Image(why),
            LookupError::Rejected(why) => Failure::Rejected(why),
        }
    }
}

/// Reads an environment variable (injected, so tests need not touch the process's).
type Env = dyn Fn(&str) -> Option<String> + Send + Sync;

type Connected = Arc<OnceCell<Result<Arc<HttpRegistry>, Failure>>>;

/// The upstream registries, each connected the first time an image needs it (a rerun that
/// finds everything in place contacts none).
pub struct Upstreams {
    mirrors: Vec<SourceMirror>,
    options: RegistryOptions,
    env: Arc<Env>,
    connected: Mutex<HashMap<String, Connected>>,
}

impl Upstreams {
    /// `options` is the TLS, proxy and retry set-up shared with the local registry; each
    /// source's scheme comes from its mirror, credentials from the Docker config.
    pub fn new(
        mirrors: Vec<SourceMirror>,
        options: RegistryOptions,
        env: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        Self { mirrors, options, env: Arc::new(env), connected: Mutex::new(HashMap::new()) }
    }

    async fn registry(&self, host: &RegistryHost, plain_http: bool) -> Result<Arc<HttpRegistry>, Failure> {
        let cell = Arc::clone(self.connected.lock().expect("connections").entry(host.to_string()).or_default());
        cell.get_or_init(|| async {
            let auth = RegistryAuth::from_docker_config(host, &*self.env);
            let options = RegistryOptions { plain_http, client_cert: None, client_key: None, ..self.options.clone() };
            let mirrored = self.mirrors.iter().any(|m| m.host == *host);
            match HttpRegistry::connect(host, auth, &options).await {
                Ok(registry) => Ok(Arc::new(registry)),
                Err(Error::RegistryAuth { registry, credentials, .. }) => Err(Failure::Refused(format!(
                    "upstream {registry} refused {credentials}: sources are read with the Docker config's \
                     credentials; run `docker login {registry}` (or set DOCKER_CONFIG)"
                ))),
                Err(Error::RegistryUnreachable { registry, reason, .. }) => {
                    let hint = if mirrored {
                        "check the --source-mirror URL: http:// for a plain-HTTP mirror, https:// (the default) \
                         otherwise, and that the mirror is running"
                    } else {
                        "this machine cannot reach upstream: point it at an internal mirror with --source-mirror \
                         UPSTREAM=URL, or make a bundle where upstream is reachable (--to-bundle)"
                    };
                    Err(Failure::Unreachable(format!("upstream {registry}: {reason} ({hint})")))
                }
                Err(error) => Err(Failure::Unreachable(format!("upstream: {error}"))),
            }
        })
        .await
        .clone()
    }
}

/// Where one image comes from.
#[derive(Debug, Clone)]
pub struct Origin {
    pub server: RegistryHost,
    pub path: RepoPath,
    pub tag: Option<String>,
    /// The name under which a bundle holds it: the upstream reference with its tag.
    pub name: String,
}

pub enum Source {
    Upstream(Box<Upstreams>),
    Bundle(Layout),
}

impl Source {
    /// The manifest `digest` of the image, checked against the digest.
    pub async fn manifest(&self, origin: &Origin, digest: &Digest) -> Result<RawManifest, Failure> {
        let bytes = match self {
            Source::Upstream(upstreams) => {
                let (host, plain, path) = endpoint(&upstreams.mirrors, &origin.server, &origin.path);
                let registry = upstreams.registry(&host, plain).await?;
                match registry.fetch_manifest(&path, digest.as_str()).await? {
                    Some(manifest) => {
                        if Digest::of(&manifest.bytes) != *digest {
                            return Err(Failure::Image(format!(
                                "{host} sent a manifest for {path}@{digest} whose bytes have another digest"
                            )));
                        }
                        return Ok(manifest);
                    }
                    None => return Err(Failure::Image(format!("{host} has no manifest {path}@{digest}"))),
                }
            }
            Source::Bundle(layout) => match layout.read_manifest(digest).map_err(Failure::Image)? {
                Some(bytes) => bytes,
                None => return Err(Failure::Image(format!("the bundle has no manifest {digest}"))),
            },
        };
        Ok(RawManifest { media_type: crate::oci::declared_media_type(&bytes), bytes })
    }

    /// For an image pinned by its tag alone: what the tag holds now (upstream), or what the
    /// bundle names it; its digest is the sha256 of the bytes.
    pub async fn by_tag(&self, origin: &Origin) -> Result<(Digest, RawManifest), Failure> {
        let unpinned = || Failure::Image(format!("{} is pinned by neither a tag nor a digest", origin.name));
        match self {
            Source::Upstream(upstreams) => {
                let tag = origin.tag.as_deref().ok_or_else(unpinned)?;
                let (host, plain, path) = endpoint(&upstreams.mirrors, &origin.server, &origin.path);
                let registry = upstreams.registry(&host, plain).await?;
                let manifest = registry
                    .fetch_manifest(&path, tag)
                    .await?
                    .ok_or_else(|| Failure::Image(format!("{host} has no tag {path}:{tag}")))?;
                Ok((Digest::of(&manifest.bytes), manifest))
            }
            Source::Bundle(_) => {
                let digest = self
                    .named(origin)
                    .ok_or_else(|| Failure::Image(format!("the bundle names no image {}", origin.name)))?;
                let manifest = self.manifest(origin, &digest).await?;
                Ok((digest, manifest))
            }
        }
    }

    /// The digest `origin`'s tag holds at the source, if it has that tag: upstream, what the tag
    /// holds now; a bundle, what it names so.
    pub async fn find_tag(&self, origin: &Origin) -> Result<Option<Digest>, Failure> {
        match self {
            Source::Upstream(upstreams) => {
                let Some(tag) = origin.tag.as_deref() else { return Ok(None) };
                let (host, plain, path) = endpoint(&upstreams.mirrors, &origin.server, &origin.path);
                let registry = upstreams.registry(&host, plain).await?;
                Ok(registry.fetch_manifest(&path, tag).await?.map(|manifest| Digest::of(&manifest.bytes)))
            }
            Source::Bundle(_) => Ok(self.named(origin)),
        }
    }

    /// The referrers of `digest` as the source lists them (an OCI index): through the referrers
    /// API where the registry serves it, else at the fallback tag (distribution-spec 1.1,
    /// "Listing Referrers", "Referrers Tag Schema"); a bundle by the fallback tag's name.
    /// `tagged` is `digest`'s image with that tag and name. None: none listed.
    pub async fn referrers(&self, tagged: &Origin, digest: &Digest) -> Result<Option<Vec<u8>>, Failure> {
        match self {
            Source::Upstream(upstreams) => {
                let (host, plain, path) = endpoint(&upstreams.mirrors, &tagged.server, &tagged.path);
                let registry = upstreams.registry(&host, plain).await?;
                if let Some(listing) = registry.list_referrers(&path, digest).await? {
                    return Ok(Some(listing));
                }
                let Some(tag) = tagged.tag.as_deref() else { return Ok(None) };
                Ok(registry.fetch_manifest(&path, tag).await?.map(|manifest| manifest.bytes))
            }
            Source::Bundle(_) => match self.named(tagged) {
                Some(named) => Ok(Some(self.manifest(tagged, &named).await?.bytes)),
                None => Ok(None),
            },
        }
    }

    /// The manifest a bundle names `origin.name` (a bundle trimmed to some platforms holds
    /// another digest than the pinned one). Upstream sources name nothing.
    pub fn named(&self, origin: &Origin) -> Option<Digest> {
        match self {
            Source::Upstream(_) => None,
            Source::Bundle(layout) => {
                layout.named().ok()?.into_iter().find(|named| named.name == origin.name).map(|named| named.digest)
            }
        }
    }

    /// The blob's bytes, not yet checked.
    pub async fn blob(&self, origin: &Origin, blob: &Descriptor) -> Result<ByteStream, Failure> {
        match self {
            Source::Upstream(upstreams) => {
                let (host, plain, path) = endpoint(&upstreams.mirrors, &origin.server, &origin.path);
                let registry = upstreams.registry(&host, plain).await?;
                Ok(registry.blob_stream(&path, &blob.digest).await?.boxed())
            }
            Source::Bundle(layout) => match layout.blob_stream(&blob.digest).await {
                Ok(stream) => Ok(stream.boxed()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Err(Failure::Image(format!("the bundle has no blob {}", blob.digest)))
                }
                Err(e) => Err(Failure::Image(format!("cannot read blob {}: {e}", blob.digest))),
            },
        }
    }

    /// A blob whose bytes were not the blob, said as what it means for this source.
    pub fn damaged(&self, why: &str) -> String {
        match self {
            Source::Bundle(_) => format!("the bundle's {why}: the bundle is damaged; carry it across again"),
            Source::Upstream(_) => {
                format!("{why}, each time it was fetched: the source sends other bytes than the blob")
            }
        }
    }

    /// Whether a failed transfer from here may go better when tried again: a bundle's bytes
    /// do not change.
    pub fn retries_help(&self) -> bool {
        matches!(self, Source::Upstream(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_mirror_names_the_upstream_the_scheme_the_host_and_a_prefix() {
        let mirror: SourceMirror = "docker.io=https://artifactory.example/docker-remote/".parse().unwrap();
        assert_eq!(mirror.to_string(), "docker.io=https://artifactory.example/docker-remote");
        let plain: SourceMirror = "ghcr.io=http://127.0.0.1:5000".parse().unwrap();
        assert!(plain.plain_http && plain.prefix.is_none());
        assert!("docker.io".parse::<SourceMirror>().is_err());
        assert!("docker.io=ftp://x".parse::<SourceMirror>().unwrap_err().contains("http://"));
    }

    #[test]
    fn a_mirrored_upstream_is_read_under_its_prefix_and_others_directly() {
        let mirrors = vec!["docker.io=https://art.example/docker-remote".parse::<SourceMirror>().unwrap()];
        let path = RepoPath::parse("library/haproxy").unwrap();
        let (host, plain, mirrored) = endpoint(&mirrors, &RegistryHost::parse("docker.io").unwrap(), &path);
        assert_eq!((host.as_str(), plain, mirrored.as_str()), ("art.example", false, "docker-remote/library/haproxy"));
        let (host, _, direct) = endpoint(&mirrors, &RegistryHost::parse("ghcr.io").unwrap(), &path);
        assert_eq!((host.as_str(), direct.as_str()), ("ghcr.io", "library/haproxy"));
    }
}
