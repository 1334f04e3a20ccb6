//! `--verify-key`: whether an image is signed by one of the given keys over its pinned digest,
//! offline. Pure: the signatures gathered (by `signed::gather`, over the registry adapter or a
//! bundle) come in as bytes, a verdict goes out. An image counts as signed only when one of its
//! signatures both verifies with one of the keys and names the pinned digest, as
//! `cosign verify --key` requires.

pub mod attached;
pub mod bundle;
pub mod key;
pub mod payload;

use crate::reference::Digest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
pub use key::Key;

/// One signature found for an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// A layer of the `sha256-HEX.sig` manifest: the simple-signing payload's bytes and the base64
    /// signature of its `dev.cosignproject.cosign/signature` annotation.
    SimpleSigning { payload: Vec<u8>, signature: String },
    /// A Sigstore bundle's bytes, from a referrer of the image.
    Bundle(Vec<u8>),
}

impl Evidence {
    fn noun(&self) -> &'static str {
        match self {
            Evidence::SimpleSigning { .. } => "a .sig signature",
            Evidence::Bundle(_) => "a Sigstore bundle",
        }
    }
}

/// What one signature proves.
enum Check {
    /// Made by `key` over `digests` (a statement may name several subjects).
    Signed { key: String, digests: Vec<String> },
    /// Made by none of the keys.
    Foreign,
    /// Cannot be read as a signature; why.
    Unreadable(String),
}

/// Whether `evidence` signs `digest` with one of `keys`. `manifest` is the image's manifest
/// (its bytes hash to `digest`), over which a bundle's message signature is made; None when
/// not read. Ok: the key that signed. Err: why the image is unsigned, for a person.
pub fn verify(keys: &[Key], digest: &Digest, evidence: &[Evidence], manifest: Option<&[u8]>) -> Result<String, String> {
    if evidence.is_empty() {
        return Err(format!(
            "no signature: neither a {} tag nor a Sigstore bundle among its referrers",
            crate::oci::attached_tag(digest, ".sig")
        ));
    }
    let checks: Vec<(&Evidence, Check)> = evidence.iter().map(|e| (e, check(keys, e, manifest))).collect();
    if let Some(key) = checks.iter().find_map(|(_, check)| match check {
        Check::Signed { key, digests } if digests.iter().any(|signed| signed == digest.as_str()) => Some(key.clone()),
        _ => None,
    }) {
        return Ok(key);
    }
    if let Some((key, other)) = checks.iter().find_map(|(_, check)| match check {
        Check::Signed { key, digests } => Some((key, digests)),
        _ => None,
    }) {
        let other = if other.is_empty() { "no digest".to_owned() } else { other.join(", ") };
        return Err(format!("signed by {key}, but over {other}, not the pinned {}", digest.as_str()));
    }
    let names: Vec<&str> = keys.iter().map(|key| key.name.as_str()).collect();
    let mut reason = format!(
        "{} signature{} found, none made by {}",
        evidence.len(),
        if evidence.len() == 1 { "" } else { "s" },
        names.join(" or ")
    );
    if let Some((evidence, why)) = checks.iter().find_map(|(e, check)| match check {
        Check::Unreadable(why) => Some((e, why)),
        _ => None,
    }) {
        reason.push_str(&format!(" ({} was not read: {why})", evidence.noun()));
    }
    Err(reason)
}

fn check(keys: &[Key], evidence: &Evidence, manifest: Option<&[u8]>) -> Check {
    let signed_by = |message: &[u8], signature: &[u8]| {
        keys.iter().find(|key| key.verifies(message, signature)).map(|key| key.name.clone())
    };
    let outcome = match evidence {
        Evidence::SimpleSigning { payload, signature } => STANDARD
            .decode(signature.trim())
            .map_err(|e| format!("its signature annotation is not base64 ({e})"))
            .and_then(|signature| match signed_by(payload, &signature) {
                None => Ok(None),
                Some(key) => payload::signed_digest(payload).map(|digest| Some((key, vec![digest]))),
            }),
        Evidence::Bundle(bytes) => {
            bundle::parse(bytes).and_then(|content| bundle_signed(&content, manifest, signed_by))
        }
    };
    match outcome {
        Ok(Some((key, digests))) => Check::Signed { key, digests },
        Ok(None) => Check::Foreign,
        Err(why) => Check::Unreadable(why),
    }
}

/// The key and digest a bundle's content proves. A message signature is over the manifest's
/// bytes, so it is checked against them; a DSSE envelope names its digest in its statement.
fn bundle_signed(
    content: &bundle::Content,
    manifest: Option<&[u8]>,
    signed_by: impl Fn(&[u8], &[u8]) -> Option<String>,
) -> Result<Option<(String, Vec<String>)>, String> {
    match content {
        bundle::Content::Message { digest, signature } => {
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            let named = format!("sha256:{hex}");
            let Some(manifest) = manifest.filter(|manifest| Digest::of(manifest).as_str() == named) else {
                // The bytes it signs are not at hand: another manifest than the image's.
                return Err(format!("its message signature is over {named}, another manifest than the image's"));
            };
            Ok(signed_by(manifest, signature).map(|key| (key, vec![named])))
        }
        bundle::Content::Dsse { payload_type, payload, signatures } => {
            let message = bundle::pae(payload_type, payload);
            let Some(key) = signatures.iter().find_map(|signature| signed_by(&message, signature)) else {
                return Ok(None);
            };
            Ok(Some((key, bundle::signed_digests(payload_type, payload)?)))
        }
    }
}

#[cfg(test)]
mod tests;
