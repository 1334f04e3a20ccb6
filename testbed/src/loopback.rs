//! A server on a free loopback port, with a runtime of its own, for the testbed's stand-ins
//! (the token service, the fault proxy, the recording proxy): plain HTTP/1.1, HTTPS, or any
//! protocol over TCP. Stopped when dropped.

use crate::tls::TlsFiles;
use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::danger::ClientCertVerifier;
use std::error::Error;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

type BoxError = Box<dyn Error + Send + Sync>;

/// A response body hyper can send from any of the runtime's threads.
pub trait SendBody: Body<Data: Send, Error: Into<BoxError>> + Send + 'static {}

impl<B: Body<Data: Send, Error: Into<BoxError>> + Send + 'static> SendBody for B {}

pub struct LoopbackServer {
    pub port: u16,
    runtime: Option<tokio::runtime::Runtime>,
}

impl LoopbackServer {
    /// Serves every request with `handle`; an `Err` closes the connection without an answer.
    /// Connections can be upgraded (`hyper::upgrade::on`), as a proxy's CONNECT needs.
    pub fn start<H, F, B, E>(handle: H) -> LoopbackServer
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<Response<B>, E>> + Send + 'static,
        B: SendBody,
        E: Into<BoxError> + 'static,
    {
        LoopbackServer::accept(move |stream| serve_http(stream, handle.clone()))
    }

    /// As `start`, over TLS with the certificate `files` hold, for a stand-in that a client
    /// reaches by `https://`.
    pub fn start_tls<H, F, B, E>(files: &TlsFiles, handle: H) -> LoopbackServer
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<Response<B>, E>> + Send + 'static,
        B: SendBody,
        E: Into<BoxError> + 'static,
    {
        let acceptor = TlsAcceptor::from(Arc::new(server_config(files, None)));
        LoopbackServer::accept(move |stream| {
            let (acceptor, handle) = (acceptor.clone(), handle.clone());
            async move {
                if let Ok(stream) = acceptor.accept(stream).await {
                    serve_http(stream, handle).await;
                }
            }
        })
    }

    /// Hands every connection to `serve`, each on a task of its own.
    pub fn accept<S, F>(serve: S) -> LoopbackServer
    where
        S: Fn(TcpStream) -> F + Send + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
        let listener = runtime.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind a loopback port");
        let port = listener.local_addr().expect("address").port();
        runtime.spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                // An answer written in two parts must not wait 40 ms for a delayed ACK.
                let _ = stream.set_nodelay(true);
                tokio::spawn(serve(stream));
            }
        });
        LoopbackServer { port, runtime: Some(runtime) }
    }
}

/// HTTP/1.1 over one connection, plain or TLS.
async fn serve_http<I, H, F, B, E>(io: I, handle: H)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    H: Fn(Request<Incoming>) -> F + Send + 'static,
    F: Future<Output = Result<Response<B>, E>> + Send + 'static,
    B: SendBody,
    E: Into<BoxError> + 'static,
{
    let service = hyper::service::service_fn(handle);
    let _ =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(io), service).with_upgrades().await;
}

/// The server side of TLS with the certificate chain and key of `files`, HTTP/1.1 by ALPN, and
/// client certificates as `client_auth` asks (None: not asked for).
pub(crate) fn server_config(
    files: &TlsFiles,
    client_auth: Option<Arc<dyn ClientCertVerifier>>,
) -> rustls::ServerConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer> =
        CertificateDer::pem_file_iter(&files.cert).expect("cert").collect::<Result<_, _>>().expect("cert");
    let key = PrivateKeyDer::from_pem_file(&files.key).expect("key");
    let builder =
        rustls::ServerConfig::builder_with_provider(provider).with_safe_default_protocol_versions().expect("protocols");
    let builder = match client_auth {
        None => builder.with_no_client_auth(),
        Some(verifier) => builder.with_client_cert_verifier(verifier),
    };
    let mut config = builder.with_single_cert(certs, key).expect("server config");
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
