//! The checks kube-apiserver makes of ConfigMaps and Secrets before it stores them, with its
//! words: a Secret's type never changes, an immutable object's data never changes, and the data
//! of either adds up to at most 1 MiB. A client that writes these objects must expect each
//! refusal, so the tests' server refuses them too.

use super::resources::Resource;
use serde_json::{Value, json};

/// kube-apiserver's `MaxSecretSize`, which ConfigMaps share.
pub const MAX_DATA_BYTES: usize = 1024 * 1024;

/// One field error, as Kubernetes' `field.Error` renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    field: &'static str,
    kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum ErrorKind {
    Invalid { value: String, detail: &'static str },
    Forbidden(&'static str),
    TooLong(usize),
}

impl FieldError {
    /// `Invalid value: "x": detail`, `Forbidden: detail`, `Too long: must have at most N bytes`.
    fn message(&self) -> String {
        match &self.kind {
            ErrorKind::Invalid { value, detail } => format!("Invalid value: {}: {detail}", json!(value)),
            ErrorKind::Forbidden(detail) => format!("Forbidden: {detail}"),
            ErrorKind::TooLong(max) => format!("Too long: must have at most {max} bytes"),
        }
    }

    fn reason(&self) -> &'static str {
        match self.kind {
            ErrorKind::Invalid { .. } => "FieldValueInvalid",
            ErrorKind::Forbidden(_) => "FieldValueForbidden",
            ErrorKind::TooLong(_) => "FieldValueTooLong",
        }
    }
}

/// What is wrong with storing `new` over `live` (None: a new object); empty when nothing is.
pub fn check(resource: &Resource, live: Option<&Value>, new: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let secret = match resource.kind {
        "ConfigMap" => false,
        "Secret" => true,
        _ => return errors,
    };
    if let Some(live) = live {
        if secret && live["type"] != new["type"] {
            let value = new["type"].as_str().unwrap_or_default().to_owned();
            errors.push(FieldError { field: "type", kind: ErrorKind::Invalid { value, detail: "field is immutable" } });
        }
        if live["immutable"] == json!(true) {
            const DETAIL: &str = "field is immutable when `immutable` is set";
            if new["immutable"] != json!(true) {
                errors.push(FieldError { field: "immutable", kind: ErrorKind::Forbidden(DETAIL) });
            }
            let fields: &[&'static str] = if secret { &["data"] } else { &["data", "binaryData"] };
            for &field in fields {
                if live[field] != new[field] {
                    errors.push(FieldError { field, kind: ErrorKind::Forbidden(DETAIL) });
                }
            }
        }
    }
    // ConfigMap data counts as written, binaryData and Secret data as decoded; a ConfigMap's
    // error is about the whole object, a Secret's about its data.
    let size = |field: &str, encoded: bool| -> usize {
        new[field].as_object().map_or(0, |map| {
            map.values().filter_map(Value::as_str).map(|v| if encoded { decoded_len(v) } else { v.len() }).sum()
        })
    };
    let (size, field) =
        if secret { (size("data", true), "data") } else { (size("data", false) + size("binaryData", true), "[]") };
    if size > MAX_DATA_BYTES {
        errors.push(FieldError { field, kind: ErrorKind::TooLong(MAX_DATA_BYTES) });
    }
    errors
}

/// The 422 `Invalid` Status kube-apiserver answers: `Kind "name" is invalid: field: message`,
/// several errors in brackets, each one also a cause.
pub fn invalid(resource: &Resource, name: &str, errors: &[FieldError]) -> Value {
    let rendered: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.field, e.message())).collect();
    let list = match rendered.as_slice() {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    };
    let causes: Vec<Value> =
        errors.iter().map(|e| json!({"reason": e.reason(), "message": e.message(), "field": e.field})).collect();
    json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
           "message": format!("{} \"{name}\" is invalid: {list}", resource.kind),
           "reason": "Invalid", "details": {"name": name, "kind": resource.kind, "causes": causes}, "code": 422})
}

/// The size of base64 text once decoded, without decoding it.
fn decoded_len(text: &str) -> usize {
    let padding = text.bytes().rev().take_while(|b| *b == b'=').count();
    (text.len() / 4 * 3).saturating_sub(padding)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apiserver::resources;

    fn secret(kind: &str, immutable: bool) -> Value {
        json!({"kind": "Secret", "type": kind, "immutable": immutable, "data": {"k": "YWJj"}})
    }

    #[test]
    fn a_secret_keeps_its_type_and_says_so_as_kube_apiserver_does() {
        let secrets = resources::by_kind("Secret").unwrap();
        let errors = check(&secrets, Some(&secret("Opaque", false)), &secret("kubernetes.io/dockerconfigjson", false));
        let status = invalid(&secrets, "pull", &errors);
        assert_eq!(
            status["message"],
            "Secret \"pull\" is invalid: type: Invalid value: \"kubernetes.io/dockerconfigjson\": field is immutable"
        );
        assert_eq!(status["details"]["causes"][0]["field"], "type");
        assert!(check(&secrets, Some(&secret("Opaque", true)), &secret("Opaque", true)).is_empty());
    }

    #[test]
    fn immutable_data_and_the_size_limit() {
        let configmaps = resources::by_kind("ConfigMap").unwrap();
        let live = json!({"immutable": true, "data": {"k": "a"}});
        let errors = check(&configmaps, Some(&live), &json!({"data": {"k": "b"}}));
        assert_eq!(
            invalid(&configmaps, "c", &errors)["message"],
            "ConfigMap \"c\" is invalid: [immutable: Forbidden: field is immutable when `immutable` is set, data: \
             Forbidden: field is immutable when `immutable` is set]"
        );
        let big = json!({"data": {"k": "x".repeat(MAX_DATA_BYTES)}, "binaryData": {"b": "YQ=="}});
        assert_eq!(
            invalid(&configmaps, "c", &check(&configmaps, None, &big))["message"],
            "ConfigMap \"c\" is invalid: []: Too long: must have at most 1048576 bytes"
        );
        assert_eq!(decoded_len("YWJj"), 3);
        assert_eq!(decoded_len("YQ=="), 1);
    }
}
