//! The installer's images_digests: its model, the parser for both shapes (and for the manifests
//! that carry them, in any text encoding kubectl reads), and the writer of the ConfigMap string.
//! Pure: text in, values out.

mod decode;
mod manifest;
mod parse;
mod write;

pub use parse::{MAX_INPUT_BYTES, parse, parse_live};
pub use write::configmap_string;

use crate::mapping::Pinned;
use crate::reference::{Digest, RegistryHost, RepoPath, Tag};

/// The key of the ConfigMap's data that holds images_digests, as the installer reads it.
pub const DATA_KEY: &str = "images_digests";

/// One `component/sub` entry of images_digests, in the order of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub component: String,
    pub sub: String,
    pub server: RegistryHost,
    pub path: RepoPath,
    /// None in images_digests written for the Operator, which drops the tags: the image is
    /// then known by its digest alone.
    pub tag: Option<Tag>,
    pub digest: Digest,
    /// Fields this tool does not know, kept verbatim so a newer installer's additions survive.
    pub extra: Vec<(String, String)>,
    /// Where the entry starts in its file, for messages about it.
    pub line: usize,
}

impl Entry {
    /// `component/sub`, the name administrators see in the installer's file.
    pub fn name(&self) -> String {
        format!("{}/{}", self.component, self.sub)
    }

    /// The image it pins, as every step after the reader sees it.
    pub fn pinned(&self) -> Pinned {
        Pinned {
            name: self.name(),
            server: self.server.clone(),
            path: self.path.clone(),
            tag: self.tag.clone(),
            digest: Some(self.digest.clone()),
            line: Some(self.line),
            enabled: true,
        }
    }
}

/// One entry of a ConfigMap written for the Operator: no tag, perhaps no digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEntry {
    pub component: String,
    pub sub: String,
    pub server: RegistryHost,
    pub path: RepoPath,
    pub digest: Option<Digest>,
    pub line: usize,
}

impl LiveEntry {
    pub fn name(&self) -> String {
        format!("{}/{}", self.component, self.sub)
    }

    /// The image it points at, in the registry it names (already the local one), by digest.
    pub fn pinned(&self) -> Pinned {
        Pinned {
            name: self.name(),
            server: self.server.clone(),
            path: self.path.clone(),
            tag: None,
            digest: self.digest.clone(),
            line: Some(self.line),
            enabled: true,
        }
    }
}

/// A parsed, fully validated images_digests.
#[derive(Debug, Clone)]
pub struct ImagesDigests {
    pub entries: Vec<Entry>,
    /// Things worth saying that do not stop the work (ignored top-level keys).
    pub warnings: Vec<String>,
    /// Which ConfigMap's string was read, when the input was a manifest: a List or a file of
    /// several documents may hold more objects than the user remembers.
    pub origin: Option<String>,
}
