//! Field sets, the unit of ownership in server-side apply: the leaf paths an object sets, and
//! their `fieldsV1` form in `managedFields`. Maps are walked key by key; lists are atomic.

use serde_json::{Map, Value, json};
use std::collections::BTreeSet;

pub type Path = Vec<String>;
pub type FieldSet = BTreeSet<Path>;

/// The paths an applied object sets. Identity (`apiVersion`, `kind`, name, namespace) and
/// server-owned metadata are not fields anyone owns.
pub fn fields_of(object: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    let Some(map) = object.as_object() else { return set };
    for (key, value) in map {
        match key.as_str() {
            "apiVersion" | "kind" | "status" => {}
            "metadata" => {
                for owned in ["labels", "annotations"] {
                    if let Some(Value::Object(entries)) = value.get(owned) {
                        for entry in entries.keys() {
                            set.insert(vec!["metadata".into(), owned.into(), entry.clone()]);
                        }
                    }
                }
            }
            _ => walk(&mut set, vec![key.clone()], value),
        }
    }
    set
}

fn walk(set: &mut FieldSet, path: Path, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let mut child_path = path.clone();
                child_path.push(key.clone());
                walk(set, child_path, child);
            }
        }
        _ => {
            set.insert(path);
        }
    }
}

pub fn get<'a>(object: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(object, |value, key| value.get(key))
}

pub fn set(object: &mut Value, path: &[String], new: Value) {
    let mut current = object;
    for key in &path[..path.len() - 1] {
        if !current.get(key).is_some_and(Value::is_object) {
            current[key.as_str()] = json!({});
        }
        current = current.get_mut(key).expect("just inserted");
    }
    current[path[path.len() - 1].as_str()] = new;
}

pub fn remove(object: &mut Value, path: &[String]) {
    let (last, parents) = path.split_last().expect("a path has a leaf");
    let mut current = object;
    for key in parents {
        match current.get_mut(key) {
            Some(next) => current = next,
            None => return,
        }
    }
    if let Some(map) = current.as_object_mut() {
        map.remove(last);
    }
}

/// `{"f:data": {"f:images_digests": {}}}`
pub fn to_fields_v1(set: &FieldSet) -> Value {
    let mut root = Map::new();
    for path in set {
        let mut current = &mut root;
        for key in path {
            current = current
                .entry(format!("f:{key}"))
                .or_insert_with(|| json!({}))
                .as_object_mut()
                .expect("fieldsV1 nodes are objects");
        }
    }
    Value::Object(root)
}

pub fn from_fields_v1(value: &Value) -> FieldSet {
    let mut set = FieldSet::new();
    collect(&mut set, Vec::new(), value);
    set
}

fn collect(set: &mut FieldSet, path: Path, value: &Value) {
    let children: Vec<_> = value
        .as_object()
        .map(|map| map.iter().filter_map(|(k, v)| Some((k.strip_prefix("f:")?.to_owned(), v))).collect())
        .unwrap_or_default();
    if children.is_empty() {
        if !path.is_empty() {
            set.insert(path);
        }
        return;
    }
    for (key, child) in children {
        let mut child_path = path.clone();
        child_path.push(key);
        collect(set, child_path, child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_fields_v1() {
        let object = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "x", "labels": {"a": "b"}}, "data": {"k": "v", "l": "w"}});
        let set = fields_of(&object);
        assert_eq!(set.len(), 3);
        assert_eq!(from_fields_v1(&to_fields_v1(&set)), set);
    }
}
