//! Server-side apply and merge patch over stored objects, with per-manager ownership.

use super::fields::{self, FieldSet, Path};
use serde_json::{Value, json};

/// One `managedFields` entry, decoded.
#[derive(Debug, Clone)]
pub struct Manager {
    pub name: String,
    pub operation: String,
    pub api_version: String,
    pub time: String,
    pub fields: FieldSet,
}

pub fn managers_of(object: &Value) -> Vec<Manager> {
    object["metadata"]["managedFields"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .map(|e| Manager {
                    name: e["manager"].as_str().unwrap_or_default().to_owned(),
                    operation: e["operation"].as_str().unwrap_or("Update").to_owned(),
                    api_version: e["apiVersion"].as_str().unwrap_or("v1").to_owned(),
                    time: e["time"].as_str().unwrap_or_default().to_owned(),
                    fields: fields::from_fields_v1(&e["fieldsV1"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn write_managers(object: &mut Value, managers: &[Manager]) {
    let entries: Vec<Value> = managers
        .iter()
        .filter(|m| !m.fields.is_empty())
        .map(|m| {
            json!({"manager": m.name, "operation": m.operation, "apiVersion": m.api_version,
                   "time": m.time, "fieldsType": "FieldsV1", "fieldsV1": fields::to_fields_v1(&m.fields)})
        })
        .collect();
    object["metadata"]["managedFields"] = Value::Array(entries);
}

/// A field another manager owns with another value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub manager: String,
    pub path: Path,
}

/// Applies `applied` for `manager` over `live` (None: a new object whose identity is `base`).
/// Returns the new object, or the conflicts when `force` is off.
pub fn apply(
    live: Option<&Value>,
    base: Value,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Value, Vec<Conflict>> {
    let applied_set = fields::fields_of(applied);
    let mut result = live.cloned().unwrap_or(base);
    let mut managers = live.map(managers_of).unwrap_or_default();

    let conflicts: Vec<Conflict> = managers
        .iter()
        .filter(|m| m.name != manager)
        .flat_map(|m| {
            m.fields
                .intersection(&applied_set)
                .filter(|path| fields::get(&result, path) != fields::get(applied, path))
                .map(|path| Conflict { manager: m.name.clone(), path: path.clone() })
        })
        .collect();
    if !conflicts.is_empty() && !force {
        return Err(conflicts);
    }
    for conflict in &conflicts {
        for m in managers.iter_mut().filter(|m| m.name == conflict.manager) {
            m.fields.remove(&conflict.path);
        }
    }

    let previous = managers
        .iter()
        .find(|m| m.name == manager && m.operation == "Apply")
        .map(|m| m.fields.clone())
        .unwrap_or_default();
    for path in previous.difference(&applied_set) {
        let owned_by_other = managers.iter().any(|m| m.name != manager && m.fields.contains(path));
        if !owned_by_other {
            fields::remove(&mut result, path);
        }
    }
    for path in &applied_set {
        let value = fields::get(applied, path).cloned().unwrap_or(Value::Null);
        fields::set(&mut result, path, value);
    }
    let api_version = applied["apiVersion"].as_str().unwrap_or("v1").to_owned();
    match managers.iter_mut().find(|m| m.name == manager && m.operation == "Apply") {
        Some(mine) if mine.fields == applied_set => {}
        Some(mine) => {
            mine.fields = applied_set;
            mine.time = now.to_owned();
        }
        None => managers.push(Manager {
            name: manager.to_owned(),
            operation: "Apply".into(),
            api_version,
            time: now.to_owned(),
            fields: applied_set,
        }),
    }
    write_managers(&mut result, &managers);
    Ok(result)
}

/// RFC 7386 merge patch; the manager (operation Update) takes the fields it sets.
pub fn merge_patch(live: &Value, patch: &Value, manager: &str, now: &str) -> Value {
    let mut result = live.clone();
    merge(&mut result, patch);
    let mut managers = managers_of(live);
    let patched: FieldSet =
        fields::fields_of(patch).into_iter().filter(|p| fields::get(patch, p) != Some(&Value::Null)).collect();
    let removed: Vec<Path> =
        fields::fields_of(patch).into_iter().filter(|p| fields::get(patch, p) == Some(&Value::Null)).collect();
    for m in &mut managers {
        for path in &removed {
            m.fields.remove(path);
        }
    }
    match managers.iter_mut().find(|m| m.name == manager && m.operation == "Update") {
        Some(mine) => {
            mine.fields.extend(patched);
            mine.time = now.to_owned();
        }
        None => managers.push(Manager {
            name: manager.to_owned(),
            operation: "Update".into(),
            api_version: live["apiVersion"].as_str().unwrap_or("v1").to_owned(),
            time: now.to_owned(),
            fields: patched,
        }),
    }
    write_managers(&mut result, &managers);
    result
}

fn merge(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(entries) => {
            if !target.is_object() {
                *target = json!({});
            }
            let map = target.as_object_mut().expect("object");
            for (key, value) in entries {
                if value.is_null() {
                    map.remove(key);
                } else {
                    merge(map.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        other => *target = other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cm(data: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": data})
    }

    #[test]
    fn a_second_manager_conflicts_unless_forced() {
        let first = apply(None, cm(json!({})), &cm(json!({"k": "a"})), "helm", false, "t").unwrap();
        let conflicts = apply(Some(&first), Value::Null, &cm(json!({"k": "b"})), "mine", false, "t").unwrap_err();
        assert_eq!(conflicts, [Conflict { manager: "helm".into(), path: vec!["data".into(), "k".into()] }]);
        let forced = apply(Some(&first), Value::Null, &cm(json!({"k": "b"})), "mine", true, "t").unwrap();
        assert_eq!(forced["data"]["k"], "b");
        assert_eq!(managers_of(&forced).len(), 1);
        // Same value: shared ownership, no conflict.
        assert!(apply(Some(&first), Value::Null, &cm(json!({"k": "a"})), "mine", false, "t").is_ok());
    }

    #[test]
    fn fields_dropped_from_an_apply_are_removed() {
        let first = apply(None, cm(json!({})), &cm(json!({"k": "a", "l": "b"})), "mine", false, "t").unwrap();
        let second = apply(Some(&first), Value::Null, &cm(json!({"k": "a"})), "mine", false, "t").unwrap();
        assert_eq!(second["data"], json!({"k": "a"}));
    }
}
