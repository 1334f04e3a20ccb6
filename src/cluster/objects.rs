//! The objects the plugin writes, built as typed values, and how they compare with what the
//! cluster holds. Pure: no API calls.

use crate::credentials::{Credentials, dockerconfigjson};
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use std::collections::BTreeMap;

/// The field manager of every server-side apply, so ownership is visible in `managedFields`.
pub const FIELD_MANAGER: &str = "kubectl-essregistry";
use crate::digests::DATA_KEY;
pub const SECRET_KEY: &str = ".dockerconfigjson";
pub const SECRET_TYPE: &str = "kubernetes.io/dockerconfigjson";
const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "kubectl-essregistry");
pub const INPUT_ANNOTATION: &str = "kubectl-essregistry/input-sha256";
pub const VERSION_ANNOTATION: &str = "kubectl-essregistry/version";
/// The mapping the ConfigMap was written with (`Mapping::recorded`).
pub const MAPPING_ANNOTATION: &str = "kubectl-essregistry/mapping";

fn metadata(name: &str, namespace: &str, annotations: Option<BTreeMap<String, String>>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_owned()),
        namespace: Some(namespace.to_owned()),
        labels: Some(BTreeMap::from([(MANAGED_BY.0.to_owned(), MANAGED_BY.1.to_owned())])),
        annotations,
        ..ObjectMeta::default()
    }
}

/// The images_digests ConfigMap, annotated with the input it came from, the mapping that made it
/// and the plugin version.
pub fn configmap(name: &str, namespace: &str, images_digests: &str, input_sha256: &str, mapping: &str) -> ConfigMap {
    let annotations = BTreeMap::from([
        (INPUT_ANNOTATION.to_owned(), input_sha256.to_owned()),
        (MAPPING_ANNOTATION.to_owned(), mapping.to_owned()),
        (VERSION_ANNOTATION.to_owned(), env!("CARGO_PKG_VERSION").to_owned()),
    ]);
    ConfigMap {
        metadata: metadata(name, namespace, Some(annotations)),
        data: Some(BTreeMap::from([(DATA_KEY.to_owned(), images_digests.to_owned())])),
        ..ConfigMap::default()
    }
}

/// The pull secret, exactly as `kubectl create secret docker-registry` would write it.
pub fn pull_secret(name: &str, namespace: &str, server: &str, credentials: &Credentials) -> Secret {
    Secret {
        metadata: metadata(name, namespace, None),
        type_: Some(SECRET_TYPE.to_owned()),
        data: Some(BTreeMap::from([(SECRET_KEY.to_owned(), ByteString(dockerconfigjson::write(server, credentials)))])),
        ..Secret::default()
    }
}

/// What applying would do to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    /// The live object cannot be updated in place (a Secret's type, an immutable ConfigMap):
    /// only deleting and re-creating it (`apply --force`) writes it.
    Replace,
    Unchanged,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Replace => "replace",
            Action::Unchanged => "unchanged",
        }
    }
}

/// One object's planned change. The Secret's never carries a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: &'static str,
    pub name: String,
    pub namespace: String,
    pub action: Action,
    pub diff: Option<String>,
    /// Why the live object cannot be updated in place (with `Action::Replace`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocker: Option<String>,
}

/// Labels and annotations this tool sets are there with its values (others may add more).
impl Change {
    /// The API resource of the object, as a path names it.
    pub fn resource(&self) -> &'static str {
        if self.kind == "Secret" { "secrets" } else { "configmaps" }
    }
}

fn holds(live: &ObjectMeta, desired: &ObjectMeta) -> bool {
    let contains = |live: &Option<BTreeMap<String, String>>, desired: &Option<BTreeMap<String, String>>| {
        desired.iter().flatten().all(|(k, v)| live.as_ref().and_then(|m| m.get(k)) == Some(v))
    };
    contains(&live.labels, &desired.labels) && contains(&live.annotations, &desired.annotations)
}

pub fn configmap_change(live: Option<&ConfigMap>, desired: &ConfigMap) -> Change {
    let text = |cm: Option<&ConfigMap>| {
        cm.and_then(|c| c.data.as_ref()).and_then(|d| d.get(DATA_KEY)).cloned().unwrap_or_default()
    };
    let (old, new) = (text(live), text(Some(desired)));
    let immutable = live.is_some_and(|live| live.immutable == Some(true));
    let action = match live {
        None => Action::Create,
        Some(live) if old == new && holds(&live.metadata, &desired.metadata) => Action::Unchanged,
        Some(_) if immutable && old != new => Action::Replace,
        Some(_) => Action::Update,
    };
    let blocker =
        (action == Action::Replace).then(|| "it is marked immutable: true, so its data cannot change".to_owned());
    let diff = (action != Action::Unchanged && old != new).then(|| {
        similar::TextDiff::from_lines(&old, &new).unified_diff().context_radius(3).header("live", "planned").to_string()
    });
    Change {
        kind: "ConfigMap",
        name: name_of(&desired.metadata),
        namespace: namespace_of(&desired.metadata),
        action,
        diff,
        blocker,
    }
}

pub fn secret_change(live: Option<&Secret>, desired: &Secret) -> Change {
    let content = |s: &Secret| (s.type_.clone(), s.data.as_ref().and_then(|d| d.get(SECRET_KEY)).map(|b| b.0.clone()));
    let action = match live {
        None => Action::Create,
        Some(live) if content(live) == content(desired) && holds(&live.metadata, &desired.metadata) => {
            Action::Unchanged
        }
        Some(live) if live.type_ != desired.type_ => Action::Replace,
        Some(_) => Action::Update,
    };
    let blocker = live.filter(|_| action == Action::Replace).map(|live| {
        format!("its type is {}, and a Secret's type cannot change", live.type_.as_deref().unwrap_or("Opaque"))
    });
    Change {
        kind: "Secret",
        name: name_of(&desired.metadata),
        namespace: namespace_of(&desired.metadata),
        action,
        diff: None,
        blocker,
    }
}

/// The API's limit on a ConfigMap's or Secret's data (`MaxSecretSize`, also applied to
/// ConfigMaps by kube-apiserver's validation): 1 MiB, keys and values together.
pub const MAX_DATA_BYTES: usize = 1024 * 1024;

/// The size the API counts for a ConfigMap's data: every key and value, in bytes.
pub fn configmap_data_bytes(configmap: &ConfigMap) -> usize {
    let text = configmap.data.iter().flatten().map(|(k, v)| k.len() + v.len());
    let binary = configmap.binary_data.iter().flatten().map(|(k, v)| k.len() + v.0.len());
    text.chain(binary).sum()
}

fn name_of(metadata: &ObjectMeta) -> String {
    metadata.name.clone().unwrap_or_default()
}

fn namespace_of(metadata: &ObjectMeta) -> String {
    metadata.namespace.clone().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docker_config_escapes_like_go() {
        let json = dockerconfigjson::write("reg.local:5000", &Credentials::new("robot", "a&b<c>"));
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"auths":{"reg.local:5000":{"username":"robot","password":"a\u0026b\u003cc\u003e","auth":"cm9ib3Q6YSZiPGM+"}}}"#
        );
    }

    #[test]
    fn changes_are_create_update_or_unchanged_with_a_diff_for_the_configmap_only() {
        let desired = configmap("cm", "ns", "a: 1\nb: 2\n", "sha256:x", "{}");
        assert_eq!(configmap_change(None, &desired).action, Action::Create);
        assert_eq!(configmap_change(Some(&desired), &desired).action, Action::Unchanged);
        let older = configmap("cm", "ns", "a: 1\nb: 1\n", "sha256:x", "{}");
        let change = configmap_change(Some(&older), &desired);
        assert_eq!(change.action, Action::Update);
        let diff = change.diff.unwrap();
        assert!(diff.contains("-b: 1\n+b: 2\n"), "{diff}");

        let secret = pull_secret("s", "ns", "reg", &Credentials::new("u", "p"));
        assert_eq!(secret_change(Some(&secret), &secret).action, Action::Unchanged);
        let rotated = pull_secret("s", "ns", "reg", &Credentials::new("u", "new"));
        let change = secret_change(Some(&secret), &rotated);
        assert_eq!((change.action, change.diff), (Action::Update, None));
    }

    #[test]
    fn objects_that_cannot_change_in_place_are_replaced_and_say_why() {
        let secret = pull_secret("s", "ns", "reg", &Credentials::new("u", "p"));
        let opaque = Secret { type_: Some("Opaque".into()), ..secret.clone() };
        let change = secret_change(Some(&opaque), &secret);
        assert_eq!(change.action, Action::Replace);
        assert_eq!(change.blocker.as_deref(), Some("its type is Opaque, and a Secret's type cannot change"));

        let desired = configmap("cm", "ns", "a: 2\n", "sha256:x", "{}");
        let frozen = ConfigMap { immutable: Some(true), ..configmap("cm", "ns", "a: 1\n", "sha256:x", "{}") };
        assert_eq!(configmap_change(Some(&frozen), &desired).action, Action::Replace);
        let same = ConfigMap { immutable: Some(true), ..desired.clone() };
        assert_eq!(configmap_change(Some(&same), &desired).action, Action::Unchanged);
    }

    #[test]
    fn data_size_counts_keys_and_values_as_the_api_does() {
        let cm = configmap("cm", "ns", &"x".repeat(100), "sha256:x", "{}");
        assert_eq!(configmap_data_bytes(&cm), DATA_KEY.len() + 100);
    }
}
