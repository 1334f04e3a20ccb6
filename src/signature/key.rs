//! A public key as `cosign generate-key-pair` writes `cosign.pub` (and as `openssl pkey -pubout`
//! does): one PEM block labelled `PUBLIC KEY` holding a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
//! ECDSA P-256 (RFC 5480), RSA (RFC 3279 §2.3.1) and Ed25519 (RFC 8410) keys are taken, the
//! kinds cosign signs with. Parsing is x509-parser's; verifying is ring's. Pure: bytes in.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use x509_parser::der_parser::oid::Oid;
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519};
use x509_parser::prelude::{FromDer, SubjectPublicKeyInfo};

/// What a key verifies with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// ECDSA over P-256 with SHA-256, the signature ASN.1 DER (cosign's default key).
    EcdsaP256,
    /// RSA with SHA-256: PKCS#1 v1.5 (what cosign and `openssl dgst -sign` write), or PSS.
    Rsa,
    /// Ed25519 (PureEdDSA over the message itself).
    Ed25519,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::EcdsaP256 => "ECDSA P-256",
            Kind::Rsa => "RSA",
            Kind::Ed25519 => "Ed25519",
        }
    }

    /// The algorithms a signature by such a key may be made with, as ring names them.
    fn algorithms(self) -> &'static [&'static dyn VerificationAlgorithm] {
        const ECDSA: [&dyn VerificationAlgorithm; 1] = [&signature::ECDSA_P256_SHA256_ASN1];
        const RSA: [&dyn VerificationAlgorithm; 2] =
            [&signature::RSA_PKCS1_2048_8192_SHA256, &signature::RSA_PSS_2048_8192_SHA256];
        const ED25519: [&dyn VerificationAlgorithm; 1] = [&signature::ED25519];
        match self {
            Kind::EcdsaP256 => &ECDSA,
            Kind::Rsa => &RSA,
            Kind::Ed25519 => &ED25519,
        }
    }
}

/// One `--verify-key`: its name as given (the file), its kind, and the key's bytes as ring takes
/// them (the uncompressed EC point, the DER RSAPublicKey, the 32 Ed25519 bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub kind: Kind,
    bytes: Vec<u8>,
}

impl Key {
    /// Reads the PEM text of the key file `name`. Errors: what is wrong with it, for a person
    /// ("holds a private key: give the public one, cosign.pub").
    pub fn parse(name: &str, pem: &[u8]) -> Result<Key, String> {
        let (_, block) = x509_parser::pem::parse_x509_pem(pem)
            .map_err(|_| "is not a PEM file (-----BEGIN PUBLIC KEY----- ...)".to_owned())?;
        match block.label.as_str() {
            "PUBLIC KEY" => {}
            label if label.contains("PRIVATE KEY") => {
                return Err(format!(
                    "holds a private key ({label}): give the public key, as cosign generate-key-pair writes it in cosign.pub"
                ));
            }
            label => return Err(format!("holds a {label}, not a PUBLIC KEY")),
        }
        let (_, spki) = SubjectPublicKeyInfo::from_der(&block.contents)
            .map_err(|e| format!("holds a PUBLIC KEY that cannot be read: {e}"))?;
        let algorithm = &spki.algorithm.algorithm;
        let kind = if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| Oid::try_from(p).ok());
            if curve.as_ref() != Some(&OID_EC_P256) {
                let named = curve.map_or_else(|| "no named curve".to_owned(), |oid| oid.to_id_string());
                return Err(format!(
                    "holds an EC key on {named}: only P-256 (prime256v1) keys are taken, as cosign makes them"
                ));
            }
            Kind::EcdsaP256
        } else if *algorithm == OID_PKCS1_RSAENCRYPTION {
            Kind::Rsa
        } else if *algorithm == OID_SIG_ED25519 {
            Kind::Ed25519
        } else {
            return Err(format!(
                "holds a key of algorithm {}: only ECDSA P-256, RSA and Ed25519 keys are taken",
                algorithm.to_id_string()
            ));
        };
        Ok(Key { name: name.to_owned(), kind, bytes: spki.subject_public_key.data.to_vec() })
    }

    /// Whether `signature` is this key's over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        self.kind
            .algorithms()
            .iter()
            .any(|algorithm| UnparsedPublicKey::new(*algorithm, &self.bytes).verify(message, signature).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_key_a_certificate_and_garbage_are_refused_with_what_they_are() {
        let private = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoa/HRlboYrMl8qIg5\n-----END PRIVATE KEY-----\n";
        assert!(Key::parse("k", private.as_bytes()).unwrap_err().contains("private key"));
        assert!(Key::parse("k", b"hello").unwrap_err().contains("not a PEM file"));
        let cert = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
        assert!(Key::parse("k", cert.as_bytes()).unwrap_err().contains("CERTIFICATE"));
    }

    #[test]
    fn an_ed25519_public_key_is_read() {
        // Made with `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`.
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEALfkZb1Hrw98SL5r9K7CwF/fzxD2wynpkVjah/fDZMeI=\n-----END PUBLIC KEY-----\n";
        let key = Key::parse("cosign.pub", pem.as_bytes()).unwrap();
        assert_eq!((key.kind, key.bytes.len()), (Kind::Ed25519, 32));
        assert!(!key.verifies(b"message", &[0; 64]));
    }
}
