//! YAML 1.1's booleans, with which Helm reads values files (sigs.k8s.io/yaml over go-yaml v2): a
//! plain `yes`, `on` or `y` is true and `no`, `off` or `n` false, where YAML 1.2, and the parser
//! the values are read with, reads strings. Quoted they stay strings, for Helm too. Without this,
//! `enabled: no` would count as a string, and a component Helm does not deploy as one it does.

use serde_yaml::{Mapping, Value};
use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// One step down from a value to a child.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Where the scan is: inside a mapping (waiting for a key, or holding the key of the value that
/// comes next) or a sequence (at its next index).
enum Frame {
    Mapping { key: Option<String> },
    Sequence { next: usize },
}

/// YAML 1.1's words for true and false that YAML 1.2 reads as strings.
fn boolean(word: &str) -> Option<bool> {
    match word {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
        _ => None,
    }
}

/// Turns every plain, untagged YAML 1.1 boolean of `text` into a boolean in `values`, which were
/// read from `text`. A text that does not scan (the reader reported it already) changes nothing.
pub fn apply_booleans(text: &str, values: &mut Mapping) {
    for (path, flag) in plain_booleans(text) {
        if let Some(value @ Value::String(_)) = value_at(values, &path) {
            *value = Value::Bool(flag);
        }
    }
}

fn plain_booleans(text: &str) -> Vec<(Vec<Step>, bool)> {
    let mut found = Vec::new();
    let mut frames: Vec<Frame> = Vec::new();
    let mut path: Vec<Step> = Vec::new();
    let mut parser = Parser::new_from_str(text);
    while let Ok((event, _)) = parser.next_token() {
        match event {
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                if let Some(step) = frames.last().and_then(value_step) {
                    path.push(step);
                }
                frames.push(match event {
                    Event::MappingStart(..) => Frame::Mapping { key: None },
                    _ => Frame::Sequence { next: 0 },
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                frames.pop();
                if frames.last().is_some_and(|frame| value_step(frame).is_some()) {
                    path.pop();
                }
                advance(frames.last_mut());
            }
            Event::Scalar(text, style, _, tag) => match frames.last_mut() {
                Some(Frame::Mapping { key: key @ None }) => *key = Some(text),
                frame => {
                    if let (Some(step), TScalarStyle::Plain, None, Some(flag)) =
                        (frame.as_deref().and_then(value_step), style, tag, boolean(&text))
                    {
                        let mut at = path.clone();
                        at.push(step);
                        found.push((at, flag));
                    }
                    advance(frame);
                }
            },
            Event::Alias(_) => advance(frames.last_mut()),
            Event::StreamEnd => break,
            _ => {}
        }
    }
    found
}

/// The step to the value that comes next in `frame`, if it is in a value's place.
fn value_step(frame: &Frame) -> Option<Step> {
    match frame {
        Frame::Mapping { key } => key.clone().map(Step::Key),
        Frame::Sequence { next } => Some(Step::Index(*next)),
    }
}

/// A value of `frame` is done: a mapping waits for its next key, a sequence moves on.
fn advance(frame: Option<&mut Frame>) {
    match frame {
        Some(Frame::Mapping { key }) => *key = None,
        Some(Frame::Sequence { next }) => *next += 1,
        None => {}
    }
}

fn value_at<'a>(values: &'a mut Mapping, path: &[Step]) -> Option<&'a mut Value> {
    let (Step::Key(first), rest) = path.split_first()? else { return None };
    let mut value = values.get_mut(first.as_str())?;
    for step in rest {
        value = match (step, value) {
            (Step::Key(key), Value::Mapping(mapping)) => mapping.get_mut(key.as_str())?,
            (Step::Index(index), Value::Sequence(items)) => items.get_mut(*index)?,
            _ => return None,
        };
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_yaml_1_1_booleans_become_booleans_and_quoted_ones_stay_strings() {
        let text = "a:\n  enabled: no\n  quoted: \"yes\"\n  list: [on, 'off', x]\n  nested:\n  - k: Y\nb: maybe\n";
        let mut values: Mapping = serde_yaml::from_str(text).unwrap();
        apply_booleans(text, &mut values);
        let expected: Mapping = serde_yaml::from_str(
            "a:\n  enabled: false\n  quoted: 'yes'\n  list: [true, 'off', x]\n  nested:\n  - k: true\nb: maybe\n",
        )
        .unwrap();
        assert_eq!(values, expected);
    }
}
