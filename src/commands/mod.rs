//! One file per command; each wires the steps (input, mapping, checks, plan, output) together.

mod apply;
mod bundle_check;
mod inventory;
mod mirror;
mod pipeline;
mod plan;
mod probe;
mod prune;
mod release_diff;
mod release_status;
mod status;

use crate::cli::{Cli, Command};
use crate::completion;
use crate::error::Error;
use crate::exit;
use crate::output::io_error;
use std::io::Write;

/// Runs the command and returns its exit code; output goes to the given writers.
pub fn run(mut cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<u8, Error> {
    cli.global.settle();
    match &cli.command {
        Command::Completion { shell } => {
            completion::write_script(*shell, out).map_err(io_error)?;
            return Ok(exit::READY);
        }
        Command::Complete { words } => {
            completion::write_candidates(words, out).map_err(io_error)?;
            return Ok(exit::READY);
        }
        _ => {}
    }
    // reqwest and kube are built without a bundled TLS provider: ring, once, for both.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::usage(format!("cannot start the async runtime: {e}"), "check the process limits"))?;
    match cli.command {
        Command::Plan(args) => runtime.block_on(plan::run(args, &cli.global, out, err)),
        Command::Apply(args) => runtime.block_on(apply::run(args, &cli.global, out, err)),
        Command::Mirror(args) => match &args.verify_bundle {
            Some(_) if !args.verify.verify_keys.is_empty() => Err(Error::usage(
                "--verify-key checks the signatures where the cluster pulls from, and --verify-bundle only the bundle's bytes",
                "push the bundle with mirror --from-bundle PATH --registry HOST --verify-key FILE, or check the registry with plan --verify-key FILE",
            )),
            Some(path) => {
                let version = args.version.chart_version.as_deref();
                runtime.block_on(bundle_check::run(path, version, &cli.global, out, err))
            }
            None => runtime.block_on(mirror::run(args, &cli.global, out, err)),
        },
        Command::Inventory(args) => runtime.block_on(inventory::run(args, &cli.global, out, err)),
        Command::Prune(args) => runtime.block_on(prune::run(args, &cli.global, out, err)),
        Command::Probe(args) => runtime.block_on(probe::run(&args, &cli.global, out, err)),
        Command::Status(args) => match &cli.global.input.release {
            Some(name) => runtime.block_on(release_status::run(&args, name, &cli.global, out, err)),
            None => runtime.block_on(status::run(args, &cli.global, out, err)),
        },
        Command::Completion { .. } | Command::Complete { .. } => unreachable!("answered above, without a runtime"),
    }
}
