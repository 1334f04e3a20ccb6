//! Starts Debian's `docker-registry` (CNCF distribution 2.8) on a free loopback port.

use crate::free_port;
use crate::tls::{self, CertKind, ClientCa, ClientFiles, KeyAlgorithm, TlsFiles};
use crate::token::{ISSUER, SERVICE, TokenPolicy, TokenServer};
use std::collections::BTreeMap;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How the registry is protected.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    /// Serve HTTPS (what clients trust is `Registry::ca_file`, or `Registry::cert_dir`).
    pub tls: bool,
    /// The kind of certificate served when `tls` is on.
    pub certificate: CertKind,
    /// With `tls`, require a client certificate signed by the registry's client CA
    /// (distribution's `http.tls.clientcas`).
    pub client_certificates: bool,
    /// htpasswd (Basic) auth with this user and password.
    pub basic_auth: Option<(String, String)>,
    /// Bearer auth through a token service with this policy.
    pub token: Option<TokenPolicy>,
    /// The one name the TLS certificate is for, instead of 127.0.0.1 and localhost.
    pub certificate_host: Option<String>,
    /// Refuse manifest `DELETE` (`405 UNSUPPORTED`), as distribution does by default: its
    /// `storage.delete.enabled` left out. The testbed's registries otherwise delete.
    pub refuse_delete: bool,
}

/// A running registry; stopped and its storage removed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    dir: TempDir,
    tls: Option<TlsFiles>,
    client: Option<(ClientCa, ClientFiles)>,
    pub credentials: Option<(String, String)>,
    pub token_server: Option<TokenServer>,
}

/// Where `Registry::cert_dir` is, in the registry's folder.
const CERT_DIR: &str = "skopeo-certs";

/// Lays out a certs.d folder: `*.crt` files are trusted, a `NAME.cert` with its `NAME.key`
/// is the client certificate presented.
fn write_cert_dir(certs: &Path, tls: &TlsFiles, client: Option<&ClientFiles>) {
    std::fs::create_dir_all(certs).expect("cert dir");
    std::fs::copy(&tls.ca, certs.join("ca.crt")).expect("copy CA");
    if let Some(client) = client {
        std::fs::copy(&client.cert, certs.join("client.cert")).expect("copy client certificate");
        std::fs::copy(&client.key, certs.join("client.key")).expect("copy client key");
    }
}

/// One line of the registry's access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub status: u16,
}

impl Registry {
    pub fn start(config: RegistryConfig) -> Registry {
        let dir = tempfile::tempdir().expect("registry dir");
        let port = free_port();
        let tls = config.tls.then(|| {
            let names = match &config.certificate_host {
                Some(host) => vec![host.as_str()],
                None => vec!["127.0.0.1", "localhost"],
            };
            tls::issue_kind(dir.path(), &names, config.certificate)
        });
        let client = (config.tls && config.client_certificates).then(|| {
            let ca = ClientCa::new(dir.path());
            let files = ca.client(dir.path(), "essregistry-client", KeyAlgorithm::Rsa);
            (ca, files)
        });
        if let Some(files) = &tls {
            write_cert_dir(&dir.path().join(CERT_DIR), files, client.as_ref().map(|(_, files)| files));
        }
        // As Debian's shipped config.yml: filesystem storage with the in-memory descriptor cache.
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\nstorage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: {delete}\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: essregistry-testbed\n",
            root = dir.path().join("storage").display(),
            delete = !config.refuse_delete,
        );
        if let Some(files) = &tls {
            yaml.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                files.cert.display(),
                files.key.display()
            ));
        }
        if let Some((ca, _)) = &client {
            yaml.push_str(&format!("    clientcas:\n      - {}\n", ca.ca.display()));
        }
        if let Some((user, password)) = &config.basic_auth {
            let hash = bcrypt::hash(password, 5).expect("bcrypt");
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{user}:{hash}\n")).expect("write htpasswd");
            yaml.push_str(&format!(
                "auth:\n  htpasswd:\n    realm: essregistry-testbed\n    path: {}\n",
                htpasswd.display()
            ));
        }
        let token_server = config.token.as_ref().map(|policy| {
            let cert = dir.path().join("token-signer.pem");
            let server = TokenServer::start(policy.clone(), &cert);
            yaml.push_str(&format!(
                "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
                server.realm(),
                cert.display()
            ));
            server
        });
        let credentials = config.basic_auth.or_else(|| config.token.map(|t| (t.user, t.password)));
        std::fs::write(dir.path().join("config.yml"), yaml).expect("write registry config");
        let child = serve(dir.path());
        let registry = Registry { child, port, dir, tls, client, credentials, token_server };
        registry.wait_until_listening();
        registry
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "docker-registry did not listen on {} within 15 s:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Where distribution's filesystem driver keeps what the registry holds: a repository's
    /// blobs are linked under `docker/registry/v2/repositories/REPO/_layers/sha256/HEX/link`.
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Stops the registry and starts it again on the same port, storage and configuration, as
    /// an administrator's restart does: what it cached in memory (blob descriptors) is gone,
    /// so a change made to `storage` on disk is what it answers from then on.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = serve(self.dir.path());
        self.wait_until_listening();
    }

    /// `127.0.0.1:PORT`, as given to `--registry`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// What clients trust (a CA, or the self-signed certificate itself); None over plain HTTP.
    pub fn ca_file(&self) -> Option<PathBuf> {
        self.tls.as_ref().map(|files| files.ca.clone())
    }

    /// This registry's folder as skopeo's `--cert-dir` and docker's `certs.d/HOST` hold it:
    /// `ca.crt`, and `client.cert` with `client.key` when client certificates are required.
    /// Panics for a plain-HTTP registry, which has none: asking is a test's mistake.
    pub fn cert_dir(&self) -> PathBuf {
        assert!(self.tls.is_some(), "a plain-HTTP registry has no certificates");
        self.dir.path().join(CERT_DIR)
    }

    /// The client certificate in `cert_dir` (RSA key), when client certificates are required.
    pub fn client_files(&self) -> Option<&ClientFiles> {
        self.client.as_ref().map(|(_, files)| files)
    }

    /// The CA the registry takes client certificates from, to mint others (an EC key, say).
    pub fn client_ca(&self) -> Option<&ClientCa> {
        self.client.as_ref().map(|(ca, _)| ca)
    }

    /// The registry's own output: its access log and errors.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("access.log")).unwrap_or_default()
    }

    /// Every request the registry logged so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.log().lines().filter_map(parse_access_line).collect()
    }

    /// CPU time the registry process has used so far (user + system), for the benchmark: it
    /// shows when the registry, not its client, is what limits a run.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).expect("registry /proc stat");
        // Fields after the command name; utime and stime are the 12th and 13th, in USER_HZ
        // ticks, which Linux reports as 1/100 s on every architecture.
        let fields: Vec<&str> = stat.rsplit_once(')').expect("stat format").1.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        Duration::from_millis(ticks * 10)
    }

    /// The blobs distribution's own `garbage-collect --dry-run` would delete now, with their
    /// sizes in bytes (read from its storage): the judge of what deleting manifests freed.
    pub fn garbage_collect_dry_run(&self) -> BTreeMap<String, u64> {
        let output = Command::new("docker-registry")
            .args(["garbage-collect", "--dry-run"])
            .arg(self.dir.path().join("config.yml"))
            .output()
            .expect("run docker-registry garbage-collect");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "garbage-collect failed: {text}{}", String::from_utf8_lossy(&output.stderr));
        text.lines()
            .filter_map(|line| line.trim().strip_prefix("blob eligible for deletion: "))
            .map(|digest| {
                let hex = digest.trim_start_matches("sha256:");
                let data = self.dir.path().join("storage/docker/registry/v2/blobs/sha256").join(&hex[..2]).join(hex);
                let size = std::fs::metadata(data.join("data")).map(|m| m.len()).unwrap_or_default();
                (digest.to_owned(), size)
            })
            .collect()
    }

    /// Forgets the requests so far (the log is truncated).
    pub fn clear_requests(&self) {
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(self.dir.path().join("access.log"))
            .expect("truncate log");
    }
}

/// Starts `docker-registry serve` with the configuration in `dir`, its output appended to the
/// access log there.
fn serve(dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("access.log")).expect("access log");
    Command::new("docker-registry")
        .arg("serve")
        .arg(dir.join("config.yml"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log handle"))
        .stderr(log)
        .spawn()
        .expect("start docker-registry (apt-get install docker-registry)")
}

/// `127.0.0.1 - - [date] "HEAD /v2/x/manifests/y HTTP/1.1" 200 0 "" "agent"`
fn parse_access_line(line: &str) -> Option<Request> {
    let start = line.find('"')?;
    let rest = &line[start + 1..];
    let end = rest.find('"')?;
    let mut request = rest[..end].split(' ');
    let method = request.next()?.to_owned();
    let path = request.next()?.to_owned();
    let status = rest[end + 1..].split_whitespace().next()?.parse().ok()?;
    Some(Request { method, path, status })
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
