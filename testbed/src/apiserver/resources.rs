//! The resources this API server serves, and their discovery documents.

use serde_json::{Value, json};

/// The ElementDeployment group of this server. The plugin must find it by discovery.
pub const ELEMENT_GROUP: &str = "matrix.element.io";
pub const ELEMENT_VERSION: &str = "v1alpha1";

#[derive(Debug, Clone, Copy)]
pub struct Resource {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
}

impl Resource {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() { self.version.to_owned() } else { format!("{}/{}", self.group, self.version) }
    }
}

pub const RESOURCES: [Resource; 5] = [
    Resource {
        group: "",
        version: "v1",
        plural: "namespaces",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
    },
    Resource {
        group: "",
        version: "v1",
        plural: "configmaps",
        kind: "ConfigMap",
        namespaced: true,
        short_names: &["cm"],
    },
    Resource { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true, short_names: &[] },
    Resource { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true, short_names: &["po"] },
    Resource {
        group: ELEMENT_GROUP,
        version: ELEMENT_VERSION,
        plural: "elementdeployments",
        kind: "ElementDeployment",
        namespaced: true,
        short_names: &[],
    },
];

pub fn find(group: &str, version: &str, plural: &str) -> Option<Resource> {
    RESOURCES.iter().copied().find(|r| r.group == group && r.version == version && r.plural == plural)
}

pub fn by_kind(kind: &str) -> Option<Resource> {
    RESOURCES.iter().copied().find(|r| r.kind == kind)
}

pub fn version() -> Value {
    json!({"major": "1", "minor": "33", "gitVersion": "v1.33.0-essregistry-testbed", "gitCommit": "0000000",
           "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24", "compiler": "gc",
           "platform": "linux/amd64"})
}

pub fn api_versions(address: &str) -> Value {
    json!({"kind": "APIVersions", "versions": ["v1"],
           "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": address}]})
}

pub fn api_group_list() -> Value {
    let group_version = format!("{ELEMENT_GROUP}/{ELEMENT_VERSION}");
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{
        "name": ELEMENT_GROUP,
        "versions": [{"groupVersion": group_version, "version": ELEMENT_VERSION}],
        "preferredVersion": {"groupVersion": group_version, "version": ELEMENT_VERSION}
    }]})
}

pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let resources: Vec<Value> = RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({"name": r.plural, "singularName": r.kind.to_lowercase(), "namespaced": r.namespaced, "kind": r.kind,
                   "verbs": ["create", "delete", "get", "list", "patch", "update"], "shortNames": r.short_names})
        })
        .collect();
    if resources.is_empty() {
        return None;
    }
    let group_version = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
    Some(json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}))
}

/// The media type of aggregated discovery (Kubernetes 1.30+), which kubectl and kube-rs ask for
/// first; a server that answers it saves them one request per group.
pub const AGGREGATED: &str = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `/api` (core) or `/apis` (every other group) as one APIGroupDiscoveryList.
pub fn aggregated(core: bool) -> Value {
    let mut groups: Vec<&str> = RESOURCES.iter().filter(|r| r.group.is_empty() == core).map(|r| r.group).collect();
    groups.dedup();
    let items: Vec<Value> = groups
        .into_iter()
        .map(|group| {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .filter(|r| r.group == group)
                .map(|r| {
                    json!({"resource": r.plural, "singularResource": r.kind.to_lowercase(),
                           "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
                           "scope": if r.namespaced { "Namespaced" } else { "Cluster" },
                           "verbs": ["create", "delete", "get", "list", "patch", "update"], "shortNames": r.short_names})
                })
                .collect();
            let version = RESOURCES.iter().find(|r| r.group == group).map(|r| r.version).unwrap_or("v1");
            json!({"metadata": {"name": group}, "versions": [{"version": version, "resources": resources, "freshness": "Current"}]})
        })
        .collect();
    json!({"kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": {}, "items": items})
}
