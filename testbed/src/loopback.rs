//! A plain HTTP/1.1 server on a free loopback port, with a runtime of its own, for the testbed's
//! stand-ins (the token service, the fault proxy). Stopped when dropped.

use hyper::body::{Body, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::error::Error;
use tokio::net::TcpListener;

pub struct LoopbackServer {
    pub port: u16,
    runtime: Option<tokio::runtime::Runtime>,
}

impl LoopbackServer {
    /// Serves every request with `handle`; an `Err` closes the connection without an answer.
    pub fn start<H, F, B, E>(handle: H) -> LoopbackServer
    where
        H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
        F: Future<Output = Result<Response<B>, E>> + Send + 'static,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn Error + Send + Sync>>,
        E: Into<Box<dyn Error + Send + Sync>>,
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
                let service = hyper::service::service_fn(handle.clone());
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
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
