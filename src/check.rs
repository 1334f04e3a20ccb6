//! The one image check: every command (`plan`, `apply`, `status`, `mirror`'s "already there")
//! asks the local registry about an image through `check_image`, with one set of rules: HEAD by
//! tag, HEAD by digest when the tag shows another, a GET before anything is called missing
//! (Nexus answers HEAD with 404 for what GET finds), no GET where HEAD already read the whole
//! manifest (a registry that refuses HEAD, answered by the adapter with GET), the digest-only and
//! tag-only cases, and the diagnosis of a mismatch. The rules live here, not in the registry
//! adapter, because they decide what an answer means for an image; the adapter only says what
//! the registry answered.

use crate::mapping::Image;
use crate::reference::{Digest, RegistryHost, Tag};
use crate::registry::{LookupError, ManifestHead, ManifestStore, is_index};
use futures::StreamExt;
use serde::Serialize;

/// What the local registry holds for one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageState {
    /// The pinned digest is there.
    Present,
    /// The tag is there with another digest, and the pinned digest is not.
    Mismatch,
    /// Neither the digest nor the tag is there.
    Missing,
    /// The registry refused access to this repository.
    Unauthorized,
    /// The registry could not answer (unreachable, TLS, 5xx after retries).
    Error,
    /// Present, but no signature by a `--verify-key` key names its digest.
    Unsigned,
}

impl ImageState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImageState::Present => "present",
            ImageState::Mismatch => "mismatch",
            ImageState::Missing => "missing",
            ImageState::Unauthorized => "unauthorized",
            ImageState::Error => "error",
            ImageState::Unsigned => "unsigned",
        }
    }
}

/// The outcome for one image, with the words a person needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub state: ImageState,
    /// The digest the local tag points at, when it differs from the pinned one, or when only
    /// the tag is pinned (a chart's image block): then it is the digest the overlay pins.
    pub observed: Option<Digest>,
    pub reason: Option<String>,
    /// The command that puts it right, where there is one.
    pub fix: Option<String>,
    pub warning: Option<String>,
    /// The digest the local tag holds, when the tag was read and is there: `mirror` re-tags an
    /// image whose digest is there under another tag.
    pub tagged: Option<Digest>,
}

/// Checks every image once, at most `concurrency` at a time, and returns findings in the
/// images' order. `on_done` is called as each one finishes (for a progress display).
pub async fn check_images<S: ManifestStore>(
    store: &S,
    registry: &RegistryHost,
    images: &[Image],
    concurrency: usize,
    on_done: impl Fn(),
) -> Vec<Finding> {
    store.prepare(&images.iter().map(|image| &image.target).collect::<Vec<_>>()).await;
    futures::stream::iter(images)
        .map(|image| async {
            let finding = check_image(store, registry, image).await;
            on_done();
            finding
        })
        .buffered(concurrency.max(1))
        .collect()
        .await
}

/// HEAD by tag; when the tag does not show the pinned digest, HEAD by digest too. An image that
/// is right costs one request, and every registry request is an auth check on the server.
/// An image that looks missing is read once with GET by tag before it is called missing:
/// some registries (Nexus) answer HEAD with 404 for what GET finds.
pub async fn check_image<S: ManifestStore>(store: &S, registry: &RegistryHost, image: &Image) -> Finding {
    let (tag, digest) = match (&image.tag, &image.digest) {
        (Some(tag), None) => {
            // Pinned by tag alone (a chart's block): the tag is there or not, and what it holds is
            // the digest to pin.
            let mut by_tag = store.head(&image.target, tag.as_str()).await;
            if matches!(by_tag, Ok(None)) && !store.head_reads_whole() {
                by_tag = store.get(&image.target, tag.as_str()).await;
            }
            return classify_tag(registry, image, tag, by_tag);
        }
        (tag, Some(digest)) => (tag, digest),
        (None, None) => unreachable!("map_images refuses an entry that pins neither a tag nor a digest"),
    };
    let Some(tag) = tag else {
        // Known by its digest alone: there or not, confirmed with GET before it is called missing.
        let mut by_digest = store.head(&image.target, digest.as_str()).await;
        if matches!(by_digest, Ok(None)) && !store.head_reads_whole() {
            by_digest = store.get(&image.target, digest.as_str()).await;
        }
        return classify(registry, image, digest, by_digest, Ok(None));
    };
    let mut by_tag = store.head(&image.target, tag.as_str()).await;
    let mut by_digest = match &by_tag {
        Ok(Some(head)) if &head.digest == digest => Ok(Some(head.clone())),
        Ok(_) => store.head(&image.target, digest.as_str()).await,
        Err(error) => Err(error.clone()),
    };
    if matches!((&by_digest, &by_tag), (Ok(None), Ok(None))) && !store.head_reads_whole() {
        by_tag = store.get(&image.target, tag.as_str()).await;
        if let Ok(Some(found)) = &by_tag
            && &found.digest == digest
        {
            by_digest = Ok(Some(found.clone()));
        }
    }
    classify(registry, image, digest, by_digest, by_tag)
}

/// `mirror`'s narrower question: what digest `tag` holds, if any. The image is whole there
/// only when it is the pinned one; anything else is copied (a digest there under no tag is
/// re-tagged by the copy, its blobs mounted from the repository itself). So the HEAD by digest
/// that tells `plan` a mismatch from a missing image is not asked, and an image not there yet
/// costs two requests: HEAD by tag, and the same rule's GET before it is called missing.
pub async fn tagged_digest<S: ManifestStore>(
    store: &S,
    image: &Image,
    tag: &Tag,
) -> Result<Option<Digest>, LookupError> {
    let mut by_tag = store.head(&image.target, tag.as_str()).await?;
    if by_tag.is_none() && !store.head_reads_whole() {
        by_tag = store.get(&image.target, tag.as_str()).await?;
    }
    Ok(by_tag.map(|found| found.digest))
}

type Lookup = Result<Option<ManifestHead>, LookupError>;

/// Pure: turns the two answers into a state, a reason and a warning.
pub fn classify(registry: &RegistryHost, image: &Image, digest: &Digest, by_digest: Lookup, by_tag: Lookup) -> Finding {
    let tagged = match &by_tag {
        Ok(Some(head)) => Some(head.digest.clone()),
        _ => None,
    };
    let finding = |state, observed, reason: Option<String>, warning: Option<String>| Finding {
        state,
        observed,
        reason,
        fix: None,
        warning,
        tagged: tagged.clone(),
    };
    let failed = |error: LookupError| match error {
        LookupError::Unauthorized(why) => finding(ImageState::Unauthorized, None, Some(why), None),
        LookupError::Failed(why) | LookupError::Rejected(why) => finding(ImageState::Error, None, Some(why), None),
    };
    // Without a tag the copy is pushed under one made of its digest: older skopeo cannot push
    // to a digest reference, and the Operator pulls by digest anyway.
    let destination = match &image.tag {
        Some(_) => image.to_string(),
        None => format!("{}:{}", image.target, digest.as_str().replace(':', "-")),
    };
    let copy = format!(
        "skopeo copy --all --preserve-digests docker://{}@{digest} docker://{registry}/{destination}",
        image.upstream
    );
    let tag_name = image.tag.as_ref().map_or("", |tag| tag.as_str());
    let with_fix = |finding: Finding| Finding { fix: Some(copy.clone()), ..finding };
    match (by_digest, by_tag) {
        (Err(error), _) => failed(error),
        (Ok(Some(_)), tag) => {
            let warning = match tag {
                Ok(Some(head)) if &head.digest != digest => Some(format!(
                    "the tag {tag_name} points at {}, not at the pinned digest; the Operator pulls by digest, \
                     but re-tag it to avoid confusion",
                    head.digest.short()
                )),
                Err(LookupError::Failed(why) | LookupError::Unauthorized(why) | LookupError::Rejected(why)) => {
                    Some(format!("the tag {tag_name} could not be read: {why}"))
                }
                _ => None,
            };
            finding(ImageState::Present, None, None, warning)
        }
        (Ok(None), Ok(None)) => with_fix(finding(
            ImageState::Missing,
            None,
            Some(match &image.tag {
                Some(tag) => {
                    format!("neither {} nor the tag {tag} is in {registry}/{}", digest.short(), image.target)
                }
                None => format!("{} is not in {registry}/{}", digest.short(), image.target),
            }),
            None,
        )),
        (Ok(None), Err(error)) => failed(error),
        (Ok(None), Ok(Some(head))) => {
            let media_type = head.media_type.as_deref().unwrap_or("unknown media type");
            let what = match head.media_type.as_deref() {
                Some(kind) if is_index(kind) => format!(
                    "the local tag holds a multi-platform index ({media_type}) with another digest: the manifest was \
                     converted when copied (another media type or format), or the tag holds another release"
                ),
                Some(_) => format!(
                    "the local tag holds a single-platform manifest ({media_type}): only one platform was probably \
                     copied from the upstream multi-platform index"
                ),
                None => "the local tag holds another manifest".to_owned(),
            };
            with_fix(finding(ImageState::Mismatch, Some(head.digest.clone()), Some(what), None))
        }
    }
}

/// Pure: what the local tag says of an image pinned by its tag alone. There, the digest it holds
/// is what the overlay pins (`observed`); not there, the copy that puts it there.
pub fn classify_tag(registry: &RegistryHost, image: &Image, tag: &Tag, by_tag: Lookup) -> Finding {
    let finding = |state, observed: Option<Digest>, reason: Option<String>, fix: Option<String>| Finding {
        state,
        tagged: observed.clone(),
        observed,
        reason,
        fix,
        warning: None,
    };
    match by_tag {
        Ok(Some(head)) => finding(ImageState::Present, Some(head.digest), None, None),
        Ok(None) => finding(
            ImageState::Missing,
            None,
            Some(format!("the tag {tag} is not in {registry}/{}", image.target)),
            Some(format!(
                "skopeo copy --all --preserve-digests docker://{}:{tag} docker://{registry}/{image}",
                image.upstream
            )),
        ),
        Err(LookupError::Unauthorized(why)) => finding(ImageState::Unauthorized, None, Some(why), None),
        Err(LookupError::Failed(why) | LookupError::Rejected(why)) => finding(ImageState::Error, None, Some(why), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::RepoPath;

    fn image() -> Image {
        Image {
            upstream: "docker.io/library/haproxy".into(),
            target: RepoPath::parse("ess/library/haproxy").unwrap(),
            tag: Some(Tag::parse("2.8-alpine").unwrap()),
            digest: Some(Digest::of(b"index")),
            entries: vec![0],
        }
    }

    fn head(bytes: &[u8], media_type: &str) -> Lookup {
        Ok(Some(ManifestHead { digest: Digest::of(bytes), media_type: Some(media_type.into()) }))
    }

    fn classify_with(by_digest: Lookup, by_tag: Lookup) -> Finding {
        classify(&RegistryHost::parse("reg.local").unwrap(), &image(), &Digest::of(b"index"), by_digest, by_tag)
    }

    const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
    const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

    #[test]
    fn present_when_the_digest_is_there_with_a_warning_for_a_moved_tag() {
        let found = classify_with(head(b"index", OCI_INDEX), Ok(None));
        assert_eq!((found.state, found.warning), (ImageState::Present, None));
        let moved = classify_with(head(b"index", OCI_INDEX), head(b"other", OCI_INDEX));
        assert_eq!(moved.state, ImageState::Present);
        assert!(moved.warning.unwrap().contains("points at sha256:"));
    }

    #[test]
    fn mismatch_explains_a_single_platform_copy_and_a_conversion() {
        let single = classify_with(Ok(None), head(b"amd64", OCI_MANIFEST));
        assert_eq!(single.state, ImageState::Mismatch);
        assert_eq!(single.observed, Some(Digest::of(b"amd64")));
        let reason = single.reason.unwrap();
        assert!(reason.contains("single-platform manifest"), "{reason}");
        assert!(
            single
                .fix
                .unwrap()
                .starts_with("skopeo copy --all --preserve-digests docker://docker.io/library/haproxy@sha256:")
        );
        let converted = classify_with(Ok(None), head(b"converted", OCI_INDEX));
        assert!(converted.reason.unwrap().contains("converted"));
    }

    #[test]
    fn a_tag_alone_is_present_with_the_digest_it_holds_or_missing_with_the_copy_that_fixes_it() {
        let registry = RegistryHost::parse("reg.local").unwrap();
        let image = Image { digest: None, ..image() };
        let tag = image.tag.clone().unwrap();
        let present = classify_tag(&registry, &image, &tag, head(b"local", OCI_INDEX));
        assert_eq!((present.state, present.observed), (ImageState::Present, Some(Digest::of(b"local"))));
        let missing = classify_tag(&registry, &image, &tag, Ok(None));
        assert_eq!(missing.state, ImageState::Missing);
        assert_eq!(missing.reason.as_deref(), Some("the tag 2.8-alpine is not in reg.local/ess/library/haproxy"));
        assert_eq!(
            missing.fix.as_deref(),
            Some(
                "skopeo copy --all --preserve-digests docker://docker.io/library/haproxy:2.8-alpine docker://reg.local/ess/library/haproxy:2.8-alpine"
            )
        );
        let denied = classify_tag(&registry, &image, &tag, Err(LookupError::Unauthorized("401".into())));
        assert_eq!(denied.state, ImageState::Unauthorized);
    }

    #[test]
    fn missing_unauthorized_and_error() {
        let missing = classify_with(Ok(None), Ok(None));
        assert_eq!(missing.state, ImageState::Missing);
        assert!(missing.reason.unwrap().contains("nor the tag 2.8-alpine is in reg.local/ess/library/haproxy"));
        assert!(missing.fix.unwrap().ends_with("docker://reg.local/ess/library/haproxy:2.8-alpine"));
        let denied = classify_with(Err(LookupError::Unauthorized("403".into())), Ok(None));
        assert_eq!(denied.state, ImageState::Unauthorized);
        let failed = classify_with(Ok(None), Err(LookupError::Failed("503".into())));
        assert_eq!(failed.state, ImageState::Error);
    }
}
