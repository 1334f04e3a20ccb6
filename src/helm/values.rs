//! One Helm values file read into values: YAML text as Helm reads it (UTF-8, a byte-order mark
//! dropped), mapping keys as strings (Helm turns YAML into JSON, whose keys are strings), and
//! every problem placed by line and column.

use crate::digests::MAX_INPUT_BYTES;
use crate::problem::Problem;
use serde_yaml::{Mapping, Value};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const GZIP_MAGIC: &[u8] = b"\x1F\x8B";

/// The values of one file; an empty file (or one of comments only) holds none, as for Helm.
pub fn parse(bytes: &[u8]) -> Result<Mapping, Vec<Problem>> {
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(vec![problem(
            None,
            format!(
                "the file is over {} MiB: a values file is YAML text of a few hundred kilobytes",
                MAX_INPUT_BYTES >> 20
            ),
        )]);
    }
    if bytes.starts_with(GZIP_MAGIC) {
        return Err(vec![problem(
            None,
            "this is a gzip archive, not YAML text: pass a chart archive with --chart, and values files with --values"
                .to_owned(),
        )]);
    }
    let bytes = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|error| {
        let before = &bytes[..error.valid_up_to()];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let column = before.len() - before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1) + 1;
        vec![Problem {
            line: Some(line),
            column: Some(column),
            entry: None,
            message: format!(
                "byte 0x{:02X} here is not UTF-8: Helm reads values files as UTF-8 text; save the file as UTF-8",
                bytes[error.valid_up_to()]
            ),
        }]
    })?;
    let value: Value = serde_yaml::from_str(text).map_err(|error| {
        let location = error.location();
        vec![Problem {
            line: location.as_ref().map(|l| l.line()),
            column: location.as_ref().map(|l| l.column()),
            entry: None,
            message: format!("not valid YAML: {}", without_location(&error.to_string())),
        }]
    })?;
    match normalized(value) {
        Value::Null => Ok(Mapping::new()),
        Value::Mapping(mut values) => {
            super::yaml11::apply_booleans(text, &mut values);
            Ok(values)
        }
        other => Err(vec![problem(
            Some(1),
            format!("the top level is {}, not a mapping of values (key: value lines)", kind_of(&other)),
        )]),
    }
}

/// What a value is, in a person's words.
pub fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Keys as strings, and YAML tags dropped for the value they carry: what Helm's conversion of
/// YAML to JSON leaves.
pub fn normalized(value: Value) -> Value {
    match value {
        Value::Mapping(mapping) => Value::Mapping(
            mapping
                .into_iter()
                .map(|(key, value)| {
                    let key = match normalized(key) {
                        Value::String(text) => Value::String(text),
                        Value::Bool(flag) => Value::String(flag.to_string()),
                        Value::Number(number) => Value::String(number.to_string()),
                        Value::Null => Value::String("null".to_owned()),
                        other => other,
                    };
                    (key, normalized(value))
                })
                .collect(),
        ),
        Value::Sequence(items) => Value::Sequence(items.into_iter().map(normalized).collect()),
        Value::Tagged(tagged) => normalized(tagged.value),
        other => other,
    }
}

/// The parser's message without its own " at line L column C", which is printed first.
fn without_location(message: &str) -> &str {
    message.find(" at line ").or_else(|| message.find(" at position ")).map_or(message, |cut| &message[..cut])
}

fn problem(line: Option<usize>, message: String) -> Problem {
    Problem { line, column: None, entry: None, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &[u8]) -> String {
        parse(text).unwrap_err()[0].to_string()
    }

    #[test]
    fn reads_values_with_keys_as_strings_and_empty_files_as_no_values() {
        let values = parse(b"\xEF\xBB\xBFsynapse:\n  image:\n    tag: \"1.2\"\n  1: one\n  true: yes\n").unwrap();
        let synapse = values["synapse"].as_mapping().unwrap();
        assert_eq!(synapse["image"]["tag"], Value::String("1.2".into()));
        assert!(synapse.contains_key("1") && synapse.contains_key("true"), "{synapse:?}");
        assert!(parse(b"").unwrap().is_empty());
        assert!(parse(b"# only comments\n").unwrap().is_empty());
    }

    #[test]
    fn every_problem_is_placed_and_says_what_to_do() {
        assert_eq!(message(b"a: b\nc: [unclosed\n").split(':').next(), Some("line 3, column 1"));
        assert!(message(b"a: 1\na: 2\n").contains("duplicate entry with key \"a\""), "{}", message(b"a: 1\na: 2\n"));
        assert_eq!(
            message(b"a: 1\nb: caf\xE9\n"),
            "line 2, column 7: byte 0xE9 here is not UTF-8: Helm reads values files as UTF-8 text; save the file as UTF-8"
        );
        assert!(message(b"- a\n- b\n").contains("the top level is a list"));
        assert!(message(b"\x1F\x8B\x08\x00").contains("pass a chart archive with --chart"));
    }
}
