//! A minimal fake Kubernetes API server for the agent's pod watcher.
//!
//! Hand-rolled HTTP/1.1 on a std [`TcpListener`] bound to `127.0.0.1:0`, one
//! thread per connection. It answers what kube-runtime's `watcher` asks:
//!
//! - `GET /api/v1/pods?...` (no `watch=true`): a `PodList` holding the pods
//!   given to [`FakeKube::start`], `metadata.resourceVersion` `"100"`;
//! - `GET /api/v1/pods?watch=true&...`: `200` with a chunked body that stays
//!   open and silent until the server is dropped, so the watcher stays synced;
//! - anything else: `404` with a Kubernetes `Status`.
//!
//! Non-watch answers close the connection (`connection: close`).

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use serde_json::{Value, json};

/// The list's `metadata.resourceVersion`.
pub const LIST_RESOURCE_VERSION: &str = "100";

const POLL: Duration = Duration::from_millis(20);

/// A running fake API server; dropping it stops it and ends open watches.
#[derive(Debug)]
pub struct FakeKube {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    acceptor: Option<JoinHandle<()>>,
}

struct Shared {
    list: String,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeKube {
    /// Serves `pods` (Pod objects) from a fresh listener on `127.0.0.1:0`.
    ///
    /// # Panics
    /// When the listener cannot be bound.
    #[must_use]
    pub fn start(pods: Vec<Value>) -> Self {
        Self::serve_on(TcpListener::bind("127.0.0.1:0").expect("binding the fake Kubernetes API"), pods)
    }

    /// Like [`FakeKube::start`], but on `127.0.0.1:port`, e.g. the port of a
    /// server that was dropped, so that an agent pointed at it finds an API
    /// there again.
    ///
    /// # Panics
    /// When the port cannot be bound.
    #[must_use]
    pub fn start_on(port: u16, pods: Vec<Value>) -> Self {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("binding the fake Kubernetes API on port {port}: {e}"));
        Self::serve_on(listener, pods)
    }

    fn serve_on(listener: TcpListener, pods: Vec<Value>) -> Self {
        listener.set_nonblocking(true).expect("non-blocking listener");
        let addr = listener.local_addr().expect("fake Kubernetes API address");
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let list = json!({
            "apiVersion": "v1", "kind": "PodList",
            "metadata": {"resourceVersion": LIST_RESOURCE_VERSION},
            "items": pods
        })
        .to_string();
        let shared = Arc::new(Shared { list, stop: Arc::clone(&stop), requests: Arc::clone(&requests) });
        let acceptor = thread::spawn(move || {
            while !shared.stop.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let shared = Arc::clone(&shared);
                        thread::spawn(move || serve(stream, &shared));
                    }
                    Err(_) => thread::sleep(POLL),
                }
            }
        });
        Self { addr, stop, requests, acceptor: Some(acceptor) }
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The port it listens on.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The `path?query` of every request so far, in order.
    ///
    /// # Panics
    /// When the request log's lock is poisoned.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeKube {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Answers one request on `stream`, then closes it (a watch once stopped).
fn serve(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let Some(target) = read_request_target(&stream) else {
        return;
    };
    shared.requests.lock().unwrap().push(target.clone());
    let (path, query) = target.split_once('?').unwrap_or((target.as_str(), ""));
    let watch = query.split('&').any(|p| p == "watch=true" || p == "watch=1");
    let mut stream = stream;
    if path != "/api/v1/pods" {
        let body = json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": format!("not found: {target}"), "reason": "NotFound", "code": 404
        })
        .to_string();
        let _ = write_full(&mut stream, "404 Not Found", &body);
    } else if !watch {
        let _ = write_full(&mut stream, "200 OK", &shared.list);
    } else {
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).and_then(|()| stream.flush()).is_err() {
            return;
        }
        while !shared.stop.load(Ordering::Relaxed) {
            thread::sleep(POLL);
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    }
}

/// Reads the request line and headers (GET requests carry no body) and
/// returns the request target.
fn read_request_target(stream: &TcpStream) -> Option<String> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1)?.to_owned();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return None,
            Ok(_) if line.trim_end().is_empty() => return Some(target),
            Ok(_) => {}
        }
    }
}

fn write_full(stream: &mut TcpStream, status: &str, body: &str) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

/// A running pod owned by a `ReplicaSet` (so a `Deployment` pod when
/// `pod_template_hash` matches the owner's suffix), with one container whose
/// status names `containerd://<container_id>`. `labels` are added to the
/// pod's labels next to `pod-template-hash`.
#[must_use]
#[expect(clippy::too_many_arguments, reason = "the signature the tests asked for: one argument per pod field")]
pub fn pod_json(
    uid: &str,
    name: &str,
    namespace: &str,
    node: &str,
    replicaset_owner_name: &str,
    pod_template_hash: &str,
    container_name: &str,
    container_id: &str,
    image: &str,
    labels: &[(&str, &str)],
) -> Value {
    let mut all_labels = serde_json::Map::new();
    for (key, value) in labels {
        all_labels.insert((*key).to_owned(), Value::from(*value));
    }
    all_labels.insert("pod-template-hash".to_owned(), Value::from(pod_template_hash));
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": name, "namespace": namespace, "uid": uid,
            "resourceVersion": "90",
            "labels": all_labels,
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": replicaset_owner_name,
                "uid": "2c1e0a9b-1111-4222-8333-944455556666", "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": {"nodeName": node, "containers": [{"name": container_name, "image": image}]},
        "status": {
            "phase": "Running", "startTime": "2025-12-04T08:41:03Z",
            "containerStatuses": [{
                "name": container_name, "containerID": format!("containerd://{container_id}"),
                "image": image, "imageID": format!("{image}@sha256:00ff"),
                "ready": true, "restartCount": 0
            }]
        }
    })
}
