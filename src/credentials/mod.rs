//! Registry credentials, and the one format they are kept in on disk and in the cluster: the
//! Docker config's `auths` (`dockerconfigjson`). The registry adapter reads them from the Docker
//! config; the cluster adapter writes them into a pull Secret and `status` reads them back, all
//! through `dockerconfigjson`. Nothing here prints a secret.

pub mod dockerconfigjson;

use std::fmt;

/// A username and password. `Debug` is written by hand so the password cannot be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    password: String,
}

impl Credentials {
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Self { username: username.into(), password: password.into() }
    }

    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"<redacted>").finish()
    }
}

/// An OAuth2 refresh token (`docker login` to a registry whose token service issues them).
/// `Debug` is written by hand so the token cannot be printed.
#[derive(Clone, PartialEq, Eq)]
pub struct IdentityToken(String);

impl IdentityToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IdentityToken(<redacted>)")
    }
}

/// What a Docker config (or a credential helper) holds for one registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    Password(Credentials),
    IdentityToken(IdentityToken),
}
