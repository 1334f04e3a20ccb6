//! The terminal side of output: colour, and writes that fail.

use crate::error::Error;
use std::io::IsTerminal;

/// `count` with its noun, singular for one: "1 image", "3 images".
pub fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// Colour only for a person at a terminal who has not asked for none (`--no-color`, `NO_COLOR`).
pub fn color_enabled(no_color_flag: bool) -> bool {
    !no_color_flag
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal()
        && terminal_reads_ansi()
}

/// Windows' classic console prints ANSI colour codes as text unless the program turns on its
/// virtual terminal mode; Windows Terminal (WT_SESSION) and terminals that set TERM read them.
fn terminal_reads_ansi() -> bool {
    !cfg!(windows) || std::env::var_os("WT_SESSION").is_some() || std::env::var_os("TERM").is_some()
}

/// A failed write to stdout or stderr. A closed pipe (`| head`) is not an error to report.
pub fn io_error(error: std::io::Error) -> Error {
    Error::Output(error)
}

/// A file-system failure in words, with what to do where the cause is the machine's: a full
/// disk, a read-only or permission-denied folder.
pub fn describe_io(error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::StorageFull => {
            format!("the disk is full ({error}): free space and run again; the run resumes")
        }
        std::io::ErrorKind::PermissionDenied => format!("{error}: check the folder's permissions"),
        std::io::ErrorKind::ReadOnlyFilesystem => format!("{error}: the folder is on a read-only file system"),
        _ => error.to_string(),
    }
}

/// Writes `text` to `path` whole or not at all: into a file beside it, renamed over it.
pub fn write_whole(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = path.with_file_name(format!(".{name}.essregistry-{}", std::process::id()));
    let result = std::fs::write(&temporary, text).and_then(|()| std::fs::rename(&temporary, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}
