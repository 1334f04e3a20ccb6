//! cosign's simple-signing payload, the layer of a `sha256-HEX.sig` manifest (cosign
//! `specs/SIGNATURE_SPEC.md`, after containers/image's "atomic container signature"):
//! `{"critical":{"identity":{"docker-reference":…},"image":{"docker-manifest-digest":"sha256:…"},
//! "type":"cosign container image signature"},"optional":{…}}`. The layer's annotation
//! `dev.cosignproject.cosign/signature` holds the base64 signature over the payload's bytes as
//! stored. Pure.

use serde::Deserialize;

/// The media type of a simple-signing layer.
pub const MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
/// The layer annotation that carries the base64 signature.
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";

#[derive(Deserialize)]
struct Payload {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    image: SignedImage,
}

#[derive(Deserialize)]
struct SignedImage {
    #[serde(rename = "docker-manifest-digest")]
    digest: String,
}

/// The digest the payload names (`critical.image.docker-manifest-digest`), as written.
/// Errors: not JSON, or no such field.
pub fn signed_digest(payload: &[u8]) -> Result<String, String> {
    serde_json::from_slice::<Payload>(payload)
        .map(|payload| payload.critical.image.digest)
        .map_err(|e| format!("its simple-signing payload names no critical.image.docker-manifest-digest ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_read_from_critical_image() {
        let payload = br#"{"critical":{"identity":{"docker-reference":"r/x"},"image":{"docker-manifest-digest":"sha256:ab"},"type":"cosign container image signature"},"optional":null}"#;
        assert_eq!(signed_digest(payload).unwrap(), "sha256:ab");
        assert!(signed_digest(br#"{"critical":{}}"#).unwrap_err().contains("docker-manifest-digest"));
        assert!(signed_digest(b"not json").is_err());
    }
}
