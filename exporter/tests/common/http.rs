//! An in-process OTLP/HTTP collector (hyper, HTTP/1, optionally TLS) that
//! records every request (gzip undone) and answers from a script.

use std::{
    collections::{HashMap, VecDeque},
    io::Read as _,
    net::SocketAddr,
    sync::{Arc, Mutex},
};

use bytes::Bytes;
use flate2::read::GzDecoder;
use http_body_util::{BodyExt as _, Full};
use hyper::{Request, Response, body::Incoming, server::conn::http1, service::service_fn};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// One request as received.
pub struct Recorded {
    pub path: String,
    pub headers: HashMap<String, String>,
    /// Body after undoing `content-encoding: gzip`.
    pub body: Vec<u8>,
}

/// One scripted answer.
#[derive(Clone)]
pub enum Reply {
    Status { code: u16, retry_after: Option<&'static str>, body: Vec<u8> },
    Hang,
}

/// 200 with an empty body.
pub fn ok() -> Reply {
    Reply::Status { code: 200, retry_after: None, body: Vec::new() }
}

/// `code` with an empty body.
pub fn status(code: u16) -> Reply {
    Reply::Status { code, retry_after: None, body: Vec::new() }
}

/// What the collector received, and what it will answer next.
#[derive(Default)]
pub struct HttpCollector {
    pub received: Mutex<Vec<Recorded>>,
    script: Mutex<VecDeque<Reply>>,
}

impl HttpCollector {
    async fn handle(&self, req: Request<Incoming>) -> Reply {
        let path = req.uri().path().to_string();
        let headers: HashMap<String, String> =
            req.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string())).collect();
        let raw = req.into_body().collect().await.map(|c| c.to_bytes().to_vec()).unwrap_or_default();
        let body = if headers.get("content-encoding").map(String::as_str) == Some("gzip") {
            let mut out = Vec::new();
            GzDecoder::new(&raw[..]).read_to_end(&mut out).expect("valid gzip");
            out
        } else {
            raw
        };
        self.received.lock().unwrap().push(Recorded { path, headers, body });
        self.script.lock().unwrap().pop_front().unwrap_or_else(ok)
    }
}

/// Serves HTTP/1 on `listener`; `tls` wraps each connection first.
pub async fn http_collector(
    script: Vec<Reply>,
    tls: Option<tokio_rustls::TlsAcceptor>,
) -> (SocketAddr, Arc<HttpCollector>) {
    let collector = Arc::new(HttpCollector { script: Mutex::new(script.into()), ..Default::default() });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shared = Arc::clone(&collector);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let collector = Arc::clone(&shared);
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let collector = Arc::clone(&collector);
                    async move {
                        match collector.handle(req).await {
                            Reply::Hang => std::future::pending().await,
                            Reply::Status { code, retry_after, body } => {
                                let mut resp = Response::builder().status(code);
                                if let Some(after) = retry_after {
                                    resp = resp.header("retry-after", after);
                                }
                                resp.body(Full::new(Bytes::from(body)))
                            }
                        }
                    }
                });
                match tls {
                    None => {
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(socket), service).await;
                    }
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(socket).await {
                            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                }
            });
        }
    });
    (addr, collector)
}

/// `code` with `body`.
pub fn reply(code: u16, body: Vec<u8>) -> Reply {
    Reply::Status { code, retry_after: None, body }
}
