//! The exit codes, in one place. The same table is in `--help` and the README.

/// Every image is ready in the local registry.
pub const READY: u8 = 0;
/// Some image is not ready (missing, another digest under `--digest-mismatch fail`, or not
/// signed by a `--verify-key` key), or a
/// file the run writes (the values overlay, a bundle) could not be written.
pub const NOT_READY: u8 = 1;
/// The command line or the input it names is wrong: nothing was written, and nothing contacted
/// but to read that input (a ConfigMap or a release kept in the cluster). A failure after the
/// registry or the cluster was contacted for anything else never exits 2.
pub const USAGE: u8 = 2;
/// The registry refused the credentials (or needs some and none were found).
pub const REGISTRY_AUTH: u8 = 3;
/// The registry could not be reached, or TLS failed, or it kept failing after retries.
pub const REGISTRY_UNREACHABLE: u8 = 4;

/// A Kubernetes API call failed (unreachable, refused credentials, RBAC, conflict).
pub const KUBE_API: u8 = 5;

/// What one image (or one check) means for the exit code, in rising order of weight: a run's
/// code is that of its worst outcome (`fold`), so an unreachable registry is said before refused
/// credentials, and both before an image that is merely not ready.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Ready,
    NotReady,
    Refused,
    Unreachable,
}

/// The one exit-code fold every command uses: the code of the worst outcome, 0 for none.
pub fn fold(outcomes: impl IntoIterator<Item = Outcome>) -> u8 {
    match outcomes.into_iter().max().unwrap_or(Outcome::Ready) {
        Outcome::Ready => READY,
        Outcome::NotReady => NOT_READY,
        Outcome::Refused => REGISTRY_AUTH,
        Outcome::Unreachable => REGISTRY_UNREACHABLE,
    }
}

/// The table printed under `--help`.
pub const HELP_TABLE: &str = "\
Exit codes:
  0  every image is ready in the local registry
  1  some image is not ready (missing, or another digest under
     --digest-mismatch fail, or unsigned under --verify-key), or a file the
     run writes (the values overlay, a bundle) could not be written
  2  usage or input error: nothing was written, nothing contacted but to read
     the input
  3  the registry refused the credentials
  4  the registry is unreachable, TLS failed, or it kept failing after retries
  5  a Kubernetes API call failed (unreachable, credentials, RBAC, a missing
     namespace, conflict)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_outcome_decides() {
        assert_eq!(fold([]), READY);
        assert_eq!(fold([Outcome::Ready, Outcome::NotReady]), NOT_READY);
        assert_eq!(fold([Outcome::NotReady, Outcome::Refused, Outcome::Ready]), REGISTRY_AUTH);
        assert_eq!(fold([Outcome::Refused, Outcome::Unreachable, Outcome::NotReady]), REGISTRY_UNREACHABLE);
    }
}
