//! Blob uploads as each registry takes them (distribution spec, "Pushing blobs"): monolithic, one
//! `PUT ?digest=` carrying the whole blob (the fewest requests), while the registry accepts it;
//! chunked, `PATCH` with `Content-Range` then an empty `PUT ?digest=`, once it refuses that
//! (Artifactory's 416, a 405 or 501), answers 413 (a body limit in front of it), announces
//! `OCI-Chunk-Min-Length`, or `--chunk-size` says so. A 413 halves the chunk until one passes,
//! down to `CHUNK_FLOOR`; what worked is kept for the rest of the run. A chunk cut off is
//! resumed where the registry says it stands (`GET` on the upload location, `Range: 0-N`).

use super::LookupError;
use super::content::{BLOB_TIMEOUT, BODY_LIMIT_ADVICE};
use super::http::HttpRegistry;
use crate::reference::{Digest, RepoPath};
use bytes::{Buf, Bytes, BytesMut};
use futures::{Stream, StreamExt};
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, LOCATION, RANGE};
use reqwest::{Method, Response, StatusCode, Url};
use std::pin::Pin;
use std::sync::Mutex;

/// The smallest chunk a 413 halves down to: a front that refuses 64 KiB bodies is a
/// misconfiguration to fix, not one to work around with a request per 64 KiB.
pub const CHUNK_FLOOR: u64 = 64 * 1024;
/// The chunk size when the registry wants chunks without a 413 saying how large they may be.
pub const DEFAULT_CHUNK: u64 = 8 * 1024 * 1024;
/// The largest chunk `--chunk-size` takes: each chunk is held in memory while it is sent.
pub const CHUNK_CEILING: u64 = 1024 * 1024 * 1024;
/// Times one upload asks the registry where it stands and goes on from there.
const RESUMES: u32 = 3;

/// How blobs are sent to the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadMode {
    Monolithic,
    /// `PATCH` requests of this many bytes (the last one shorter).
    Chunked(u64),
}

/// What the run learnt of the registry's uploads, for the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadFacts {
    pub mode: UploadMode,
    /// `OCI-Chunk-Min-Length`, when the registry announced one.
    pub min_chunk_length: Option<u64>,
    /// Blobs whose bytes were sent (mounted or present ones are not).
    pub blobs: usize,
}

/// The registry's upload facts, shared by every upload of the run.
#[derive(Debug)]
pub(super) struct Uploads(Mutex<UploadFacts>);

impl Uploads {
    /// `chunk`: `--chunk-size`, chunked from the first byte.
    pub(super) fn new(chunk: Option<u64>) -> Self {
        let mode = chunk.map_or(UploadMode::Monolithic, UploadMode::Chunked);
        Uploads(Mutex::new(UploadFacts { mode, min_chunk_length: None, blobs: 0 }))
    }

    pub(super) fn facts(&self) -> UploadFacts {
        *self.0.lock().expect("uploads")
    }

    /// The registry announced its smallest chunk: from now on chunks are at least that long.
    pub(super) fn announced(&self, min: u64) {
        let mut facts = self.0.lock().expect("uploads");
        facts.min_chunk_length = Some(min);
        let chunk = match facts.mode {
            UploadMode::Monolithic => DEFAULT_CHUNK,
            UploadMode::Chunked(chunk) => chunk,
        };
        facts.mode = UploadMode::Chunked(chunk.max(min));
    }

    /// Monolithic was refused: chunks of the default size (or smaller, as learnt already).
    fn refused_whole(&self) {
        let mut facts = self.0.lock().expect("uploads");
        if facts.mode == UploadMode::Monolithic {
            facts.mode = UploadMode::Chunked(DEFAULT_CHUNK.max(facts.min_chunk_length.unwrap_or(0)));
        }
    }

    /// A body of `refused` bytes was answered 413: half of it from now on, or an error when
    /// that is below the floor (or the registry's minimum).
    fn too_large(&self, refused: u64) -> Result<(), String> {
        let mut facts = self.0.lock().expect("uploads");
        let floor = CHUNK_FLOOR.max(facts.min_chunk_length.unwrap_or(0));
        let half = refused / 2;
        if half < floor {
            return Err(format!(
                "it refused a request body of {refused} bytes (413), and chunks go no smaller than {floor}"
            ));
        }
        facts.mode = match facts.mode {
            UploadMode::Chunked(chunk) => UploadMode::Chunked(chunk.min(half)),
            UploadMode::Monolithic => UploadMode::Chunked(half.min(DEFAULT_CHUNK)),
        };
        Ok(())
    }

    fn uploaded(&self) {
        self.0.lock().expect("uploads").blobs += 1;
    }
}

/// Why an upload failed: its bytes could not be read (the source, or the digest check as they
/// passed), or the registry refused or failed.
#[derive(Debug)]
pub enum UploadError<E> {
    Open(E),
    Read(std::io::Error),
    Registry(LookupError),
}

impl<E> From<LookupError> for UploadError<E> {
    fn from(error: LookupError) -> Self {
        UploadError::Registry(error)
    }
}

/// What became of one request of an upload.
enum Sent {
    /// Taken; the location to send the next request to, when there is a next one.
    Taken(Option<Url>),
    /// 413: the body was too large for the registry or the proxy in front of it.
    TooLarge,
    /// The registry will not take a whole blob in one `PUT` (Artifactory: 416
    /// `BLOB_UPLOAD_INVALID`).
    WholeRefused,
    /// The answer never came whole (a cut connection, a 5xx, a timeout): the registry may hold
    /// part of the bytes.
    Cut(String),
}

impl HttpRegistry {
    /// How this run sends blobs to the registry, as learnt so far.
    pub fn upload_facts(&self) -> UploadFacts {
        self.uploads.facts()
    }

    /// Sends the next blobs in chunks whatever was learnt (`probe`, to learn whether the
    /// registry takes them so).
    pub fn use_chunks(&self) {
        self.uploads.refused_whole();
    }

    /// Sends the blob to the upload `location` opened by `mount_blob`, as the registry takes
    /// it. `open` gives the blob's bytes from the first; it is called again when the registry
    /// refused them whole, so that they go in chunks. The registry checks the digest at the end.
    pub async fn upload<E, S>(
        &self,
        repo: &RepoPath,
        location: Url,
        digest: &Digest,
        size: u64,
        open: impl AsyncFn() -> Result<S, E>,
    ) -> Result<(), UploadError<E>>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let mut location = location;
        if self.uploads.facts().mode == UploadMode::Monolithic {
            let stream = open().await.map_err(UploadError::Open)?;
            match self.put_whole(repo, location, digest, size, stream).await? {
                Sent::Taken(_) => {
                    self.uploads.uploaded();
                    return Ok(());
                }
                Sent::TooLarge => self.uploads.too_large(size).map_err(|why| self.limited(repo, &why))?,
                Sent::WholeRefused => self.uploads.refused_whole(),
                Sent::Cut(why) => return Err(LookupError::Failed(why).into()),
            }
            // The refused session is not trusted further: a new one takes the chunks.
            location = self.mount_blob(repo, digest, None).await?.ok_or_else(|| {
                LookupError::Failed(format!("{} mounted a blob it was not asked to mount", self.registry))
            })?;
        }
        let stream = open().await.map_err(UploadError::Open)?;
        self.send_chunks(repo, location, digest, Box::pin(stream.fuse())).await?;
        self.uploads.uploaded();
        Ok(())
    }

    /// `PATCH` after `PATCH`, each chunk held until the registry took it, so that a 413 (halve
    /// it) or a cut (resume where the registry stands) sends only what it lacks; then the empty
    /// `PUT ?digest=`.
    async fn send_chunks<E, S>(
        &self,
        repo: &RepoPath,
        mut location: Url,
        digest: &Digest,
        mut stream: Pin<Box<S>>,
    ) -> Result<(), UploadError<E>>
    where
        S: Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let (mut held, mut pending, mut carry, mut resumes) = (0u64, Bytes::new(), Bytes::new(), 0);
        loop {
            let UploadMode::Chunked(chunk) = self.uploads.facts().mode else { unreachable!("chunked") };
            if pending.is_empty() {
                pending = next_chunk(&mut stream, &mut carry, chunk).await.map_err(UploadError::Read)?;
                if pending.is_empty() {
                    break;
                }
            }
            let piece = pending.slice(..pending.len().min(chunk as usize));
            match self.patch(repo, &location, held, piece.clone(), digest).await? {
                Sent::Taken(next) => {
                    location = next.unwrap_or(location);
                    held += piece.len() as u64;
                    pending.advance(piece.len());
                }
                Sent::TooLarge => self.uploads.too_large(piece.len() as u64).map_err(|why| self.limited(repo, &why))?,
                Sent::WholeRefused => unreachable!("a PATCH is not a whole blob"),
                Sent::Cut(why) => {
                    resumes += 1;
                    let stands = self.upload_status(repo, &location).await;
                    let Some((has, next)) =
                        stands.filter(|(has, _)| (held..=held + pending.len() as u64).contains(has))
                    else {
                        return Err(LookupError::Failed(format!(
                            "{why}; {} cannot say how much of the upload it holds, so it starts again",
                            self.registry
                        ))
                        .into());
                    };
                    if resumes > RESUMES {
                        return Err(LookupError::Failed(format!("{why}, {RESUMES} times over")).into());
                    }
                    pending.advance((has - held) as usize);
                    (held, location) = (has, next);
                }
            }
        }
        match self.put_whole(repo, location, digest, 0, futures::stream::empty()).await? {
            Sent::Taken(_) => Ok(()),
            Sent::Cut(why) => Err(LookupError::Failed(why).into()),
            Sent::TooLarge | Sent::WholeRefused => {
                Err(LookupError::Failed(format!("{} refused to close the upload of {digest}", self.registry)).into())
            }
        }
    }

    /// The `PUT ?digest=` that ends an upload, with the blob's `size` bytes or none.
    async fn put_whole(
        &self,
        repo: &RepoPath,
        mut location: Url,
        digest: &Digest,
        size: u64,
        body: impl Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    ) -> Result<Sent, LookupError> {
        location.query_pairs_mut().append_pair("digest", digest.as_str());
        let request = self
            .client
            .request(Method::PUT, location)
            .header(CONTENT_TYPE, "application/octet-stream")
            .header(CONTENT_LENGTH, size)
            .timeout(BLOB_TIMEOUT)
            .body(reqwest::Body::wrap_stream(body));
        let request = self.authorised(request, repo).await?;
        let response = match self.send_once(request).await {
            Ok(response) => response,
            Err(transport) => return Ok(Sent::Cut(transport.reason)),
        };
        match response.status() {
            StatusCode::CREATED | StatusCode::NO_CONTENT | StatusCode::OK => Ok(Sent::Taken(None)),
            StatusCode::PAYLOAD_TOO_LARGE if size > 0 => Ok(Sent::TooLarge),
            StatusCode::RANGE_NOT_SATISFIABLE | StatusCode::METHOD_NOT_ALLOWED | StatusCode::NOT_IMPLEMENTED
                if size > 0 =>
            {
                Ok(Sent::WholeRefused)
            }
            status if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT => {
                Ok(Sent::Cut(format!("{} answered {status} to the upload of {digest}", self.registry)))
            }
            status => Err(self.refusal(status, response, &format!("uploading blob {digest}"), repo).await),
        }
    }

    /// One chunk, bytes `start..` of the blob.
    async fn patch(
        &self,
        repo: &RepoPath,
        location: &Url,
        start: u64,
        piece: Bytes,
        digest: &Digest,
    ) -> Result<Sent, LookupError> {
        let range = format!("{start}-{}", start + piece.len() as u64 - 1);
        let build = || {
            self.client
                .patch(location.clone())
                .header(CONTENT_TYPE, "application/octet-stream")
                .header(CONTENT_LENGTH, piece.len())
                .header("content-range", &range)
                .timeout(BLOB_TIMEOUT)
                .body(piece.clone())
        };
        let response = match self.send_authorised_once(repo, build).await {
            Ok(response) => response,
            Err(LookupError::Failed(why)) => return Ok(Sent::Cut(why)),
            Err(error) => return Err(error),
        };
        match response.status() {
            StatusCode::ACCEPTED | StatusCode::NO_CONTENT | StatusCode::OK | StatusCode::CREATED => {
                Ok(Sent::Taken(Some(self.next_location(&response, location)?)))
            }
            StatusCode::PAYLOAD_TOO_LARGE => Ok(Sent::TooLarge),
            status if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT => {
                Ok(Sent::Cut(format!("{} answered {status} to a chunk of {digest}", self.registry)))
            }
            status => Err(self.refusal(status, response, &format!("uploading a chunk of blob {digest}"), repo).await),
        }
    }

    /// How many bytes of the upload the registry holds, and where to send the rest: `GET` on
    /// the upload location, `Range: 0-N`. None when it cannot say.
    async fn upload_status(&self, repo: &RepoPath, location: &Url) -> Option<(u64, Url)> {
        let response = self.send_authorised(repo, || self.client.get(location.clone())).await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        let range = response.headers().get(RANGE)?.to_str().ok()?;
        let has = held_by(range)?;
        Some((has, self.next_location(&response, location).ok()?))
    }

    /// The location an upload answer sends the next request to (distribution changes it after
    /// every chunk); the same one when it names none.
    fn next_location(&self, response: &Response, current: &Url) -> Result<Url, LookupError> {
        match response.headers().get(LOCATION).and_then(|v| v.to_str().ok()) {
            Some(location) => self.upload_url(location),
            None => Ok(current.clone()),
        }
    }

    /// A 413 no chunk could get under.
    fn limited(&self, repo: &RepoPath, why: &str) -> LookupError {
        LookupError::Rejected(format!("{} refused uploads into {repo}: {why}; {BODY_LIMIT_ADVICE}", self.registry))
    }
}

/// Bytes the registry holds from `Range: 0-N` (also `bytes=0-N`). distribution says `0-0` for
/// an upload holding nothing yet as for one byte: taken as nothing, since resending a byte the
/// registry has is refused while skipping one it lacks would corrupt the blob.
fn held_by(range: &str) -> Option<u64> {
    let range = range.trim();
    let (start, end) = range.strip_prefix("bytes=").unwrap_or(range).split_once('-')?;
    let (start, end): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
    match (start, end) {
        (0, 0) => Some(0),
        (0, end) => Some(end + 1),
        _ => None,
    }
}

/// The next `size` bytes of `stream` (fewer at its end, none after it); bytes read past them
/// wait in `carry`.
async fn next_chunk<S>(stream: &mut Pin<Box<S>>, carry: &mut Bytes, size: u64) -> std::io::Result<Bytes>
where
    S: Stream<Item = std::io::Result<Bytes>> + Send,
{
    let size = size as usize;
    let mut chunk = BytesMut::with_capacity(size.min(DEFAULT_CHUNK as usize));
    loop {
        if carry.is_empty() {
            match stream.next().await {
                Some(next) => *carry = next?,
                None => return Ok(chunk.freeze()),
            }
        }
        let take = carry.len().min(size - chunk.len());
        chunk.extend_from_slice(&carry.split_to(take));
        if chunk.len() == size {
            return Ok(chunk.freeze());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_413_halves_the_chunk_down_to_the_floor_and_the_minimum_length_holds() {
        let uploads = Uploads::new(None);
        uploads.too_large(6 * 1024 * 1024).unwrap();
        assert_eq!(uploads.facts().mode, UploadMode::Chunked(3 * 1024 * 1024));
        uploads.too_large(3 * 1024 * 1024).unwrap();
        uploads.too_large(8 * 1024 * 1024).unwrap();
        assert_eq!(uploads.facts().mode, UploadMode::Chunked(1536 * 1024), "the smallest that was tried stays");
        assert!(uploads.too_large(100 * 1024).unwrap_err().contains("no smaller than 65536"));
        uploads.announced(2 * 1024 * 1024);
        assert_eq!(uploads.facts().mode, UploadMode::Chunked(2 * 1024 * 1024));
        assert!(uploads.too_large(3 * 1024 * 1024).is_err(), "not below the registry's minimum");
    }

    #[test]
    fn a_refused_whole_blob_goes_in_default_chunks_unless_told_otherwise() {
        let uploads = Uploads::new(None);
        uploads.refused_whole();
        assert_eq!(uploads.facts().mode, UploadMode::Chunked(DEFAULT_CHUNK));
        let told = Uploads::new(Some(1024 * 1024));
        told.refused_whole();
        assert_eq!(told.facts().mode, UploadMode::Chunked(1024 * 1024));
    }

    #[test]
    fn the_range_of_an_upload_says_how_much_the_registry_holds() {
        assert_eq!(held_by("0-1048575"), Some(1048576));
        assert_eq!(held_by("bytes=0-9"), Some(10));
        assert_eq!(held_by("0-0"), Some(0));
        assert_eq!(held_by("5-9"), None);
        assert_eq!(held_by("nonsense"), None);
    }

    #[tokio::test]
    async fn chunks_are_cut_from_the_stream_at_their_size_whatever_its_pieces() {
        let pieces: Vec<std::io::Result<Bytes>> =
            vec![Ok(Bytes::from_static(b"abc")), Ok(Bytes::from_static(b"defgh")), Ok(Bytes::from_static(b"i"))];
        let mut stream = Box::pin(futures::stream::iter(pieces));
        let mut carry = Bytes::new();
        let mut chunks = Vec::new();
        loop {
            let chunk = next_chunk(&mut stream, &mut carry, 4).await.unwrap();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        assert_eq!(chunks, [&b"abcd"[..], b"efgh", b"i"]);
    }
}
