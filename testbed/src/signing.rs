//! Signs test images the way cosign does, with keys and signatures made by `openssl`, an
//! independent signer: ECDSA P-256, RSA and Ed25519 key pairs (`openssl genpkey`), a
//! simple-signing payload signed with `openssl dgst -sha256 -sign` (Ed25519: `openssl pkeyutl
//! -sign -rawin`) and pushed as a `sha256-HEX.sig` manifest (cosign `specs/SIGNATURE_SPEC.md`),
//! and a cosign v3 Sigstore bundle (a DSSE envelope over an in-toto statement) pushed as an OCI
//! 1.1 referrer with the referrers fallback tag `sha256-HEX` (cosign `specs/BUNDLE_SPEC.md`).
//! Layouts are written on disk and copied with skopeo, which moves them byte for byte.

use crate::artifacts::{fetch_manifest, push_blob, push_manifest};
use crate::bundles::{registry_flags, run};
use crate::images::sha256;
use crate::registry::Registry;
use data_encoding::BASE64;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const SIMPLE_SIGNING: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
const BUNDLE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
const IN_TOTO: &str = "application/vnd.in-toto+json";
/// The predicate type of a cosign v3 image signature.
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// The kinds of key cosign signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    Rsa,
    Ed25519,
}

/// A key pair made by openssl: `key.pem` (private) and `key.pub` (PEM SubjectPublicKeyInfo, as
/// cosign.pub).
pub struct Signer {
    dir: TempDir,
    pub kind: KeyKind,
    pub public: PathBuf,
    private: PathBuf,
}

fn openssl(args: &[&str], files: &[&Path]) -> Result<Vec<u8>, String> {
    let mut command = Command::new("openssl");
    command.args(args).args(files);
    let output = command.output().expect("run openssl (apt-get install openssl)");
    match output.status.success() {
        true => Ok(output.stdout),
        false => Err(String::from_utf8_lossy(&output.stderr).into_owned()),
    }
}

impl Signer {
    pub fn generate(kind: KeyKind) -> Signer {
        let dir = tempfile::tempdir().expect("key dir");
        let (private, public) = (dir.path().join("key.pem"), dir.path().join("key.pub"));
        let algorithm: &[&str] = match kind {
            KeyKind::EcdsaP256 => &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
            KeyKind::Rsa => &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
            KeyKind::Ed25519 => &["-algorithm", "ed25519"],
        };
        openssl(&[&["genpkey"], algorithm, &["-out"]].concat(), &[&private]).expect("openssl genpkey");
        openssl(&["pkey", "-pubout", "-in"], &[&private])
            .and_then(|pem| std::fs::write(&public, pem).map_err(|e| e.to_string()))
            .expect("openssl pkey -pubout");
        Signer { dir, kind, public, private }
    }

    fn scratch(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write a scratch file");
        path
    }

    /// openssl's signature of `message`: `dgst -sha256 -sign` (ASN.1 DER for ECDSA, PKCS#1
    /// v1.5 for RSA), or `pkeyutl -sign -rawin` for Ed25519.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        let message = self.scratch("message", message);
        let signed = match self.kind {
            KeyKind::Ed25519 => {
                openssl(&["pkeyutl", "-sign", "-rawin", "-inkey"], &[&self.private, Path::new("-in"), &message])
            }
            _ => openssl(&["dgst", "-sha256", "-sign"], &[&self.private, &message]),
        };
        signed.expect("openssl signs")
    }

    /// Whether openssl verifies `signature` over `message` with this public key: the anchor the
    /// plugin's verdicts are held to.
    pub fn openssl_verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        let (message, signature) = (self.scratch("checked", message), self.scratch("checked.sig", signature));
        let args: &[&Path] = &[&self.public, Path::new("-signature"), &signature, &message];
        match self.kind {
            KeyKind::Ed25519 => openssl(
                &["pkeyutl", "-verify", "-pubin", "-rawin", "-inkey"],
                &[&self.public, Path::new("-in"), &message, Path::new("-sigfile"), &signature],
            ),
            _ => openssl(&["dgst", "-sha256", "-verify"], args),
        }
        .is_ok()
    }
}

/// A simple-signing payload (what cosign signs for `sha256-HEX.sig`) naming `digest`.
pub fn simple_signing_payload(reference: &str, digest: &str) -> Vec<u8> {
    json!({"critical": {"identity": {"docker-reference": reference}, "image": {"docker-manifest-digest": digest},
        "type": "cosign container image signature"}, "optional": null})
    .to_string()
    .into_bytes()
}

/// One payload and its signature.
pub struct Signed {
    pub payload: Vec<u8>,
    pub signature: Vec<u8>,
}

/// `payload` signed by `signer`.
pub fn signed(signer: &Signer, payload: Vec<u8>) -> Signed {
    Signed { signature: signer.sign(&payload), payload }
}

/// An OCI layout being written: blobs by digest.
struct Layout(TempDir);

impl Layout {
    fn new() -> Layout {
        let dir = tempfile::tempdir().expect("layout dir");
        std::fs::create_dir_all(dir.path().join("blobs/sha256")).expect("blobs dir");
        std::fs::write(dir.path().join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).expect("oci-layout");
        Layout(dir)
    }

    /// Writes `bytes`, returns their descriptor of `media_type`.
    fn blob(&self, media_type: &str, bytes: &[u8]) -> Value {
        let digest = sha256(bytes);
        std::fs::write(self.0.path().join("blobs/sha256").join(&digest["sha256:".len()..]), bytes).expect("blob");
        json!({"mediaType": media_type, "digest": digest, "size": bytes.len()})
    }

    /// Names `top` as `name` in index.json, and copies it with skopeo to `repo:tag`.
    fn push(&self, top: &Value, registry: &Registry, repo: &str, tag: &str) {
        let mut named = top.clone();
        named["annotations"] = json!({"org.opencontainers.image.ref.name": "top"});
        let index = json!({"schemaVersion": 2, "manifests": [named]});
        std::fs::write(self.0.path().join("index.json"), index.to_string()).expect("index.json");
        let mut command = Command::new("skopeo");
        command.args(["copy", "--quiet", "--all", "--preserve-digests"]).args(registry_flags(registry, "--dest-"));
        command.arg(format!("oci:{}:top", self.0.path().display()));
        command.arg(format!("docker://{}/{repo}:{tag}", registry.host()));
        run(&mut command).unwrap_or_else(|e| panic!("skopeo copy to {repo}:{tag}: {e}"));
    }
}

fn hex(digest: &str) -> &str {
    &digest["sha256:".len()..]
}

/// Pushes the `sha256-HEX.sig` manifest of the image `digest` in `repo`: one simple-signing
/// layer per signature, its base64 signature in the `dev.cosignproject.cosign/signature`
/// annotation, as cosign does. Replaces any earlier one. Returns the manifest's bytes.
pub fn push_sig(registry: &Registry, repo: &str, digest: &str, signatures: &[Signed]) -> Vec<u8> {
    let layout = Layout::new();
    let layers: Vec<Value> = signatures
        .iter()
        .map(|s| {
            let mut layer = layout.blob(SIMPLE_SIGNING, &s.payload);
            layer["annotations"] = json!({"dev.cosignproject.cosign/signature": BASE64.encode(&s.signature)});
            layer
        })
        .collect();
    let diff_ids: Vec<String> = signatures.iter().map(|s| sha256(&s.payload)).collect();
    let config = json!({"architecture": "", "created": "0001-01-01T00:00:00Z", "history": [{"created": "0001-01-01T00:00:00Z"}],
        "os": "", "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}});
    let config = layout.blob("application/vnd.oci.image.config.v1+json", config.to_string().as_bytes());
    let manifest =
        json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "config": config, "layers": layers}).to_string();
    let top = layout.blob(OCI_MANIFEST, manifest.as_bytes());
    layout.push(&top, registry, repo, &format!("sha256-{}.sig", hex(digest)));
    manifest.into_bytes()
}

/// The in-toto statement cosign v3 `sign` writes for the image `digest`.
pub fn sign_statement(repo: &str, digest: &str) -> Vec<u8> {
    json!({"_type": "https://in-toto.io/Statement/v1", "subject": [{"name": repo, "digest": {"sha256": hex(digest)}}],
        "predicateType": SIGN_PREDICATE, "predicate": {}})
    .to_string()
    .into_bytes()
}

/// DSSE's pre-authentication encoding of an in-toto payload (DSSE `protocol.md`).
pub fn pae(payload: &[u8]) -> Vec<u8> {
    let mut message = format!("DSSEv1 {} {IN_TOTO} {} ", IN_TOTO.len(), payload.len()).into_bytes();
    message.extend_from_slice(payload);
    message
}

/// A Sigstore bundle v0.3 as cosign v3 `sign --key` writes it: a DSSE envelope of `statement`
/// signed by `signer`; the key is the trust root, so no certificate and no log entry.
pub fn dsse_bundle(signer: &Signer, statement: &[u8]) -> Vec<u8> {
    let signature = signer.sign(&pae(statement));
    json!({"mediaType": BUNDLE, "verificationMaterial": {"publicKey": {"hint": ""}, "tlogEntries": [],
            "timestampVerificationData": {}},
        "dsseEnvelope": {"payload": BASE64.encode(statement), "payloadType": IN_TOTO,
            "signatures": [{"sig": BASE64.encode(&signature), "keyid": ""}]}})
    .to_string()
    .into_bytes()
}

/// Pushes `bundles` as OCI 1.1 referrers of the image `digest` in `repo` at `host` (a
/// plain-HTTP registry, or a fault proxy in front of one): each a manifest of `artifactType` the
/// bundle's, with the image as its `subject`. With `fallback`, they are listed by the referrers
/// fallback index under the tag `sha256-HEX` too, as cosign does where the registry has no
/// referrers API. Sent with the distribution API's own requests, as cosign sends them (skopeo
/// 1.9 will not copy an index of artifacts byte for byte).
pub fn push_bundles(host: &str, repo: &str, digest: &str, bundles: &[Vec<u8>], fallback: bool) {
    let subject = fetch_manifest(host, repo, digest).expect("the signed image is in the registry");
    let subject_type =
        serde_json::from_slice::<Value>(&subject).ok().and_then(|m| m["mediaType"].as_str().map(str::to_owned));
    let descriptor = |media_type: &str, bytes: &[u8]| {
        let (digest, size) = push_blob(host, repo, bytes);
        json!({"mediaType": media_type, "digest": digest, "size": size})
    };
    let empty = descriptor("application/vnd.oci.empty.v1+json", b"{}");
    let annotations =
        json!({"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": SIGN_PREDICATE});
    let referrers: Vec<Value> = bundles
        .iter()
        .map(|bundle| {
            let manifest = json!({"schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE,
                "config": empty, "layers": [descriptor(BUNDLE, bundle)],
                "subject": {"mediaType": subject_type.as_deref().unwrap_or(OCI_INDEX), "digest": digest, "size": subject.len()},
                "annotations": annotations})
            .to_string();
            let listed = sha256(manifest.as_bytes());
            push_manifest(host, repo, &listed, OCI_MANIFEST, manifest.as_bytes());
            json!({"mediaType": OCI_MANIFEST, "digest": listed, "size": manifest.len(), "artifactType": BUNDLE,
                "annotations": annotations})
        })
        .collect();
    if fallback {
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": referrers}).to_string();
        push_manifest(host, repo, &format!("sha256-{}", hex(digest)), OCI_INDEX, index.as_bytes());
    }
}
