//! The Kubernetes adapter: kubeconfig and context, the objects it writes, the installer's
//! references, pods. API calls go through `Cluster`; everything else here is pure.

mod changes;
mod client;
mod config;
mod evidence;
pub mod installer;
pub mod objects;
mod overrides;
pub mod pods;
mod warnings;

pub use config::{ClusterConfig, DEFAULT_NAMESPACE, HELM_NAMESPACE, resolve};
pub use overrides::Overrides;

use crate::causes;
use crate::error::{ClusterFailure, Error};
use crate::proxy::Proxy;
use crate::sanitize::printable;
use crate::tls::{Peer, describe};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace, Pod, Secret};
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams};
use kube::discovery::{Discovery, verbs};
use objects::FIELD_MANAGER;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fmt::Debug;

/// How a write is sent: for real, or as the server's dry run.
#[derive(Debug, Clone, Copy)]
pub struct WriteMode {
    pub server_dry_run: bool,
    pub force: bool,
}

/// One namespace of one cluster, reached through one context.
pub struct Cluster {
    client: kube::Client,
    pub context: String,
    pub namespace: String,
    server: String,
    proxy: Option<Proxy>,
    client_certificate: bool,
}

impl Cluster {
    pub fn connect(config: config::ClusterConfig) -> Result<Self, Error> {
        let server = config.config.cluster_url.to_string();
        let client = client::build(&config).map_err(|e| Error::ClusterConfig {
            message: format!("cannot set up the client for context \"{}\": {e}", config.context),
            hint: "check the cluster's certificate and credentials in the kubeconfig".into(),
        })?;
        let client_certificate = config.tls.identity.is_some();
        Ok(Self {
            client,
            context: config.context,
            namespace: config.namespace,
            server,
            proxy: config.proxy,
            client_certificate,
        })
    }

    pub async fn get_configmap(&self, name: &str) -> Result<Option<ConfigMap>, Error> {
        self.get(name, "configmaps").await
    }

    pub async fn get_secret(&self, name: &str) -> Result<Option<Secret>, Error> {
        self.get(name, "secrets").await
    }

    async fn get<K>(&self, name: &str, resource: &'static str) -> Result<Option<K>, Error>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = Api::namespaced(self.client.clone(), &self.namespace);
        api.get_opt(name).await.map_err(|e| self.failure(&e, "get", resource, Some(name)))
    }

    /// Server-side apply as `kubectl-essregistry`; a conflict names the other field managers.
    pub async fn apply<K>(&self, object: &K, resource: &'static str, mode: WriteMode) -> Result<K, Error>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Serialize + Debug,
        K::DynamicType: Default,
    {
        let name = object.meta().name.clone().unwrap_or_default();
        let api: Api<K> = Api::namespaced(self.client.clone(), &self.namespace);
        let mut params = PatchParams::apply(FIELD_MANAGER);
        params.force = mode.force;
        params.dry_run = mode.server_dry_run;
        api.patch(&name, &params, &Patch::Apply(object))
            .await
            .map_err(|e| self.failure(&e, "patch", resource, Some(&name)))
    }

    /// Whether the namespace exists; None when this identity may not read namespaces.
    pub async fn namespace_exists(&self) -> Result<Option<bool>, Error> {
        let api: Api<Namespace> = Api::all(self.client.clone());
        match api.get_opt(&self.namespace).await {
            Ok(found) => Ok(Some(found.is_some())),
            Err(kube::Error::Api(status)) if status.code == 403 => Ok(None),
            Err(error) => Err(self.failure(&error, "get", "namespaces", Some(&self.namespace))),
        }
    }

    /// Deletes an object so that it can be re-created (`apply --force`), as kubectl's
    /// `apply --force` does for what cannot be updated in place.
    pub async fn delete(&self, name: &str, resource: &'static str, mode: WriteMode) -> Result<(), Error> {
        let params = kube::api::DeleteParams { dry_run: mode.server_dry_run, ..kube::api::DeleteParams::default() };
        let result = match resource {
            "secrets" => {
                Api::<Secret>::namespaced(self.client.clone(), &self.namespace).delete(name, &params).await.map(drop)
            }
            _ => {
                Api::<ConfigMap>::namespaced(self.client.clone(), &self.namespace).delete(name, &params).await.map(drop)
            }
        };
        result.map_err(|e| self.failure(&e, "delete", resource, Some(name)))
    }

    /// An error about `action` here (namespace and context named), for what this tool found
    /// before asking the API.
    pub fn refusal(&self, action: String, reason: String, hint: String) -> Error {
        self.error_here(action, reason, hint, false)
    }

    fn error_here(&self, action: String, reason: String, hint: String, rerun_helps: bool) -> Error {
        Error::Cluster(Box::new(ClusterFailure {
            action,
            namespace: self.namespace.clone(),
            context: self.context.clone(),
            reason,
            hint,
            rerun_helps,
        }))
    }

    /// The error for a namespace that does not exist.
    pub fn missing_namespace(&self) -> Error {
        self.refusal(
            format!("find namespace {}", self.namespace),
            format!("namespaces \"{}\" not found", self.namespace),
            format!(
                "the namespace {} does not exist in context \"{}\": pass -n NAMESPACE",
                self.namespace, self.context
            ),
        )
    }

    /// The namespace's pods; with a label `selector`, those it selects.
    pub async fn list_pods(&self, selector: Option<&str>) -> Result<Vec<Pod>, Error> {
        self.list(selector, "pods").await
    }

    /// Every pod of the cluster, in every namespace: what no pod runs is what `prune` may delete.
    pub async fn list_all_pods(&self) -> Result<Vec<Pod>, Error> {
        let api: Api<Pod> = Api::all(self.client.clone());
        let list = api.list(&ListParams::default()).await.map_err(|e| self.failure(&e, "list", "pods", None))?;
        Ok(list.items)
    }

    /// The namespace's Secrets that `selector` selects (Helm's releases, by their labels).
    pub async fn list_secrets(&self, selector: &str) -> Result<Vec<Secret>, Error> {
        self.list(Some(selector), "secrets").await
    }

    async fn list<K>(&self, selector: Option<&str>, resource: &'static str) -> Result<Vec<K>, Error>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope> + Clone + DeserializeOwned + Debug,
        K::DynamicType: Default,
    {
        let api: Api<K> = Api::namespaced(self.client.clone(), &self.namespace);
        let params = match selector {
            Some(selector) => ListParams::default().labels(selector),
            None => ListParams::default(),
        };
        let list = api.list(&params).await.map_err(|e| self.failure(&e, "list", resource, None))?;
        Ok(list.items)
    }

    /// ElementDeployment objects, found by kind through discovery: the group is not published.
    /// None when the cluster serves no such kind.
    pub async fn element_deployments(&self) -> Result<Option<Vec<DynamicObject>>, Error> {
        // Aggregated discovery is one request on Kubernetes 1.30+. An older server answers it
        // with a plain list, which reads as an error or as no groups at all (every real cluster
        // has some): then each group is asked in turn. The core group never has the kind.
        let groups = || Discovery::new(self.client.clone()).exclude(&[""]);
        let discovery = match groups().run_aggregated().await {
            Ok(discovery) if discovery.groups().next().is_some() => discovery,
            _ => groups().run().await.map_err(|e| self.failure(&e, "discover", "API groups", None))?,
        };
        let found =
            discovery.groups().flat_map(|group| group.recommended_resources()).find(|(resource, capabilities)| {
                resource.kind == "ElementDeployment" && capabilities.supports_operation(verbs::LIST)
            });
        let Some((resource, _)) = found else { return Ok(None) };
        let api: Api<DynamicObject> = Api::namespaced_with(self.client.clone(), &self.namespace, &resource);
        let plural = resource.plural.clone();
        let list = api.list(&ListParams::default()).await.map_err(|e| self.failure_owned(&e, "list", plural, None))?;
        Ok(Some(list.items))
    }

    fn failure(&self, error: &kube::Error, verb: &str, resource: &'static str, name: Option<&str>) -> Error {
        self.failure_owned(error, verb, resource.to_owned(), name)
    }

    /// Turns an API error into what happened and what to do, naming object, namespace, context.
    fn failure_owned(&self, error: &kube::Error, verb: &str, resource: String, name: Option<&str>) -> Error {
        let object = match name {
            Some(name) => format!("{resource}/{name}"),
            None => resource.clone(),
        };
        let action = format!("{verb} {object}");
        let (reason, hint) = match error {
            kube::Error::Api(status) => {
                let message = printable(&status.message);
                match status.code {
                    401 => (
                        "the API server refused the credentials (401 Unauthorized)".to_owned(),
                        format!(
                            "the token or certificate of context \"{}\" has probably expired: log in again, then rerun",
                            self.context
                        ),
                    ),
                    403 if status.message.contains("cannot impersonate") => (
                        message,
                        "this identity may not impersonate: drop --as/--as-group/--as-uid, or ask for a ClusterRole \
                         with the impersonate verb on users and groups (check with: kubectl auth can-i impersonate \
                         users)"
                            .to_owned(),
                    ),
                    403 => (
                        message,
                        format!(
                            "ask for a Role that allows `{verb}` on {resource} in namespace {ns} (check with: kubectl auth can-i {verb} {resource} -n {ns})",
                            ns = self.namespace
                        ),
                    ),
                    404 if status.message.contains("namespaces") => (
                        message,
                        format!(
                            "the namespace {} does not exist in context \"{}\": pass -n NAMESPACE",
                            self.namespace, self.context
                        ),
                    ),
                    409 => {
                        let managers = conflicting_managers(&status.message);
                        (
                            message,
                            format!(
                                "these fields are owned by {}; rerun with --force-conflicts to take them over",
                                managers.join(", ")
                            ),
                        )
                    }
                    code @ (400 | 422) => (
                        format!("{message} ({code})"),
                        "the API server refuses the object itself, so a rerun alone cannot help: fix what the \
                         message names first"
                            .to_owned(),
                    ),
                    code => (format!("{message} ({code})"), "check the API server's health and rerun".to_owned()),
                }
            }
            other if causes::find::<rustls::Error>(other).is_some() => {
                let tls = causes::find::<rustls::Error>(other).expect("checked above");
                let peer = Peer::ApiServer { context: &self.context, client_certificate: self.client_certificate };
                let (reason, hint) = describe(tls, peer);
                (format!("cannot reach the API server {}: {reason}", self.server), hint)
            }
            other if self.proxy.is_some() && through_proxy_failed(other) => {
                let proxy = self.proxy.as_ref().expect("checked above");
                let refused = causes::find::<std::io::Error>(other)
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused);
                let what = if refused {
                    "refused the connection".to_owned()
                } else {
                    format!("could not open a tunnel ({})", crate::sanitize::error_chain(other))
                };
                let hint = if proxy.source.starts_with("the kubeconfig") {
                    "check the proxy, or remove proxy-url from the context's cluster entry if the API server is \
                     reached directly"
                } else {
                    "check the proxy, or add the API server's host to NO_PROXY if it is reached directly (as for \
                     kubectl)"
                };
                (format!("cannot reach the API server {} through {proxy}: it {what}", self.server), hint.to_owned())
            }
            other => {
                let chain = crate::sanitize::error_chain(other);
                let timed_out = chain.contains("timed out") || chain.contains("elapsed");
                let reason = if timed_out {
                    format!("the API server {} did not answer in time", self.server)
                } else {
                    format!("cannot reach the API server {} ({chain})", self.server)
                };
                let hint = if timed_out {
                    "check the API server's health, or raise --request-timeout".to_owned()
                } else {
                    format!(
                        "check that context \"{}\" points at a reachable cluster (kubectl config current-context)",
                        self.context
                    )
                };
                (reason, hint)
            }
        };
        let rerun_helps = !matches!(error, kube::Error::Api(status) if matches!(status.code, 400 | 403 | 409 | 422));
        self.error_here(action, reason, hint, rerun_helps)
    }
}

/// A refused connection to the proxy, or a tunnel or SOCKS handshake that failed.
fn through_proxy_failed(error: &kube::Error) -> bool {
    let chain = crate::sanitize::error_chain(error);
    chain.contains("tunnel error")
        || chain.contains("SOCKS error")
        || causes::find::<std::io::Error>(error).is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
}

/// `conflict with "helm": .data.x` -> ["helm"]
fn conflicting_managers(message: &str) -> Vec<String> {
    let mut managers: Vec<String> =
        message.split("conflict with \"").skip(1).filter_map(|rest| rest.split('"').next()).map(printable).collect();
    managers.dedup();
    managers
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_conflicting_managers() {
        let message = "Apply failed with 2 conflicts: conflict with \"helm\": .data.a\nconflict with \"helm\": .data.b";
        assert_eq!(super::conflicting_managers(message), ["helm"]);
    }
}
