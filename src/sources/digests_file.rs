//! The images_digests file: `-f FILE`, `-f -` (stdin), a bundle's own copy (`-f BUNDLE`), or the
//! one found in the installer's folder.

use super::Read as Raw;
use crate::digests::MAX_INPUT_BYTES;
use crate::error::Error;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The installer keeps its files here, under the administrator's home.
pub const INSTALLER_DIR: &str = ".element-enterprise-server";
const FILE_NAMES: [&str; 2] = ["images_digests.yml", "images_digests.yaml"];
/// The installer's folder is shallow; a deeper search would wander into unrelated trees.
const SEARCH_DEPTH: usize = 4;

/// `-f FILE`, `-f -` (stdin), or a search of the installer's folder.
pub fn read(digests: Option<&Path>, installer_dir: Option<&Path>) -> Result<Raw, Error> {
    match digests {
        Some(path) if path == Path::new("-") => {
            let bytes = read_limited(std::io::stdin().lock())
                .map_err(|source| Error::ReadInput { path: "stdin".into(), source })?;
            Ok(Raw { name: "<stdin>".into(), bytes, notes: vec![], bundle: None })
        }
        Some(path) => read_file(path, None),
        None => {
            let dir = installer_folder(installer_dir);
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

/// The installer's folder: `--installer-dir`, else its place under the administrator's home.
pub fn installer_folder(flag: Option<&Path>) -> PathBuf {
    flag.map(Path::to_owned).unwrap_or_else(|| dirs::home_dir().unwrap_or_default().join(INSTALLER_DIR))
}

/// Reads a file named or found; `found_in` says it was found by searching, so the user is told.
fn read_file(path: &Path, found_in: Option<PathBuf>) -> Result<Raw, Error> {
    let notes = found_in.map(|path| format!("Using {}", path.display())).into_iter().collect();
    // A bundle written by `mirror --to-bundle` carries the images_digests it was made from.
    if let Some(bytes) = crate::bundle::digests_in(path, MAX_INPUT_BYTES as u64 + 1)? {
        let name = format!("{} (in the bundle {})", crate::bundle::layout::DIGESTS_FILE, path.display());
        return Ok(Raw { name, bytes, notes, bundle: Some(path.to_owned()) });
    }
    let file = std::fs::File::open(path).map_err(|source| Error::ReadInput { path: path.to_owned(), source })?;
    let bytes = read_limited(file).map_err(|source| Error::ReadInput { path: path.to_owned(), source })?;
    Ok(Raw { name: path.display().to_string(), bytes, notes, bundle: None })
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
        let error = read(None, Some(dir.path())).err().unwrap();
        assert!(error.to_string().contains("none found"));
        let nested = dir.path().join("installer/config");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("images_digests.yml"), "x: y\n").unwrap();
        let input = read(None, Some(dir.path())).unwrap();
        assert_eq!(input.notes, [format!("Using {}", nested.join("images_digests.yml").display())]);
        std::fs::write(dir.path().join("images_digests.yaml"), "x: y\n").unwrap();
        assert!(read(None, Some(dir.path())).err().unwrap().to_string().contains("several"));
    }
}
