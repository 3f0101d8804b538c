//! Runs the tonic server on its own thread with its own runtime, so that both
//! plain `#[test]` functions and async tests can own a receiver.

use std::net::TcpListener;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use anyhow::Context as _;
use opentelemetry_proto::tonic::collector::logs::v1::logs_service_server::LogsServiceServer;
use opentelemetry_proto::tonic::collector::metrics::v1::metrics_service_server::MetricsServiceServer;
use opentelemetry_proto::tonic::collector::trace::v1::trace_service_server::TraceServiceServer;
use tokio::sync::oneshot;
use tonic::codec::CompressionEncoding;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use super::service::Collector;
use super::store::Store;

/// The server thread and the means to stop it.
#[derive(Debug)]
pub(super) struct ServerThread {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<anyhow::Result<()>>>,
}

impl ServerThread {
    /// Serves the OTLP services on `listener` (already bound, non-blocking).
    pub(super) fn spawn(listener: TcpListener, store: Arc<Store>) -> anyhow::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("building the receiver runtime")?;
        let (shutdown, signal) = oneshot::channel();
        let thread = thread::Builder::new()
            .name("otlp-receiver".into())
            .spawn(move || runtime.block_on(serve(listener, store, signal)))
            .context("spawning the receiver thread")?;
        Ok(Self { shutdown: Some(shutdown), thread: Some(thread) })
    }
}

async fn serve(listener: TcpListener, store: Arc<Store>, signal: oneshot::Receiver<()>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let collector = Collector { store };
    // rotel forwards whole batches: a flood makes requests far above tonic's
    // 4 MiB default, and a rejected one would look like loss in the agent.
    const MAX_MESSAGE: usize = 256 * 1024 * 1024;
    Server::builder()
        .add_service(
            LogsServiceServer::new(collector.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_MESSAGE),
        )
        .add_service(
            TraceServiceServer::new(collector.clone())
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_MESSAGE),
        )
        .add_service(
            MetricsServiceServer::new(collector)
                .accept_compressed(CompressionEncoding::Gzip)
                .max_decoding_message_size(MAX_MESSAGE),
        )
        .serve_with_incoming_shutdown(TcpIncoming::from(listener), async {
            // A dropped sender also means stop.
            let _ = signal.await;
        })
        .await
        .context("serving OTLP")
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(Err(e))) => eprintln!("otlp receiver failed: {e:#}"),
            Some(Err(_)) => eprintln!("otlp receiver thread panicked"),
            Some(Ok(Ok(()))) | None => {}
        }
    }
}
