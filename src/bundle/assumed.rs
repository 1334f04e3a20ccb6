//! `assumed.json`: what a delta bundle (`mirror --to-bundle --have INVENTORY`) leaves out because
//! the inventory says the local registry holds it already. Beside `index.json`; absent from a
//! full bundle. Per image (by the name `index.json` gives it): its top manifest's digest, the
//! repository the mapping put it in, and each blob left out with its size and the repository the
//! inventory found it in (where a mount takes it from when the image's own repository lacks
//! it). `mirror --from-bundle` checks every one of them before it pushes any manifest of the
//! image; `--verify-bundle` counts them as not missing. Format: docs/mirror.md, "Delta bundles".

use super::layout::Layout;
use crate::error::Error;
use crate::report::API_VERSION;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The file's name in the bundle's folder.
pub const ASSUMED_FILE: &str = "assumed.json";
/// Its `kind`.
const KIND: &str = "Assumed";

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Assumed {
    pub api_version: String,
    pub kind: String,
    /// The registry the inventories were made in.
    pub registry: String,
    /// The mapping they were made with (`Mapping::recorded`'s fields).
    pub mapping: serde_json::Value,
    /// The images that leave blobs out, in the order the run copied them.
    pub images: Vec<AssumedImage>,
}

/// What one image leaves out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumedImage {
    /// As `index.json` names it: the upstream reference with its tag.
    pub name: String,
    /// Its top manifest.
    pub digest: String,
    /// Where the mapping puts it in the registry.
    pub repository: String,
    pub blobs: Vec<AssumedBlob>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssumedBlob {
    pub digest: String,
    /// Bytes.
    pub size: u64,
    /// The repository the inventory lists it in: the image's own when it does, else the first
    /// (by name) that holds it.
    pub repository: String,
}

impl AssumedImage {
    /// Bytes left out.
    pub fn bytes(&self) -> u64 {
        self.blobs.iter().map(|blob| blob.size).sum()
    }
}

impl Assumed {
    pub fn new(registry: String, mapping: serde_json::Value, images: Vec<AssumedImage>) -> Assumed {
        Assumed { api_version: API_VERSION.to_owned(), kind: KIND.to_owned(), registry, mapping, images }
    }

    /// What the bundle assumes of the image it names `name`.
    pub fn image(&self, name: &str) -> Option<&AssumedImage> {
        self.images.iter().find(|image| image.name == name)
    }

    /// The file of the bundle at `layout`; None for a full bundle. Errors (exit 2): a file that
    /// is not this document, or of another version (a newer plugin wrote it).
    pub fn read(layout: &Layout, given: &Path) -> Result<Option<Assumed>, Error> {
        let path = layout.root().join(ASSUMED_FILE);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::ReadInput { path, source: e }),
        };
        let refused = |why: String| {
            Error::usage(
                format!("{}: its {ASSUMED_FILE} {why}", given.display()),
                "the bundle was damaged on its way, or written by another version of kubectl essregistry: carry \
                 it across again, or make it with this version",
            )
        };
        let assumed: Assumed =
            serde_json::from_slice(&text).map_err(|e| refused(format!("is not what a delta bundle holds ({e})")))?;
        if assumed.api_version != API_VERSION || assumed.kind != KIND {
            return Err(refused(format!("is {} {}, not {API_VERSION} {KIND}", assumed.api_version, assumed.kind)));
        }
        Ok(Some(assumed))
    }

    /// Writes the file into `root` (under a temporary name, then renamed).
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        let path = root.join(ASSUMED_FILE);
        let partial = path.with_extension("json.partial");
        std::fs::write(&partial, serde_json::to_vec_pretty(self)?)?;
        std::fs::rename(partial, path)
    }

    /// Removes the file a delta run left in `root`: the bundle written now is a full one.
    pub fn remove(root: &Path) -> std::io::Result<()> {
        match std::fs::remove_file(root.join(ASSUMED_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_reads_back_and_another_version_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::create(dir.path()).unwrap();
        assert_eq!(Assumed::read(&layout, dir.path()).unwrap(), None);
        let blob = AssumedBlob { digest: "sha256:b".into(), size: 7, repository: "ess/a".into() };
        let image = AssumedImage {
            name: "docker.io/a:1".into(),
            digest: "sha256:t".into(),
            repository: "ess/a".into(),
            blobs: vec![blob],
        };
        let assumed = Assumed::new("reg:5000".into(), serde_json::json!({"registry": "reg:5000"}), vec![image]);
        assumed.write(dir.path()).unwrap();
        let read = Assumed::read(&layout, dir.path()).unwrap().unwrap();
        assert_eq!(read.image("docker.io/a:1").unwrap().bytes(), 7);
        assert_eq!(read, assumed);
        let newer = std::fs::read_to_string(dir.path().join(ASSUMED_FILE)).unwrap().replace(API_VERSION, "x/v9");
        std::fs::write(dir.path().join(ASSUMED_FILE), newer).unwrap();
        let refused = Assumed::read(&layout, dir.path()).unwrap_err().to_string();
        assert!(refused.contains("is x/v9 Assumed, not"), "{refused}");
        Assumed::remove(dir.path()).unwrap();
        assert_eq!(Assumed::read(&layout, dir.path()).unwrap(), None);
    }
}
