//! Text that comes from a file, a registry or a cluster is escaped before it reaches a
//! terminal, so a crafted value cannot move the cursor or rewrite what was printed.

/// Control characters escaped, at most 200 characters kept.
pub fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .flat_map(|c| if c.is_control() { c.escape_debug().collect::<Vec<_>>() } else { vec![c] })
        .take(200)
        .collect();
    if text.chars().count() > 200 {
        out.push('…');
    }
    out
}

/// An error and its causes, outermost first, repeats dropped, escaped for the terminal.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut current = error.source();
    while let Some(cause) = current {
        parts.push(cause.to_string());
        current = cause.source();
    }
    parts.dedup();
    printable(&parts.join(": "))
}

/// Words as a command line a POSIX shell reads back unchanged: the lines printed for the admin
/// to paste (the helm command, the mirror command).
pub fn command_line(words: &[String]) -> String {
    words.iter().map(|word| shell_word(word)).collect::<Vec<_>>().join(" ")
}

fn shell_word(word: &str) -> String {
    let plain = !word.is_empty() && word.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-./:=@%+,".contains(&b));
    if plain { word.to_owned() } else { format!("'{}'", word.replace('\'', "'\\''")) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_control_characters() {
        assert_eq!(super::printable("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\n");
        assert_eq!(super::printable("élément"), "élément");
    }
}
