//! Where the registry credentials come from: flags and stdin, the environment, the Docker
//! config, or nowhere. The password never leaves this module in a printable form.

use super::docker_config;
use crate::credentials::{Credentials, IdentityToken, Stored};
use crate::error::Error;
use crate::reference::RegistryHost;
use std::fmt;
use std::path::PathBuf;

pub const USERNAME_ENV: &str = "ESSREGISTRY_USERNAME";
pub const PASSWORD_ENV: &str = "ESSREGISTRY_PASSWORD";

/// Named in messages, so a refused login says which credentials were tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    Flags,
    Environment,
    DockerConfig(PathBuf),
    /// The cluster's pull Secret, `namespace/name` (used by `status` when none are given).
    PullSecret(String),
    Anonymous,
}

impl fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialSource::Flags => f.write_str("--registry-username and --registry-password-stdin"),
            CredentialSource::Environment => write!(f, "{USERNAME_ENV} and {PASSWORD_ENV}"),
            CredentialSource::DockerConfig(path) => {
                write!(f, "the Docker config {}", path.display())
            }
            CredentialSource::PullSecret(name) => write!(f, "the pull Secret {name}"),
            CredentialSource::Anonymous => f.write_str("no credentials (anonymous)"),
        }
    }
}

/// The credentials chosen for the registry, first found wins.
#[derive(Debug, Clone)]
pub struct RegistryAuth {
    pub credentials: Option<Credentials>,
    /// A Docker config's OAuth2 refresh token: logs in to token services, but is no password
    /// (it cannot become a pull secret).
    pub identity_token: Option<IdentityToken>,
    pub source: CredentialSource,
    /// Said on stderr: a Docker config entry that could not be used, for example.
    pub warnings: Vec<String>,
}

impl RegistryAuth {
    /// `password_from_stdin` is what `--registry-password-stdin` read; `env` reads the
    /// environment (injected so tests do not touch the process environment).
    pub fn resolve(
        registry: &RegistryHost,
        username: Option<&str>,
        password_from_stdin: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Error> {
        let found = |credentials, source| {
            Ok(Self { credentials: Some(credentials), identity_token: None, source, warnings: vec![] })
        };
        match (username, password_from_stdin) {
            (Some(user), Some(password)) => {
                return found(Credentials::new(user, password), CredentialSource::Flags);
            }
            (Some(_), None) => {
                return Err(Error::usage(
                    "--registry-username needs --registry-password-stdin",
                    "pipe the password in: printf '%s' \"$PASSWORD\" | kubectl essregistry ... --registry-password-stdin",
                ));
            }
            (None, Some(_)) => {
                return Err(Error::usage(
                    "--registry-password-stdin needs --registry-username",
                    "name the user with --registry-username USER",
                ));
            }
            (None, None) => {}
        }
        match (env(USERNAME_ENV).filter(|v| !v.is_empty()), env(PASSWORD_ENV).filter(|v| !v.is_empty())) {
            (Some(user), Some(password)) => {
                return found(Credentials::new(user, password), CredentialSource::Environment);
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err(Error::usage(
                    format!("only one of {USERNAME_ENV} and {PASSWORD_ENV} is set"),
                    "set both, or neither",
                ));
            }
            (None, None) => {}
        }
        Ok(from_docker_config(registry, docker_config_path(&env)))
    }

    /// The Docker config's credentials for a registry that the flags and environment are not
    /// about: an upstream `mirror` copies from.
    pub fn from_docker_config(registry: &RegistryHost, env: &dyn Fn(&str) -> Option<String>) -> Self {
        from_docker_config(registry, docker_config_path(&env))
    }
}

fn docker_config_path(env: &impl Fn(&str) -> Option<String>) -> PathBuf {
    let dir = env("DOCKER_CONFIG")
        .map(PathBuf::from)
        // docker's home folder: USERPROFILE on Windows, where HOME is seldom set.
        .or_else(|| {
            env(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(|home| PathBuf::from(home).join(".docker"))
        })
        .unwrap_or_else(|| PathBuf::from(".docker"));
    dir.join("config.json")
}

/// Looks the registry up in the Docker config as docker does (`docker_config`). A config that
/// cannot be used is a warning, not a failure: the registry may not need credentials at all.
fn from_docker_config(registry: &RegistryHost, path: PathBuf) -> RegistryAuth {
    let mut auth =
        RegistryAuth { credentials: None, identity_token: None, source: CredentialSource::Anonymous, warnings: vec![] };
    if !path.exists() {
        return auth;
    }
    match docker_config::lookup(&path, registry.as_str()) {
        Ok(Some(Stored::Password(credentials))) => {
            auth.credentials = Some(credentials);
            auth.source = CredentialSource::DockerConfig(path);
        }
        Ok(Some(Stored::IdentityToken(token))) => {
            auth.identity_token = Some(token);
            auth.source = CredentialSource::DockerConfig(path);
        }
        Ok(None) => {}
        Err(error) => auth.warnings.push(format!("{error}; continuing without credentials")),
    }
    auth
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| map.get(key).cloned()
    }

    fn registry() -> RegistryHost {
        RegistryHost::parse("registry.local:5000").unwrap()
    }

    #[test]
    fn flags_win_over_the_environment() {
        let auth = RegistryAuth::resolve(
            &registry(),
            Some("flag-user"),
            Some("pw".into()),
            env(&[(USERNAME_ENV, "env-user"), (PASSWORD_ENV, "x")]),
        )
        .unwrap();
        assert_eq!(auth.source, CredentialSource::Flags);
        assert_eq!(auth.credentials.unwrap().username, "flag-user");
        assert!(RegistryAuth::resolve(&registry(), Some("u"), None, env(&[])).is_err());
        assert!(RegistryAuth::resolve(&registry(), None, Some("p".into()), env(&[])).is_err());
    }

    #[test]
    fn the_environment_needs_both_variables() {
        let auth =
            RegistryAuth::resolve(&registry(), None, None, env(&[(USERNAME_ENV, "u"), (PASSWORD_ENV, "p")])).unwrap();
        assert_eq!(auth.source, CredentialSource::Environment);
        let error = RegistryAuth::resolve(&registry(), None, None, env(&[(USERNAME_ENV, "u")])).unwrap_err();
        assert!(error.to_string().contains("only one of"));
    }

    #[test]
    fn debug_output_never_shows_the_password() {
        let shown = format!("{:?}", Credentials::new("admin", "s3cr3t-Pa55"));
        assert!(shown.contains("admin") && !shown.contains("s3cr3t"), "{shown}");
    }
}
