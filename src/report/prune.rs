//! The output of `prune`: `kind: Prune`, the unused tags (repository, tag, digest, why), the
//! bytes garbage collection would free, what was deleted, and the garbage-collection step.

use super::Report;
use super::document::API_VERSION;
use super::mirror::human_bytes;
use crate::prune::{Unused, Verdict};
use crate::reference::Digest;
use serde::Serialize;
use std::io::{self, Write};

/// The registry's own step that frees the blobs of deleted manifests.
const GARBAGE_COLLECTION: &str = "blobs are freed by the registry's garbage collection: `registry garbage-collect \
                                  /etc/docker/registry/config.yml` for distribution (docker-registry); \
                                  Administration > Clean Up in Harbor; a cleanup task in Nexus and Artifactory";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PruneReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub registry: String,
    /// False for a dry run (without `--yes`).
    pub delete: bool,
    pub unused: Vec<Unused>,
    /// What `--yes` deletes, in that order: each unused tag's manifest, then the manifests it
    /// lists that nothing kept lists, as (repository, digest).
    #[serde(skip)]
    pub manifests: Vec<(String, Digest)>,
    /// Bytes garbage collection frees once those manifests are deleted: the manifests
    /// themselves and the blobs only they refer to.
    pub freed_bytes: u64,
    /// `repository@digest` of every manifest deleted.
    pub deleted: Vec<String>,
    /// Why the registry stopped the deletion, and what to do.
    pub refused: Option<String>,
    pub notes: Vec<String>,
    pub garbage_collection: &'static str,
}

impl PruneReport {
    pub fn new(registry: String, verdict: Verdict, delete: bool, notes: Vec<String>) -> Self {
        PruneReport {
            api_version: API_VERSION,
            kind: "Prune",
            registry,
            delete,
            unused: verdict.unused,
            manifests: verdict.delete,
            freed_bytes: verdict.freed,
            deleted: vec![],
            refused: None,
            notes,
            garbage_collection: GARBAGE_COLLECTION,
        }
    }
}

impl Report for PruneReport {
    fn document(&self) -> impl Serialize + '_ {
        self
    }

    fn write_table(&self, _color: bool, out: &mut dyn Write) -> io::Result<()> {
        for unused in &self.unused {
            writeln!(out, "{}:{}  {}  {}", unused.repository, unused.tag, unused.digest.short(), unused.why)?;
        }
        for note in &self.notes {
            writeln!(out, "note: {note}")?;
        }
        let count = self.manifests.len();
        match (&self.refused, self.delete) {
            (Some(refused), _) => writeln!(out, "{refused}")?,
            (None, true) => writeln!(out, "Deleted {} manifests from {}.", self.deleted.len(), self.registry)?,
            (None, false) if count == 0 => writeln!(out, "Nothing unused in these repositories of {}.", self.registry)?,
            (None, false) => writeln!(
                out,
                "{count} unused manifests ({} of blobs to free); nothing deleted: rerun with --yes to delete them.",
                human_bytes(self.freed_bytes)
            )?,
        }
        if self.delete && !self.deleted.is_empty() {
            writeln!(out, "Then: {GARBAGE_COLLECTION}.")?;
        }
        Ok(())
    }
}
