//! What a manifest refers to, read from its bytes: the OCI image and index specifications
//! (image-spec `manifest.md`, `image-index.md`) and their Docker schema 2 forms, which have the
//! same fields. Pure: bytes in, descriptors out. Manifests are never re-serialised, except an
//! index trimmed to some platforms, which is a new document with a new digest by design.

use crate::reference::Digest;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;

/// The largest manifest read whole (distribution refuses manifests over 4 MiB).
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;
/// Indexes of indexes are followed this deep (an index of platform manifests is depth 1).
pub const MAX_DEPTH: usize = 2;

/// A content descriptor (image-spec `descriptor.md`): what to fetch, and how many bytes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub media_type: String,
    #[serde(deserialize_with = "digest")]
    pub digest: Digest,
    /// Bytes.
    pub size: u64,
    #[serde(default)]
    pub platform: Option<Platform>,
}

fn digest<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Digest, D::Error> {
    let text = String::deserialize(deserializer)?;
    Digest::parse(&text).map_err(|e| serde::de::Error::custom(format!("{text} {e}")))
}

/// `os/architecture[/variant]`, as `--platform` and the index's `platform` field name it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default)]
    pub variant: Option<String>,
}

impl Platform {
    /// `linux/amd64` or `linux/arm64/v8`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => {
                Ok(Self { os: (*os).into(), architecture: (*arch).into(), variant: None })
            }
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() && !variant.is_empty() => {
                Ok(Self { os: (*os).into(), architecture: (*arch).into(), variant: Some((*variant).into()) })
            }
            _ => Err(format!("\"{text}\" is not OS/ARCH or OS/ARCH/VARIANT (for example linux/amd64)")),
        }
    }

    /// Whether `self`, as asked for on the command line, selects the index entry `listed`: a
    /// request without a variant takes every variant, as containerd's platform matcher does.
    pub fn selects(&self, listed: &Platform) -> bool {
        self.os == listed.os
            && self.architecture == listed.architecture
            && (self.variant.is_none() || self.variant == listed.variant)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        match &self.variant {
            Some(variant) => write!(f, "/{variant}"),
            None => Ok(()),
        }
    }
}

/// A manifest, reduced to what must be copied with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manifest {
    /// A multi-platform index (OCI index or Docker manifest list): other manifests.
    Index(Vec<Descriptor>),
    /// One image: its config and layers, all blobs.
    Image(Vec<Descriptor>),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Option<Vec<Descriptor>>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Option<Vec<Descriptor>>,
    #[serde(default)]
    schema_version: Option<u32>,
}

impl Manifest {
    /// Reads a manifest's references. `media_type` is what the registry or the layout said
    /// the manifest is; the document's own `mediaType` wins when it has one.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let fields: Fields =
            serde_json::from_slice(bytes).map_err(|e| format!("the manifest is not valid JSON: {e}"))?;
        if fields.schema_version == Some(1) {
            return Err("it is a Docker schema 1 manifest, which has no digest-stable form: \
                        copy the image with a current client first"
                .into());
        }
        match (fields.manifests, fields.config, fields.layers) {
            (Some(manifests), None, _) => Ok(Manifest::Index(manifests)),
            (None, Some(config), layers) => {
                let mut blobs = vec![config];
                blobs.extend(layers.unwrap_or_default());
                Ok(Manifest::Image(blobs))
            }
            _ => Err(format!(
                "the manifest ({}) is neither an index nor an image manifest",
                fields.media_type.as_deref().unwrap_or("no mediaType")
            )),
        }
    }
}

/// A manifest as a registry holds it, reduced to what it refers to: what the walks that read a
/// registry's contents (`inventory`, `prune`) record of each manifest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Node {
    /// The `Content-Type` the registry served it with.
    pub media_type: Option<String>,
    /// Bytes of the manifest itself.
    pub size: u64,
    /// Blobs an image manifest names (config and layers), with sizes in bytes.
    pub blobs: Vec<(Digest, u64)>,
    /// Manifests an index lists.
    pub children: Vec<Digest>,
    /// Manifests whose `subject` it is, as the registry's referrers API lists them (OCI 1.1
    /// signatures, attestations, SBOMs stored by digest alone).
    pub referrers: Vec<Digest>,
}

impl Node {
    /// Reads a manifest's references; a manifest that is neither an index nor an image
    /// manifest (a schema 1 manifest, an unknown artifact) refers to nothing that can be walked.
    pub fn of(media_type: Option<String>, bytes: &[u8]) -> Node {
        let mut node = Node { media_type, size: bytes.len() as u64, ..Node::default() };
        match Manifest::parse(bytes) {
            Ok(Manifest::Image(blobs)) => node.blobs = blobs.into_iter().map(|b| (b.digest, b.size)).collect(),
            Ok(Manifest::Index(children)) => node.children = children.into_iter().map(|c| c.digest).collect(),
            Err(_) => {}
        }
        node
    }
}

/// The blobs (config and layers) of the manifest `top` and of every manifest it lists (not its
/// referrers: they are not part of the image), as `nodes`
/// holds them (what `HttpRegistry::read_tree` read), each once, with sizes in bytes.
pub fn blobs_under(top: &Digest, nodes: &BTreeMap<Digest, Node>) -> BTreeMap<Digest, u64> {
    let mut blobs = BTreeMap::new();
    let mut pending = vec![top];
    while let Some(digest) = pending.pop() {
        if let Some(node) = nodes.get(digest) {
            blobs.extend(node.blobs.iter().cloned());
            pending.extend(node.children.iter());
        }
    }
    blobs
}

/// The suffixes of the tags that attach artifacts to a manifest: cosign's (before v3) signature,
/// attestation and SBOM, and none for the referrers fallback tag (distribution-spec, "Referrers
/// Tag Schema"), each after `sha256-HEX`, HEX being the manifest's digest.
pub const ATTACHED_SUFFIXES: [&str; 4] = [".sig", ".att", ".sbom", ""];

/// The tag that attaches an artifact with `suffix` (one of `ATTACHED_SUFFIXES`) to `digest`.
pub fn attached_tag(digest: &Digest, suffix: &str) -> String {
    format!("sha256-{}{suffix}", &digest.as_str()["sha256:".len()..])
}

/// The referrers fallback tag of `digest` (distribution-spec, "Referrers Tag Schema"):
/// `sha256-HEX`, an index of the manifests whose `subject` is `digest`.
pub fn referrers_tag(digest: &Digest) -> String {
    attached_tag(digest, "")
}

/// One manifest a referrers listing names: the referrers API's answer and the fallback tag's
/// index are both OCI indexes whose entries carry the referrer's `artifactType` (cosign v3:
/// `application/vnd.dev.sigstore.bundle.v0.3+json`) and `annotations`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Referrer {
    #[serde(deserialize_with = "digest")]
    pub digest: Digest,
    #[serde(default)]
    pub artifact_type: Option<String>,
}

/// The referrers a listing (an OCI index) names, in its order. Errors: not an index.
pub fn referrers_listed(listing: &[u8]) -> Result<Vec<Referrer>, String> {
    #[derive(Deserialize)]
    struct Listing {
        manifests: Vec<Referrer>,
    }
    let listing: Listing =
        serde_json::from_slice(listing).map_err(|e| format!("the referrers listing is not an OCI index: {e}"))?;
    Ok(listing.manifests)
}

/// The fallback tag's index `existing` with the entries of `listing` it lacks (by digest)
/// added after its own, each entry whole (artifactType, annotations), as the distribution spec
/// asks a client to keep it: no entry that was there is dropped. None when it lacks none.
/// Errors: either is not an index.
pub fn add_referrers(existing: &[u8], listing: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let entries = |bytes: &[u8], what: &str| -> Result<serde_json::Value, String> {
        let document: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| format!("{what} is not valid JSON: {e}"))?;
        match document.get("manifests") {
            Some(serde_json::Value::Array(_)) => Ok(document),
            _ => Err(format!("{what} is not an index")),
        }
    };
    let mut index = entries(existing, "the referrers index at the fallback tag")?;
    let listed = entries(listing, "the referrers listing")?;
    let held = index["manifests"].as_array().cloned().unwrap_or_default();
    let has = |entry: &serde_json::Value| held.iter().any(|old| old.get("digest") == entry.get("digest"));
    let missing: Vec<serde_json::Value> =
        listed["manifests"].as_array().into_iter().flatten().filter(|entry| !has(entry)).cloned().collect();
    if missing.is_empty() {
        return Ok(None);
    }
    index["manifests"].as_array_mut().expect("checked above").extend(missing);
    serde_json::to_vec(&index).map(Some).map_err(|e| e.to_string())
}

/// The media type a manifest declares about itself, for the `Content-Type` of a push when
/// the source did not say.
pub fn declared_media_type(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Declared {
        media_type: Option<String>,
    }
    serde_json::from_slice::<Declared>(bytes).ok()?.media_type
}

/// The index with only the entries that one of `platforms` selects, and the digests kept.
/// Other fields (annotations, subject, artifactType) are kept as they are. Errors: not an
/// index, or no entry selected.
pub fn trim_index(bytes: &[u8], platforms: &[Platform]) -> Result<Vec<u8>, String> {
    let mut document: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("the index is not valid JSON: {e}"))?;
    let Some(entries) = document.get_mut("manifests").and_then(serde_json::Value::as_array_mut) else {
        return Err("the manifest is not an index".into());
    };
    let listed: Vec<String> = entries.iter().filter_map(|entry| platform_of(entry).map(|p| p.to_string())).collect();
    entries.retain(|entry| platform_of(entry).is_some_and(|listed| platforms.iter().any(|p| p.selects(&listed))));
    if entries.is_empty() {
        return Err(format!("the index lists no platform asked for; it has {}", listed.join(", ")));
    }
    serde_json::to_vec(&document).map_err(|e| e.to_string())
}

fn platform_of(entry: &serde_json::Value) -> Option<Platform> {
    serde_json::from_value(entry.get("platform")?.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn index() -> String {
        format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{A}","size":10,"platform":{{"os":"linux","architecture":"amd64"}}}},
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{B}","size":20,"platform":{{"os":"linux","architecture":"arm64","variant":"v8"}}}}]}}"#
        )
    }

    #[test]
    fn an_index_lists_its_platform_manifests_and_an_image_its_config_then_layers() {
        let Manifest::Index(children) = Manifest::parse(index().as_bytes()).unwrap() else { panic!("an index") };
        assert_eq!(children.iter().map(|d| d.size).collect::<Vec<_>>(), vec![10, 20]);
        let image = format!(
            r#"{{"schemaVersion":2,"config":{{"mediaType":"c","digest":"{A}","size":3}},"layers":[{{"mediaType":"l","digest":"{B}","size":4}}]}}"#
        );
        let Manifest::Image(blobs) = Manifest::parse(image.as_bytes()).unwrap() else { panic!("an image") };
        assert_eq!(blobs.iter().map(|d| d.digest.as_str()).collect::<Vec<_>>(), vec![A, B]);
    }

    #[test]
    fn schema_1_and_unknown_documents_are_refused_with_the_reason() {
        assert!(Manifest::parse(br#"{"schemaVersion":1,"fsLayers":[]}"#).unwrap_err().contains("schema 1"));
        assert!(Manifest::parse(br#"{"schemaVersion":2}"#).unwrap_err().contains("neither"));
        assert!(Manifest::parse(b"not json").is_err());
    }

    #[test]
    fn a_platform_without_variant_selects_every_variant() {
        let arm = Platform::parse("linux/arm64").unwrap();
        assert!(arm.selects(&Platform::parse("linux/arm64/v8").unwrap()));
        assert!(!Platform::parse("linux/arm64/v7").unwrap().selects(&Platform::parse("linux/arm64/v8").unwrap()));
        assert!(Platform::parse("linux").is_err() && Platform::parse("linux//x").is_err());
    }

    #[test]
    fn referrers_are_added_to_the_fallback_index_and_none_that_was_there_is_dropped() {
        let entry = |digest: &str, kind: &str| {
            format!(
                r#"{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{digest}","size":1,"artifactType":"{kind}","annotations":{{"k":"{kind}"}}}}"#
            )
        };
        let index = |entries: &[String]| format!(r#"{{"schemaVersion":2,"manifests":[{}]}}"#, entries.join(","));
        let existing = index(&[entry(A, "sbom")]);
        let listing = index(&[entry(A, "sbom"), entry(B, "application/vnd.dev.sigstore.bundle.v0.3+json")]);
        let merged = add_referrers(existing.as_bytes(), listing.as_bytes()).unwrap().unwrap();
        let listed = referrers_listed(&merged).unwrap();
        assert_eq!(listed.iter().map(|r| r.digest.as_str()).collect::<Vec<_>>(), vec![A, B]);
        assert_eq!(listed[1].artifact_type.as_deref(), Some("application/vnd.dev.sigstore.bundle.v0.3+json"));
        let value: serde_json::Value = serde_json::from_slice(&merged).unwrap();
        assert_eq!(value["manifests"][1]["annotations"]["k"], "application/vnd.dev.sigstore.bundle.v0.3+json");
        assert_eq!(add_referrers(&merged, listing.as_bytes()).unwrap(), None, "nothing missing, nothing pushed");
        assert!(add_referrers(b"{}", listing.as_bytes()).unwrap_err().contains("not an index"));
        assert_eq!(referrers_tag(&Digest::parse(A).unwrap()), format!("sha256-{}", &A[7..]));
    }

    #[test]
    fn trimming_keeps_the_chosen_platforms_and_changes_the_digest() {
        let trimmed = trim_index(index().as_bytes(), &[Platform::parse("linux/amd64").unwrap()]).unwrap();
        let Manifest::Index(children) = Manifest::parse(&trimmed).unwrap() else { panic!("an index") };
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].digest.as_str(), A);
        assert_ne!(Digest::of(&trimmed), Digest::of(index().as_bytes()));
        let none = trim_index(index().as_bytes(), &[Platform::parse("windows/amd64").unwrap()]).unwrap_err();
        assert!(none.contains("linux/amd64, linux/arm64/v8"), "{none}");
    }
}
