//! Builds small OCI images on disk and pushes them with `skopeo copy`, the way an administrator
//! mirrors ESS: a multi-platform index, a single-platform copy of it, or a converted copy.

use crate::registry::Registry;
use flate2::Compression;
use flate2::write::GzEncoder;
use serde_json::json;
use sha2::{Digest as _, Sha256};
use std::path::Path;
use std::process::Command;
use tempfile::TempDir;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// An OCI image layout holding one multi-platform image (linux/amd64 and linux/arm64).
pub struct Image {
    dir: TempDir,
    /// Digest of the index: what images_digests pins upstream.
    pub index_digest: String,
    /// Digest of the linux/amd64 manifest alone.
    pub amd64_digest: String,
}

/// How an image reaches the local registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copy {
    /// `skopeo copy --all --preserve-digests`: the pinned digest is kept.
    All,
    /// Only the linux/amd64 manifest is copied: the tag gets another digest.
    SinglePlatform,
    /// The index is converted to Docker media types (`--format v2s2`): another digest.
    Converted,
}

fn sha256(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    format!("sha256:{}", hash.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn write_blob(dir: &Path, bytes: &[u8]) -> String {
    let digest = sha256(bytes);
    let path = dir.join("blobs/sha256").join(&digest["sha256:".len()..]);
    std::fs::write(path, bytes).expect("write blob");
    digest
}

/// A tar with one file; its sha256 is the layer's diff_id, its gzip the layer blob.
fn tar_of(content: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(content.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_cksum();
    tar.append_data(&mut header, "essregistry-test.txt", content.as_bytes()).expect("tar");
    tar.into_inner().expect("tar")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    std::io::Write::write_all(&mut encoder, bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

impl Image {
    /// A distinct image: `name` goes into its content, so different names give different digests.
    pub fn build(name: &str) -> Image {
        let dir = tempfile::tempdir().expect("layout dir");
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).expect("blobs dir");
        std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
        let mut platforms = Vec::new();
        for arch in ["amd64", "arm64"] {
            let tar = tar_of(&format!("{name} for {arch}\n"));
            let diff_id = sha256(&tar);
            let layer = gzip(&tar);
            let layer_digest = write_blob(dir.path(), &layer);
            let config = json!({
                "architecture": arch, "os": "linux",
                "config": {"Labels": {"essregistry.test/name": name}},
                "rootfs": {"type": "layers", "diff_ids": [diff_id]}
            })
            .to_string();
            let config_digest = write_blob(dir.path(), config.as_bytes());
            let manifest = json!({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config.len()},
                "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer.len()}]
            })
            .to_string();
            let digest = write_blob(dir.path(), manifest.as_bytes());
            platforms.push((arch, digest, manifest.len()));
        }
        let index = json!({
            "schemaVersion": 2, "mediaType": OCI_INDEX,
            "manifests": platforms.iter().map(|(arch, digest, size)| json!({
                "mediaType": OCI_MANIFEST, "digest": digest, "size": size,
                "platform": {"architecture": arch, "os": "linux"}
            })).collect::<Vec<_>>()
        })
        .to_string();
        let index_digest = write_blob(dir.path(), index.as_bytes());
        let layout = json!({
            "schemaVersion": 2,
            "manifests": [
                {"mediaType": OCI_INDEX, "digest": index_digest, "size": index.len(),
                 "annotations": {"org.opencontainers.image.ref.name": "all"}},
                {"mediaType": OCI_MANIFEST, "digest": platforms[0].1, "size": platforms[0].2,
                 "annotations": {"org.opencontainers.image.ref.name": "amd64"}}
            ]
        });
        std::fs::write(dir.path().join("index.json"), layout.to_string()).expect("index.json");
        Image { dir, index_digest, amd64_digest: platforms[0].1.clone() }
    }

    /// Pushes the image to `repo:tag` in the registry with skopeo.
    pub fn push(&self, registry: &Registry, repo: &str, tag: &str, copy: Copy) {
        let (source, extra): (&str, &[&str]) = match copy {
            Copy::All => ("all", &["--all", "--preserve-digests"]),
            Copy::SinglePlatform => ("amd64", &[]),
            Copy::Converted => ("all", &["--all", "--format", "v2s2"]),
        };
        let mut command = Command::new("skopeo");
        command.args(["copy", "--quiet"]).args(extra);
        if registry.ca_file().is_some() {
            command.arg("--dest-cert-dir").arg(registry.cert_dir());
        } else {
            command.arg("--dest-tls-verify=false");
        }
        if let Some((user, password)) = &registry.credentials {
            command.arg("--dest-creds").arg(format!("{user}:{password}"));
        }
        command
            .arg(format!("oci:{}:{source}", self.dir.path().display()))
            .arg(format!("docker://{}/{repo}:{tag}", registry.host()));
        let output = command.output().expect("run skopeo (apt-get install skopeo)");
        assert!(output.status.success(), "skopeo copy failed: {}", String::from_utf8_lossy(&output.stderr));
    }
}

/// Deletes a manifest from the registry, as an administrator cleaning up would.
pub fn delete(registry: &Registry, repo: &str, digest: &str) {
    let mut command = Command::new("skopeo");
    command.arg("delete");
    if registry.ca_file().is_some() {
        command.arg("--cert-dir").arg(registry.cert_dir());
    } else {
        command.arg("--tls-verify=false");
    }
    if let Some((user, password)) = &registry.credentials {
        command.arg("--creds").arg(format!("{user}:{password}"));
    }
    let output = command.arg(format!("docker://{}/{repo}@{digest}", registry.host())).output().expect("run skopeo");
    assert!(output.status.success(), "skopeo delete failed: {}", String::from_utf8_lossy(&output.stderr));
}
