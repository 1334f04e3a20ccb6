//! `mirror --from-bundle PATH` without `-f`: the images_digests the bundle was made from, which
//! `mirror --to-bundle` keeps beside its `index.json`.

use super::Read;
use crate::bundle::layout::{DIGESTS_FILE, Layout};
use crate::error::Error;
use std::path::Path;

/// `given` is the path as the user typed it, for messages; `layout` the bundle opened from it.
pub fn read(layout: &Layout, given: &Path) -> Result<Read, Error> {
    let bytes = std::fs::read(layout.root().join(DIGESTS_FILE)).map_err(|_| {
        Error::usage(
            format!(
                "the bundle {} holds no images_digests.yml: it was made from a Helm chart's values, or by another tool",
                given.display()
            ),
            "name what it was made from: --chart (with the same --values) for a chart, or -f images_digests.yml",
        )
    })?;
    let name = format!("images_digests.yml in {}", given.display());
    Ok(Read { name, bytes, notes: vec![], bundle: Some(given.to_owned()) })
}
