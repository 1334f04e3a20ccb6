//! The throwaway images `probe --write` pushes: a few small generated blobs, an OCI image and a
//! Docker image over them, and an index and a manifest list of those. Every byte is made here
//! from the run's nonce, so that no blob of an earlier probe is found in place and the upload
//! is really tried.

use crate::reference::Digest;
use crate::registry::{MANIFEST_MEDIA_TYPES, RawManifest};
use serde_json::json;

/// A blob and its digest.
#[derive(Debug, Clone)]
pub struct Blob {
    pub bytes: bytes::Bytes,
    pub digest: Digest,
}

impl Blob {
    fn of(bytes: Vec<u8>) -> Blob {
        Blob { digest: Digest::of(&bytes), bytes: bytes.into() }
    }
}

/// What one probe pushes.
#[derive(Debug, Clone)]
pub struct ProbeImages {
    /// A larger blob, referenced by no manifest, to learn how uploads are taken: over nginx's
    /// default body limit (1 MiB) and GHCR's request cap (4 MiB).
    pub large: Blob,
    pub layer: Blob,
    pub config: Blob,
    pub oci: (Digest, RawManifest),
    pub docker: (Digest, RawManifest),
    pub oci_index: (Digest, RawManifest),
    pub docker_list: (Digest, RawManifest),
}

/// Size of the large blob.
pub const LARGE: usize = 5 * 1024 * 1024;

impl ProbeImages {
    /// The images of the probe with this `nonce` (the time it started, say).
    pub fn new(nonce: &str) -> ProbeImages {
        let large = Blob::of(filled(&format!("essregistry probe {nonce} large blob\n"), LARGE));
        let layer = Blob::of(filled(&format!("essregistry probe {nonce} layer\n"), 1024));
        let config = Blob::of(
            json!({
                "architecture": "amd64",
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [layer.digest.as_str()]},
                "config": {"Labels": {"io.element.essregistry.probe": nonce}},
            })
            .to_string()
            .into_bytes(),
        );
        let image = |media_type: &str, config_type: &str, layer_type: &str| {
            let bytes = json!({
                "schemaVersion": 2,
                "mediaType": media_type,
                "config": {"mediaType": config_type, "digest": config.digest.as_str(), "size": config.bytes.len()},
                "layers": [{"mediaType": layer_type, "digest": layer.digest.as_str(), "size": layer.bytes.len()}],
            });
            manifest(bytes, media_type)
        };
        let oci = image(
            MANIFEST_MEDIA_TYPES[2],
            "application/vnd.oci.image.config.v1+json",
            "application/vnd.oci.image.layer.v1.tar",
        );
        let docker = image(
            MANIFEST_MEDIA_TYPES[3],
            "application/vnd.docker.container.image.v1+json",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
        );
        let listing = |media_type: &str, child: &(Digest, RawManifest), child_type: &str| {
            let bytes = json!({
                "schemaVersion": 2,
                "mediaType": media_type,
                "manifests": [{
                    "mediaType": child_type,
                    "digest": child.0.as_str(),
                    "size": child.1.bytes.len(),
                    "platform": {"architecture": "amd64", "os": "linux"},
                }],
            });
            manifest(bytes, media_type)
        };
        let oci_index = listing(MANIFEST_MEDIA_TYPES[0], &oci, MANIFEST_MEDIA_TYPES[2]);
        let docker_list = listing(MANIFEST_MEDIA_TYPES[1], &docker, MANIFEST_MEDIA_TYPES[3]);
        ProbeImages { large, layer, config, oci, docker, oci_index, docker_list }
    }

    /// The blobs the manifests refer to.
    pub fn referenced(&self) -> [&Blob; 2] {
        [&self.config, &self.layer]
    }
}

fn manifest(value: serde_json::Value, media_type: &str) -> (Digest, RawManifest) {
    let bytes = value.to_string().into_bytes();
    (Digest::of(&bytes), RawManifest { bytes, media_type: Some(media_type.to_owned()) })
}

/// `size` bytes: `head`, then a counter's bytes, so that no two probes share a blob.
fn filled(head: &str, size: usize) -> Vec<u8> {
    let mut bytes = head.as_bytes().to_vec();
    let mut counter: u32 = 0;
    while bytes.len() < size {
        bytes.extend_from_slice(&counter.to_le_bytes());
        counter = counter.wrapping_add(1);
    }
    bytes.truncate(size);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_images_are_made_from_the_nonce_and_refer_to_their_blobs() {
        let (one, again, other) = (ProbeImages::new("1"), ProbeImages::new("1"), ProbeImages::new("2"));
        assert_eq!(one.oci.0, again.oci.0);
        assert_ne!(one.large.digest, other.large.digest);
        assert_eq!(one.large.bytes.len(), LARGE);
        let index: serde_json::Value = serde_json::from_slice(&one.oci_index.1.bytes).unwrap();
        assert_eq!(index["manifests"][0]["digest"], one.oci.0.as_str());
        let image: serde_json::Value = serde_json::from_slice(&one.docker.1.bytes).unwrap();
        assert_eq!(image["layers"][0]["digest"], one.layer.digest.as_str());
        assert_eq!(Digest::of(&one.docker_list.1.bytes), one.docker_list.0);
    }
}
