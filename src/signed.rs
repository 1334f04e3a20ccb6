//! `--verify-key` around the pure `signature` module: the key files read, and each image's
//! signatures gathered where the cluster pulls it from (the local registry, over the one
//! registry adapter) or where `mirror` put it (a bundle), then judged. An image found present
//! but not signed by one of the keys over its digest becomes `unsigned`, with the reason.
//! Nothing beyond the registry or bundle already in use is contacted: no transparency log, no
//! certificate authority; the keys are the trust.

use crate::bundle::layout::{Layout, Named};
use crate::check::{Finding, ImageState};
use crate::error::Error;
use crate::mapping::Image;
use crate::oci::attached_tag;
use crate::reference::{Digest, RepoPath};
use crate::registry::{HttpRegistry, LookupError};
use crate::signature::attached::{Layer, bundle_layers, bundle_referrers, simple_signing_layers};
use crate::signature::{Evidence, Key, verify};
use futures::StreamExt;
use std::future::Future;
use std::path::PathBuf;

/// The largest signature blob read (a simple-signing payload or a bundle is a few KiB).
const MAX_SIGNATURE_BYTES: u64 = 4 * 1024 * 1024;

/// Reads every `--verify-key` file, before anything is contacted. Errors (exit 2): a file that
/// cannot be read or holds no usable public key, named with what is wrong.
pub fn read_keys(paths: &[PathBuf]) -> Result<Vec<Key>, Error> {
    paths
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let bytes = std::fs::read(path).map_err(|e| {
                Error::usage(
                    format!("--verify-key {name} cannot be read: {}", crate::output::describe_io(&e)),
                    "give the public key file cosign generate-key-pair wrote (cosign.pub)",
                )
            })?;
            Key::parse(&name, &bytes).map_err(|what| {
                Error::usage(
                    format!("--verify-key {name} {what}"),
                    "give a PEM public key (-----BEGIN PUBLIC KEY-----): ECDSA P-256, RSA or Ed25519, as cosign.pub",
                )
            })
        })
        .collect()
}

/// Where signatures are read from: manifests by tag or digest and blobs by digest, each checked
/// against its digest. `repo` is a repository of the local registry, or a bundle's image name
/// (`server/path`). `Ok(None)`: not there.
pub trait Holder: Sync {
    fn manifest(&self, repo: &str, reference: &str) -> impl Future<Output = Result<Option<Vec<u8>>, String>> + Send;
    fn blob(&self, repo: &str, layer: &Layer) -> impl Future<Output = Result<Vec<u8>, String>> + Send;
    /// The index of the referrers of `digest`: through the referrers API where the registry
    /// serves it, else the fallback tag `sha256-HEX` (distribution-spec "Listing Referrers").
    fn referrers(&self, repo: &str, digest: &Digest) -> impl Future<Output = Result<Option<Vec<u8>>, String>> + Send;
}

fn lookup(error: LookupError) -> String {
    match error {
        LookupError::Unauthorized(why) | LookupError::Failed(why) | LookupError::Rejected(why) => why,
    }
}

impl Holder for HttpRegistry {
    async fn manifest(&self, repo: &str, reference: &str) -> Result<Option<Vec<u8>>, String> {
        let repo = RepoPath::parse(repo)?;
        Ok(self.fetch_manifest(&repo, reference).await.map_err(lookup)?.map(|manifest| manifest.bytes))
    }

    async fn blob(&self, repo: &str, layer: &Layer) -> Result<Vec<u8>, String> {
        if layer.size > MAX_SIGNATURE_BYTES {
            return Err(format!("the signature blob {} is over 4 MiB", layer.digest));
        }
        let repo = RepoPath::parse(repo)?;
        let mut stream = std::pin::pin!(self.blob_stream(&repo, &layer.digest).await.map_err(lookup)?);
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            bytes.extend_from_slice(&chunk.map_err(|e| e.to_string())?);
            if bytes.len() as u64 > MAX_SIGNATURE_BYTES {
                return Err(format!("the signature blob {} is over 4 MiB", layer.digest));
            }
        }
        if Digest::of(&bytes) != layer.digest {
            return Err(format!("the blob {} of {repo} does not match its digest", layer.digest));
        }
        Ok(bytes)
    }

    async fn referrers(&self, repo: &str, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        if let Some(listing) = self.list_referrers(&RepoPath::parse(repo)?, digest).await.map_err(lookup)? {
            return Ok(Some(listing));
        }
        self.manifest(repo, &attached_tag(digest, "")).await
    }
}

/// A bundle (or one being written): its manifests and blobs by digest, tags by the names it
/// gives them (`server/path:tag`).
pub struct InBundle<'a> {
    pub layout: &'a Layout,
    pub named: &'a [Named],
}

impl Holder for InBundle<'_> {
    async fn manifest(&self, repo: &str, reference: &str) -> Result<Option<Vec<u8>>, String> {
        let digest = match Digest::parse(reference) {
            Ok(digest) => digest,
            Err(_) => {
                let name = format!("{repo}:{reference}");
                match self.named.iter().find(|named| named.name == name) {
                    Some(named) => named.digest.clone(),
                    None => return Ok(None),
                }
            }
        };
        self.layout.read_manifest(&digest)
    }

    async fn blob(&self, _repo: &str, layer: &Layer) -> Result<Vec<u8>, String> {
        self.layout.read_manifest(&layer.digest)?.ok_or_else(|| format!("the bundle has no blob {}", layer.digest))
    }

    /// A bundle keeps the listing under the fallback tag's name.
    async fn referrers(&self, repo: &str, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        self.manifest(repo, &attached_tag(digest, "")).await
    }
}

/// The signatures `holder` has for the image `digest` in `repo`: the `.sig` manifest's
/// simple-signing layers, and the Sigstore bundles among its referrers; and
/// the image's manifest when a bundle may sign it by a message signature.
pub async fn gather<H: Holder>(
    holder: &H,
    repo: &str,
    digest: &Digest,
) -> Result<(Vec<Evidence>, Option<Vec<u8>>), String> {
    let mut found = Vec::new();
    if let Some(manifest) = holder.manifest(repo, &attached_tag(digest, ".sig")).await? {
        for layer in simple_signing_layers(&manifest)? {
            let payload = holder.blob(repo, &layer).await?;
            found.push(Evidence::SimpleSigning { payload, signature: layer.signature.unwrap_or_default() });
        }
    }
    if let Some(index) = holder.referrers(repo, digest).await? {
        for referrer in bundle_referrers(&index)? {
            let Some(manifest) = holder.manifest(repo, referrer.as_str()).await? else { continue };
            for layer in bundle_layers(&manifest)? {
                found.push(Evidence::Bundle(holder.blob(repo, &layer).await?));
            }
        }
    }
    let bundles = found.iter().any(|evidence| matches!(evidence, Evidence::Bundle(_)));
    let manifest = match bundles {
        true => holder.manifest(repo, digest.as_str()).await?,
        false => None,
    };
    Ok((found, manifest))
}

/// Whether the image `digest` in `repo` is signed by one of `keys`: None when it is, else the
/// state and reason it takes (`unsigned`, or `error` when its signatures could not be read).
pub async fn judge<H: Holder>(holder: &H, keys: &[Key], repo: &str, digest: &Digest) -> Option<(ImageState, String)> {
    match gather(holder, repo, digest).await {
        Ok((evidence, manifest)) => {
            verify(keys, digest, &evidence, manifest.as_deref()).err().map(|why| (ImageState::Unsigned, why))
        }
        Err(why) => Some((ImageState::Error, format!("its signatures could not be read: {why}"))),
    }
}

/// Turns each image of `findings` (in the order of `images`) that could be pointed at and that
/// `keys` do not sign into `unsigned`. The digest checked is what the cluster would pull: the
/// pinned one of a present image (for an image pinned by tag alone, the one its tag holds), and
/// for a mismatch, which `--digest-mismatch use-local` or `drop` may still point at, the one the
/// local tag holds. Nothing is asked without keys.
pub async fn verify_findings<H: Holder>(holder: &H, keys: &[Key], images: &[Image], findings: &mut [Finding]) {
    if keys.is_empty() {
        return;
    }
    for (image, finding) in images.iter().zip(findings.iter_mut()) {
        let digest = match finding.state {
            ImageState::Present => image.digest.clone().or_else(|| finding.observed.clone()),
            ImageState::Mismatch => finding.observed.clone(),
            _ => None,
        };
        let Some(digest) = digest else { continue };
        if let Some((state, why)) = judge(holder, keys, image.target.as_str(), &digest).await {
            let reason = match finding.state {
                ImageState::Mismatch => {
                    format!("the local tag holds {}, not the pinned digest, and {why}", digest.short())
                }
                _ => why,
            };
            *finding = Finding { state, reason: Some(reason), fix: None, ..finding.clone() };
        }
    }
}
