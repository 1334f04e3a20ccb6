//! A rerun into an archive bundle takes what the archive already under that name holds: each
//! blob read through the digest check (its file name is only a claim) and moved into the folder
//! the bundle is assembled in, so that only what the archive lacks, or holds damaged, is fetched.

use super::verify::read_through;
use crate::bundle::layout::Layout;
use crate::reference::Digest;
use futures::StreamExt;
use std::io;

/// What was taken from the earlier archive.
#[derive(Debug, Default)]
pub struct Reused {
    pub blobs: usize,
    /// Blobs whose bytes were not what their names claim: left behind, fetched again.
    pub damaged: Vec<Digest>,
}

/// Moves every blob of `from` that `into` lacks and whose bytes match its digest into `into`.
pub async fn take_blobs(from: &Layout, into: &Layout) -> io::Result<Reused> {
    let mut reused = Reused::default();
    for blob in from.blobs()? {
        if into.has_blob(&blob) {
            continue;
        }
        let bytes = from.blob_stream(&blob.digest).await?.boxed();
        match read_through(bytes, &blob).await {
            Ok(_) => {
                into.adopt_blob(from, &blob.digest)?;
                reused.blobs += 1;
            }
            Err(_) => reused.damaged.push(blob.digest),
        }
    }
    Ok(reused)
}
