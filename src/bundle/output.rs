//! A bundle being written (`mirror --to-bundle PATH`): assembled in a folder (PATH itself, or
//! `PATH.d` beside an archive, which a rerun resumes from), then named and, for an archive,
//! packed once every image is in, so that nobody carries an incomplete archive across. An
//! archive already under the name (an earlier run's) is opened for its blobs and then removed,
//! so that a run that fails part way leaves no archive passing for the one it was asked for.

use super::archive::{self, Packing};
use super::chart_record;
use super::layout::{DIGESTS_FILE, Layout, Named};
use super::{OpenBundle, open_with};
use crate::error::Error;
use crate::output::describe_io;
use std::path::{Path, PathBuf};

pub struct Output {
    path: PathBuf,
    staging: PathBuf,
    packing: Packing,
}

impl Output {
    /// The bundle at `path`, the layout it is assembled in (made if need be), and the archive an
    /// earlier run left under its name, opened (unpacked beside it) for its blobs. Errors (exit
    /// 2, nothing made): a file under the name that is not a readable bundle, a folder that
    /// cannot be made.
    pub fn create(path: &Path) -> Result<(Output, Layout, Option<OpenBundle>), Error> {
        let packing = Packing::of(path);
        let previous = match packing {
            Packing::Folder => None,
            _ if !path.is_file() => None,
            _ => Some(open_with(path, |why| {
                Error::usage(
                    format!("--to-bundle {}: a file is already there, and {why}", path.display()),
                    "nothing was changed: move it away or name another archive (a rerun reuses only an archive \
                     this command wrote), or free space beside it to unpack it in",
                )
            })?),
        };
        let staging = Output::staging_of(path);
        let layout = Layout::create(&staging).map_err(|e| {
            Error::usage(
                format!("--to-bundle {}: {}", path.display(), describe_io(&e)),
                "choose a folder this user can write to",
            )
        })?;
        Ok((Output { path: path.to_owned(), staging, packing }, layout, previous))
    }

    /// Removes the earlier archive once its blobs were taken: from here on, the name holds an
    /// archive only once this run's is complete.
    pub fn remove_previous(&self, previous: OpenBundle) -> Result<(), Error> {
        drop(previous);
        std::fs::remove_file(&self.path).map_err(|e| Error::NotWritten {
            message: format!("cannot replace the archive {} already there: {}", self.path.display(), describe_io(&e)),
            hint: format!("make its folder writable and run again: its blobs are kept in {}", self.staging.display()),
        })
    }

    /// Where the bundle at `path` is assembled: the folder itself, or the staging folder of an
    /// archive.
    pub fn staging_of(path: &Path) -> PathBuf {
        match Packing::of(path) {
            Packing::Folder => path.to_owned(),
            _ => PathBuf::from(format!("{}.d", path.display())),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names the images in `index.json` and keeps what the bundle was made from beside them:
    /// `digests` (an images_digests), or `chart` (an OCI chart's reference, the `--values` files
    /// and the `--set` lines); an archive is packed when no image is `missing` (their
    /// names), holding `named` alone (an earlier release's blobs are dropped), and its staging
    /// folder then removed. Errors: why the bundle is not complete for its images, which are
    /// missing, and what a rerun does.
    pub fn finish(
        &self,
        layout: &Layout,
        named: &[Named],
        digests: Option<&[u8]>,
        chart: Option<&chart_record::Given>,
        missing: &[String],
        images: usize,
    ) -> Result<(), String> {
        let path = self.path.display();
        let failed = |e: std::io::Error| match e.kind() {
            // `describe_io` says to free space and run again already.
            std::io::ErrorKind::StorageFull => format!("cannot finish the bundle {path}: {}", describe_io(&e)),
            _ => format!(
                "cannot finish the bundle {path}: {}; run again: what was copied stays, and only what is missing \
                 is fetched",
                describe_io(&e)
            ),
        };
        layout.name_images(named).map_err(failed)?;
        if let Some(bytes) = digests {
            let file = layout.root().join(DIGESTS_FILE);
            let partial = file.with_extension("yml.partial");
            std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, &file)).map_err(failed)?;
        }
        if let Some(given) = chart {
            chart_record::write(layout.root(), given).map_err(failed)?;
        }
        if !missing.is_empty() {
            let lacking = format!("{} of {images} images are not in it: {}", missing.len(), missing.join(", "));
            return Err(match self.packing {
                Packing::Folder => {
                    format!("the bundle {path} is not complete: {lacking}; a rerun fetches only what is missing")
                }
                _ => format!(
                    "the archive {path} was not written: {lacking}; what was copied is kept in {}, and a rerun \
                     fetches only what is missing, then writes the archive",
                    self.staging.display()
                ),
            });
        }
        if self.packing == Packing::Folder {
            return Ok(());
        }
        layout.keep_only(named).map_err(failed)?;
        archive::pack(&self.staging, &self.path, self.packing).map_err(|e| {
            format!(
                "{} (the archive is written beside {}, so packing needs about as much free space again as the \
                 bundle)",
                failed(e),
                self.staging.display()
            )
        })?;
        std::fs::remove_dir_all(&self.staging).map_err(failed)
    }
}
