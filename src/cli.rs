//! Every flag, in one place, grouped by topic. Parsing does no I/O; `commands` resolves.

use crate::exit;
use crate::mapping::{Layout, MapRule};
use crate::plan::MismatchPolicy;
use crate::reference::{RegistryHost, RepoPath};
use crate::report::OutputFormat;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::time::Duration;

const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("ESSREGISTRY_GIT_COMMIT"),
    ")"
);

/// Point an air-gapped Element Server Suite at its local registry.
///
/// Reads the ESS installer's images_digests, maps every image to the local registry, checks
/// each one there and writes the images_digests ConfigMap and pull secret the installer needs.
#[derive(Debug, Parser)]
#[command(name = "kubectl-essregistry", bin_name = "kubectl essregistry", version = VERSION, after_help = exit::HELP_TABLE)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every image in the local registry and show what would be written
    #[command(after_help = format!("{PLAN_EXAMPLES}\n\n{}", exit::HELP_TABLE))]
    Plan(PlanArgs),
}

const PLAN_EXAMPLES: &str = "\
Examples:
  # First run: images live under the project 'elementdeployment' of the local registry
  kubectl essregistry plan -f images_digests.yml --registry localregistry.local --path-prefix elementdeployment

  # A registry with a private CA, the password read from a file descriptor, not the command line
  kubectl essregistry plan -f images_digests.yml --registry harbor.corp:443 \\
      --registry-ca-file corp-ca.pem --registry-username robot --registry-password-stdin < robot.pass

  # In CI: fail the pipeline unless every image is mirrored, keep the report
  kubectl essregistry plan -f images_digests.yml --registry localregistry.local -o json > plan.json";

#[derive(Debug, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub mapping: MappingArgs,
    #[command(flatten)]
    pub registry: RegistryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// The installer's images_digests.yml, or its ConfigMap string ('-' reads stdin)
    #[arg(short = 'f', long = "digests", value_name = "FILE")]
    pub digests: Option<PathBuf>,

    /// The ESS installer's folder, searched for images_digests.yml when -f is not given [default: ~/.element-enterprise-server]
    #[arg(long, value_name = "DIR")]
    pub installer_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Mapping to the local registry")]
pub struct MappingArgs {
    /// The local registry every image is pulled from
    #[arg(long, value_name = "HOST[:PORT]", value_parser = RegistryHost::parse)]
    pub registry: RegistryHost,

    /// A path put in front of every image in the local registry (a Harbor project, say)
    #[arg(long, value_name = "PREFIX", value_parser = parse_prefix)]
    pub path_prefix: Option<RepoPath>,

    /// How upstream paths are laid out in the local registry
    #[arg(long, value_enum, default_value_t = Layout::Preserve)]
    pub layout: Layout,

    /// Replace the upstream prefix FROM (server[/path]) by the path TO; the longest FROM wins over --layout
    #[arg(long = "map", value_name = "FROM=TO")]
    pub map: Vec<MapRule>,

    /// What the ConfigMap carries for an image whose local tag has another digest
    #[arg(long, value_enum, default_value_t = MismatchPolicy::Fail)]
    pub digest_mismatch: MismatchPolicy,
}

fn parse_prefix(text: &str) -> Result<RepoPath, String> {
    RepoPath::parse(text.trim_matches('/'))
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Registry access")]
pub struct RegistryArgs {
    /// The registry user; the password is read from stdin with --registry-password-stdin
    #[arg(long, value_name = "USER", requires = "registry_password_stdin")]
    pub registry_username: Option<String>,

    /// Read the registry password from stdin (there is no password flag: it would show in ps and shell history)
    #[arg(long, requires = "registry_username")]
    pub registry_password_stdin: bool,

    /// A PEM file with the CA that signed the registry's certificate (repeatable)
    #[arg(long, value_name = "PATH")]
    pub registry_ca_file: Vec<PathBuf>,

    /// Do not verify the registry's TLS certificate (for tests only)
    #[arg(long)]
    pub registry_insecure_skip_tls_verify: bool,

    /// Talk to the registry over plain HTTP
    #[arg(long, conflicts_with_all = ["registry_ca_file", "registry_insecure_skip_tls_verify"])]
    pub registry_plain_http: bool,

    /// How long one registry request may take
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = humantime::parse_duration)]
    pub registry_timeout: Duration,

    /// How many images are checked at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output format
    #[arg(short = 'o', long = "output", value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// No colours (also when NO_COLOR is set, or stdout is not a terminal)
    #[arg(long)]
    pub no_color: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn no_flag_takes_a_password() {
        let command = Cli::command();
        let plan = command.find_subcommand("plan").unwrap();
        for arg in plan.get_arguments() {
            let long = arg.get_long().unwrap_or_default();
            assert!(
                !long.contains("password") || long == "registry-password-stdin",
                "{long}"
            );
        }
    }
}
