//! A server on a free loopback port, with a runtime of its own, for the testbed's stand-ins
//! (the token service, the fault proxy, the recording proxy): plain HTTP/1.1, or any protocol
//! over TCP. Stopped when dropped.

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::error::Error;
use tokio::net::{TcpListener, TcpStream};

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
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn Error + Send + Sync>>,
        E: Into<Box<dyn Error + Send + Sync>>,
    {
        LoopbackServer::accept(move |stream| {
            let service = hyper::service::service_fn(handle.clone());
            async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .with_upgrades()
                    .await;
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

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}
