//! Validated pieces of an image reference: registry host, repository path, tag, digest.
//!
//! Each type can only be built from text that a registry would accept, so the rest of the code
//! never re-checks strings. The grammar follows the distribution reference grammar, kept strict
//! (lower case paths, sha256 digests only) because the ESS Operator and containerd are.

use serde::Serialize;
use std::collections::HashMap;
use std::fmt;

/// A registry host with an optional port, as it appears in front of an image path.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RegistryHost(String);

impl RegistryHost {
    /// Docker Hub, under any of the names docker's reference parser takes for it.
    pub fn is_docker_hub(&self) -> bool {
        crate::registry::DOCKER_HUB.contains(&self.as_str())
    }

    /// The host named most often, the first in name order among equals.
    pub fn most_used<'a>(hosts: impl IntoIterator<Item = &'a RegistryHost>) -> Option<RegistryHost> {
        let mut counts: HashMap<&RegistryHost, usize> = HashMap::new();
        for host in hosts {
            *counts.entry(host).or_default() += 1;
        }
        counts
            .into_iter()
            .max_by_key(|(host, count)| (*count, std::cmp::Reverse(host.as_str())))
            .map(|(h, _)| h.clone())
    }

    /// Accepts `host`, `host:port`, `[v6]:port`; rejects a scheme, a path, spaces and empty parts.
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("is empty".into());
        }
        if let Some((scheme, _)) = text.split_once("://") {
            return Err(format!("must be a host[:port] without a scheme (remove \"{scheme}://\")"));
        }
        if text.contains('/') {
            return Err("must be a host[:port] without a path".into());
        }
        let (host, port) = split_port(text)?;
        let valid_host = if host.starts_with('[') && host.ends_with(']') {
            host.len() > 2 && host[1..host.len() - 1].chars().all(|c| c.is_ascii_hexdigit() || c == ':')
        } else {
            !host.is_empty() && host.split('.').all(is_dns_label)
        };
        if !valid_host {
            return Err("is not a valid host name (letters, digits, '-' and '.')".into());
        }
        if let Some(port) = port
            && (port.is_empty()
                || port.len() > 5
                || !port.bytes().all(|b| b.is_ascii_digit())
                || port.parse::<u32>().map_or(true, |p| p == 0 || p > 65535))
        {
            return Err(format!("has an invalid port \"{port}\""));
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn split_port(text: &str) -> Result<(&str, Option<&str>), String> {
    if text.starts_with('[') {
        return match text.find(']') {
            Some(end) if end + 1 == text.len() => Ok((text, None)),
            Some(end) if text.as_bytes()[end + 1] == b':' => Ok((&text[..=end], Some(&text[end + 2..]))),
            _ => Err("has an unterminated IPv6 address".into()),
        };
    }
    Ok(match text.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (text, None),
    })
}

fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

impl fmt::Display for RegistryHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A repository path inside a registry: lower-case components separated by `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RepoPath(String);

impl RepoPath {
    pub fn parse(text: &str) -> Result<Self, String> {
        if text.is_empty() {
            return Err("is empty".into());
        }
        if text.len() > 255 {
            return Err("is longer than 255 characters".into());
        }
        for component in text.split('/') {
            if let Some(problem) = path_component_problem(component) {
                return Err(format!("has an invalid component \"{component}\": {problem}"));
            }
        }
        Ok(Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path as `server` serves it: on Docker Hub a one-component name is an official image,
    /// `library/NAME`, as docker, containerd, skopeo and kubelet all normalise it
    /// (distribution/reference's `ParseNormalizedNamed`); elsewhere the path as written.
    pub fn normalized_on(&self, server: &RegistryHost) -> RepoPath {
        if server.is_docker_hub() && !self.0.contains('/') {
            RepoPath(format!("library/{}", self.0))
        } else {
            self.clone()
        }
    }

    /// The last component, used by the `flat` layout.
    pub fn last_component(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// Joins two paths that are each valid, which keeps the result valid.
    pub fn join(&self, rest: &RepoPath) -> RepoPath {
        RepoPath(format!("{}/{}", self.0, rest.0))
    }
}

/// Distribution's path-component rule: alphanumeric runs joined by `.`, `_`, `__` or dashes.
fn path_component_problem(component: &str) -> Option<&'static str> {
    if component.is_empty() {
        return Some("empty (a leading, trailing or doubled '/')");
    }
    if component.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("upper-case letters are not allowed");
    }
    if component.bytes().any(|b| b.is_ascii_whitespace()) {
        return Some("spaces are not allowed");
    }
    let bytes = component.as_bytes();
    if !bytes[0].is_ascii_alphanumeric() || !bytes[bytes.len() - 1].is_ascii_alphanumeric() {
        return Some("must start and end with a letter or digit");
    }
    let mut separator = String::new();
    for &b in bytes {
        if b.is_ascii_lowercase() || b.is_ascii_digit() {
            if !matches!(separator.as_str(), "" | "." | "_" | "__") && !separator.bytes().all(|s| s == b'-') {
                return Some("only '.', '_', '__' or dashes may separate letters and digits");
            }
            separator.clear();
        } else if matches!(b, b'.' | b'_' | b'-') {
            separator.push(b as char);
        } else {
            return Some("only lower-case letters, digits, '.', '_' and '-' are allowed");
        }
    }
    None
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An image tag: up to 128 characters of letters, digits, `_`, `.`, `-`, not starting with `.`/`-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Tag(String);

impl Tag {
    pub fn parse(text: &str) -> Result<Self, String> {
        let valid = !text.is_empty()
            && text.len() <= 128
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
            && !text.starts_with(['.', '-']);
        if valid {
            Ok(Self(text.to_owned()))
        } else {
            Err("is not a valid tag (up to 128 letters, digits, '_', '.', '-')".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A sha256 manifest digest. Other algorithms are refused: the Operator and the registries
/// ESS is deployed with address manifests by sha256 only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Digest(String);

const NOT_SHA256: &str = "is not a sha256 digest (expected sha256: and 64 lower-case hex digits)";

impl Digest {
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((algorithm, hex)) = text.split_once(':') else {
            return Err(NOT_SHA256.into());
        };
        if algorithm != "sha256" {
            return Err(format!("uses the digest algorithm \"{algorithm}\"; only sha256 is supported"));
        }
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(NOT_SHA256.into());
        }
        Ok(Self(text.to_owned()))
    }

    /// The digest of some bytes, for registries that do not send `Docker-Content-Digest`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::{Digest as _, Sha256};
        let hash = Sha256::digest(bytes);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        Self(format!("sha256:{hex}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `sha256:` and the first 12 hex digits, for tables.
    pub fn short(&self) -> &str {
        &self.0[..self.0.len().min(19)]
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        for ok in ["docker.io", "localregistry.local", "127.0.0.1:5000", "[::1]:5000", "reg-1.example"] {
            assert!(RegistryHost::parse(ok).is_ok(), "{ok}");
        }
        assert!(RegistryHost::parse("https://reg.local").unwrap_err().contains("scheme"));
        assert!(RegistryHost::parse("reg.local/path").unwrap_err().contains("path"));
        assert!(RegistryHost::parse("reg.local:99999").unwrap_err().contains("port"));
        assert!(RegistryHost::parse("reg local").is_err());
        assert!(RegistryHost::parse("-reg.local").is_err());
        assert!(RegistryHost::parse("").is_err());
    }

    #[test]
    fn paths() {
        for ok in ["library/haproxy", "ems-image-store/enterprise/pipe", "a__b/c.d/e--f"] {
            assert!(RepoPath::parse(ok).is_ok(), "{ok}");
        }
        assert!(RepoPath::parse("Library/haproxy").unwrap_err().contains("upper-case"));
        assert!(RepoPath::parse("../etc").is_err());
        assert!(RepoPath::parse("a/../b").is_err());
        assert!(RepoPath::parse("a b").unwrap_err().contains("spaces"));
        assert!(RepoPath::parse("a//b").unwrap_err().contains("empty"));
        assert!(RepoPath::parse("/a").is_err());
        assert!(RepoPath::parse("a___b").is_err());
        assert_eq!(RepoPath::parse("a/b/c").unwrap().last_component(), "c");
    }

    #[test]
    fn tags_and_digests() {
        assert!(Tag::parse("2.8-alpine").is_ok());
        assert!(Tag::parse("-x").is_err());
        assert!(Tag::parse("a:b").is_err());
        let hex = "75fc37d6372cc22410bdd6ad0191a8dfeababef2a7d8d585694f21b73c2bb3d6";
        assert!(Digest::parse(&format!("sha256:{hex}")).is_ok());
        assert!(Digest::parse("sha256:zz").unwrap_err().contains("not a sha256"));
        assert!(Digest::parse(&format!("sha512:{hex}")).unwrap_err().contains("sha512"));
        assert!(Digest::parse(&format!("sha256:{}", hex.to_uppercase())).is_err());
        assert_eq!(Digest::of(b"").as_str(), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
