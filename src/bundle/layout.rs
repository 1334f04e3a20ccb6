//! An OCI image layout on disk (image-spec `image-layout.md`): `oci-layout`, `index.json` and
//! `blobs/sha256/<hex>`. Blobs are written under a temporary name and renamed only once their
//! bytes match their digest, so a layout never holds a wrong blob under a right name, and a
//! run cut short leaves only what a rerun can reuse.

use crate::oci::{Descriptor, MAX_DEPTH, Manifest};
use crate::reference::Digest;
use futures::{Stream, StreamExt};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

/// The annotation skopeo and the OCI tools address an image of a layout by.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// The annotation containerd (`ctr import`) names an image by.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";
/// The images_digests a bundle was made from, beside `index.json`.
pub const DIGESTS_FILE: &str = "images_digests.yml";
const LAYOUT_FILE: &str = "oci-layout";
const INDEX_FILE: &str = "index.json";

/// One image named in `index.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    /// The full reference with its tag, `docker.io/library/haproxy:2.8-alpine`.
    pub name: String,
    pub media_type: String,
    pub digest: Digest,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// Creates the layout's skeleton where there is none; an existing one is reused as is.
    pub fn create(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join("blobs/sha256"))?;
        let marker = root.join(LAYOUT_FILE);
        if !marker.exists() {
            std::fs::write(&marker, br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        }
        Ok(Self { root: root.to_owned() })
    }

    /// The layout at `root` to be read only, whether it is there yet or not (a dry run): where
    /// it is not, it holds nothing.
    pub fn at(root: &Path) -> Self {
        Self { root: root.to_owned() }
    }

    /// A layout that exists: `oci-layout` is there. `Err` says what the folder is instead.
    pub fn open(root: &Path) -> Result<Self, String> {
        if root.join(LAYOUT_FILE).is_file() {
            return Ok(Self { root: root.to_owned() });
        }
        if root.join("manifest.json").is_file() {
            return Err(DOCKER_ARCHIVE.into());
        }
        Err("it is not an OCI image layout (no oci-layout file)".into())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(hex(digest))
    }

    /// Whether the blob is there at its full size. Its bytes are checked when read.
    pub fn has_blob(&self, descriptor: &Descriptor) -> bool {
        std::fs::metadata(self.blob_path(&descriptor.digest)).is_ok_and(|m| m.len() == descriptor.size)
    }

    /// Every blob file of the layout, by the digest its name claims and its size on disk (not
    /// yet checked: a name is only a claim). Temporary files are not blobs.
    pub fn blobs(&self) -> io::Result<Vec<Descriptor>> {
        let mut blobs = Vec::new();
        for entry in std::fs::read_dir(self.root.join("blobs/sha256"))? {
            let entry = entry?;
            let name = entry.file_name();
            let Ok(digest) = Digest::parse(&format!("sha256:{}", name.to_string_lossy())) else { continue };
            let metadata = entry.metadata()?;
            if metadata.is_file() {
                blobs.push(Descriptor { media_type: String::new(), digest, size: metadata.len(), platform: None });
            }
        }
        Ok(blobs)
    }

    /// Moves the blob `digest` of `from` into this layout (both on the same file system, as a
    /// bundle and the folder an archive is unpacked into beside it are); its bytes were checked.
    pub fn adopt_blob(&self, from: &Layout, digest: &Digest) -> io::Result<()> {
        std::fs::rename(from.blob_path(digest), self.blob_path(digest))
    }

    /// Whether the layout holds the manifest `digest` and, below it, every manifest and blob at
    /// its size (blobs' bytes are checked when read).
    pub fn holds(&self, digest: &Digest) -> bool {
        self.walk(digest, 0, &mut HashSet::new())
    }

    /// `holds`, recording in `seen` every manifest and blob referred to on the way, whether the
    /// layout holds it or not: a delta bundle lacks the blobs it assumes, and the ones after
    /// them must still count as referred to (`keep_only`).
    fn walk(&self, digest: &Digest, depth: usize, seen: &mut HashSet<Digest>) -> bool {
        let Ok(Some(bytes)) = self.read_manifest(digest) else { return false };
        seen.insert(digest.clone());
        match Manifest::parse(&bytes) {
            Ok(Manifest::Index(children)) if depth < MAX_DEPTH => {
                // Counted, not `all`: every child is walked, for `seen`.
                children.iter().filter(|child| !self.walk(&child.digest, depth + 1, seen)).count() == 0
            }
            Ok(Manifest::Index(_)) | Err(_) => false,
            Ok(Manifest::Image(blobs)) => {
                seen.extend(blobs.iter().map(|blob| blob.digest.clone()));
                blobs.iter().all(|blob| self.has_blob(blob))
            }
        }
    }

    /// Keeps `images` alone: `index.json` names only them, and every blob none of them refers
    /// to is removed. For an archive written again for another release, which would otherwise
    /// carry every earlier release's blobs along.
    pub fn keep_only(&self, images: &[Named]) -> io::Result<()> {
        let mut referenced = HashSet::new();
        for image in images {
            self.walk(&image.digest, 0, &mut referenced);
        }
        match std::fs::remove_file(self.root.join(INDEX_FILE)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        self.name_images(images)?;
        for blob in self.blobs()? {
            if !referenced.contains(&blob.digest) {
                std::fs::remove_file(self.blob_path(&blob.digest))?;
            }
        }
        Ok(())
    }

    /// A small blob (a manifest) read whole and checked against its digest.
    pub fn read_manifest(&self, digest: &Digest) -> Result<Option<Vec<u8>>, String> {
        let path = self.blob_path(digest);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        if Digest::of(&bytes) != *digest {
            return Err(format!("{} does not match its digest: the bundle is corrupt", path.display()));
        }
        Ok(Some(bytes))
    }

    /// Writes a blob from a stream already checked against its digest (the stream fails when
    /// it is not): under a temporary name first, renamed once the whole stream is in.
    /// Returns the bytes written.
    pub async fn write_blob(
        &self,
        digest: &Digest,
        stream: impl Stream<Item = io::Result<bytes::Bytes>>,
    ) -> io::Result<u64> {
        let path = self.blob_path(digest);
        let partial = path.with_extension("partial");
        let written = async {
            let mut file = tokio::fs::File::create(&partial).await?;
            let mut stream = std::pin::pin!(stream);
            let mut written = 0;
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                file.write_all(&chunk).await?;
                written += chunk.len() as u64;
            }
            file.sync_all().await?;
            Ok::<_, io::Error>(written)
        }
        .await;
        match written {
            Ok(written) => {
                tokio::fs::rename(&partial, &path).await?;
                Ok(written)
            }
            Err(error) => {
                let _ = tokio::fs::remove_file(&partial).await;
                Err(error)
            }
        }
    }

    /// Writes a manifest's bytes as a blob (they are checked by the caller).
    pub fn write_manifest(&self, digest: &Digest, bytes: &[u8]) -> io::Result<()> {
        let path = self.blob_path(digest);
        let partial = path.with_extension("partial");
        std::fs::write(&partial, bytes)?;
        std::fs::rename(partial, path)
    }

    /// The blob's bytes as a stream, not yet checked (the caller hashes them as they pass).
    pub async fn blob_stream(
        &self,
        digest: &Digest,
    ) -> io::Result<impl Stream<Item = io::Result<bytes::Bytes>> + Send + 'static> {
        let file = tokio::fs::File::open(self.blob_path(digest)).await?;
        Ok(tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024))
    }

    /// The images `index.json` names. An absent file names none.
    pub fn named(&self) -> Result<Vec<Named>, String> {
        let path = self.root.join(INDEX_FILE);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let index: Value =
            serde_json::from_slice(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
        let entries = index.get("manifests").and_then(Value::as_array).cloned().unwrap_or_default();
        Ok(entries
            .iter()
            .filter_map(|entry| {
                let annotations = entry.get("annotations")?;
                let name = annotations.get(REF_NAME).or_else(|| annotations.get(CONTAINERD_NAME))?.as_str()?;
                Some(Named {
                    name: name.to_owned(),
                    media_type: entry.get("mediaType")?.as_str()?.to_owned(),
                    digest: Digest::parse(entry.get("digest")?.as_str()?).ok()?,
                    size: entry.get("size")?.as_u64()?,
                })
            })
            .collect())
    }

    /// Names the images in `index.json`: entries of the same name are replaced, others kept
    /// (a bundle filled in several runs, or shared with other tools). Written under a
    /// temporary name, then renamed.
    pub fn name_images(&self, images: &[Named]) -> io::Result<()> {
        let path = self.root.join(INDEX_FILE);
        let mut index: Value = std::fs::read(&path)
            .ok()
            .and_then(|text| serde_json::from_slice(&text).ok())
            .unwrap_or_else(|| json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json"}));
        let mut entries = index.get("manifests").and_then(Value::as_array).cloned().unwrap_or_default();
        let renamed = |entry: &Value| {
            let name = entry.pointer(&format!("/annotations/{}", REF_NAME.replace('/', "~1")));
            images.iter().any(|image| name.and_then(Value::as_str) == Some(image.name.as_str()))
        };
        entries.retain(|entry| !renamed(entry));
        entries.extend(images.iter().map(|image| {
            json!({
                "mediaType": image.media_type,
                "digest": image.digest.as_str(),
                "size": image.size,
                "annotations": {REF_NAME: image.name, CONTAINERD_NAME: image.name},
            })
        }));
        index["manifests"] = Value::Array(entries);
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, serde_json::to_vec_pretty(&index)?)?;
        std::fs::rename(partial, path)
    }
}

/// Why a `docker save` archive cannot be used.
pub const DOCKER_ARCHIVE: &str = "it is a docker-archive (`docker save`'s format), which stores each image \
    converted and uncompressed: its manifests and digests are not the pinned ones, and no registry \
    could be given them back; make the bundle with `kubectl essregistry mirror --to-bundle`, or with \
    `skopeo copy --all --preserve-digests docker://IMAGE oci:DIR:REF`";

fn hex(digest: &Digest) -> &str {
    digest.as_str().trim_start_matches("sha256:")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str, content: &[u8]) -> Named {
        Named {
            name: name.into(),
            media_type: "application/vnd.oci.image.index.v1+json".into(),
            digest: Digest::of(content),
            size: content.len() as u64,
        }
    }

    #[test]
    fn naming_replaces_the_same_name_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::create(dir.path()).unwrap();
        layout.name_images(&[named("docker.io/a:1", b"one"), named("docker.io/b:1", b"two")]).unwrap();
        layout.name_images(&[named("docker.io/a:1", b"three")]).unwrap();
        let mut names: Vec<(String, Digest)> =
            layout.named().unwrap().into_iter().map(|n| (n.name, n.digest)).collect();
        names.sort();
        assert_eq!(
            names,
            vec![("docker.io/a:1".into(), Digest::of(b"three")), ("docker.io/b:1".into(), Digest::of(b"two"))]
        );
        assert!(Layout::open(dir.path()).is_ok());
    }

    #[tokio::test]
    async fn a_failed_stream_leaves_no_blob_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::create(dir.path()).unwrap();
        let digest = Digest::of(b"abc");
        let broken = futures::stream::iter(vec![Ok(bytes::Bytes::from_static(b"ab")), Err(io::Error::other("cut"))]);
        assert!(layout.write_blob(&digest, broken).await.is_err());
        assert_eq!(std::fs::read_dir(dir.path().join("blobs/sha256")).unwrap().count(), 0);
        let whole = futures::stream::iter(vec![Ok(bytes::Bytes::from_static(b"abc"))]);
        assert_eq!(layout.write_blob(&digest, whole).await.unwrap(), 3);
        assert_eq!(layout.read_manifest(&digest).unwrap().unwrap(), b"abc");
    }

    #[test]
    fn blobs_are_listed_by_the_digest_their_name_claims_and_temporary_files_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::create(dir.path()).unwrap();
        let digest = Digest::of(b"abc");
        std::fs::write(layout.blob_path(&digest), b"abd").unwrap();
        std::fs::write(layout.blob_path(&digest).with_extension("partial"), b"ab").unwrap();
        let listed = layout.blobs().unwrap();
        assert_eq!(listed.iter().map(|b| (&b.digest, b.size)).collect::<Vec<_>>(), [(&digest, 3)]);
    }

    #[test]
    fn keeping_an_image_keeps_every_blob_it_refers_to_after_one_a_delta_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::create(dir.path()).unwrap();
        let (left_out, layer, unused) = (&b"config"[..], &b"layer"[..], &b"an older release"[..]);
        std::fs::write(layout.blob_path(&Digest::of(layer)), layer).unwrap();
        std::fs::write(layout.blob_path(&Digest::of(unused)), unused).unwrap();
        let manifest = json!({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": Digest::of(left_out).as_str(), "size": left_out.len()},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": Digest::of(layer).as_str(), "size": layer.len()}]
        })
        .to_string();
        layout.write_manifest(&Digest::of(manifest.as_bytes()), manifest.as_bytes()).unwrap();
        layout.keep_only(&[named("docker.io/a:1", manifest.as_bytes())]).unwrap();
        assert!(layout.blob_path(&Digest::of(layer)).is_file(), "the layer after the left-out config stays");
        assert!(!layout.blob_path(&Digest::of(unused)).exists());
    }

    #[test]
    fn a_docker_archive_is_refused_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("manifest.json"), "[]").unwrap();
        assert!(Layout::open(dir.path()).unwrap_err().contains("docker-archive"));
    }
}
