//! Real servers on loopback for kubectl-essregistry's tests and its demo: a CNCF distribution
//! registry (Debian's `docker-registry`), certificates, and OCI images pushed with `skopeo`.
//! Everything a test starts is stopped when its handle is dropped.

pub mod apiserver;
pub mod artifacts;
pub mod bundles;
pub mod disk;
pub mod faults;
pub mod helm;
pub mod images;
pub mod kubectl;
pub mod loopback;
pub mod proxy;
pub mod registry;
pub mod scenario;
pub mod signing;
mod timestamp;
pub mod tls;
pub mod token;
pub mod upstream;

use std::net::TcpListener;

/// A port that was free a moment ago on 127.0.0.1.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("local address").port()
}

/// A Docker `config.json` with one `auths` entry, as `docker login HOST` writes it.
pub fn docker_config(host: &str, user: &str, password: &str) -> String {
    let auth = data_encoding::BASE64.encode(format!("{user}:{password}").as_bytes());
    serde_json::json!({"auths": {host: {"auth": auth}}}).to_string()
}
