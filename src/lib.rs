//! kubectl-essregistry: points an air-gapped Element Server Suite at its local registry.
//!
//! The data flows one way: images_digests (`digests`) -> target references (`mapping`) ->
//! registry checks (`check`, over the `registry` adapter) -> a plan (`plan`) -> output
//! (`report`). Everything but `registry`, `input` and `commands` is free of I/O.

pub mod check;
pub mod cli;
mod commands;
pub mod digests;
pub mod error;
pub mod exit;
mod input;
pub mod mapping;
mod output;
pub mod plan;
pub mod reference;
pub mod registry;
pub mod report;
pub mod sanitize;

pub use commands::run;
pub use error::Error;

use std::io::Write;

/// Prints an error once, with its hint, and gives the exit code. A closed stdout is quiet.
pub fn report_error(error: &Error, err: &mut dyn Write) -> u8 {
    if let Error::Output(io) = error {
        if io.kind() == std::io::ErrorKind::BrokenPipe {
            return exit::READY;
        }
    }
    let _ = writeln!(err, "error: {error}");
    if let Some(hint) = error.hint() {
        let _ = writeln!(err, "hint: {hint}");
    }
    error.exit_code()
}
