//! A layout packed into one file to carry across the air gap: a tar of the layout, plain,
//! gzip or zstd by the name's ending (as `oci-archive:` and hauler read it). Packing and
//! unpacking stream file by file; nothing is held whole.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// How a bundle path is stored, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packing {
    Folder,
    Tar,
    TarGz,
    TarZst,
}

impl Packing {
    pub fn of(path: &Path) -> Self {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if name.ends_with(".tar") {
            Packing::Tar
        } else if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Packing::TarGz
        } else if name.ends_with(".tar.zst") || name.ends_with(".tar.zstd") {
            Packing::TarZst
        } else {
            Packing::Folder
        }
    }
}

/// Packs the layout at `folder` into `archive`: written as `<archive>.partial`, renamed when
/// complete. Entries in name order with fixed owners, modes and times, so the same layout packs
/// into the same bytes.
pub fn pack(folder: &Path, archive: &Path, packing: Packing) -> io::Result<()> {
    let partial = PathBuf::from(format!("{}.partial", archive.display()));
    let packed = (|| {
        let file = BufWriter::new(File::create(&partial)?);
        match packing {
            Packing::Tar | Packing::Folder => write_tar(folder, file)?.flush()?,
            Packing::TarGz => write_tar(folder, flate2::write::GzEncoder::new(file, flate2::Compression::fast()))?
                .finish()?
                .flush()?,
            Packing::TarZst => write_tar(folder, zstd::Encoder::new(file, 3)?)?.finish()?.flush()?,
        }
        Ok::<_, io::Error>(())
    })();
    match packed {
        Ok(()) => std::fs::rename(&partial, archive),
        Err(error) => {
            let _ = std::fs::remove_file(&partial);
            Err(error)
        }
    }
}

fn write_tar<W: Write>(folder: &Path, writer: W) -> io::Result<W> {
    let mut tar = tar::Builder::new(writer);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.follow_symlinks(false);
    let mut files = Vec::new();
    collect(folder, folder, &mut files)?;
    files.sort();
    for relative in files {
        tar.append_path_with_name(folder.join(&relative), &relative)?;
    }
    tar.into_inner()
}

/// Every regular file under `dir`, relative to `root`; temporary `.partial` files left by an
/// interrupted run are not part of the layout.
fn collect(root: &Path, dir: &Path, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect(root, &path, files)?;
        } else if path.extension().is_none_or(|e| e != "partial") {
            files.push(path.strip_prefix(root).expect("under root").to_owned());
        }
    }
    Ok(())
}

fn reader(archive: &Path, packing: Packing) -> io::Result<Box<dyn Read>> {
    let file = BufReader::new(File::open(archive)?);
    Ok(match packing {
        Packing::Tar | Packing::Folder => Box::new(file),
        Packing::TarGz => Box::new(flate2::read::GzDecoder::new(file)),
        Packing::TarZst => Box::new(zstd::Decoder::with_buffer(file)?),
    })
}

/// Unpacks the archive into `folder` (the tar crate refuses entries that would land outside it).
pub fn unpack(archive: &Path, packing: Packing, folder: &Path) -> io::Result<()> {
    let mut tar = tar::Archive::new(reader(archive, packing)?);
    tar.set_preserve_permissions(false);
    tar.unpack(folder)
}

/// One small file of the archive (images_digests.yml), read without unpacking the rest.
/// `Ok(None)`: the archive has no such file.
pub fn read_member(archive: &Path, packing: Packing, name: &str, limit: u64) -> io::Result<Option<Vec<u8>>> {
    let mut tar = tar::Archive::new(reader(archive, packing)?);
    for entry in tar.entries()? {
        let entry = entry?;
        let path = entry.path()?.into_owned();
        if path.strip_prefix("./").unwrap_or(&path) == Path::new(name) {
            let mut bytes = Vec::new();
            entry.take(limit).read_to_end(&mut bytes)?;
            return Ok(Some(bytes));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_says_how_a_bundle_is_packed() {
        assert_eq!(Packing::of(Path::new("/m/ess.tar")), Packing::Tar);
        assert_eq!(Packing::of(Path::new("ess.TAR.GZ")), Packing::TarGz);
        assert_eq!(Packing::of(Path::new("ess.tar.zst")), Packing::TarZst);
        assert_eq!(Packing::of(Path::new("ess-bundle")), Packing::Folder);
    }

    #[test]
    fn every_packing_round_trips_and_skips_partial_files() {
        for packing in [Packing::Tar, Packing::TarGz, Packing::TarZst] {
            let dir = tempfile::tempdir().unwrap();
            let folder = dir.path().join("layout");
            std::fs::create_dir_all(folder.join("blobs/sha256")).unwrap();
            std::fs::write(folder.join("index.json"), "{}").unwrap();
            std::fs::write(folder.join("blobs/sha256/ab"), "blob").unwrap();
            std::fs::write(folder.join("blobs/sha256/cd.partial"), "half").unwrap();
            let archive = dir.path().join("bundle.tar");
            pack(&folder, &archive, packing).unwrap();
            assert_eq!(read_member(&archive, packing, "index.json", 100).unwrap().unwrap(), b"{}");
            let out = dir.path().join("out");
            unpack(&archive, packing, &out).unwrap();
            assert_eq!(std::fs::read(out.join("blobs/sha256/ab")).unwrap(), b"blob");
            assert!(!out.join("blobs/sha256/cd.partial").exists());
        }
    }
}
