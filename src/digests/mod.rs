//! The installer's images_digests: its model, the parser for both shapes (and for the manifests
//! that carry them, in any text encoding kubectl reads), and the writer of the ConfigMap string.
//! Pure: text in, values out.

mod decode;
mod manifest;
mod parse;
mod write;

pub use parse::{MAX_INPUT_BYTES, parse, parse_live};
pub use write::{Rewritten, configmap_string};

use crate::reference::{Digest, RegistryHost, RepoPath, Tag};
use std::fmt;

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

/// One thing wrong with the input, located as precisely as the parser knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// `component/sub` when the problem belongs to one entry.
    pub entry: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, "line {line}, column {column}: ")?,
            (Some(line), None) => write!(f, "line {line}: ")?,
            _ => {}
        }
        if let Some(entry) = &self.entry {
            write!(f, "{entry}: ")?;
        }
        f.write_str(&self.message)
    }
}
