//! What the tools in use attach to an image, made here and pushed as those tools push it:
//! cosign before v3 tags a signature `sha256-HEX.sig` (a simple-signing payload, the signature
//! in the layer's `dev.cosignproject.cosign/signature` annotation), an attestation `.att` (a
//! DSSE envelope) and an SBOM `.sbom` (SPDX); cosign v3 pushes a sigstore bundle as an OCI 1.1
//! referrer (a manifest whose `subject` is the image) and, on a registry without the referrers
//! API, keeps the fallback tag `sha256-HEX` listing it; BuildKit puts an attestation manifest
//! inside the image's index, as platform `unknown/unknown`. The signatures here are bytes of the
//! right shape, not signatures that verify: this is about carrying them, byte for byte.
//! Requests go over plain HTTP to a loopback registry (or a fault proxy in front of one).

use crate::images::sha256;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_EMPTY: &str = "application/vnd.oci.empty.v1+json";
/// cosign v3's bundle, as artifactType and layer media type.
pub const SIGSTORE_BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// An answer: status, headers (names lower-cased) and body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to `host` (`127.0.0.1:PORT`), the connection closed after it.
fn request(host: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(host).expect("connect to the registry");
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body)).expect("send the request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read the answer");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP answer");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Answer { status, headers, body: raw[split + 4..].to_vec() }
}

/// Uploads `bytes` into `repo` (`POST`, then a monolithic `PUT`); returns the descriptor's
/// digest and size.
pub fn push_blob(host: &str, repo: &str, bytes: &[u8]) -> (String, usize) {
    let digest = sha256(bytes);
    let opened = request(host, "POST", &format!("/v2/{repo}/blobs/uploads/"), &[], &[]);
    assert_eq!(opened.status, 202, "open an upload: {}", String::from_utf8_lossy(&opened.body));
    let location = opened.header("location").expect("an upload location");
    let path = location.find("/v2/").map(|at| &location[at..]).expect("a /v2/ location");
    let separator = if path.contains('?') { '&' } else { '?' };
    let put = format!("{path}{separator}digest={digest}");
    let done = request(host, "PUT", &put, &[("Content-Type", "application/octet-stream")], bytes);
    assert_eq!(done.status, 201, "upload {digest}: {}", String::from_utf8_lossy(&done.body));
    (digest, bytes.len())
}

/// Pushes a manifest under `reference` (a tag or its digest); returns the `OCI-Subject` the
/// registry answered, if any.
pub fn push_manifest(host: &str, repo: &str, reference: &str, media_type: &str, bytes: &[u8]) -> Option<String> {
    let path = format!("/v2/{repo}/manifests/{reference}");
    let answer = request(host, "PUT", &path, &[("Content-Type", media_type)], bytes);
    assert_eq!(answer.status, 201, "push {repo}:{reference}: {}", String::from_utf8_lossy(&answer.body));
    answer.header("oci-subject").map(str::to_owned)
}

/// The manifest's bytes, if the registry has it.
pub fn fetch_manifest(host: &str, repo: &str, reference: &str) -> Option<Vec<u8>> {
    let accept = [OCI_INDEX, OCI_MANIFEST].join(", ");
    let answer = request(host, "GET", &format!("/v2/{repo}/manifests/{reference}"), &[("Accept", &accept)], &[]);
    (answer.status == 200).then_some(answer.body)
}

/// `GET /v2/<repo>/referrers/<digest>`: the status and the listing.
pub fn list_referrers(host: &str, repo: &str, digest: &str) -> (u16, Value) {
    let answer = request(host, "GET", &format!("/v2/{repo}/referrers/{digest}"), &[("Accept", OCI_INDEX)], &[]);
    (answer.status, serde_json::from_slice(&answer.body).unwrap_or(Value::Null))
}

/// A manifest pushed: its digest and bytes as stored.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub digest: String,
    pub bytes: Vec<u8>,
    /// The tag it went under, if any.
    pub tag: Option<String>,
}

/// `sha256-HEX` and a suffix, as cosign names what it attaches to `digest`.
pub fn attached_tag(digest: &str, suffix: &str) -> String {
    format!("sha256-{}{suffix}", &digest["sha256:".len()..])
}

/// An OCI manifest of one layer over the empty config, as cosign writes its tag-scheme artifacts.
fn one_layer(layer_type: &str, layer: (String, usize), annotations: Value, extra: Value) -> Vec<u8> {
    let empty = sha256(b"{}");
    let mut manifest = json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_EMPTY, "digest": empty, "size": 2},
        "layers": [{"mediaType": layer_type, "digest": layer.0, "size": layer.1, "annotations": annotations}],
    });
    if let (Some(manifest), Some(extra)) = (manifest.as_object_mut(), extra.as_object()) {
        manifest.extend(extra.clone());
    }
    serde_json::to_vec(&manifest).expect("JSON")
}

/// cosign's (before v3) signature, attestation and SBOM of `repo@digest`, each pushed under
/// its tag, in that order.
pub fn tag_scheme(host: &str, repo: &str, digest: &str) -> Vec<Pushed> {
    push_blob(host, repo, b"{}");
    let payload = json!({
        "critical": {"identity": {"docker-reference": repo}, "image": {"docker-manifest-digest": digest},
                     "type": "cosign container image signature"},
        "optional": null
    });
    let statement = json!({"_type": "https://in-toto.io/Statement/v1", "predicateType": "https://slsa.dev/provenance/v1",
        "subject": [{"name": repo, "digest": {"sha256": &digest["sha256:".len()..]}}], "predicate": {}});
    let envelope = json!({"payloadType": "application/vnd.in-toto+json",
        "payload": data_encoding::BASE64.encode(statement.to_string().as_bytes()),
        "signatures": [{"sig": "dGVzdGJlZCBhdHRlc3RhdGlvbg=="}]});
    let sbom = json!({"spdxVersion": "SPDX-2.3", "name": repo, "SPDXID": "SPDXRef-DOCUMENT", "packages": []});
    let forms = [
        (
            ".sig",
            "application/vnd.dev.cosign.simplesigning.v1+json",
            payload,
            json!({"dev.cosignproject.cosign/signature": "MEUCIQDtestbedsignaturenotverifiable"}),
        ),
        (
            ".att",
            "application/vnd.dsse.envelope.v1+json",
            envelope,
            json!({"predicateType": "https://slsa.dev/provenance/v1"}),
        ),
        (".sbom", "text/spdx+json", sbom, json!({})),
    ];
    forms
        .into_iter()
        .map(|(suffix, layer_type, content, annotations)| {
            let layer = push_blob(host, repo, content.to_string().as_bytes());
            let bytes = one_layer(layer_type, layer, annotations, json!({}));
            let tag = attached_tag(digest, suffix);
            push_manifest(host, repo, &tag, OCI_MANIFEST, &bytes);
            Pushed { digest: sha256(&bytes), bytes, tag: Some(tag) }
        })
        .collect()
}

/// A cosign v3 bundle by `signer` over `repo@subject` (`subject_bytes`, the manifest as stored), pushed as
/// an OCI 1.1 referrer by its digest through `host`. With `fallback`, the fallback tag is kept
/// at `fallback` as cosign does where the registry serves no referrers API: the index there
/// fetched, this referrer added, pushed back under the tag.
pub fn sigstore_bundle(host: &str, repo: &str, subject_bytes: &[u8], signer: &str, fallback: Option<&str>) -> Pushed {
    push_blob(host, repo, b"{}");
    let subject = sha256(subject_bytes);
    let subject_type = serde_json::from_slice::<Value>(subject_bytes).expect("a manifest")["mediaType"].clone();
    let bundle = json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {"publicKey": {"hint": signer}},
        "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": subject}, "signature": "dGVzdGJlZA=="}});
    let layer = push_blob(host, repo, bundle.to_string().as_bytes());
    let annotations = json!({"dev.sigstore.bundle.content": "message-signature"});
    let extra = json!({
        "artifactType": SIGSTORE_BUNDLE,
        "subject": {"mediaType": subject_type, "digest": subject, "size": subject_bytes.len()},
        "annotations": {"dev.sigstore.bundle.content": "message-signature", "org.opencontainers.image.created": "2026-01-01T00:00:00Z"},
    });
    let bytes = one_layer(SIGSTORE_BUNDLE, layer, annotations, extra);
    let digest = sha256(&bytes);
    push_manifest(host, repo, &digest, OCI_MANIFEST, &bytes);
    if let Some(fallback) = fallback {
        let tag = attached_tag(&subject, "");
        let mut index = fetch_manifest(fallback, repo, &tag)
            .map(|bytes| serde_json::from_slice::<Value>(&bytes).expect("an index"))
            .unwrap_or_else(|| json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}));
        index["manifests"].as_array_mut().expect("manifests").push(json!({
            "mediaType": OCI_MANIFEST, "digest": digest, "size": bytes.len(), "artifactType": SIGSTORE_BUNDLE,
            "annotations": {"dev.sigstore.bundle.content": "message-signature", "org.opencontainers.image.created": "2026-01-01T00:00:00Z"}
        }));
        push_manifest(fallback, repo, &tag, OCI_INDEX, &serde_json::to_vec(&index).expect("JSON"));
    }
    Pushed { digest, bytes, tag: None }
}

/// The index at `repo:tag` again with a BuildKit attestation manifest for its first platform
/// (platform `unknown/unknown`, `vnd.docker.reference.type: attestation-manifest`), pushed
/// under the same tag. Returns the new index and the attestation manifest.
pub fn buildkit_attestation(host: &str, repo: &str, tag: &str) -> (Pushed, Pushed) {
    let mut index: Value = serde_json::from_slice(&fetch_manifest(host, repo, tag).expect("the index")).expect("JSON");
    let first = index["manifests"][0]["digest"].as_str().expect("a platform manifest").to_owned();
    let config = json!({"architecture": "unknown", "os": "unknown", "config": {},
        "rootfs": {"type": "layers", "diff_ids": []}});
    let (config_digest, config_size) = push_blob(host, repo, config.to_string().as_bytes());
    let statement = json!({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://spdx.dev/Document",
        "subject": [{"name": "pkg:docker/image", "digest": {"sha256": &first["sha256:".len()..]}}], "predicate": {}});
    let (layer_digest, layer_size) = push_blob(host, repo, statement.to_string().as_bytes());
    let manifest = json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.in-toto+json", "digest": layer_digest, "size": layer_size,
                    "annotations": {"in-toto.io/predicate-type": "https://spdx.dev/Document"}}]
    });
    let manifest = serde_json::to_vec(&manifest).expect("JSON");
    let attestation = sha256(&manifest);
    push_manifest(host, repo, &attestation, OCI_MANIFEST, &manifest);
    index["manifests"].as_array_mut().expect("manifests").push(json!({
        "mediaType": OCI_MANIFEST, "digest": attestation, "size": manifest.len(),
        "platform": {"architecture": "unknown", "os": "unknown"},
        "annotations": {"vnd.docker.reference.digest": first, "vnd.docker.reference.type": "attestation-manifest"}
    }));
    let bytes = serde_json::to_vec(&index).expect("JSON");
    push_manifest(host, repo, tag, OCI_INDEX, &bytes);
    let index = Pushed { digest: sha256(&bytes), bytes, tag: Some(tag.to_owned()) };
    (index, Pushed { digest: attestation, bytes: manifest, tag: None })
}
