//! A Kubernetes API server of the tests' own, over HTTPS with a test CA and bearer tokens. It
//! speaks the real wire protocol (discovery, GET, LIST, server-side apply with field ownership
//! and conflicts, merge patch, dryRun, `kind: Status` errors) for the resources the plugin
//! touches, so that kube-rs and kubectl can both be pointed at it, and kubectl judges it.

mod fields;
mod handler;
mod resources;
mod ssa;

pub use resources::{ELEMENT_GROUP, ELEMENT_VERSION};

use crate::tls;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Admin,
    /// get and list only.
    ReadOnly,
    /// Everything but writing Secrets (reading them is allowed).
    NoSecretWrites,
}

impl Role {
    fn user(self) -> &'static str {
        match self {
            Role::Admin => "essregistry-admin",
            Role::ReadOnly => "essregistry-readonly",
            Role::NoSecretWrites => "essregistry-no-secrets",
        }
    }

    fn token(self) -> String {
        format!("{}-token", self.user())
    }
}

/// One request, as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub content_type: Option<String>,
    pub status: u16,
}

#[derive(Default)]
struct State {
    /// (plural, namespace or "", name) -> object
    objects: BTreeMap<(String, String, String), Value>,
    resource_version: u64,
    uids: u64,
    tokens: HashMap<String, Role>,
    log: Vec<Logged>,
    /// Accept requests and never answer them.
    hang: bool,
    /// Answer discovery as a server older than Kubernetes 1.26: no aggregated discovery.
    legacy_discovery: bool,
}

pub struct ApiServer {
    pub port: u16,
    dir: TempDir,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ApiServer {
    /// Starts on a free loopback port with the namespace `element-onprem`.
    pub fn start() -> ApiServer {
        let dir = tempfile::tempdir().expect("apiserver dir");
        let tls = tls::issue(dir.path(), &["127.0.0.1", "localhost"]);
        let mut state = State::default();
        for role in [Role::Admin, Role::ReadOnly, Role::NoSecretWrites] {
            state.tokens.insert(role.token(), role);
        }
        let state = Arc::new(Mutex::new(state));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("apiserver runtime");
        let port = runtime.block_on(handler::serve(Arc::clone(&state), &tls));
        let server = ApiServer { port, dir, state, runtime: Some(runtime) };
        server.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "element-onprem"}}));
        server
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A kubeconfig whose current context uses this server with the token of `role`.
    pub fn kubeconfig(&self, role: Role) -> PathBuf {
        self.kubeconfig_for(role.user(), &role.token())
    }

    /// A kubeconfig with a token the server does not know (an expired one, say): 401.
    pub fn kubeconfig_with_unknown_token(&self) -> PathBuf {
        self.kubeconfig_for("expired", "expired-token")
    }

    fn kubeconfig_for(&self, user: &str, token: &str) -> PathBuf {
        let path = self.dir.path().join(format!("kubeconfig-{user}"));
        let ca = data_encoding::BASE64.encode(&std::fs::read(self.ca_file()).expect("CA"));
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: testbed\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  user:\n    token: {token}\ncontexts:\n- name: testbed\n  context:\n    cluster: testbed\n    user: {user}\n    namespace: element-onprem\ncurrent-context: testbed\n",
            url = self.url(),
        );
        std::fs::write(&path, text).expect("write kubeconfig");
        path
    }

    /// Stores an object as if some controller had created it (no managedFields).
    pub fn put(&self, object: Value) {
        let kind = object["kind"].as_str().expect("kind");
        let resource = resources::by_kind(kind).expect("a served kind");
        let name = object["metadata"]["name"].as_str().expect("name").to_owned();
        let namespace = if resource.namespaced {
            object["metadata"]["namespace"].as_str().unwrap_or("element-onprem").to_owned()
        } else {
            String::new()
        };
        let mut state = self.state.lock().expect("state");
        let object = handler::stamp(&mut state, object, &namespace, None);
        state.objects.insert((resource.plural.to_owned(), namespace, name), object);
    }

    pub fn get(&self, plural: &str, namespace: &str, name: &str) -> Option<Value> {
        let state = self.state.lock().expect("state");
        state.objects.get(&(plural.to_owned(), namespace.to_owned(), name.to_owned())).cloned()
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.state.lock().expect("state").log.clone()
    }

    pub fn clear_requests(&self) {
        self.state.lock().expect("state").log.clear();
    }

    /// While on, discovery is answered as by a server without aggregated discovery.
    pub fn set_legacy_discovery(&self, legacy: bool) {
        self.state.lock().expect("state").legacy_discovery = legacy;
    }

    /// While on, the server accepts every request and never answers it.
    pub fn set_hang(&self, hang: bool) {
        self.state.lock().expect("state").hang = hang;
    }
}

impl Drop for ApiServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
