//! Starts Debian's `docker-registry` (CNCF distribution 2.8) on a free loopback port.

use crate::free_port;
use crate::tls::{self, TlsFiles};
use crate::token::{ISSUER, SERVICE, TokenPolicy, TokenServer};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// How the registry is protected.
#[derive(Debug, Clone, Default)]
pub struct RegistryConfig {
    /// Serve HTTPS with a test CA (the CA file is `Registry::ca_file`).
    pub tls: bool,
    /// htpasswd (Basic) auth with this user and password.
    pub basic_auth: Option<(String, String)>,
    /// Bearer auth through a token service with this policy.
    pub token: Option<TokenPolicy>,
    /// The one name the TLS certificate is for, instead of 127.0.0.1 and localhost.
    pub certificate_host: Option<String>,
}

/// A running registry; stopped and its storage removed on drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    dir: TempDir,
    tls: Option<TlsFiles>,
    pub credentials: Option<(String, String)>,
    pub token_server: Option<TokenServer>,
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
            let files = tls::issue(dir.path(), &names);
            // skopeo reads a CA from a directory of *.crt files.
            let certs = dir.path().join("skopeo-certs");
            std::fs::create_dir_all(&certs).expect("cert dir");
            std::fs::copy(&files.ca, certs.join("ca.crt")).expect("copy CA");
            files
        });
        // As Debian's shipped config.yml: filesystem storage with the in-memory descriptor cache.
        let mut yaml = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: false\nstorage:\n  cache:\n    blobdescriptor: inmemory\n  filesystem:\n    rootdirectory: {root}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n  secret: essregistry-testbed\n",
            root = dir.path().join("storage").display()
        );
        if let Some(files) = &tls {
            yaml.push_str(&format!(
                "  tls:\n    certificate: {}\n    key: {}\n",
                files.cert.display(),
                files.key.display()
            ));
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
        let config_file = dir.path().join("config.yml");
        std::fs::write(&config_file, yaml).expect("write registry config");
        let log = std::fs::File::create(dir.path().join("access.log")).expect("access log");
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .expect("start docker-registry (apt-get install docker-registry)");
        let registry = Registry { child, port, dir, tls, credentials, token_server };
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

    /// `127.0.0.1:PORT`, as given to `--registry`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn ca_file(&self) -> Option<PathBuf> {
        self.tls.as_ref().map(|files| files.ca.clone())
    }

    /// The CA as skopeo's `--cert-dir` wants it.
    pub fn cert_dir(&self) -> Option<PathBuf> {
        self.tls.as_ref().map(|_| self.dir.path().join("skopeo-certs"))
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

    /// Forgets the requests so far (the log is truncated).
    pub fn clear_requests(&self) {
        std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(self.dir.path().join("access.log"))
            .expect("truncate log");
    }
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
