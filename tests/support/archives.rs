//! Archive bundles opened and edited as damage on the way edits them: unpacked, changed, packed
//! again under the same name, in the packing its name says (`.tar` or `.tar.zst`).

use std::fs::File;
use std::path::Path;
use tempfile::TempDir;

fn zstd(archive: &Path) -> bool {
    archive.to_string_lossy().ends_with(".zst")
}

/// The archive unpacked into a temporary folder.
pub fn unpacked(archive: &Path) -> TempDir {
    let folder = tempfile::tempdir().unwrap();
    let file = File::open(archive).unwrap();
    if zstd(archive) {
        tar::Archive::new(zstd::Decoder::new(file).unwrap()).unpack(folder.path()).unwrap();
    } else {
        tar::Archive::new(file).unpack(folder.path()).unwrap();
    }
    folder
}

/// Rewrites `archive` with `edit` applied to its unpacked folder.
pub fn edit_archive(archive: &Path, edit: impl FnOnce(&Path)) {
    let folder = unpacked(archive);
    edit(folder.path());
    let file = File::create(archive).unwrap();
    if zstd(archive) {
        let mut tar = tar::Builder::new(zstd::Encoder::new(file, 3).unwrap());
        tar.append_dir_all(".", folder.path()).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    } else {
        let mut tar = tar::Builder::new(file);
        tar.append_dir_all(".", folder.path()).unwrap();
        tar.finish().unwrap();
    }
}
