//! The one error type. Each variant knows its exit code and what the user can do about it.

use crate::exit;
use crate::problem::Problem;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or a combination of flags is wrong.
    #[error("{message}")]
    Usage { message: String, hint: String },

    #[error("cannot read {path}: {source}")]
    ReadInput { path: PathBuf, source: std::io::Error },

    /// The images_digests input (or what it maps to) is invalid; every problem is listed.
    #[error("{source_name} is not a usable images_digests ({count} problem{s}):\n{list}",
        count = problems.len(),
        s = if problems.len() == 1 { "" } else { "s" },
        list = problems.iter().map(|p| format!("  {source_name}: {p}")).collect::<Vec<_>>().join("\n"))]
    Input { source_name: String, problems: Vec<Problem> },

    /// A chart's values (or what they map to) cannot be used; every problem is listed.
    #[error("{source_name} cannot be used ({count} problem{s}):\n{list}",
        count = problems.len(),
        s = if problems.len() == 1 { "" } else { "s" },
        list = problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Values { source_name: String, problems: Vec<Problem> },

    #[error("the registry {registry} refused the credentials from {credentials}")]
    RegistryAuth { registry: String, credentials: String, hint: String },

    #[error("cannot reach the registry {registry}: {reason}")]
    RegistryUnreachable { registry: String, reason: String, hint: String },

    /// The kubeconfig or context cannot be used.
    #[error("{message}")]
    ClusterConfig { message: String, hint: String },

    /// An API call failed; names what was done where.
    #[error("{0}")]
    Cluster(Box<ClusterFailure>),

    /// `apply` would leave images pulling from upstream; the plan's own exit code stands.
    #[error("refusing to apply: {not_ready} of {images} images are not ready; nothing was written")]
    Refused { not_ready: usize, images: usize, code: u8 },

    /// Some objects were written and then a write failed: says exactly which.
    #[error("{written}; {failure}")]
    PartlyApplied { written: String, failure: Box<Error>, hint: String },

    /// A file the run writes on this machine (the values overlay, a bundle) could not be
    /// written after the registry or the cluster was contacted: the images are not pointed at
    /// the local registry (exit 1, as an image not ready), and the input was not at fault.
    #[error("{message}")]
    NotWritten { message: String, hint: String },

    #[error("cannot write the output: {0}")]
    Output(std::io::Error),
}

/// What a failed Kubernetes API call was, where, and what to do.
#[derive(Debug)]
pub struct ClusterFailure {
    /// `patch secrets/ess-local-registry`
    pub action: String,
    pub namespace: String,
    pub context: String,
    pub reason: String,
    pub hint: String,
    /// Whether running again, unchanged, may succeed (a timeout may; a refusal will not).
    pub rerun_helps: bool,
}

/// `failed to ACTION in namespace NS (context C): REASON`; an action on the namespace itself
/// names it once.
impl std::fmt::Display for ClusterFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ClusterFailure { action, namespace, context, reason, .. } = self;
        if action.ends_with(&format!("namespace {namespace}")) {
            write!(f, "failed to {action} (context {context}): {reason}")
        } else {
            write!(f, "failed to {action} in namespace {namespace} (context {context}): {reason}")
        }
    }
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage { message: message.into(), hint: hint.into() }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage { .. }
            | Error::ReadInput { .. }
            | Error::Input { .. }
            | Error::Values { .. }
            | Error::Output(_) => exit::USAGE,
            Error::RegistryAuth { .. } => exit::REGISTRY_AUTH,
            Error::RegistryUnreachable { .. } => exit::REGISTRY_UNREACHABLE,
            Error::ClusterConfig { .. } | Error::Cluster(_) | Error::PartlyApplied { .. } => exit::KUBE_API,
            Error::Refused { code, .. } => *code,
            Error::NotWritten { .. } => exit::NOT_READY,
        }
    }

    /// One line of advice, printed after the error.
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. } => Some(hint),
            Error::ReadInput { .. } => Some("pass the installer's images_digests.yml with -f FILE"),
            Error::Input { .. } => Some("fix the entries above and run again; nothing was contacted or written"),
            Error::Values { .. } => Some("fix the values named above and run again; nothing was written"),
            Error::RegistryAuth { hint, .. }
            | Error::RegistryUnreachable { hint, .. }
            | Error::ClusterConfig { hint, .. } => Some(hint),
            Error::Cluster(failure) => Some(&failure.hint),
            Error::PartlyApplied { hint, .. } | Error::NotWritten { hint, .. } => Some(hint),
            Error::Refused { .. } => Some(
                "mirror them (the fixes are above) and rerun, or pass --allow-incomplete to apply the ready entries",
            ),
            Error::Output(_) => None,
        }
    }
}
