//! The API's `Warning` headers (deprecations, admission policies' warnings), printed on stderr
//! as kubectl prints them: `Warning: TEXT`, each text once per run. client-go takes only code
//! 299 warnings (RFC 7234 section 5.5: `299 - "text"`, several separated by commas).

use std::collections::BTreeSet;
use std::io::Write as _;
use std::sync::Mutex;

/// Prints the warnings of one response that this run has not printed yet.
pub(super) fn print(headers: &http::HeaderMap) {
    static PRINTED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let texts: Vec<String> =
        headers.get_all(http::header::WARNING).iter().filter_map(|v| v.to_str().ok()).flat_map(parse).collect();
    if texts.is_empty() {
        return;
    }
    let mut printed = PRINTED.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut stderr = std::io::stderr().lock();
    for text in texts {
        if printed.insert(text.clone()) {
            let _ = writeln!(stderr, "Warning: {}", crate::sanitize::printable(&text));
        }
    }
}

/// The texts of the code-299 warnings in one header value.
fn parse(value: &str) -> Vec<String> {
    let mut texts = Vec::new();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (code, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let (_agent, after) = after.trim_start().split_once(' ').unwrap_or((after, ""));
        let Some(quoted) = after.trim_start().strip_prefix('"') else { break };
        let (text, after) = quoted_string(quoted);
        if code == "299" && !text.is_empty() {
            texts.push(text);
        }
        // An optional date, then a comma before the next warning.
        rest = after.split_once(',').map_or("", |(_, next)| next).trim_start();
    }
    texts
}

/// The text up to the closing quote, with `\"` and `\\` unescaped, and what follows it.
fn quoted_string(text: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, escaped)) = chars.next() {
                    out.push(escaped);
                }
            }
            '"' => return (out, &text[i + 1..]),
            c => out.push(c),
        }
    }
    (out, "")
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn reads_code_299_warnings_as_client_go_does() {
        assert_eq!(
            parse(r#"299 - "v1 ComponentStatus is deprecated in v1.19+""#),
            ["v1 ComponentStatus is deprecated in v1.19+"]
        );
        assert_eq!(
            parse(
                r#"299 - "first, with a comma", 299 - "said \"twice\"" "Sat, 29 Nov 2026 08:00:00 GMT", 199 - "misc""#
            ),
            ["first, with a comma", "said \"twice\""]
        );
        assert!(parse("garbage").is_empty());
        assert!(parse(r#"299 - """#).is_empty());
    }
}
