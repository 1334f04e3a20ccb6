//! Where an image's signatures are, read from the manifests that attach them: the layers of a
//! `sha256-HEX.sig` manifest that are simple-signing payloads (cosign `specs/SIGNATURE_SPEC.md`),
//! the entries of a referrers index (distribution-spec "Listing Referrers", or its fallback tag
//! `sha256-HEX`) whose `artifactType` is a Sigstore bundle, and the bundle layer of such a
//! referrer (cosign `specs/BUNDLE_SPEC.md`). Pure: manifest bytes in, what to fetch out.

use super::{bundle, payload};
use crate::reference::Digest;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A blob to fetch, and for a simple-signing layer, the base64 signature its annotation holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub digest: Digest,
    /// Bytes.
    pub size: u64,
    pub signature: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Described {
    #[serde(default)]
    media_type: String,
    #[serde(default)]
    artifact_type: Option<String>,
    digest: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    layers: Vec<Described>,
    #[serde(default)]
    manifests: Vec<Described>,
}

fn document(bytes: &[u8]) -> Result<Document, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not a manifest ({e})"))
}

fn layer(described: &Described, signature: Option<String>) -> Option<Layer> {
    Some(Layer { digest: Digest::parse(&described.digest).ok()?, size: described.size, signature })
}

/// The simple-signing layers of a `.sig` manifest, each with its signature annotation (layers
/// without one sign nothing and are left out).
pub fn simple_signing_layers(manifest: &[u8]) -> Result<Vec<Layer>, String> {
    Ok(document(manifest)?
        .layers
        .iter()
        .filter(|l| l.media_type == payload::MEDIA_TYPE)
        .filter_map(|l| layer(l, Some(l.annotations.get(payload::SIGNATURE_ANNOTATION)?.clone())))
        .collect())
}

/// The manifests a referrers index lists as Sigstore bundles, by their `artifactType`.
pub fn bundle_referrers(index: &[u8]) -> Result<Vec<Digest>, String> {
    Ok(document(index)?
        .manifests
        .iter()
        .filter(|m| m.artifact_type.as_deref().is_some_and(|t| t.starts_with(bundle::MEDIA_TYPE_PREFIX)))
        .filter_map(|m| Digest::parse(&m.digest).ok())
        .collect())
}

/// The bundle layers of a referrer manifest.
pub fn bundle_layers(manifest: &[u8]) -> Result<Vec<Layer>, String> {
    Ok(document(manifest)?
        .layers
        .iter()
        .filter(|l| l.media_type.starts_with(bundle::MEDIA_TYPE_PREFIX))
        .filter_map(|l| layer(l, None))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn a_sig_manifest_gives_its_annotated_simple_signing_layers() {
        let manifest = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{A}","size":2}},"layers":[
            {{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"{A}","size":9,"annotations":{{"dev.cosignproject.cosign/signature":"c2ln"}}}},
            {{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"{B}","size":9}},
            {{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{B}","size":9}}]}}"#
        );
        let layers = simple_signing_layers(manifest.as_bytes()).unwrap();
        assert_eq!(layers, [Layer { digest: Digest::parse(A).unwrap(), size: 9, signature: Some("c2ln".into()) }]);
    }

    #[test]
    fn a_referrers_index_gives_its_bundles_and_a_referrer_its_bundle_layer() {
        let index = format!(
            r#"{{"schemaVersion":2,"manifests":[
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{A}","size":1,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}},
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{B}","size":1,"artifactType":"application/spdx+json"}}]}}"#
        );
        assert_eq!(bundle_referrers(index.as_bytes()).unwrap(), [Digest::parse(A).unwrap()]);
        let referrer = format!(
            r#"{{"schemaVersion":2,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{A}","size":2}},
            "layers":[{{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","digest":"{B}","size":5}}],"subject":{{"digest":"{A}","size":1}}}}"#
        );
        assert_eq!(bundle_layers(referrer.as_bytes()).unwrap()[0].digest.as_str(), B);
        assert!(bundle_layers(b"not json").is_err());
    }
}
