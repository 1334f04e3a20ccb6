//! Shell completion: scripts for the plugin run on its own, and the candidates kubectl asks
//! `kubectl_complete-essregistry` for when a user types `kubectl essregistry <TAB>`.

use crate::cli::Cli;
use clap::CommandFactory;
use std::io::{self, Write};

/// The standalone name: completion scripts cannot be bound to a name with a space in it.
const BIN: &str = "kubectl-essregistry";

/// Cobra's directives, which kubectl reads from the last line: complete no file names, or do.
const NO_FILE_COMPLETION: u8 = 4;
const DEFAULT_COMPLETION: u8 = 0;

pub fn write_script(shell: clap_complete::Shell, out: &mut dyn Write) -> io::Result<()> {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN, &mut buffer);
    out.write_all(&buffer)
}

/// One candidate per line, then `:<directive>`, as kubectl expects from a plugin completer.
pub fn write_candidates(words: &[String], out: &mut dyn Write) -> io::Result<()> {
    let (candidates, directive) = candidates(words);
    for candidate in candidates {
        writeln!(out, "{candidate}")?;
    }
    writeln!(out, ":{directive}")
}

/// `words` are what follows `kubectl essregistry`; the last one is being completed.
fn candidates(words: &[String]) -> (Vec<String>, u8) {
    let mut root = Cli::command();
    // Global flags reach the subcommands only once the command is built.
    root.build();
    let (typed, current) = match words.split_last() {
        Some((current, typed)) => (typed, current.as_str()),
        None => (&[][..], ""),
    };
    let mut command = &root;
    for word in typed {
        if let Some(sub) = command.find_subcommand(word) {
            command = sub;
        }
    }
    let matching = |items: Vec<String>| items.into_iter().filter(|c| c.starts_with(current)).collect::<Vec<_>>();

    // The value of a flag: `--layout <TAB>` or `--layout=<TAB>`.
    let (flag, prefix, partial) = match current.split_once('=') {
        Some((flag, partial)) if flag.starts_with("--") => (Some(flag), format!("{flag}="), partial),
        _ => (typed.last().map(String::as_str).filter(|w| w.starts_with('-')), String::new(), current),
    };
    if let Some(flag) = flag {
        let arg = command.get_arguments().find(|a| {
            flag.strip_prefix("--").is_some_and(|long| a.get_long() == Some(long))
                || flag
                    .strip_prefix('-')
                    .and_then(|s| s.chars().next())
                    .is_some_and(|short| flag.len() == 2 && a.get_short() == Some(short))
        });
        if let Some(arg) = arg.filter(|a| a.get_action().takes_values()) {
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set() && v.get_name().starts_with(partial))
                .map(|v| format!("{prefix}{}", v.get_name()))
                .collect();
            let directive = if arg.get_possible_values().is_empty() { DEFAULT_COMPLETION } else { NO_FILE_COMPLETION };
            return (values, directive);
        }
    }
    if current.starts_with('-') {
        let flags = command
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .chain(["--help".to_owned()])
            .collect();
        return (matching(flags), NO_FILE_COMPLETION);
    }
    // Building adds clap's own `help` subcommand; `--help` is offered with the flags instead.
    let subcommands = command
        .get_subcommands()
        .filter(|c| !c.is_hide_set() && c.get_name() != "help")
        .map(|c| c.get_name().to_owned())
        .collect();
    (matching(subcommands), NO_FILE_COMPLETION)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(words: &[&str]) -> (Vec<String>, u8) {
        candidates(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn completes_subcommands_flags_and_known_values() {
        assert_eq!(
            complete(&[""]).0,
            ["plan", "apply", "status", "mirror", "inventory", "prune", "probe", "completion"]
        );
        assert_eq!(complete(&["st"]).0, ["status"]);
        assert_eq!(complete(&["mirror", "--to-b"]).0, ["--to-bundle"]);
        assert_eq!(complete(&["plan", "--lay"]).0, ["--layout"]);
        assert_eq!(
            complete(&["plan", "--layout", ""]),
            (vec!["preserve".into(), "source-host".into(), "flat".into()], 4)
        );
        assert_eq!(complete(&["apply", "--dry-run="]).0, ["--dry-run=none", "--dry-run=client", "--dry-run=server"]);
        assert_eq!(complete(&["status", "-o", "j"]).0, ["json"]);
        assert_eq!(complete(&["plan", "--digest-mismatch", ""]).0, ["fail", "use-local", "drop"]);
        // A file: the shell completes file names.
        assert_eq!(complete(&["plan", "-f", ""]), (vec![], 0));
    }
}
