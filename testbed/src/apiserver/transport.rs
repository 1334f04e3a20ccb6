//! The API server's TLS: its certificate, and, when it has a client CA, client certificates.
//! Like kube-apiserver it asks for a client certificate without requiring one, so bearer
//! tokens keep working; unlike it (it checks the certificate later, and answers 401), a
//! certificate from another CA fails the handshake here.

use super::{Role, State, handler};
use crate::tls::TlsFiles;
use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::server::WebPkiClientVerifier;
use std::path::Path;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Binds a free port and serves in the background; returns the port.
pub async fn serve(state: Arc<Mutex<State>>, tls: &TlsFiles, client_ca: Option<&Path>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    let acceptor = TlsAcceptor::from(Arc::new(server_config(tls, client_ca)));
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let Ok(stream) = acceptor.accept(stream).await else {
                    return;
                };
                let client = stream.get_ref().1.peer_certificates().and_then(|chain| chain.first()).and_then(role_of);
                let service = hyper::service::service_fn(move |request| {
                    let state = Arc::clone(&state);
                    async move { Ok::<_, std::convert::Infallible>(handler::handle(state, port, client, request).await) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

fn server_config(tls: &TlsFiles, client_ca: Option<&Path>) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    crate::loopback::server_config(tls, client_ca.map(|ca| client_verifier(ca, provider)))
}

/// Takes clients signed by `ca` and clients without a certificate; refuses any other.
fn client_verifier(ca: &Path, provider: Arc<CryptoProvider>) -> Arc<dyn rustls::server::danger::ClientCertVerifier> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).expect("client CA") {
        roots.add(cert.expect("client CA")).expect("a usable client CA");
    }
    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .expect("client verifier")
}

/// The role whose user name is the certificate's common name, as kube-apiserver takes the
/// user from it.
fn role_of(cert: &CertificateDer) -> Option<Role> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert.as_ref()).ok()?;
    let common_name = cert.subject().iter_common_name().next()?.as_str().ok()?.to_owned();
    Role::ALL.into_iter().find(|role| role.user() == common_name)
}
