//! A bundle being written (`mirror --to-bundle PATH`): assembled in a folder (PATH itself, or
//! `PATH.d` beside an archive, which a rerun resumes from), then named and, for an archive,
//! packed once every image is in, so that nobody carries an incomplete archive across.

use super::archive::{self, Packing};
use super::layout::{DIGESTS_FILE, Layout, Named};
use crate::output::describe_io;
use std::path::{Path, PathBuf};

pub struct Output {
    path: PathBuf,
    staging: PathBuf,
    packing: Packing,
}

impl Output {
    /// The bundle at `path` and the layout it is assembled in, made if need be.
    pub fn create(path: &Path) -> std::io::Result<(Output, Layout)> {
        let packing = Packing::of(path);
        let staging = match packing {
            Packing::Folder => path.to_owned(),
            _ => PathBuf::from(format!("{}.d", path.display())),
        };
        let layout = Layout::create(&staging)?;
        Ok((Output { path: path.to_owned(), staging, packing }, layout))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Names the images in `index.json` and keeps `digests` (the images_digests the bundle was
    /// made from, if any) beside them; an archive is packed when no image is `missing` (of
    /// `images`), and its staging folder then removed. Errors: why the bundle is not finished,
    /// and what a rerun does.
    pub fn finish(
        &self,
        layout: &Layout,
        named: &[Named],
        digests: Option<&[u8]>,
        missing: usize,
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
        if self.packing == Packing::Folder {
            return Ok(());
        }
        if missing > 0 {
            return Err(format!(
                "the archive {path} was not written: {missing} of {images} images are not in the bundle; what was \
                 copied is kept in {}, and a rerun fetches only what is missing, then writes the archive",
                self.staging.display()
            ));
        }
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
