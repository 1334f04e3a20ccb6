//! A Sigstore bundle (protobuf-specs `sigstore_bundle.proto`, JSON form, media type
//! `application/vnd.dev.sigstore.bundle.v0.3+json`), as cosign attaches it to an image as an
//! OCI 1.1 referrer (cosign `specs/BUNDLE_SPEC.md`). Its content is one of:
//! - `messageSignature`: `messageDigest` (`SHA2_256`, base64) and a `signature` over the artifact
//!   itself; for an image the artifact is its manifest, so the digest must be the image's;
//! - `dsseEnvelope`: what cosign v3 `sign` writes for an image: a DSSE envelope (secure-systems-lab
//!   DSSE `protocol.md`) whose signatures are over PAE(payloadType, payload), the payload an
//!   in-toto Statement v1 with `predicateType` `https://sigstore.dev/cosign/sign/v1` and the
//!   image's digest as its subject.
//!
//! Only the key-signed parts are read: a key given with `--verify-key` is the trust root, so
//! the verification material's certificate chain and transparency-log entries are not needed
//! (nor reachable, offline). Pure.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// The media types of bundles (v0.1 to v0.3): what a referrer's `artifactType` starts with.
pub const MEDIA_TYPE_PREFIX: &str = "application/vnd.dev.sigstore.bundle";
/// The in-toto predicate type of a cosign v3 image signature.
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";
const IN_TOTO: &str = "application/vnd.in-toto+json";

/// What a bundle signs, and its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// `signature` over the artifact whose sha256 is `digest` (32 bytes).
    Message { digest: Vec<u8>, signature: Vec<u8> },
    /// `signatures` over `pae(payload_type, payload)`.
    Dsse { payload_type: String, payload: Vec<u8>, signatures: Vec<Vec<u8>> },
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Bundle {
    #[serde(default)]
    media_type: String,
    message_signature: Option<MessageSignature>,
    dsse_envelope: Option<Envelope>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageSignature {
    message_digest: MessageDigest,
    signature: String,
}

#[derive(Deserialize)]
struct MessageDigest {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Envelope {
    payload: String,
    payload_type: String,
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Deserialize)]
struct EnvelopeSignature {
    sig: String,
}

fn base64(text: &str, what: &str) -> Result<Vec<u8>, String> {
    STANDARD.decode(text.trim()).map_err(|e| format!("its {what} is not base64 ({e})"))
}

/// Reads a bundle's JSON. Errors: not a bundle, or neither content form, for a person.
pub fn parse(bytes: &[u8]) -> Result<Content, String> {
    let bundle: Bundle =
        serde_json::from_slice(bytes).map_err(|e| format!("its Sigstore bundle is not valid JSON ({e})"))?;
    if !bundle.media_type.starts_with(MEDIA_TYPE_PREFIX) {
        return Err(format!("its bundle has the media type \"{}\", not a Sigstore bundle's", bundle.media_type));
    }
    match (bundle.message_signature, bundle.dsse_envelope) {
        (Some(message), _) => {
            if message.message_digest.algorithm != "SHA2_256" {
                return Err(format!(
                    "its bundle's message digest is {}, and only SHA2_256 names an image",
                    message.message_digest.algorithm
                ));
            }
            Ok(Content::Message {
                digest: base64(&message.message_digest.digest, "message digest")?,
                signature: base64(&message.signature, "message signature")?,
            })
        }
        (None, Some(envelope)) => Ok(Content::Dsse {
            payload: base64(&envelope.payload, "DSSE payload")?,
            signatures: envelope
                .signatures
                .iter()
                .map(|s| base64(&s.sig, "DSSE signature"))
                .collect::<Result<_, _>>()?,
            payload_type: envelope.payload_type,
        }),
        (None, None) => Err("its bundle holds neither a messageSignature nor a dsseEnvelope".into()),
    }
}

/// DSSE's pre-authentication encoding, what an envelope's signatures are over:
/// `"DSSEv1" SP len(type) SP type SP len(body) SP body`, lengths in ASCII decimal bytes.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut encoded = format!("DSSEv1 {} {payload_type} {} ", payload_type.len(), payload.len()).into_bytes();
    encoded.extend_from_slice(payload);
    encoded
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Statement {
    predicate_type: String,
    subject: Vec<Subject>,
}

#[derive(Deserialize)]
struct Subject {
    digest: std::collections::BTreeMap<String, String>,
}

/// The image digests (`sha256:HEX`) a DSSE payload signs as cosign v3 `sign` writes it: an in-toto
/// statement of predicate type `SIGN_PREDICATE`. Errors: another payload or predicate (an
/// attestation is no signature of the image).
pub fn signed_digests(payload_type: &str, payload: &[u8]) -> Result<Vec<String>, String> {
    if payload_type != IN_TOTO {
        return Err(format!("its DSSE payload is {payload_type}, not an in-toto statement"));
    }
    let statement: Statement =
        serde_json::from_slice(payload).map_err(|e| format!("its DSSE payload is not an in-toto statement ({e})"))?;
    if statement.predicate_type != SIGN_PREDICATE {
        return Err(format!(
            "its bundle is an attestation ({}), not a cosign signature ({SIGN_PREDICATE})",
            statement.predicate_type
        ));
    }
    Ok(statement.subject.iter().filter_map(|s| s.digest.get("sha256")).map(|hex| format!("sha256:{hex}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_is_dsse_v1() {
        // The example of DSSE's protocol.md.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn both_contents_are_read_and_other_documents_refused() {
        let message = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{},
            "messageSignature":{"messageDigest":{"algorithm":"SHA2_256","digest":"AAEC"},"signature":"AwQ="}}"#;
        assert_eq!(parse(message).unwrap(), Content::Message { digest: vec![0, 1, 2], signature: vec![3, 4] });
        let dsse = br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json",
            "dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AQ==","keyid":""}]}}"#;
        let Content::Dsse { payload, signatures, .. } = parse(dsse).unwrap() else { panic!("a DSSE bundle") };
        assert_eq!((payload, signatures), (b"{}".to_vec(), vec![vec![1]]));
        assert!(parse(br#"{"mediaType":"x"}"#).unwrap_err().contains("not a Sigstore bundle"));
        assert!(
            parse(br#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}"#).unwrap_err().contains("neither")
        );
    }

    #[test]
    fn only_a_cosign_sign_statement_names_images() {
        let statement = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"","digest":{"sha256":"ab"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1","predicate":{}}"#;
        assert_eq!(signed_digests(IN_TOTO, statement).unwrap(), ["sha256:ab"]);
        let slsa = br#"{"subject":[{"digest":{"sha256":"ab"}}],"predicateType":"https://slsa.dev/provenance/v1"}"#;
        assert!(signed_digests(IN_TOTO, slsa).unwrap_err().contains("attestation"));
        assert!(signed_digests("text/plain", statement).is_err());
    }
}
