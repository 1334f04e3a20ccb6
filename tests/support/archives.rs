//! Archive bundles edited as damage on the way edits them: unpacked, changed, packed again under
//! the same name, in the packing its name says.

use std::fs::File;
use std::path::Path;

/// Rewrites `archive` (`.tar` or `.tar.zst`) with `edit` applied to its unpacked folder.
pub fn edit_archive(archive: &Path, edit: impl FnOnce(&Path)) {
    let zstd = archive.to_string_lossy().ends_with(".zst");
    let unpacked = tempfile::tempdir().unwrap();
    let file = File::open(archive).unwrap();
    if zstd {
        tar::Archive::new(zstd::Decoder::new(file).unwrap()).unpack(unpacked.path()).unwrap();
    } else {
        tar::Archive::new(file).unpack(unpacked.path()).unwrap();
    }
    edit(unpacked.path());
    let file = File::create(archive).unwrap();
    if zstd {
        let mut tar = tar::Builder::new(zstd::Encoder::new(file, 3).unwrap());
        tar.append_dir_all(".", unpacked.path()).unwrap();
        tar.into_inner().unwrap().finish().unwrap();
    } else {
        let mut tar = tar::Builder::new(file);
        tar.append_dir_all(".", unpacked.path()).unwrap();
        tar.finish().unwrap();
    }
}
