//! Label selectors as kube-apiserver reads them from `?labelSelector=` (apimachinery's
//! `labels.Parse`): requirements separated by commas, each `key`, `!key`, `key=value`,
//! `key==value`, `key!=value`, `key in (a,b)` or `key notin (a,b)`. `!=` and `notin` also
//! select objects without the label, as Kubernetes has it.

use serde_json::Value;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Exists(String),
    Absent(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    /// The selector of a query string's raw (percent-encoded) value; an error is kube-apiserver's
    /// 400 message.
    pub fn parse_query(raw: &str) -> Result<Selector, String> {
        Selector::parse(&percent_decoded(raw))
    }

    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        for part in split_top_level(text) {
            let part = part.trim();
            if part.is_empty() {
                if text.trim().is_empty() {
                    continue;
                }
                return Err(format!("unable to parse requirement: found '', expected: identifier in \"{text}\""));
            }
            requirements.push(requirement(part)?);
        }
        Ok(Selector(requirements))
    }

    /// Whether an object with `labels` (its `metadata.labels`) is selected.
    pub fn matches(&self, labels: &Value) -> bool {
        let label = |key: &str| labels.get(key).and_then(Value::as_str);
        self.0.iter().all(|requirement| match requirement {
            Requirement::Exists(key) => label(key).is_some(),
            Requirement::Absent(key) => label(key).is_none(),
            Requirement::In(key, values) => label(key).is_some_and(|v| values.iter().any(|w| w == v)),
            Requirement::NotIn(key, values) => label(key).is_none_or(|v| values.iter().all(|w| w != v)),
        })
    }
}

/// The requirements: commas split them, except inside the parentheses of `in` and `notin`.
fn split_top_level(text: &str) -> Vec<&str> {
    let (mut parts, mut depth, mut start) = (Vec::new(), 0usize, 0);
    for (index, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn requirement(part: &str) -> Result<Requirement, String> {
    let invalid = || format!("unable to parse requirement: {part:?} is not a requirement");
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement::Absent(key.trim().to_owned()));
    }
    for (operator, negated) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = part.split_once(operator) {
            let (key, value) = (key.trim().to_owned(), vec![value.trim().to_owned()]);
            return Ok(if negated { Requirement::NotIn(key, value) } else { Requirement::In(key, value) });
        }
    }
    let mut words = part.splitn(2, char::is_whitespace);
    let key = words.next().unwrap_or_default().to_owned();
    let Some(rest) = words.next().map(str::trim) else { return Ok(Requirement::Exists(key)) };
    let (negated, list) = if let Some(list) = rest.strip_prefix("notin") {
        (true, list)
    } else if let Some(list) = rest.strip_prefix("in") {
        (false, list)
    } else {
        return Err(invalid());
    };
    let list = list.trim().strip_prefix('(').and_then(|l| l.strip_suffix(')')).ok_or_else(invalid)?;
    let values: Vec<String> = list.split(',').map(|v| v.trim().to_owned()).collect();
    Ok(if negated { Requirement::NotIn(key, values) } else { Requirement::In(key, values) })
}

/// A query value as Go's url package decodes it: `%XX` escapes, and `+` for a space.
fn percent_decoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |b: &u8| (*b as char).to_digit(16);
        match bytes[index] {
            b'%' => match (bytes.get(index + 1).and_then(hex), bytes.get(index + 2).and_then(hex)) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    index += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            other => out.push(other),
        }
        index += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equality_and_set_requirements_select_as_kubernetes_does() {
        let deployed = json!({"name": "ess", "owner": "helm", "status": "deployed"});
        let superseded = json!({"name": "ess", "owner": "helm", "status": "superseded"});
        let unlabelled = json!({});
        let select = |text: &str, labels: &Value| Selector::parse(text).unwrap().matches(labels);
        assert!(select("name=ess,owner=helm,status=deployed", &deployed));
        assert!(!select("name=ess,owner=helm,status=deployed", &superseded));
        assert!(select("status!=deployed", &superseded) && select("status!=deployed", &unlabelled));
        assert!(select("status in (deployed, failed)", &deployed) && !select("status in (failed)", &deployed));
        assert!(select("status notin (deployed)", &unlabelled));
        assert!(select("owner", &deployed) && select("!owner", &unlabelled) && !select("!owner", &deployed));
        assert!(select("", &unlabelled));
        assert!(Selector::parse("status is deployed").is_err());
    }

    #[test]
    fn query_values_are_decoded_as_go_encodes_them() {
        let selector = Selector::parse_query("app.kubernetes.io%2Finstance+in+%28ess%2Cess-synapse-main%29").unwrap();
        assert!(selector.matches(&json!({"app.kubernetes.io/instance": "ess-synapse-main"})));
        assert!(!selector.matches(&json!({"app.kubernetes.io/instance": "ess-staging-synapse-main"})));
        assert_eq!(percent_decoded("a%3Db%2"), "a=b%2");
    }
}
