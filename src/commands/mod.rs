//! One file per command; each wires the steps (input, mapping, checks, plan, output) together.

mod apply;
mod evidence;
mod plan;
mod status;
mod steps;

use crate::cli::{Cli, Command};
use crate::error::Error;
use std::io::Write;

/// Runs the command and returns its exit code; output goes to the given writers.
pub fn run(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    // reqwest and kube are built without a bundled TLS provider: ring, once, for both.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::usage(format!("cannot start the async runtime: {e}"), "check the process limits"))?;
    match cli.command {
        Command::Plan(args) => runtime.block_on(plan::run(args, out, err)),
        Command::Apply(args) => runtime.block_on(apply::run(args, out, err)),
        Command::Status(args) => runtime.block_on(status::run(args, out, err)),
    }
}
