//! `probe`: what a registry does, learnt from its answers before the first push. Read-only it
//! asks what can be asked without writing (how it authenticates, whether one token serves
//! several repositories, whether it serves the referrers API); with `--write` it pushes the
//! throwaway images of `image` under `<path-prefix>/essregistry-probe` and learns the rest, then
//! deletes them where the registry allows. What it did not learn is `unknown`, never guessed.

pub mod image;

use crate::reference::{Digest, RepoPath};
use crate::registry::{Deleted, HeadAnswer, HttpRegistry, LookupError, TlsFacts, UploadError, UploadMode};
use image::{Blob, ProbeImages};
use serde::Serialize;
use std::convert::Infallible;

/// The repository under the path prefix that a probe writes in, and below which it goes deeper.
pub const PROBE_REPOSITORY: &str = "essregistry-probe";
/// The deepest repository path tried, in segments.
pub const DEEPEST: usize = 8;

/// An answer the registry gave, or did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Answer {
    Yes,
    No,
    Unknown,
}

impl From<Option<bool>> for Answer {
    fn from(known: Option<bool>) -> Self {
        match known {
            Some(true) => Answer::Yes,
            Some(false) => Answer::No,
            None => Answer::Unknown,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tls {
    /// `https` or `http`.
    pub scheme: &'static str,
    /// Whether the certificate was checked (not with `--registry-insecure-skip-tls-verify`).
    pub verified: bool,
    /// The one trust source that accepted the certificate, asked alone, most specific first
    /// (`--registry-ca-file`, then the registry's certs.d folder or `--registry-cert-dir`, then
    /// the system store): Go (docker, skopeo) merges them into one pool and never says which.
    pub accepted_by: Option<String>,
    /// Every trust source the certificate was checked against.
    pub trust_sources: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Auth {
    /// `none`, `basic` or `bearer`.
    pub scheme: &'static str,
    pub realm: Option<String>,
    pub service: Option<String>,
    /// Whether one token asked for several repositories is taken in each (bearer only).
    pub one_token_for_many_repositories: Answer,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Head {
    /// Whether a manifest `HEAD` gives `Docker-Content-Digest`.
    pub digest_header: Answer,
    /// Whether `HEAD` finds the manifest `GET` finds, with the same digest (Nexus's HEAD does not).
    pub agrees_with_get: Answer,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Upload {
    /// A whole blob in one `PUT`.
    pub monolithic: Answer,
    /// `PATCH` chunks, then an empty `PUT`.
    pub chunked: Answer,
    /// The largest request body it took, in bytes.
    pub largest_body: Option<u64>,
    /// `OCI-Chunk-Min-Length`, when announced.
    pub min_chunk_length: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Index {
    pub oci_index: Answer,
    pub docker_manifest_list: Answer,
}

/// Everything a probe learnt.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Findings {
    pub tls: Tls,
    pub auth: Auth,
    pub head: Head,
    pub upload: Upload,
    pub mount: Answer,
    pub index: Index,
    /// The deepest repository path it took, in segments (up to `DEEPEST`); None: unknown.
    pub path_depth: Option<usize>,
    pub referrers: Answer,
    pub delete: Answer,
    /// What `--write` left in the registry (`repo@digest`), where it may not delete.
    pub left: Vec<String>,
    /// Requests that failed otherwise than a refusal that answers the question.
    pub problems: Vec<String>,
}

/// What a failed step means for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    Refused,
    Failed,
}

/// Probes the registry, under `base` (`<path-prefix>/essregistry-probe`); writes only with
/// `write`, and `nonce` makes every byte it writes its own.
pub async fn probe(registry: &HttpRegistry, base: &RepoPath, write: bool, nonce: &str) -> (Findings, Vec<Trouble>) {
    let mut run = Run { registry, troubles: Vec::new(), problems: Vec::new() };
    let mount_repo = base.join(&RepoPath::parse("mount").expect("valid"));
    let one_token = run.ask(registry.one_token_serves(&[base, &mount_repo]).await).flatten();
    let referrers = run.ask(registry.serves_referrers(base, &Digest::of(nonce.as_bytes())).await).flatten();
    let auth = registry.auth_facts();
    let mut findings = Findings {
        tls: tls(registry.tls_facts()),
        auth: Auth {
            scheme: auth.scheme,
            realm: auth.realm,
            service: auth.service,
            one_token_for_many_repositories: one_token.into(),
        },
        head: Head { digest_header: Answer::Unknown, agrees_with_get: Answer::Unknown },
        upload: Upload {
            monolithic: Answer::Unknown,
            chunked: Answer::Unknown,
            largest_body: None,
            min_chunk_length: None,
        },
        mount: Answer::Unknown,
        index: Index { oci_index: Answer::Unknown, docker_manifest_list: Answer::Unknown },
        path_depth: None,
        referrers: referrers.into(),
        delete: Answer::Unknown,
        left: Vec::new(),
        problems: Vec::new(),
    };
    if write {
        run.write(&mut findings, base, &mount_repo, &ProbeImages::new(nonce)).await;
    }
    findings.problems = run.problems;
    (findings, run.troubles)
}

fn tls(facts: TlsFacts) -> Tls {
    match facts {
        TlsFacts::PlainHttp => Tls { scheme: "http", verified: false, accepted_by: None, trust_sources: Vec::new() },
        TlsFacts::Unchecked => Tls { scheme: "https", verified: false, accepted_by: None, trust_sources: Vec::new() },
        TlsFacts::Trusted { accepted_by, sources } => {
            Tls { scheme: "https", verified: true, accepted_by, trust_sources: sources }
        }
    }
}

struct Run<'a> {
    registry: &'a HttpRegistry,
    troubles: Vec<Trouble>,
    problems: Vec<String>,
}

impl Run<'_> {
    /// The answer, or None with the failure noted.
    fn ask<T>(&mut self, answer: Result<T, LookupError>) -> Option<T> {
        match answer {
            Ok(value) => Some(value),
            Err(error) => {
                let (trouble, why) = match error {
                    LookupError::Unauthorized(why) => (Trouble::Refused, why),
                    LookupError::Failed(why) | LookupError::Rejected(why) => (Trouble::Failed, why),
                };
                self.troubles.push(trouble);
                self.problems.push(why);
                None
            }
        }
    }

    /// A write the registry may refuse as an answer: Some(false) for a refusal of what was
    /// sent (4xx), None with the failure noted for anything else.
    fn accepted(&mut self, answer: Result<(), LookupError>) -> Option<bool> {
        match answer {
            Ok(()) => Some(true),
            Err(LookupError::Rejected(_)) => Some(false),
            Err(error) => self.ask(Err::<bool, _>(error)),
        }
    }

    async fn write(&mut self, findings: &mut Findings, base: &RepoPath, mount_repo: &RepoPath, images: &ProbeImages) {
        let registry = self.registry;
        // Uploads: the large blob as the registry takes it, then a blob in chunks if that was
        // not how it went already.
        let whole = self.push_blob(base, &images.large).await;
        let facts = registry.upload_facts();
        findings.upload.min_chunk_length = facts.min_chunk_length;
        match (whole, facts.mode) {
            (Some(true), UploadMode::Monolithic) => {
                findings.upload.monolithic = Answer::Yes;
                findings.upload.largest_body = Some(images.large.bytes.len() as u64);
            }
            (Some(true), UploadMode::Chunked(size)) => {
                findings.upload.chunked = Answer::Yes;
                findings.upload.largest_body = Some(size.min(images.large.bytes.len() as u64));
                // Chunks because whole blobs were refused, unless the registry asked for them.
                if facts.min_chunk_length.is_none() {
                    findings.upload.monolithic = Answer::No;
                }
            }
            (answer, _) => findings.upload.monolithic = Answer::from(answer.filter(|ok| !ok)),
        }
        if findings.upload.chunked == Answer::Unknown {
            registry.use_chunks();
            findings.upload.chunked = self.push_blob(base, &images.config).await.into();
        }
        for blob in images.referenced() {
            if self.push_blob(base, blob).await != Some(true) {
                return;
            }
        }
        // Manifests, HEAD against GET, indexes.
        let Some(true) = self.push(base, "probe", &images.oci).await else { return };
        let mut pushed = vec![(base.clone(), images.oci.0.clone())];
        let head = self.ask(registry.head_answer(base, "probe").await);
        let got = self.ask(registry.fetch_manifest(base, "probe").await).flatten();
        let got = got.map(|manifest| Digest::of(&manifest.bytes));
        findings.head = match head {
            Some(HeadAnswer::Found(header)) => Head {
                digest_header: Answer::from(Some(header.is_some())),
                agrees_with_get: Answer::from(got.map(|got| header.is_none_or(|header| header == got))),
            },
            Some(HeadAnswer::Missing) => Head { digest_header: Answer::Unknown, agrees_with_get: Answer::No },
            // ECR refuses HEAD (405): it gives no digest, and does not find what GET finds.
            Some(HeadAnswer::Refused) => Head { digest_header: Answer::No, agrees_with_get: Answer::No },
            None => findings.head.clone(),
        };
        let docker = self.push(base, images.docker.0.as_str(), &images.docker).await;
        if docker == Some(true) {
            pushed.push((base.clone(), images.docker.0.clone()));
        }
        let oci_index = self.push(base, "probe-index", &images.oci_index).await;
        let docker_list = match docker {
            Some(true) => self.push(base, "probe-list", &images.docker_list).await,
            _ => None,
        };
        findings.index = Index { oci_index: oci_index.into(), docker_manifest_list: docker_list.into() };
        for (accepted, manifest) in [(oci_index, &images.oci_index), (docker_list, &images.docker_list)] {
            if accepted == Some(true) {
                pushed.push((base.clone(), manifest.0.clone()));
            }
        }
        // Mount, then deeper and deeper paths (blobs mounted where the registry can).
        let mounted = self.ask(registry.mounts(mount_repo, &images.layer.digest, base).await);
        findings.mount = mounted.into();
        findings.path_depth = self.depth(base, images, &mut pushed).await;
        // Clean up where allowed; say what stays.
        findings.delete = self.delete(&pushed).await;
        if findings.delete != Answer::Yes {
            findings.left = pushed.iter().map(|(repo, digest)| format!("{repo}@{digest}")).collect();
        }
    }

    /// The deepest path under `base` the image can be pushed to, up to `DEEPEST` segments.
    async fn depth(
        &mut self,
        base: &RepoPath,
        images: &ProbeImages,
        pushed: &mut Vec<(RepoPath, Digest)>,
    ) -> Option<usize> {
        let mut deepest = base.as_str().split('/').count();
        let mut repo = base.clone();
        while deepest < DEEPEST {
            repo = repo.join(&RepoPath::parse(&format!("d{}", deepest + 1)).expect("valid"));
            for blob in images.referenced() {
                let placed = self.registry.mounts(&repo, &blob.digest, base).await;
                if !matches!(placed, Ok(true)) && self.push_blob(&repo, blob).await != Some(true) {
                    return Some(deepest);
                }
            }
            match self.push(&repo, "probe", &images.oci).await {
                Some(true) => pushed.push((repo.clone(), images.oci.0.clone())),
                Some(false) => return Some(deepest),
                None => return None,
            }
            deepest += 1;
        }
        Some(deepest)
    }

    /// Deletes what was pushed, deepest first: yes when every manifest went.
    async fn delete(&mut self, pushed: &[(RepoPath, Digest)]) -> Answer {
        let mut answer = Answer::Unknown;
        for (repo, digest) in pushed.iter().rev() {
            match self.ask(self.registry.delete_manifest(repo, digest).await) {
                Some(Deleted::Deleted | Deleted::Gone) => answer = Answer::Yes,
                Some(Deleted::Refused(_)) => return Answer::No,
                None => return Answer::Unknown,
            }
        }
        answer
    }

    async fn push(
        &mut self,
        repo: &RepoPath,
        reference: &str,
        manifest: &(Digest, crate::registry::RawManifest),
    ) -> Option<bool> {
        let answer = self.registry.push_manifest(repo, reference, &manifest.1).await;
        self.accepted(answer)
    }

    /// Uploads the blob as the registry takes it: Some(true) when it is there, Some(false) when
    /// the registry refused its bytes, None (noted) when it could not be tried.
    async fn push_blob(&mut self, repo: &RepoPath, blob: &Blob) -> Option<bool> {
        let registry = self.registry;
        // A refused upload session (a project that does not exist, say) answers nothing about
        // how uploads are taken: it is a problem, not a no.
        let location = match self.ask(registry.mount_blob(repo, &blob.digest, Some(repo)).await)? {
            Some(location) => location,
            None => return Some(true),
        };
        let bytes = blob.bytes.clone();
        let open = async || Ok::<_, Infallible>(futures::stream::once(std::future::ready(Ok(bytes.clone()))));
        let answer = registry.upload(repo, location, &blob.digest, blob.bytes.len() as u64, open).await;
        self.accepted(answer.map_err(|error| match error {
            UploadError::Registry(error) => error,
            UploadError::Read(e) => LookupError::Failed(e.to_string()),
            UploadError::Open(never) => match never {},
        }))
    }
}
