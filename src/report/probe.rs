//! What `probe` learnt: `kind: Probe`, one field per thing a registry does (tls, auth, head,
//! upload, mount, index, pathDepth, referrers, delete), and the same as a table.

use super::Report;
use super::document::API_VERSION;
use super::mirror::human_bytes;
use crate::probe::{Answer, Findings};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProbeReport {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub registry: String,
    /// The repository the probe reads and (with `--write`) writes in.
    pub repository: String,
    /// Whether throwaway images were pushed (`--write`): without it, what needs a write is
    /// `unknown`.
    pub write: bool,
    #[serde(flatten)]
    pub findings: Findings,
}

impl ProbeReport {
    pub fn new(registry: String, repository: String, write: bool, findings: Findings) -> Self {
        ProbeReport { api_version: API_VERSION, kind: "Probe", registry, repository, write, findings }
    }
}

impl Report for ProbeReport {
    fn document(&self) -> impl Serialize + '_ {
        self
    }

    fn write_table(&self, _color: bool, out: &mut dyn Write) -> io::Result<()> {
        let f = &self.findings;
        let tls = match (f.tls.scheme, f.tls.verified) {
            ("http", _) => "plain HTTP".to_owned(),
            (_, false) => "HTTPS, certificate not checked".to_owned(),
            _ => match &f.tls.accepted_by {
                Some(source) => format!("HTTPS, certificate accepted by {source}"),
                None => format!("HTTPS, certificate checked against {}", f.tls.trust_sources.join(", ")),
            },
        };
        let auth = match (&f.auth.realm, f.auth.one_token_for_many_repositories) {
            (Some(realm), many) => {
                format!("{} (realm {realm}; one token for several repositories: {})", f.auth.scheme, said(many))
            }
            (None, _) => f.auth.scheme.to_owned(),
        };
        let upload = format!(
            "monolithic {}, chunked {}{}{}",
            said(f.upload.monolithic),
            said(f.upload.chunked),
            f.upload.largest_body.map(|b| format!("; largest body taken {}", human_bytes(b))).unwrap_or_default(),
            f.upload.min_chunk_length.map(|b| format!("; OCI-Chunk-Min-Length {}", human_bytes(b))).unwrap_or_default(),
        );
        let rows = [
            ("tls", tls),
            ("auth", auth),
            (
                "head",
                format!(
                    "Docker-Content-Digest {}, agrees with GET {}",
                    said(f.head.digest_header),
                    said(f.head.agrees_with_get)
                ),
            ),
            ("upload", upload),
            ("mount", said(f.mount).to_owned()),
            (
                "index",
                format!(
                    "OCI index {}, Docker manifest list {}",
                    said(f.index.oci_index),
                    said(f.index.docker_manifest_list)
                ),
            ),
            (
                "pathDepth",
                f.path_depth.map_or_else(
                    || "unknown".to_owned(),
                    |depth| format!("{depth} segments (--layout flat where images need more)"),
                ),
            ),
            ("referrers", said(f.referrers).to_owned()),
            ("delete", said(f.delete).to_owned()),
        ];
        writeln!(out, "registry {} ({})", self.registry, self.repository)?;
        for (field, value) in rows {
            writeln!(out, "{field:<10} {value}")?;
        }
        if !self.write {
            writeln!(out, "read only: what needs a write is unknown; --write pushes throwaway images to learn it")?;
        }
        if !f.left.is_empty() {
            writeln!(out, "left in the registry (it does not allow deleting): {}", f.left.join(", "))?;
        }
        for problem in &f.problems {
            writeln!(out, "problem: {problem}")?;
        }
        Ok(())
    }
}

fn said(answer: Answer) -> &'static str {
    match answer {
        Answer::Yes => "yes",
        Answer::No => "no",
        Answer::Unknown => "unknown",
    }
}
