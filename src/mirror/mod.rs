//! `mirror`: carrying images across the air gap with their digests, from upstream (or a
//! bundle) to the local registry (or a bundle). The same targets as `plan`, the same registry
//! transport; what moves is decided here, how bytes move is the registry adapter's and the
//! bundle's.

pub mod attached;
mod bundle_check;
pub mod copy;
pub mod delta;
pub mod referrers;
pub mod reuse;
pub mod sink;
pub mod source;
mod verify;

pub use bundle_check::{Checked, check_bundle};
pub use copy::{
    CopyOptions, FailureKind, Item, Outcome, Progress, Surveyed, blobs_needed, copy_all, copy_surveyed, dry_run,
    survey_all,
};
pub use delta::{Delta, Have};
pub use sink::{Destination, Sink};
pub use source::{Origin, Source, SourceMirror, Upstreams};
pub use verify::ByteStream;
