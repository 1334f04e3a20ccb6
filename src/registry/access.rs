//! What a run may do in the registry's repositories, and the bearer tokens that grant it.

use std::sync::Arc;
use std::time::Instant;

/// What a run does in the registry's repositories: `plan` and `status` read, `mirror` writes
/// too (a push token also reads, so one token serves both), `probe --write` also deletes what
/// it pushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Pull,
    Push,
    PushDelete,
}

/// A token and when to stop using it.
#[derive(Debug, Clone)]
pub(super) struct CachedToken {
    pub(super) token: Arc<str>,
    pub(super) expires: Instant,
}
