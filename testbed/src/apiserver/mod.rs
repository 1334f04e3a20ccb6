//! A Kubernetes API server of the tests' own, over HTTPS with a certificate of any kind, bearer
//! tokens and, when asked, client certificates. It speaks the real wire protocol (discovery,
//! GET, LIST with label selectors, DELETE, server-side apply with field ownership and conflicts,
//! merge patch, dryRun, `kind: Status` errors, `Warning` headers) for the resources the plugin
//! touches, and refuses what kube-apiserver refuses of them (`validation`), so that kube-rs and
//! kubectl can both be pointed at it, and kubectl judges it.

mod fields;
mod handler;
mod resources;
mod selector;
mod ssa;
mod transport;
mod validation;

pub use resources::{ELEMENT_GROUP, ELEMENT_VERSION};
pub use validation::MAX_DATA_BYTES;

use crate::tls::{self, CertKind, ClientCa, ClientFiles, TlsFiles};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
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
    pub(crate) const ALL: [Role; 3] = [Role::Admin, Role::ReadOnly, Role::NoSecretWrites];

    pub fn user(self) -> &'static str {
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
    /// Sent as `Warning` headers with every answer to a write.
    warnings: Vec<String>,
}

/// How the server does TLS.
#[derive(Debug, Clone)]
pub struct ServerTls {
    pub certificate: CertKind,
    /// What the certificate is for.
    pub names: Vec<String>,
    /// Ask clients for a certificate (without requiring one) from a client CA of the server's
    /// own; one whose common name is a role's user name authenticates as that role.
    pub client_ca: bool,
}

impl Default for ServerTls {
    /// A CA-signed certificate for the addresses the server is reached at, and tokens only.
    fn default() -> ServerTls {
        ServerTls {
            certificate: CertKind::CaSigned,
            names: vec!["127.0.0.1".into(), "localhost".into()],
            client_ca: false,
        }
    }
}

pub struct ApiServer {
    pub port: u16,
    dir: TempDir,
    tls: TlsFiles,
    client_ca: Option<ClientCa>,
    state: Arc<Mutex<State>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ApiServer {
    /// Starts on a free loopback port with the namespace `element-onprem`.
    pub fn start() -> ApiServer {
        ApiServer::start_with(ServerTls::default())
    }

    /// As `start`, with the certificate and client authentication `tls` asks for.
    pub fn start_with(tls: ServerTls) -> ApiServer {
        let dir = tempfile::tempdir().expect("apiserver dir");
        let names: Vec<&str> = tls.names.iter().map(String::as_str).collect();
        let files = tls::issue_kind(dir.path(), &names, tls.certificate);
        let client_ca = tls.client_ca.then(|| ClientCa::new(dir.path()));
        let mut state = State::default();
        for role in Role::ALL {
            state.tokens.insert(role.token(), role);
        }
        let state = Arc::new(Mutex::new(state));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("apiserver runtime");
        let client_ca_file = client_ca.as_ref().map(|ca| ca.ca.as_path());
        let port = runtime.block_on(transport::serve(Arc::clone(&state), &files, client_ca_file));
        let server = ApiServer { port, dir, tls: files, client_ca, state, runtime: Some(runtime) };
        server.put(json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "element-onprem"}}));
        server
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// What a kubeconfig's certificate-authority holds for this server: its CA, or for a
    /// self-signed certificate the certificate itself.
    pub fn trust_file(&self) -> PathBuf {
        self.tls.ca.clone()
    }

    /// The same as `trust_file`, under the name the first tests knew.
    pub fn ca_file(&self) -> PathBuf {
        self.trust_file()
    }

    /// The CA whose client certificates the server takes, when it was started with one.
    pub fn client_ca(&self) -> Option<&ClientCa> {
        self.client_ca.as_ref()
    }

    /// A kubeconfig whose current context uses this server with the token of `role`.
    pub fn kubeconfig(&self, role: Role) -> PathBuf {
        self.kubeconfig_for(role.user(), &format!("token: {}", role.token()))
    }

    /// A kubeconfig with a token the server does not know (an expired one, say): 401.
    pub fn kubeconfig_with_unknown_token(&self) -> PathBuf {
        self.kubeconfig_for("expired", "token: expired-token")
    }

    /// A kubeconfig that authenticates with `client`'s certificate and key: their contents in
    /// client-certificate-data and client-key-data when `inline`, else their paths in
    /// client-certificate and client-key (kubeconfigs carry both).
    pub fn kubeconfig_with_client_certificate(&self, client: &ClientFiles, inline: bool) -> PathBuf {
        let stem = client.cert.file_stem().and_then(|stem| stem.to_str()).expect("a UTF-8 file name");
        let user = format!("{stem}-{}", if inline { "data" } else { "files" });
        let credentials = if inline {
            let data = |path: &Path| data_encoding::BASE64.encode(&std::fs::read(path).expect("client file"));
            format!("client-certificate-data: {}\n    client-key-data: {}", data(&client.cert), data(&client.key))
        } else {
            format!("client-certificate: {}\n    client-key: {}", client.cert.display(), client.key.display())
        };
        self.kubeconfig_for(&user, &credentials)
    }

    /// A kubeconfig for `user`, whose credentials are the YAML lines `credentials`.
    fn kubeconfig_for(&self, user: &str, credentials: &str) -> PathBuf {
        let path = self.dir.path().join(format!("kubeconfig-{user}"));
        let ca = data_encoding::BASE64.encode(&std::fs::read(self.trust_file()).expect("CA"));
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: testbed\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\nusers:\n- name: {user}\n  user:\n    {credentials}\ncontexts:\n- name: testbed\n  context:\n    cluster: testbed\n    user: {user}\n    namespace: element-onprem\ncurrent-context: testbed\n",
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
        let mut object = object;
        if resource.kind == "Secret" && object["type"].is_null() {
            object["type"] = json!("Opaque");
        }
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

    /// From now on every answer to a write (PATCH, DELETE) carries `Warning: 299 - "TEXT"`, as
    /// admission policies in warn mode and deprecated APIs make kube-apiserver answer.
    pub fn add_warning(&self, text: &str) {
        self.state.lock().expect("state").warnings.push(text.to_owned());
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
