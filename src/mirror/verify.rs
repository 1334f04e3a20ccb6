//! Every byte checked against its digest as it arrives: a stream that hashes what passes and
//! fails at its end (or as soon as it runs past the size) when the bytes are not the blob.

use super::source::Failure;
use crate::oci::Descriptor;
use futures::{Stream, StreamExt, TryStreamExt};
use sha2::{Digest as _, Sha256};
use std::io;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

pub type ByteStream = Pin<Box<dyn Stream<Item = io::Result<bytes::Bytes>> + Send>>;

/// Set when a stream's bytes were not its blob's, so that a failure reported by whatever
/// consumed the stream (an HTTP client, a file) is told as what it was.
#[derive(Debug, Clone, Default)]
pub struct Verdict(Arc<OnceLock<String>>);

impl Verdict {
    pub fn mismatch(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

struct State {
    inner: ByteStream,
    hasher: Sha256,
    seen: u64,
}

/// `stream`, failing unless its bytes are exactly `blob` (its size, then its sha256). The
/// digest is checked as the last byte arrives, before that last chunk is passed on: an HTTP
/// client stops reading the stream once `Content-Length` bytes are sent, so a check at the
/// stream's end would come too late to keep a wrong blob from the registry.
pub fn verified(stream: ByteStream, blob: &Descriptor, verdict: &Verdict) -> ByteStream {
    let expected = blob.clone();
    let verdict = verdict.clone();
    let state = State { inner: stream, hasher: Sha256::new(), seen: 0 };
    Box::pin(futures::stream::unfold(Some(state), move |state| {
        let expected = expected.clone();
        let verdict = verdict.clone();
        async move {
            let mut state = state?;
            let fail = |why: String| {
                let _ = verdict.0.set(why.clone());
                Some((Err(io::Error::new(io::ErrorKind::InvalidData, why)), None))
            };
            match state.inner.next().await {
                Some(Ok(chunk)) => {
                    state.seen += chunk.len() as u64;
                    if state.seen > expected.size {
                        return fail(format!(
                            "blob {} is longer than its {} bytes: its bytes are not the blob",
                            expected.digest, expected.size
                        ));
                    }
                    state.hasher.update(&chunk);
                    if state.seen == expected.size {
                        let hex: String = state.hasher.clone().finalize().iter().map(|b| format!("{b:02x}")).collect();
                        if format!("sha256:{hex}") != expected.digest.as_str() {
                            return fail(format!(
                                "blob {} does not match its digest (its bytes hash to sha256:{hex})",
                                expected.digest
                            ));
                        }
                    }
                    Some((Ok(chunk), Some(state)))
                }
                Some(Err(error)) => Some((Err(error), None)),
                None if state.seen < expected.size => fail(format!(
                    "blob {} is truncated: {} of its {} bytes",
                    expected.digest, state.seen, expected.size
                )),
                None => None,
            }
        }
    }))
}

/// Reads `stream` to its end through the digest check, keeping nothing (a bundle checked, a
/// blob of an earlier archive weighed before it is reused): the bytes read, or why they are not
/// the blob (`Corrupt`) or could not be read.
pub async fn read_through(stream: ByteStream, blob: &Descriptor) -> Result<u64, Failure> {
    let verdict = Verdict::default();
    let read = verified(stream, blob, &verdict).try_fold(0, |sum, chunk| async move { Ok(sum + chunk.len() as u64) });
    read.await.map_err(|e| match verdict.mismatch() {
        Some(why) => Failure::Corrupt(why.to_owned()),
        None => Failure::Image(format!("cannot read blob {}: {e}", blob.digest)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::Digest;

    fn blob(content: &[u8]) -> Descriptor {
        Descriptor {
            media_type: String::new(),
            digest: Digest::of(content),
            size: content.len() as u64,
            platform: None,
        }
    }

    async fn drain(content: &'static [u8], expected: &Descriptor) -> (io::Result<Vec<u8>>, Verdict) {
        let verdict = Verdict::default();
        let chunks = content.chunks(2).map(|c| Ok(bytes::Bytes::from_static(c))).collect::<Vec<_>>();
        let mut stream = verified(Box::pin(futures::stream::iter(chunks)), expected, &verdict);
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) => out.extend_from_slice(&chunk),
                Err(e) => return (Err(e), verdict),
            }
        }
        (Ok(out), verdict)
    }

    #[tokio::test]
    async fn the_right_bytes_pass_and_wrong_short_or_long_ones_fail_with_the_reason() {
        let (ok, verdict) = drain(b"hello", &blob(b"hello")).await;
        assert_eq!((ok.unwrap(), verdict.mismatch()), (b"hello".to_vec(), None));
        let (_, flipped) = drain(b"hellp", &blob(b"hello")).await;
        assert!(flipped.mismatch().unwrap().contains("does not match its digest"));
        let (_, short) = drain(b"hell", &blob(b"hello")).await;
        assert!(short.mismatch().unwrap().contains("truncated: 4 of its 5 bytes"));
        let (_, long) = drain(b"hello!", &blob(b"hello")).await;
        assert!(long.mismatch().unwrap().contains("longer"));
    }
}
