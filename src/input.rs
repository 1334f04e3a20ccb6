//! Finds and reads the images_digests input: a file, stdin, the installer's folder, or a
//! ConfigMap in the cluster.

use crate::cluster::Cluster;
use crate::cluster::objects::DATA_KEY;
use crate::digests::MAX_INPUT_BYTES;
use crate::error::Error;
use crate::sanitize::printable;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The installer keeps its files here, under the administrator's home.
pub const INSTALLER_DIR: &str = ".element-enterprise-server";
const FILE_NAMES: [&str; 2] = ["images_digests.yml", "images_digests.yaml"];
/// The installer's folder is shallow; a deeper search would wander into unrelated trees.
const SEARCH_DEPTH: usize = 4;

/// The raw input and the name messages call it by.
pub struct DigestsInput {
    pub name: String,
    pub bytes: Vec<u8>,
    /// Set when the file was found by searching, so the user is told which one was used.
    pub found_in: Option<PathBuf>,
}

/// `-f FILE`, `-f -` (stdin), or a search of the installer's folder.
pub fn read_digests(digests: Option<&Path>, installer_dir: Option<&Path>) -> Result<DigestsInput, Error> {
    match digests {
        Some(path) if path == Path::new("-") => {
            let bytes = read_limited(std::io::stdin().lock())
                .map_err(|source| Error::ReadInput { path: "stdin".into(), source })?;
            Ok(DigestsInput { name: "<stdin>".into(), bytes, found_in: None })
        }
        Some(path) => read_file(path, None),
        None => {
            let dir = match installer_dir {
                Some(dir) => dir.to_owned(),
                None => dirs::home_dir().unwrap_or_default().join(INSTALLER_DIR),
            };
            let found = find_in(&dir);
            match found.as_slice() {
                [one] => read_file(one, Some(one.clone())),
                [] => Err(Error::usage(
                    format!("no images_digests.yml given, and none found under {}", dir.display()),
                    "pass the installer's images_digests.yml with -f FILE (or --installer-dir DIR)",
                )),
                many => Err(Error::usage(
                    format!(
                        "several images_digests files under {}: {}",
                        dir.display(),
                        many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
                    ),
                    "choose one with -f FILE",
                )),
            }
        }
    }
}

/// `data.images_digests` of the live ConfigMap `name`: the installer's images_digests kept in the
/// cluster, read without a copy on this machine. A ConfigMap that is not there is an API answer about
/// the cluster (exit 5, as a missing namespace); one without the key is bad input (exit 2).
pub async fn read_configmap(cluster: &Cluster, name: &str) -> Result<DigestsInput, Error> {
    let whole = format!("ConfigMap {}/{name} (context \"{}\")", cluster.namespace, cluster.context);
    let Some(configmap) = cluster.get_configmap(name).await? else {
        if cluster.namespace_exists().await? == Some(false) {
            return Err(cluster.missing_namespace());
        }
        return Err(cluster.refusal(
            format!("get configmaps/{name}"),
            format!("configmaps \"{name}\" not found"),
            format!(
                "--from-configmap names a ConfigMap of namespace {ns}: see which there are with `kubectl get \
                 configmaps -n {ns} --context {context}`, or pass -n NAMESPACE",
                ns = cluster.namespace,
                context = cluster.context
            ),
        ));
    };
    let data = configmap.data.unwrap_or_default();
    let Some(text) = data.get(DATA_KEY) else {
        let holds = if data.is_empty() {
            "no data".to_owned()
        } else {
            format!("only {}", data.keys().map(|k| printable(k)).collect::<Vec<_>>().join(", "))
        };
        return Err(Error::usage(
            format!("the {whole} has no data.{DATA_KEY}: it holds {holds}"),
            "name the ConfigMap whose data.images_digests holds images_digests, or pass the installer's file with -f FILE",
        ));
    };
    Ok(DigestsInput {
        name: format!("data.{DATA_KEY} of the {whole}"),
        bytes: text.clone().into_bytes(),
        found_in: None,
    })
}

fn read_file(path: &Path, found_in: Option<PathBuf>) -> Result<DigestsInput, Error> {
    // A bundle written by `mirror --to-bundle` carries the images_digests it was made from.
    if let Some(bytes) = crate::bundle::digests_in(path, MAX_INPUT_BYTES as u64 + 1)? {
        let name = format!("{} (in the bundle {})", crate::bundle::layout::DIGESTS_FILE, path.display());
        return Ok(DigestsInput { name, bytes, found_in });
    }
    let file = std::fs::File::open(path).map_err(|source| Error::ReadInput { path: path.to_owned(), source })?;
    let bytes = read_limited(file).map_err(|source| Error::ReadInput { path: path.to_owned(), source })?;
    Ok(DigestsInput { name: path.display().to_string(), bytes, found_in })
}

/// Reads one byte past the limit, so the parser can say the input is too large without
/// the whole of a huge file (or an endless pipe) ever being held in memory.
fn read_limited(reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES as u64 + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Every images_digests file below `dir`, sorted, without following links.
fn find_in(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![(dir.to_owned(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let Ok(listing) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in listing.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() && depth + 1 < SEARCH_DEPTH {
                pending.push((path, depth + 1));
            } else if kind.is_file() && FILE_NAMES.iter().any(|n| entry.file_name() == *n) {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_the_installer_folder() {
        let dir = tempfile::tempdir().unwrap();
        let error = read_digests(None, Some(dir.path())).err().unwrap();
        assert!(error.to_string().contains("none found"));
        let nested = dir.path().join("installer/config");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("images_digests.yml"), "x: y\n").unwrap();
        let input = read_digests(None, Some(dir.path())).unwrap();
        assert_eq!(input.found_in, Some(nested.join("images_digests.yml")));
        std::fs::write(dir.path().join("images_digests.yaml"), "x: y\n").unwrap();
        assert!(read_digests(None, Some(dir.path())).err().unwrap().to_string().contains("several"));
    }
}
