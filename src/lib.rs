//! kubectl-essregistry: points an air-gapped Element Server Suite at its local registry.
//!
//! The data flows one way, each step once:
//!
//! ```text
//! sources (one reader per input kind)  -> input::Input     images_digests, ConfigMap, chart, release, bundle
//!   -> mapping::Pinned -> mapping::Image                    target references               pure
//!   -> check (over the registry adapter) -> Finding         one image check                 registry I/O
//!      or mirror (transfers over the same adapter)
//!   -> plan::Plan -> input::Written                         ConfigMap string | Helm overlay pure
//!   -> report::write (table | json | yaml | values)         or applying (cluster adapter)
//! ```
//!
//! Modules import only from below them: the vocabulary (`reference`, `problem`, `credentials`,
//! `exit`, `sanitize`) at the bottom, the pure steps (`digests`, `helm`, `mapping`, `check`,
//! `plan`, `drift`, `input`, `status`, `desired`, `signature`) above it, the adapters (`registry`,
//! `cluster`, `bundle`, `mirror`, `sources`, `connect`, `signed`) beside them, `report` and `cli`
//! above, `commands` on top.

pub mod bundle;
mod causes;
pub mod check;
pub mod cli;
pub mod cluster;
mod commands;
pub mod completion;
pub mod connect;
pub mod credentials;
pub mod desired;
pub mod digests;
pub mod drift;
pub mod error;
pub mod exit;
pub mod helm;
pub mod input;
pub mod inventory;
pub mod mapping;
pub mod mirror;
pub mod oci;
mod output;
pub mod plan;
pub mod probe;
pub mod problem;
pub mod proxy;
pub mod prune;
pub mod reference;
pub mod registry;
pub mod release_diff;
pub mod report;
pub mod sanitize;
pub mod signature;
pub mod signed;
pub mod sources;
pub mod status;
pub mod tls;

pub use commands::run;
pub use error::Error;

use std::io::Write;

/// Prints an error once, with its hint, and gives the exit code. A closed stdout is quiet.
pub fn report_error(error: &Error, err: &mut dyn Write) -> u8 {
    if let Error::Output(io) = error
        && io.kind() == std::io::ErrorKind::BrokenPipe
    {
        return exit::READY;
    }
    let _ = writeln!(err, "error: {error}");
    if let Some(hint) = error.hint() {
        let _ = writeln!(err, "hint: {hint}");
    }
    error.exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_pipe_ends_quietly_and_other_errors_print_once_with_a_hint() {
        let mut printed = Vec::new();
        let closed = Error::Output(std::io::Error::from(std::io::ErrorKind::BrokenPipe));
        assert_eq!(report_error(&closed, &mut printed), exit::READY);
        assert!(printed.is_empty());

        let usage = Error::usage("no images_digests.yml given", "pass it with -f FILE");
        assert_eq!(report_error(&usage, &mut printed), exit::USAGE);
        assert_eq!(
            String::from_utf8(printed).unwrap(),
            "error: no images_digests.yml given\nhint: pass it with -f FILE\n"
        );
    }
}
