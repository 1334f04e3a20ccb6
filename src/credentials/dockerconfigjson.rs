//! The `auths` format of the Docker config and of a `kubernetes.io/dockerconfigjson` Secret,
//! read as docker reads it and written as `kubectl create secret docker-registry` writes it.
//! Reading: the entry whose key names the host (with or without a scheme and path); an `auth`
//! value is base64 of `user:password`, split at the first colon, line breaks inside it ignored
//! as Go's base64 decoder ignores them; `identitytoken` is an OAuth2 refresh token.

use super::{Credentials, IdentityToken, Stored};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `auths` map, by the key as written.
pub type Auths = BTreeMap<String, AuthEntry>;

#[derive(Debug, Default, Deserialize)]
pub struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    auths: Auths,
}

/// What `auths` holds for `host` (`HOST[:PORT]`). Errors say which entry is broken without
/// quoting it.
pub fn lookup(auths: &Auths, host: &str) -> Result<Option<Stored>, String> {
    entry_for(auths, host).map(|(key, entry)| decode_entry(entry, key)).transpose().map(Option::flatten)
}

/// The username and password a `.dockerconfigjson` (a pull Secret's) holds for `host`.
pub fn read(json: &[u8], host: &str) -> Option<Credentials> {
    let document: Document = serde_json::from_slice(json).ok()?;
    match lookup(&document.auths, host) {
        Ok(Some(Stored::Password(credentials))) => Some(credentials),
        _ => None,
    }
}

/// `{"auths":{SERVER:{"username":..,"password":..,"auth":base64(user:password)}}}` with Go's
/// encoding/json escaping (`<`, `>`, `&`, U+2028, U+2029), so the bytes equal kubectl's.
pub fn write(server: &str, credentials: &Credentials) -> Vec<u8> {
    #[derive(Serialize)]
    struct Entry<'a> {
        username: &'a str,
        password: &'a str,
        auth: String,
    }
    let auth = STANDARD.encode(format!("{}:{}", credentials.username, credentials.password()));
    let entry = Entry { username: &credentials.username, password: credentials.password(), auth };
    let auths = BTreeMap::from([("auths", BTreeMap::from([(server, entry)]))]);
    let json = serde_json::to_string(&auths).expect("strings always serialise");
    json.replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
        .into_bytes()
}

/// The entry whose key, stripped of a scheme and a path as docker strips them, is `host`.
fn entry_for<'a>(auths: &'a Auths, host: &str) -> Option<(&'a str, &'a AuthEntry)> {
    if let Some((key, entry)) = auths.get_key_value(host) {
        return Some((key, entry));
    }
    auths.iter().find(|(key, _)| hostname_of(key) == host).map(|(key, entry)| (key.as_str(), entry))
}

fn hostname_of(key: &str) -> &str {
    let rest = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    rest.split('/').next().unwrap_or(rest)
}

fn decode_entry(entry: &AuthEntry, key: &str) -> Result<Option<Stored>, String> {
    if let Some(token) = entry.identitytoken.as_deref().filter(|t| !t.is_empty()) {
        return Ok(Some(Stored::IdentityToken(IdentityToken::new(token))));
    }
    if let Some(auth) = entry.auth.as_deref().filter(|a| !a.trim().is_empty()) {
        return decode_auth(auth)
            .map(|c| Some(Stored::Password(c)))
            .ok_or_else(|| format!("the auth entry for {key} is not base64 of user:password"));
    }
    match (&entry.username, &entry.password) {
        (Some(user), Some(password)) if !user.is_empty() => {
            Ok(Some(Stored::Password(Credentials::new(user.as_str(), password.as_str()))))
        }
        _ => Ok(None),
    }
}

fn decode_auth(auth: &str) -> Option<Credentials> {
    let compact: String = auth.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let decoded = String::from_utf8(engine.decode(compact.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    (!user.is_empty()).then(|| Credentials::new(user, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pull_secret_reads_back() {
        let json = write("registry.local:5000", &Credentials::new("u", "p&q"));
        assert_eq!(read(&json, "registry.local:5000"), Some(Credentials::new("u", "p&q")));
        let auth_only = br#"{"auths":{"https://registry.local:5000":{"auth":"dTpw"}}}"#;
        assert_eq!(read(auth_only, "registry.local:5000"), Some(Credentials::new("u", "p")));
        assert_eq!(read(b"{}", "registry.local:5000"), None);
    }
}
