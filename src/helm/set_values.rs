//! `--set`, `--set-string` and `--set-json`, read with Helm's rules (pkg/strvals): `a.b=c` sets a
//! nested key, `a[0]=c` a list item (the list grows with nulls), `,` separates assignments and
//! `\` makes the next character literal; `{x,y}` is a list. `--set` types its values as Helm
//! does (`true`/`false`, `null`, integers without a leading zero), `--set-string` keeps every
//! value a string, and `--set-json` reads each value as JSON (or takes a whole JSON object).
//! They go over the `--values` files, in Helm's order: every `--set-json`, then `--set`, then
//! `--set-string` (pkg/cli/values `MergeValues`).

use serde_yaml::{Mapping, Value};
use std::iter::Peekable;
use std::str::Chars;

/// Helm's limit on a list index and on nesting, kept so that a typo cannot allocate gigabytes.
const MAX_INDEX: usize = 65536;
const MAX_NESTING: usize = 30;

/// Which flag a line came from: how its values are typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetKind {
    /// `--set`: `true`, `false`, `null` and integers typed, the rest strings.
    Typed,
    /// `--set-string`: every value a string.
    String,
    /// `--set-json`: every value JSON.
    Json,
}

impl SetKind {
    pub fn flag(self) -> &'static str {
        match self {
            SetKind::Typed => "--set",
            SetKind::String => "--set-string",
            SetKind::Json => "--set-json",
        }
    }
}

/// Applies every line in Helm's order (`--set-json`, `--set`, `--set-string`, each in the order
/// given) to `values`, the user's values merged from the files. Errors: the flag and line, and
/// what is wrong in it.
pub fn apply(values: &mut Mapping, lines: &[(SetKind, String)]) -> Result<(), String> {
    for kind in [SetKind::Json, SetKind::Typed, SetKind::String] {
        for (_, line) in lines.iter().filter(|(k, _)| *k == kind) {
            apply_line(values, kind, line).map_err(|why| format!("{} {line}: {why}", kind.flag()))?;
        }
    }
    Ok(())
}

fn apply_line(values: &mut Mapping, kind: SetKind, line: &str) -> Result<(), String> {
    if kind == SetKind::Json && line.trim_start().starts_with('{') {
        let object: serde_json::Value =
            serde_json::from_str(line.trim()).map_err(|e| format!("not a JSON object: {e}"))?;
        if let Value::Mapping(object) = json_to_yaml(object) {
            let merged = super::merge::user_values([std::mem::take(values), object]);
            *values = merged;
        }
        return Ok(());
    }
    let mut parser = Parser { rest: line.chars().peekable(), line, kind };
    while parser.rest.peek().is_some() {
        parser.key(values, 0)?;
    }
    Ok(())
}

struct Parser<'a> {
    rest: Peekable<Chars<'a>>,
    line: &'a str,
    kind: SetKind,
}

impl Parser<'_> {
    /// Reads up to one of `stops` (not included, but returned), `\` escaping the next character.
    fn until(&mut self, stops: &[char]) -> (String, Option<char>) {
        let mut text = String::new();
        while let Some(c) = self.rest.next() {
            if stops.contains(&c) {
                return (text, Some(c));
            }
            match c {
                '\\' => text.extend(self.rest.next()),
                c => text.push(c),
            }
        }
        (text, None)
    }

    /// One assignment below `data`: `name=value`, `name.rest`, or `name[i]...`.
    fn key(&mut self, data: &mut Mapping, depth: usize) -> Result<(), String> {
        let (name, stop) = self.until(&['=', '[', ',', '.']);
        match stop {
            None if name.is_empty() => Ok(()),
            None => Err(format!("key \"{name}\" has no value")),
            Some(',') => Err(format!("key \"{name}\" has no value (cannot end with ,)")),
            Some('=') => {
                let value = self.value()?;
                set(data, name, value);
                Ok(())
            }
            Some('.') => {
                if depth + 1 > MAX_NESTING {
                    return Err(format!("names nest more than {MAX_NESTING} levels"));
                }
                let mut inner = match data.get(name.as_str()) {
                    None => Mapping::new(),
                    Some(Value::Mapping(inner)) => inner.clone(),
                    Some(_) => return Err(format!("\"{name}\" is not a map of values, so .{name} cannot go below it")),
                };
                self.key(&mut inner, depth + 1)?;
                if inner.is_empty() {
                    return Err(format!("key map \"{name}\" has no value"));
                }
                set(data, name, Value::Mapping(inner));
                Ok(())
            }
            Some(_) => {
                let index = self.index()?;
                let mut list = match data.get(name.as_str()) {
                    None => Vec::new(),
                    Some(Value::Sequence(list)) => list.clone(),
                    Some(_) => return Err(format!("\"{name}\" is not a list, so {name}[{index}] cannot be set")),
                };
                self.item(&mut list, index, depth)?;
                set(data, name, Value::Sequence(list));
                Ok(())
            }
        }
    }

    /// `N]`, after a `[`.
    fn index(&mut self) -> Result<usize, String> {
        let (text, stop) = self.until(&[']']);
        let index: i64 = match stop {
            Some(_) => text.trim().parse().map_err(|_| format!("\"{text}\" is not a list index"))?,
            None => return Err(format!("\"[{text}\" has no closing ]")),
        };
        match usize::try_from(index) {
            Ok(index) if index <= MAX_INDEX => Ok(index),
            Ok(_) => Err(format!("index {index} is over the largest Helm takes, {MAX_INDEX}")),
            Err(_) => Err(format!("negative {index} index not allowed")),
        }
    }

    /// What follows `name[i]`: `=value`, `[j]...` or `.rest`.
    fn item(&mut self, list: &mut Vec<Value>, index: usize, depth: usize) -> Result<(), String> {
        let (extra, stop) = self.until(&['[', '.', '=']);
        if !extra.is_empty() {
            return Err(format!("unexpected \"{extra}\" after a list index"));
        }
        let value = match stop {
            Some('=') => self.value()?,
            Some('[') => {
                let next = self.index()?;
                let mut inner = match list.get(index) {
                    Some(Value::Sequence(inner)) => inner.clone(),
                    _ => Vec::new(),
                };
                self.item(&mut inner, next, depth)?;
                Value::Sequence(inner)
            }
            Some(_) => {
                let mut inner = match list.get(index) {
                    Some(Value::Mapping(inner)) => inner.clone(),
                    _ => Mapping::new(),
                };
                self.key(&mut inner, depth + 1)?;
                Value::Mapping(inner)
            }
            None => return Err("a list index with no value".to_owned()),
        };
        if list.len() <= index {
            list.resize(index + 1, Value::Null);
        }
        list[index] = value;
        Ok(())
    }

    /// The value after `=`, up to the next unescaped `,` (a `{x,y}` list, or one JSON value for
    /// `--set-json`).
    fn value(&mut self) -> Result<Value, String> {
        if self.kind == SetKind::Json {
            return self.json();
        }
        if self.rest.peek() == Some(&'{') {
            self.rest.next();
            let mut items = Vec::new();
            loop {
                let (item, stop) = self.until(&[',', '}']);
                match stop {
                    Some('}') => {
                        items.push(self.typed(item));
                        if self.rest.peek() == Some(&',') {
                            self.rest.next();
                        }
                        return Ok(Value::Sequence(items));
                    }
                    Some(_) => items.push(self.typed(item)),
                    None => return Err("list must terminate with '}'".to_owned()),
                }
            }
        }
        let (text, _) = self.until(&[',']);
        Ok(self.typed(text))
    }

    /// One JSON value, then the `,` after it if any. Nothing before the `,` is null.
    fn json(&mut self) -> Result<Value, String> {
        let rest: String = self.rest.clone().collect();
        if rest.trim_start().is_empty() || rest.trim_start().starts_with(',') {
            let (_, _) = self.until(&[',']);
            return Ok(Value::Null);
        }
        let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<serde_json::Value>();
        let value = match stream.next() {
            Some(Ok(value)) => value,
            Some(Err(e)) => return Err(format!("not JSON: {e} (in {})", self.line)),
            None => serde_json::Value::Null,
        };
        let used = rest[..stream.byte_offset()].chars().count();
        for _ in 0..used {
            self.rest.next();
        }
        let (after, _) = self.until(&[',']);
        if !after.trim().is_empty() {
            return Err(format!("\"{after}\" follows a JSON value"));
        }
        Ok(json_to_yaml(value))
    }

    fn typed(&self, text: String) -> Value {
        if self.kind == SetKind::String {
            return Value::String(text);
        }
        match text.to_ascii_lowercase().as_str() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            "null" => return Value::Null,
            "0" => return Value::Number(0.into()),
            _ => {}
        }
        match (text.starts_with('0'), text.parse::<i64>()) {
            (false, Ok(number)) => Value::Number(number.into()),
            _ => Value::String(text),
        }
    }
}

/// An empty name sets nothing, as in Helm.
fn set(data: &mut Mapping, name: String, value: Value) {
    if !name.is_empty() {
        data.insert(Value::String(name), value);
    }
}

fn json_to_yaml(value: serde_json::Value) -> Value {
    serde_yaml::to_value(value).map(super::values::normalized).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `lines` applied to `start`, as YAML.
    fn set(start: &str, lines: &[(SetKind, &str)]) -> Result<Mapping, String> {
        let mut values: Mapping = serde_yaml::from_str(start).unwrap();
        let lines: Vec<(SetKind, String)> = lines.iter().map(|(kind, line)| (*kind, line.to_string())).collect();
        apply(&mut values, &lines)?;
        Ok(values)
    }

    fn yaml(text: &str) -> Mapping {
        serde_yaml::from_str(text).unwrap()
    }

    // Each expected result is what Helm's documentation ("The Format and Limitations of --set")
    // and pkg/strvals's behaviour give for the same line.
    #[test]
    fn dotted_names_nest_and_commas_separate() {
        assert_eq!(set("{}", &[(SetKind::Typed, "outer.inner=value")]).unwrap(), yaml("outer: {inner: value}"));
        assert_eq!(set("{}", &[(SetKind::Typed, "a=b,c=d")]).unwrap(), yaml("a: b\nc: d"));
        assert_eq!(
            set("synapse: {image: {repository: s, tag: v1}}", &[(SetKind::Typed, "synapse.image.tag=v1.2.3")]).unwrap(),
            yaml("synapse: {image: {repository: s, tag: v1.2.3}}")
        );
    }

    #[test]
    fn values_are_typed_as_helm_types_them_unless_set_string() {
        let typed = set("{}", &[(SetKind::Typed, "a=true,b=FALSE,c=null,d=0,e=42,f=012,g=1.5,h=yes")]).unwrap();
        assert_eq!(typed, yaml("a: true\nb: false\nc: null\nd: 0\ne: 42\nf: '012'\ng: '1.5'\nh: 'yes'"));
        let strings = set("{}", &[(SetKind::String, "a=true,e=42")]).unwrap();
        assert_eq!(strings, yaml("a: 'true'\ne: '42'"));
    }

    #[test]
    fn lists_indexes_and_escapes() {
        assert_eq!(set("{}", &[(SetKind::Typed, "name={a,b,c}")]).unwrap(), yaml("name: [a, b, c]"));
        assert_eq!(set("{}", &[(SetKind::Typed, "servers[0].port=80")]).unwrap(), yaml("servers: [{port: 80}]"));
        assert_eq!(
            set("{}", &[(SetKind::Typed, "servers[0].port=80,servers[0].host=example")]).unwrap(),
            yaml("servers: [{port: 80, host: example}]")
        );
        assert_eq!(set("{}", &[(SetKind::Typed, "a[2]=x")]).unwrap(), yaml("a: [null, null, x]"));
        assert_eq!(set("a: [p, q]", &[(SetKind::Typed, "a[1]=x")]).unwrap(), yaml("a: [p, x]"));
        assert_eq!(set("{}", &[(SetKind::Typed, r"name=value1\,value2")]).unwrap(), yaml("name: 'value1,value2'"));
        assert_eq!(
            set("{}", &[(SetKind::Typed, r"nodeSelector.kubernetes\.io/role=master")]).unwrap(),
            yaml("nodeSelector: {kubernetes.io/role: master}")
        );
    }

    #[test]
    fn json_values_and_helms_order_between_the_flags() {
        assert_eq!(
            set("{}", &[(SetKind::Json, r#"a=[1,{"b":"c"}],d={"e":true}"#)]).unwrap(),
            yaml("a: [1, {b: c}]\nd: {e: true}")
        );
        assert_eq!(set("{}", &[(SetKind::Json, r#"{"x": {"y": 1}}"#)]).unwrap(), yaml("x: {y: 1}"));
        // Given last on the command line, --set-json still goes first, and --set-string last.
        let order = [(SetKind::String, "t=s"), (SetKind::Typed, "t=1"), (SetKind::Json, r#"t="j""#)];
        assert_eq!(set("{}", &order).unwrap(), yaml("t: s"));
    }

    #[test]
    fn a_line_helm_refuses_is_refused_with_its_flag() {
        let error = set("{}", &[(SetKind::Typed, "a.b")]).unwrap_err();
        assert_eq!(error, "--set a.b: key \"b\" has no value");
        assert!(set("{}", &[(SetKind::Typed, "a=b,")]).is_ok(), "a trailing comma after a value is fine");
        assert!(set("{}", &[(SetKind::Typed, "a,b=c")]).unwrap_err().contains("cannot end with ,"));
        assert!(set("{}", &[(SetKind::Typed, "a[-1]=x")]).unwrap_err().contains("negative"));
        assert!(set("a: 1", &[(SetKind::Typed, "a.b=x")]).unwrap_err().contains("is not a map of values"));
        assert!(set("{}", &[(SetKind::Typed, "a={x,y")]).unwrap_err().contains("terminate with '}'"));
    }
}
