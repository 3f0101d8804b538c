//! A minimal HTTP/1.1 responder for the two probe paths.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use thiserror::Error;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
};

use super::HealthState;

#[derive(Debug, Error)]
#[error("cannot listen for health probes on {addr}: {source}")]
pub struct HealthError {
    pub addr: SocketAddr,
    #[source]
    pub source: std::io::Error,
}

/// Binds `addr` and serves probes until the task is dropped. Returns the
/// bound address (useful with port 0) and the serving future.
///
/// # Errors
/// [`HealthError`] when the address cannot be bound.
pub async fn serve(
    addr: SocketAddr,
    state: Arc<HealthState>,
) -> Result<(SocketAddr, impl Future<Output = ()>), HealthError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| HealthError { addr, source })?;
    let bound = listener.local_addr().map_err(|source| HealthError { addr, source })?;
    Ok((bound, async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let state = Arc::clone(&state);
            tokio::spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(5), respond(stream, &state)).await;
            });
        }
    }))
}

async fn respond(mut stream: TcpStream, state: &HealthState) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    let mut len = 0;
    while len < buf.len() {
        let n = stream.read(&mut buf[len..]).await?;
        if n == 0 {
            break;
        }
        len += n;
        if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") || buf[..len].contains(&b'\n') {
            break;
        }
    }
    let (status, body) = route(&buf[..len], state);
    let reply = format!(
        "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(reply.as_bytes()).await?;
    stream.shutdown().await
}

/// Status line and body for a raw request.
fn route(request: &[u8], state: &HealthState) -> (&'static str, String) {
    let line = request.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut parts = line.split(|&b| b == b' ');
    let method = parts.next().unwrap_or_default();
    let path = parts.next().unwrap_or_default();
    if method != b"GET" && method != b"HEAD" {
        return ("405 Method Not Allowed", "only GET\n".into());
    }
    match path {
        b"/healthz" if state.live() => ("200 OK", "ok\n".into()),
        b"/readyz" => match state.ready() {
            Ok(()) => ("200 OK", "ready\n".into()),
            Err(why) => ("503 Service Unavailable", format!("not ready: {why}\n")),
        },
        _ => ("404 Not Found", "try /healthz or /readyz\n".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_probe_paths() {
        let s = HealthState::new(None);
        assert_eq!(route(b"GET /healthz HTTP/1.1\r\n\r\n", &s).0, "200 OK");
        assert_eq!(route(b"GET /readyz HTTP/1.1\r\n\r\n", &s).0, "503 Service Unavailable");
        s.set_attached();
        assert_eq!(route(b"GET /readyz HTTP/1.1\r\n\r\n", &s).0, "200 OK");
        assert_eq!(route(b"GET /other HTTP/1.1\r\n\r\n", &s).0, "404 Not Found");
        assert_eq!(route(b"POST /readyz HTTP/1.1\r\n\r\n", &s).0, "405 Method Not Allowed");
        assert_eq!(route(b"", &s).0, "405 Method Not Allowed");
    }

    #[tokio::test]
    async fn serves_over_tcp() {
        let state = Arc::new(HealthState::new(None));
        let (addr, fut) = serve("127.0.0.1:0".parse().unwrap(), Arc::clone(&state)).await.unwrap();
        let task = tokio::spawn(fut);
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n").await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
        task.abort();
    }
}
