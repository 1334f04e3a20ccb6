//! The exit codes, in one place. The same table is in `--help` and the README.

/// Every image is ready in the local registry.
pub const READY: u8 = 0;
/// Some image is not ready (missing, or another digest under `--digest-mismatch fail`).
pub const NOT_READY: u8 = 1;
/// The command line or the images_digests input is wrong; nothing was contacted.
pub const USAGE: u8 = 2;
/// The registry refused the credentials (or needs some and none were found).
pub const REGISTRY_AUTH: u8 = 3;
/// The registry could not be reached, or TLS failed, or it kept failing after retries.
pub const REGISTRY_UNREACHABLE: u8 = 4;

/// A Kubernetes API call failed (unreachable, refused credentials, RBAC, conflict).
pub const KUBE_API: u8 = 5;

/// The table printed under `--help`.
pub const HELP_TABLE: &str = "\
Exit codes:
  0  every image is ready in the local registry
  1  some image is not ready (missing, or another digest under --digest-mismatch fail)
  2  usage or input error (nothing was contacted)
  3  the registry refused the credentials
  4  the registry is unreachable, TLS failed, or it kept failing after retries
  5  a Kubernetes API call failed (unreachable, credentials, RBAC, conflict)";
