use clap::Parser;
use kubectl_essregistry::cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match kubectl_essregistry::run(cli, &mut std::io::stdout(), &mut std::io::stderr()) {
        Ok(code) => code,
        Err(error) => kubectl_essregistry::report_error(&error, &mut std::io::stderr()),
    };
    ExitCode::from(code)
}
