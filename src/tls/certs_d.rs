//! Registry certificates where docker, podman and skopeo look for them: one folder per registry,
//! named `HOST[:PORT]` exactly as the registry is written, under
//! `$XDG_CONFIG_HOME/containers/certs.d`, `/etc/containers/certs.d` and `/etc/docker/certs.d`
//! (containers/image's order; the first folder that exists is the only one read); on Windows,
//! `%ProgramData%\docker\certs.d` instead of the two under `/etc`, with the port's colon dropped
//! from the folder's name, as docker does there. In it,
//! `*.crt` files are CAs and a `*.cert` with the `*.key` of the same name is a client
//! certificate for mutual TLS.

use std::path::{Path, PathBuf};

/// A folder standing for `/` when the plugin looks under `/etc`, so tests never touch the
/// machine's own files. For tests only.
pub const TEST_ROOT_ENV: &str = "ESSREGISTRY_TEST_FS_ROOT";

/// What one registry's folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertsDir {
    pub cas: Vec<PathBuf>,
    /// (certificate, key)
    pub client: Option<(PathBuf, PathBuf)>,
}

/// The folders searched, in order. `env` reads the environment.
pub fn roots(env: &impl Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    let config_home = env("XDG_CONFIG_HOME").filter(|v| !v.is_empty()).map(PathBuf::from).or_else(|| {
        env(if cfg!(windows) { "USERPROFILE" } else { "HOME" }).map(|home| Path::new(&home).join(".config"))
    });
    let system = env(TEST_ROOT_ENV).map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/"));
    // Windows has no /etc: docker there reads %ProgramData%\docker\certs.d.
    let system_roots = match env("ProgramData").filter(|_| cfg!(windows)) {
        Some(data) => vec![Path::new(&data).join("docker").join("certs.d")],
        None => vec![system.join("etc/containers/certs.d"), system.join("etc/docker/certs.d")],
    };
    config_home.map(|home| home.join("containers/certs.d")).into_iter().chain(system_roots).collect()
}

/// The first `ROOT/HOST[:PORT]` folder that exists. Windows forbids ':' in a folder name, so
/// docker there drops it (`registry.example5000`), and so does this.
pub fn find(host: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    let folder = if cfg!(windows) { host.replace(':', "") } else { host.to_owned() };
    roots.iter().map(|root| root.join(&folder)).find(|dir| dir.is_dir())
}

/// Reads a folder by containers/image's rules. Errors: a `.cert` without its `.key`, or the
/// other way round, or an unreadable folder.
pub fn read(dir: &Path) -> Result<CertsDir, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut names: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    names.sort();
    let mut found = CertsDir { cas: Vec::new(), client: None };
    for path in &names {
        match path.extension().and_then(|e| e.to_str()) {
            Some("crt") => found.cas.push(path.clone()),
            Some("cert") => {
                let key = path.with_extension("key");
                if !key.is_file() {
                    return Err(format!(
                        "{} has no key {} (CA certificates take the extension .crt)",
                        path.display(),
                        key.display()
                    ));
                }
                found.client.get_or_insert((path.clone(), key));
            }
            Some("key") if !path.with_extension("cert").is_file() => {
                return Err(format!(
                    "{} has no client certificate {}",
                    path.display(),
                    path.with_extension("cert").display()
                ));
            }
            _ => {}
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_the_user_folder_then_etc_and_reads_the_first_that_exists() {
        let base = tempfile::tempdir().unwrap();
        let home = base.path().join("home");
        let root = base.path().join("root");
        let env = |key: &str| match key {
            "HOME" => Some(home.display().to_string()),
            TEST_ROOT_ENV => Some(root.display().to_string()),
            _ => None,
        };
        let roots = roots(&env);
        assert_eq!(
            roots,
            [
                home.join(".config/containers/certs.d"),
                root.join("etc/containers/certs.d"),
                root.join("etc/docker/certs.d")
            ]
        );
        assert_eq!(find("registry.example:5000", &roots), None);
        let docker = root.join("etc/docker/certs.d/registry.example:5000");
        std::fs::create_dir_all(&docker).unwrap();
        // Host and port must match exactly.
        std::fs::create_dir_all(root.join("etc/containers/certs.d/registry.example")).unwrap();
        assert_eq!(find("registry.example:5000", &roots), Some(docker.clone()));
        let containers = root.join("etc/containers/certs.d/registry.example:5000");
        std::fs::create_dir_all(&containers).unwrap();
        assert_eq!(find("registry.example:5000", &roots), Some(containers));
        let with_xdg = |key: &str| (key == "XDG_CONFIG_HOME").then(|| "/xdg".to_owned());
        assert_eq!(super::roots(&with_xdg)[0], Path::new("/xdg/containers/certs.d"));
    }

    #[test]
    fn crt_files_are_cas_and_a_cert_needs_its_key() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["ca.crt", "b.crt", "client.cert", "client.key", "notes.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let found = read(dir.path()).unwrap();
        assert_eq!(found.cas, [dir.path().join("b.crt"), dir.path().join("ca.crt")]);
        assert_eq!(found.client, Some((dir.path().join("client.cert"), dir.path().join("client.key"))));
        std::fs::remove_file(dir.path().join("client.key")).unwrap();
        assert!(read(dir.path()).unwrap_err().contains("has no key"));
        std::fs::remove_file(dir.path().join("client.cert")).unwrap();
        std::fs::write(dir.path().join("lone.key"), "x").unwrap();
        assert!(read(dir.path()).unwrap_err().contains("has no client certificate"));
    }
}
