//! The verdicts, with keys and signatures ring makes here; `tests/verify_key.rs` holds the
//! plugin to openssl's signatures and verdicts.

use super::*;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair};

/// The DER SubjectPublicKeyInfo prefixes of RFC 8410 (Ed25519) and RFC 5480 (P-256) keys.
const ED25519_SPKI: &str = "302a300506032b6570032100";
const P256_SPKI: &str = "3059301306072a8648ce3d020106082a8648ce3d030107034200";

fn pem(prefix_hex: &str, point: &[u8]) -> String {
    let mut der: Vec<u8> =
        (0..prefix_hex.len()).step_by(2).map(|i| u8::from_str_radix(&prefix_hex[i..i + 2], 16).unwrap()).collect();
    der.extend_from_slice(point);
    format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", STANDARD.encode(der))
}

/// A signer and its public key as `--verify-key` reads it.
type Sign = Box<dyn Fn(&[u8]) -> Vec<u8>>;
struct Signer(Sign, Key);

fn ed25519(seed: u8, name: &str) -> Signer {
    let pair = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
    let key = Key::parse(name, pem(ED25519_SPKI, pair.public_key().as_ref()).as_bytes()).unwrap();
    Signer(Box::new(move |message| pair.sign(message).as_ref().to_vec()), key)
}

fn p256(name: &str) -> Signer {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let key = Key::parse(name, pem(P256_SPKI, pair.public_key().as_ref()).as_bytes()).unwrap();
    Signer(Box::new(move |message| pair.sign(&SystemRandom::new(), message).unwrap().as_ref().to_vec()), key)
}

fn simple(signer: &Signer, digest: &Digest) -> Evidence {
    let payload = format!(
        r#"{{"critical":{{"identity":{{"docker-reference":"r/x"}},"image":{{"docker-manifest-digest":"{digest}"}},"type":"cosign container image signature"}},"optional":null}}"#
    )
    .into_bytes();
    Evidence::SimpleSigning { signature: STANDARD.encode((signer.0)(&payload)), payload }
}

fn dsse(signer: &Signer, digest: &Digest, predicate: &str) -> Evidence {
    let statement = format!(
        r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"digest":{{"sha256":"{}"}}}}],"predicateType":"{predicate}","predicate":{{}}}}"#,
        &digest.as_str()[7..]
    );
    let signature = (signer.0)(&bundle::pae("application/vnd.in-toto+json", statement.as_bytes()));
    Evidence::Bundle(
        serde_json::json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", "verificationMaterial": {"publicKey": {"hint": ""}},
            "dsseEnvelope": {"payload": STANDARD.encode(&statement), "payloadType": "application/vnd.in-toto+json",
                "signatures": [{"sig": STANDARD.encode(signature), "keyid": ""}]}})
        .to_string()
        .into_bytes(),
    )
}

fn message(signer: &Signer, manifest: &[u8]) -> Evidence {
    let digest = ring::digest::digest(&ring::digest::SHA256, manifest);
    Evidence::Bundle(
        serde_json::json!({"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "messageSignature": {"messageDigest": {"algorithm": "SHA2_256", "digest": STANDARD.encode(digest)},
                "signature": STANDARD.encode((signer.0)(manifest))}})
        .to_string()
        .into_bytes(),
    )
}

#[test]
fn a_simple_signing_payload_by_a_given_key_over_the_pinned_digest_is_signed() {
    let pinned = Digest::of(b"manifest");
    for signer in [ed25519(1, "ed.pub"), p256("cosign.pub")] {
        let other = ed25519(9, "other.pub");
        let keys = [other.1.clone(), signer.1.clone()];
        assert_eq!(verify(&keys, &pinned, &[simple(&signer, &pinned)], None), Ok(signer.1.name.clone()));
    }
}

#[test]
fn missing_foreign_and_misdirected_signatures_are_unsigned_with_the_reason() {
    let pinned = Digest::of(b"manifest");
    let (ours, theirs) = (ed25519(1, "cosign.pub"), ed25519(2, "theirs.pub"));
    let keys = [ours.1.clone()];
    let none = verify(&keys, &pinned, &[], None).unwrap_err();
    assert!(none.starts_with("no signature") && none.contains(&crate::oci::attached_tag(&pinned, ".sig")), "{none}");
    let foreign = verify(&keys, &pinned, &[simple(&theirs, &pinned)], None).unwrap_err();
    assert_eq!(foreign, "1 signature found, none made by cosign.pub");
    let elsewhere = verify(&keys, &pinned, &[simple(&ours, &Digest::of(b"other"))], None).unwrap_err();
    assert!(elsewhere.starts_with("signed by cosign.pub, but over sha256:") && elsewhere.ends_with(pinned.as_str()));
    // A good one among them is enough.
    let mixed = [simple(&theirs, &pinned), simple(&ours, &Digest::of(b"other")), simple(&ours, &pinned)];
    assert_eq!(verify(&keys, &pinned, &mixed, None), Ok("cosign.pub".into()));
}

#[test]
fn a_tampered_payload_or_annotation_is_no_signature() {
    let pinned = Digest::of(b"manifest");
    let ours = ed25519(1, "cosign.pub");
    let Evidence::SimpleSigning { mut payload, signature } = simple(&ours, &pinned) else { unreachable!() };
    payload.push(b' ');
    let tampered = Evidence::SimpleSigning { payload: payload.clone(), signature };
    assert!(verify(std::slice::from_ref(&ours.1), &pinned, &[tampered], None).unwrap_err().contains("none made by"));
    let garbled = Evidence::SimpleSigning { payload, signature: "%%".into() };
    assert!(verify(std::slice::from_ref(&ours.1), &pinned, &[garbled], None).unwrap_err().contains("not base64"));
}

#[test]
fn a_cosign_v3_dsse_bundle_signs_the_digest_of_its_statement() {
    let pinned = Digest::of(b"manifest");
    let (ours, theirs) = (p256("cosign.pub"), ed25519(2, "theirs.pub"));
    let keys = [ours.1.clone()];
    assert_eq!(verify(&keys, &pinned, &[dsse(&ours, &pinned, bundle::SIGN_PREDICATE)], None), Ok("cosign.pub".into()));
    assert!(verify(&keys, &pinned, &[dsse(&theirs, &pinned, bundle::SIGN_PREDICATE)], None).is_err());
    let other = verify(&keys, &pinned, &[dsse(&ours, &Digest::of(b"x"), bundle::SIGN_PREDICATE)], None).unwrap_err();
    assert!(other.contains("but over"), "{other}");
    let attestation = verify(&keys, &pinned, &[dsse(&ours, &pinned, "https://slsa.dev/provenance/v1")], None);
    assert!(attestation.unwrap_err().contains("an attestation"));
}

#[test]
fn a_message_signature_bundle_is_over_the_image_manifest() {
    let manifest = br#"{"schemaVersion":2}"#;
    let pinned = Digest::of(manifest);
    let ours = ed25519(1, "cosign.pub");
    let keys = [ours.1.clone()];
    assert_eq!(verify(&keys, &pinned, &[message(&ours, manifest)], Some(manifest)), Ok("cosign.pub".into()));
    let elsewhere = verify(&keys, &pinned, &[message(&ours, b"another manifest")], Some(manifest)).unwrap_err();
    assert!(elsewhere.contains("another manifest than the image's"), "{elsewhere}");
    assert!(verify(&[ed25519(3, "x.pub").1], &pinned, &[message(&ours, manifest)], Some(manifest)).is_err());
}
