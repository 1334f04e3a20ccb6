//! Credentials from the Docker config, found as docker finds them: `credHelpers` for the host,
//! else `credsStore`, else the `auths` entry for the host (decoded by `dockerconfigjson`).

use crate::credentials::dockerconfigjson::{self, Auths};
use crate::credentials::{Credentials, IdentityToken, Stored};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

#[derive(Debug, Default, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    auths: Auths,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: BTreeMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

/// Looks `host` (`HOST[:PORT]`) up in a config.json. Errors say what is wrong without quoting
/// any secret.
pub fn lookup(path: &Path, host: &str) -> Result<Option<Stored>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let config: ConfigFile =
        serde_json::from_slice(&text).map_err(|e| format!("{} is not a Docker config ({e})", path.display()))?;
    // Docker Hub's credentials are kept under its index (`https://index.docker.io/v1/`, by
    // `docker login`) or, by podman and skopeo, under `docker.io`.
    let host = if DOCKER_HUB.contains(&host) { DOCKER_HUB[0] } else { host };
    let helper = config.cred_helpers.get(host).or(config.creds_store.as_ref()).filter(|h| !h.is_empty());
    if let Some(helper) = helper {
        return run_helper(helper, if host == DOCKER_HUB[0] { DOCKER_HUB_INDEX } else { host });
    }
    match dockerconfigjson::lookup(&config.auths, host)? {
        None if host == DOCKER_HUB[0] => dockerconfigjson::lookup(&config.auths, DOCKER_HUB[1]),
        found => Ok(found),
    }
}

/// The names Docker Hub goes by: its index host first, as docker keys it.
pub const DOCKER_HUB: [&str; 3] = ["index.docker.io", "docker.io", "registry-1.docker.io"];
/// The server address docker gives credential helpers for Docker Hub.
const DOCKER_HUB_INDEX: &str = "https://index.docker.io/v1/";

/// The helper, found as docker finds it. On Windows docker (Go's exec.LookPath) tries every
/// extension in PATHEXT, while Rust's Command tries only .exe: a helper installed as a .cmd or
/// .bat would be missed.
#[cfg(windows)]
fn helper_path(program: &str) -> std::path::PathBuf {
    let extensions = std::env::var("PATHEXT").unwrap_or_else(|_| ".COM;.EXE;.BAT;.CMD".to_owned());
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| extensions.split(';').filter(|e| !e.is_empty()).map(move |e| dir.join(format!("{program}{e}"))))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| program.into())
}

/// Elsewhere the name alone: Command looks it up on PATH, as docker does.
#[cfg(not(windows))]
fn helper_path(program: &str) -> std::path::PathBuf {
    program.into()
}

#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// `docker-credential-NAME get`, the host on stdin. The helper's own output is never repeated:
/// it may hold a secret.
fn run_helper(name: &str, host: &str) -> Result<Option<Stored>, String> {
    let program = format!("docker-credential-{name}");
    let failed = || format!("the Docker credential helper \"{name}\" failed for {host}");
    let mut child = Command::new(helper_path(&program))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("the Docker credential helper {program} could not be run ({e})"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(host.as_bytes()).map_err(|_| failed())?;
    }
    let output = child.wait_with_output().map_err(|_| failed())?;
    if !output.status.success() {
        // The helpers' protocol: "credentials not found" means nothing is stored.
        let said = String::from_utf8_lossy(&output.stdout).to_lowercase();
        return if said.contains("credentials not found") { Ok(None) } else { Err(failed()) };
    }
    let answer: HelperAnswer = serde_json::from_slice(&output.stdout)
        .map_err(|_| format!("the Docker credential helper \"{name}\" answered something unreadable"))?;
    Ok(Some(if answer.username == "<token>" {
        Stored::IdentityToken(IdentityToken::new(answer.secret))
    } else {
        Stored::Password(Credentials::new(answer.username, answer.secret))
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn write(config: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), config).unwrap();
        file
    }

    fn password(user: &str, password: &str) -> Option<Stored> {
        Some(Stored::Password(Credentials::new(user, password)))
    }

    #[test]
    fn auth_is_decoded_as_docker_decodes_it() {
        // base64 without -w0 breaks lines every 76 characters; docker reads it all the same.
        let long = format!("robot$essregistry+mirror:{}", "p:w".repeat(30));
        let wrapped = base64::engine::general_purpose::STANDARD.encode(&long);
        let wrapped = format!("{}\n{}\n", &wrapped[..76], &wrapped[76..]);
        let file = write(&serde_json::json!({"auths": {"registry.example:5000": {"auth": wrapped}}}).to_string());
        let (user, pass) = long.split_once(':').unwrap();
        assert_eq!(lookup(file.path(), "registry.example:5000").unwrap(), password(user, pass));
        assert_eq!(lookup(file.path(), "other.example").unwrap(), None);
    }

    #[test]
    fn keys_with_a_scheme_or_path_name_the_host() {
        let file = write(r#"{"auths": {"https://registry.example/v1/": {"auth": "dTpwOnE="}}}"#);
        assert_eq!(lookup(file.path(), "registry.example").unwrap(), password("u", "p:q"));
    }

    #[test]
    fn username_and_password_fields_and_auth_first() {
        let file = write(r#"{"auths": {"r.example": {"username": "u", "password": "p"}}}"#);
        assert_eq!(lookup(file.path(), "r.example").unwrap(), password("u", "p"));
        let both = write(r#"{"auths": {"r.example": {"auth": "YTpi", "username": "u", "password": "p"}}}"#);
        assert_eq!(lookup(both.path(), "r.example").unwrap(), password("a", "b"));
    }

    #[test]
    fn an_identity_token_is_kept_apart_and_never_printed() {
        let file = write(r#"{"auths": {"r.example": {"auth": "dTo=", "identitytoken": "refresh-s3cret"}}}"#);
        let found = lookup(file.path(), "r.example").unwrap().unwrap();
        assert_eq!(found, Stored::IdentityToken(IdentityToken::new("refresh-s3cret")));
        assert!(!format!("{found:?}").contains("s3cret"));
    }

    #[test]
    fn broken_entries_say_which_without_the_secret() {
        let file = write(r#"{"auths": {"r.example": {"auth": "bm9jb2xvbg=="}}}"#);
        let error = lookup(file.path(), "r.example").unwrap_err();
        assert!(error.contains("r.example") && !error.contains("bm9jb2xvbg"), "{error}");
        assert!(lookup(write("{not json").path(), "r.example").unwrap_err().contains("not a Docker config"));
    }

    #[test]
    fn docker_hub_is_found_under_the_index_that_docker_login_writes_or_under_docker_io() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        let auth = |user: &str| {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"))
        };
        let user = |host| match lookup(&path, host).unwrap() {
            Some(Stored::Password(c)) => c.username,
            _ => String::new(),
        };
        let written = format!(r#"{{"auths":{{"https://index.docker.io/v1/":{{"auth":"{}"}}}}}}"#, auth("hub"));
        std::fs::write(&path, written).unwrap();
        assert_eq!((user("docker.io"), user("registry-1.docker.io")), ("hub".to_owned(), "hub".to_owned()));
        std::fs::write(&path, format!(r#"{{"auths":{{"docker.io":{{"auth":"{}"}}}}}}"#, auth("podman"))).unwrap();
        assert_eq!(user("registry-1.docker.io"), "podman");
        assert_eq!(user("ghcr.io"), "");
    }
}
