//! Room on disk before the first blob: what a bundle still needs, set against what each
//! filesystem it goes to has free, so that a run is refused at once rather than after hours of
//! downloading into a disk that fills up. Needs on one filesystem add up (an archive's staging
//! folder beside the archive it is packed into).

use crate::error::Error;
use crate::report::human_bytes;
use std::path::{Path, PathBuf};

/// Bytes that will be written under a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub path: PathBuf,
    pub bytes: u64,
    /// What the bytes are, for the message: `the blobs still needed`.
    pub what: &'static str,
}

/// A filesystem as `statvfs` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Filesystem {
    id: u64,
    free: u64,
}

/// Refuses (exit 1, nothing written) when a filesystem has less free than the needs on it.
pub fn check_room(needs: &[Need]) -> Result<(), Error> {
    let mut found = Vec::new();
    for need in needs {
        // A filesystem that cannot be asked is not guessed at: the writes will tell.
        if let Ok(filesystem) = filesystem_of(&need.path) {
            found.push((filesystem, need));
        }
    }
    match shortfall(&found) {
        None => Ok(()),
        Some(message) => Err(Error::NotWritten {
            message,
            hint: "free space there, or write the bundle to a larger disk (--to-bundle PATH); nothing was written"
                .into(),
        }),
    }
}

/// The first filesystem whose needs add up to more than it has free, said with both figures.
fn shortfall(found: &[(Filesystem, &Need)]) -> Option<String> {
    for (filesystem, _) in found {
        let on_it: Vec<&Need> = found.iter().filter(|(f, _)| f.id == filesystem.id).map(|(_, n)| *n).collect();
        let needed: u64 = on_it.iter().map(|n| n.bytes).sum();
        if needed > filesystem.free {
            let parts: Vec<String> = on_it
                .iter()
                .map(|n| format!("{} for {} in {}", human_bytes(n.bytes), n.what, n.path.display()))
                .collect();
            return Some(format!(
                "not enough disk space for the bundle: it needs {} ({}) and the filesystem has {} free",
                human_bytes(needed),
                parts.join(", "),
                human_bytes(filesystem.free)
            ));
        }
    }
    None
}

/// Bytes of the files under `folder` (none when it is not there): what a bundle holds so far.
pub fn used_by(folder: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(folder) else { return 0 };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => used_by(&entry.path()),
            Ok(_) => entry.metadata().map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        })
        .sum()
}

/// The filesystem `path` is (or will be) on: that of its nearest existing ancestor.
fn filesystem_of(path: &Path) -> std::io::Result<Filesystem> {
    let existing = path.ancestors().find(|p| p.exists() && !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let stat = rustix::fs::statvfs(existing)?;
    Ok(Filesystem { id: stat.f_fsid, free: stat.f_bavail.saturating_mul(stat.f_frsize) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(path: &str, bytes: u64, what: &'static str) -> Need {
        Need { path: PathBuf::from(path), bytes, what }
    }

    #[test]
    fn needs_on_one_filesystem_add_up_and_the_message_names_both_figures() {
        let disk = Filesystem { id: 1, free: 3 << 20 };
        let other = Filesystem { id: 2, free: 100 << 20 };
        let (staging, archive) =
            (need("/b.tar.d", 2 << 20, "the blobs still needed"), need("/b.tar", 2 << 20, "the archive"));
        assert_eq!(shortfall(&[(disk, &staging), (other, &archive)]), None);
        let said = shortfall(&[(disk, &staging), (disk, &archive)]).unwrap();
        assert_eq!(
            said,
            "not enough disk space for the bundle: it needs 4.0 MiB (2.0 MiB for the blobs still needed in /b.tar.d, \
             2.0 MiB for the archive in /b.tar) and the filesystem has 3.0 MiB free"
        );
    }

    #[test]
    fn a_path_not_made_yet_is_on_its_nearest_existing_folder_s_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        let here = filesystem_of(dir.path()).unwrap();
        assert_eq!(filesystem_of(&dir.path().join("not/made/yet")).unwrap().id, here.id);
        assert!(here.free > 0);
    }
}
