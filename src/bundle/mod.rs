//! Bundles: the images carried across the air gap, as an OCI image layout (a folder) or that
//! folder packed into a `.tar`, `.tar.gz` or `.tar.zst`, with the images_digests they were made
//! from. The file system side only; what goes in is decided by `mirror`.

pub mod archive;
pub mod assumed;
pub mod chart_record;
pub mod layout;
mod output;
pub mod space;

pub use output::Output;

use crate::error::Error;
use archive::Packing;
use layout::{DIGESTS_FILE, Layout};
use std::path::Path;

/// A bundle opened for reading; an archive is unpacked into a temporary folder, removed on drop.
pub struct OpenBundle {
    pub layout: Layout,
    _unpacked: Option<tempfile::TempDir>,
}

/// Opens the bundle a flag names (`--from-bundle`, `--verify-bundle`). Errors (exit 2): no
/// such path, a docker-archive, not a layout, an archive damaged or cut off.
pub fn open(path: &Path, flag: &str) -> Result<OpenBundle, Error> {
    open_with(path, |why| {
        Error::usage(
            format!("{flag} {}: {why}", path.display()),
            "give the folder or archive written by `kubectl essregistry mirror --to-bundle`; an archive damaged on \
             its way is carried across again (`sha256sum` on both sides tells whether the copy is whole)",
        )
    })
}

/// Opens the bundle at `path`, `refused` saying why it cannot be read.
fn open_with(path: &Path, refused: impl Fn(String) -> Error) -> Result<OpenBundle, Error> {
    if !path.exists() {
        let staging = Output::staging_of(path);
        if staging != path && staging.is_dir() {
            return Err(refused(format!(
                "no such archive: its mirror run did not finish, and what it copied is in {}; run that mirror again \
                 to finish the archive, or give {} itself",
                staging.display(),
                staging.display()
            )));
        }
        return Err(refused("no such file or folder".into()));
    }
    let packing = if path.is_dir() { Packing::Folder } else { archive_packing(path) };
    if packing == Packing::Folder {
        return Ok(OpenBundle { layout: Layout::open(path).map_err(&refused)?, _unpacked: None });
    }
    let near = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let unpacked = tempfile::Builder::new()
        .prefix(".essregistry-unpacked-")
        .tempdir_in(near)
        .or_else(|_| tempfile::tempdir())
        .map_err(|e| refused(format!("cannot make a folder to unpack it in: {e}")))?;
    archive::unpack(path, packing, unpacked.path()).map_err(|e| match e.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::PermissionDenied => {
            refused(format!("cannot unpack it: {}", crate::output::describe_io(&e)))
        }
        _ => refused(format!("the archive is damaged or cut off ({e}); nothing was changed")),
    })?;
    let layout = Layout::open(unpacked.path()).map_err(&refused)?;
    Ok(OpenBundle { layout, _unpacked: Some(unpacked) })
}

/// An archive's packing by its name; a file with another name is read as a plain tar (that is
/// what `docker save` writes, and what it is refused for is found inside).
fn archive_packing(path: &Path) -> Packing {
    match Packing::of(path) {
        Packing::Folder => Packing::Tar,
        packing => packing,
    }
}

/// Whether `path` is a bundle made from an OCI chart (`chart_record`): a folder holding the
/// record, or an archive with it among its members.
pub fn holds_chart(path: &Path) -> bool {
    if path.is_dir() {
        return path.join(chart_record::CHART_FILE).is_file();
    }
    match Packing::of(path) {
        Packing::Folder => false,
        packing => matches!(archive::read_member(path, packing, chart_record::CHART_FILE, 1 << 20), Ok(Some(_))),
    }
}

/// The images_digests inside a bundle given as `-f PATH`: `Ok(None)` when PATH is not a
/// bundle (a plain images_digests file).
pub fn digests_in(path: &Path, limit: u64) -> Result<Option<Vec<u8>>, Error> {
    let missing = || {
        Error::usage(
            format!(
                "{} is a bundle without an images_digests.yml (made from a Helm chart, or by another tool)",
                path.display()
            ),
            "pass what it was made from: --chart (with the same --values) for a chart, or -f images_digests.yml",
        )
    };
    let read_error = |e: std::io::Error| Error::ReadInput { path: path.to_owned(), source: e };
    if path.is_dir() {
        let file = path.join(DIGESTS_FILE);
        if !file.is_file() {
            return Err(missing());
        }
        return std::fs::read(&file).map(Some).map_err(|e| Error::ReadInput { path: file, source: e });
    }
    match Packing::of(path) {
        Packing::Folder => Ok(None),
        packing => {
            archive::read_member(path, packing, DIGESTS_FILE, limit).map_err(read_error)?.map(Some).ok_or_else(missing)
        }
    }
}
