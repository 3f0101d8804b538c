//! The pod watcher against an in-process fake Kubernetes API server.
//!
//! The fake answers what kube-runtime's `watcher` (default `ListWatch`
//! strategy) asks for: `GET /api/v1/pods?fieldSelector=..&limit=500` (the
//! list), then `GET /api/v1/pods?watch=true&timeoutSeconds=290&
//! fieldSelector=..&allowWatchBookmarks=true&resourceVersion=<list rv>`,
//! answered with a chunked stream of newline-delimited watch events that
//! the test pushes one at a time. A second fake answers 403 to everything.

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use sysotel::enrich::k8s::{K8sConfig, K8sHandle, K8sStatus, KUBE_LOG_DIRECTIVE, PodLookup, WorkloadKind, start};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const NODE: &str = "node-a";
const FIELD_SELECTOR: &str = "fieldSelector=spec.nodeName%3Dnode-a";
const UID_WEB: &str = "6f1c2a1e-0c6b-4d1e-9a53-1f9e3c1b7a01";
const UID_AGENT: &str = "0b7e5f3c-2d4a-4c8e-8f61-5a2d9e4c3b02";
const ID_WEB: &str = "b9e73468867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";
const ID_WEB_RESTARTED: &str = "c0ffee68867f59848c670d6f7459ba7098fb2c09c864b14553956f67a022ecba";
const ID_AGENT: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

type Body = UnsyncBoxBody<Bytes, Infallible>;

/// What the fake server answers.
enum Behaviour {
    /// The list holds `list`; the first watch streams what the test sends,
    /// later watches stay open and silent.
    Script { list: Value, events: Mutex<Option<mpsc::UnboundedReceiver<Value>>> },
    /// 403 with a Kubernetes `Status` to every request.
    Forbidden,
}

struct FakeApi {
    url: String,
    /// `path?query` of every request, in order.
    requests: Arc<Mutex<Vec<String>>>,
    server: JoinHandle<()>,
}

impl FakeApi {
    async fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fake API server");
        let addr: SocketAddr = listener.local_addr().expect("local address");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(behaviour);
        let log = Arc::clone(&requests);
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (behaviour, log) = (Arc::clone(&behaviour), Arc::clone(&log));
                let service = service_fn(move |req| answer(req, Arc::clone(&behaviour), Arc::clone(&log)));
                tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
            }
        });
        Self { url: format!("http://{addr}"), requests, server }
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    fn config(&self) -> K8sConfig {
        K8sConfig {
            node_name: Some(NODE.to_owned()),
            api_url: Some(self.url.clone()),
            label_keys: vec!["app".to_owned(), "version".to_owned()],
            ..K8sConfig::default()
        }
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn answer(
    req: Request<Incoming>,
    behaviour: Arc<Behaviour>,
    log: Arc<Mutex<Vec<String>>>,
) -> Result<Response<Body>, Infallible> {
    let target = req.uri().path_and_query().map(ToString::to_string).unwrap_or_default();
    log.lock().unwrap().push(target.clone());
    let query = req.uri().query().unwrap_or_default();
    let params: Vec<&str> = query.split('&').collect();
    let response = match &*behaviour {
        Behaviour::Forbidden => json_response(
            StatusCode::FORBIDDEN,
            &json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": "pods is forbidden: User \"system:serviceaccount:obs:sysotel\" cannot list resource \
                            \"pods\" in API group \"\" at the cluster scope",
                "reason": "Forbidden", "details": {"kind": "pods"}, "code": 403
            }),
        ),
        Behaviour::Script { .. } if req.uri().path() != "/api/v1/pods" || !params.contains(&FIELD_SELECTOR) => {
            json_response(StatusCode::NOT_FOUND, &json!({"kind": "Status", "code": 404, "message": target}))
        }
        Behaviour::Script { list, .. } if !params.contains(&"watch=true") => json_response(StatusCode::OK, list),
        Behaviour::Script { events, .. } => {
            let events = events.lock().unwrap().take();
            let body = match events {
                Some(rx) => {
                    let lines = futures::stream::unfold(rx, |mut rx| async move {
                        let event = rx.recv().await?;
                        let line = format!("{event}\n");
                        Some((Ok::<_, Infallible>(Frame::data(Bytes::from(line))), rx))
                    });
                    StreamBody::new(lines).boxed_unsync()
                }
                // A re-watch: stay open, say nothing.
                None => StreamBody::new(futures::stream::pending::<Result<Frame<Bytes>, Infallible>>()).boxed_unsync(),
            };
            Response::builder().header("content-type", "application/json").body(body).unwrap()
        }
    };
    Ok(response)
}

fn json_response(status: StatusCode, body: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())).boxed_unsync())
        .unwrap()
}

/// A `Deployment` pod (`ReplicaSet` owner + `pod-template-hash` label).
fn web_pod(resource_version: &str, container_id: &str, restarts: i32, version: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "web-7d4b9c8f6-x2x9z", "namespace": "shop", "uid": UID_WEB,
            "resourceVersion": resource_version,
            "labels": {"app": "web", "pod-template-hash": "7d4b9c8f6", "version": version},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d4b9c8f6",
                "uid": "2c1e0a9b-1111-4222-8333-944455556666", "controller": true, "blockOwnerDeletion": true
            }]
        },
        "spec": {"nodeName": NODE, "containers": [{"name": "app", "image": "ghcr.io/acme/web:1.4.2"}]},
        "status": {
            "phase": "Running", "startTime": "2025-12-04T08:41:03Z",
            "containerStatuses": [{
                "name": "app", "containerID": format!("containerd://{container_id}"),
                "image": "ghcr.io/acme/web:1.4.2", "imageID": "ghcr.io/acme/web@sha256:00ff",
                "ready": true, "restartCount": restarts
            }]
        }
    })
}

/// A `DaemonSet` pod.
fn agent_pod(resource_version: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "agent-q7k2p", "namespace": "obs", "uid": UID_AGENT, "resourceVersion": resource_version,
            "labels": {"app": "agent"},
            "ownerReferences": [{
                "apiVersion": "apps/v1", "kind": "DaemonSet", "name": "agent",
                "uid": "5d4c3b2a-7777-4888-9999-000011112222", "controller": true
            }]
        },
        "spec": {"nodeName": NODE, "containers": [{"name": "agent", "image": "sysotel:0.1.0"}]},
        "status": {
            "startTime": "2025-12-04T09:00:00Z",
            "containerStatuses": [{
                "name": "agent", "containerID": format!("cri-o://{ID_AGENT}"), "image": "sysotel:0.1.0",
                "imageID": "", "ready": true, "restartCount": 0
            }]
        }
    })
}

/// Polls `check` every 10 ms for up to 5 s.
async fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn cache_follows_list_and_watch_events() {
    let (events, rx) = mpsc::unbounded_channel();
    let list = json!({
        "apiVersion": "v1", "kind": "PodList", "metadata": {"resourceVersion": "100"},
        "items": [web_pod("90", ID_WEB, 0, "v1")]
    });
    let api = FakeApi::start(Behaviour::Script { list, events: Mutex::new(Some(rx)) }).await;
    let k8s: K8sHandle = start(api.config()).await.expect("start the watcher");
    assert!(k8s.is_enabled());

    // The initial list.
    assert!(k8s.wait_synced(Duration::from_secs(5)).await, "not synced: {:?}", k8s.status());
    let pod = k8s.by_pod_uid(UID_WEB).expect("listed pod by uid");
    assert_eq!((pod.name.as_str(), pod.namespace.as_str()), ("web-7d4b9c8f6-x2x9z", "shop"));
    let workload = pod.workload.as_ref().expect("workload");
    assert_eq!((workload.kind, workload.name.as_str()), (WorkloadKind::Deployment, "web"));
    let (by_id, container) = k8s.by_container_id(ID_WEB).expect("listed pod by container id");
    assert_eq!((by_id.uid.as_str(), container.name.as_str()), (UID_WEB, "app"));
    let attrs = k8s.container_attributes(ID_WEB).expect("attributes");
    let attr = |kvs: &[opentelemetry::KeyValue], key: &str| {
        kvs.iter().find(|kv| kv.key.as_str() == key).map(|kv| kv.value.as_str().into_owned())
    };
    assert_eq!(attr(&attrs, "k8s.deployment.name").as_deref(), Some("web"));
    assert_eq!(attr(&attrs, "k8s.pod.label.version").as_deref(), Some("v1"));

    let requests = api.requests();
    let list_query = requests.first().expect("a list request");
    assert!(list_query.starts_with("/api/v1/pods?") && list_query.contains(FIELD_SELECTOR), "{list_query}");
    assert!(list_query.contains("limit=500") && !list_query.contains("watch=true"), "{list_query}");
    let watch = eventually("the watch request", || api.requests().into_iter().find(|r| r.contains("watch=true"))).await;
    for param in [FIELD_SELECTOR, "resourceVersion=100", "allowWatchBookmarks=true"] {
        assert!(watch.contains(param), "{param} missing from {watch}");
    }

    // MODIFIED: the container restarted (new id) and a label changed.
    events.send(json!({"type": "MODIFIED", "object": web_pod("101", ID_WEB_RESTARTED, 1, "v2")})).unwrap();
    let (pod, container) = eventually("the modified pod", || k8s.by_container_id(ID_WEB_RESTARTED)).await;
    assert_eq!((container.name.as_str(), container.restart_count), ("app", Some(1)));
    assert_eq!(pod.labels.get("version").map(String::as_str), Some("v2"));
    assert!(k8s.by_container_id(ID_WEB).is_none(), "the old container id is forgotten");
    let attrs = k8s.container_attributes(ID_WEB_RESTARTED).expect("attributes");
    assert_eq!(attr(&attrs, "k8s.pod.label.version").as_deref(), Some("v2"));

    // ADDED: a second pod.
    events.send(json!({"type": "ADDED", "object": agent_pod("102")})).unwrap();
    let (agent, container) = eventually("the added pod", || k8s.by_container_id(ID_AGENT)).await;
    assert_eq!(
        (agent.name.as_str(), agent.namespace.as_str(), container.name.as_str()),
        ("agent-q7k2p", "obs", "agent")
    );
    assert_eq!(agent.workload.as_ref().map(|w| (w.kind, w.name.as_str())), Some((WorkloadKind::DaemonSet, "agent")));

    // A bookmark changes nothing; DELETED forgets the first pod.
    events
        .send(json!({"type": "BOOKMARK", "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"resourceVersion": "103"}}}))
        .unwrap();
    events.send(json!({"type": "DELETED", "object": web_pod("104", ID_WEB_RESTARTED, 1, "v2")})).unwrap();
    eventually("the deletion", || k8s.by_pod_uid(UID_WEB).is_none().then_some(())).await;
    assert!(k8s.by_container_id(ID_WEB_RESTARTED).is_none());
    assert!(k8s.by_pod_uid(UID_AGENT).is_some(), "the other pod stays");
    assert_eq!(k8s.cache().len(), 1);
    assert_eq!(k8s.status(), K8sStatus::Synced);
    assert!(k8s.is_running());
}

/// Collects formatted log lines.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn lines_containing(&self, needle: &str) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned();
        text.lines().filter(|l| l.contains(needle)).map(str::to_owned).collect()
    }
}

// Current-thread runtime: the watcher task runs on this thread, under the
// thread-local subscriber below.
#[tokio::test]
async fn forbidden_keeps_retrying_and_warns_once() {
    let logs = Captured::default();
    // The filter the agent is meant to use: kube-runtime's own per-attempt
    // 403 warnings silenced.
    let filter = tracing_subscriber::EnvFilter::new(format!("info,{KUBE_LOG_DIRECTIVE}"));
    let subscriber =
        tracing_subscriber::fmt().with_writer(logs.clone()).with_ansi(false).with_env_filter(filter).finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let api = FakeApi::start(Behaviour::Forbidden).await;
    let k8s = start(api.config()).await.expect("start the watcher");
    let reason = eventually("a forbidden status", || match k8s.status() {
        K8sStatus::Waiting(reason) if reason.contains("forbidden (RBAC)") => Some(reason),
        _ => None,
    })
    .await;
    assert!(reason.contains("pods is forbidden"), "{reason}");

    // The default backoff retries after ~0.8-1.6 s, then ~1.6-2.4 s.
    eventually("three list attempts", || (api.requests().len() >= 3).then_some(())).await;
    assert!(k8s.is_running(), "the watcher task must survive");
    assert!(matches!(k8s.status(), K8sStatus::Waiting(_)));
    assert!(k8s.by_pod_uid(UID_WEB).is_none());

    let warnings = logs.lines_containing(" WARN ");
    assert_eq!(warnings.len(), 1, "one warning per kind of failure: {warnings:#?}");
    assert!(warnings[0].contains("Kubernetes API forbidden (RBAC): pods is forbidden"), "{}", warnings[0]);
    assert!(warnings[0].contains("pods of node node-a will be attributed from cgroup paths only"), "{}", warnings[0]);
}

#[tokio::test]
async fn unreachable_api_waits_and_retries() {
    // A port that was just free: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().port();
    let cfg = K8sConfig {
        node_name: Some(NODE.to_owned()),
        api_url: Some(format!("http://127.0.0.1:{port}")),
        ..K8sConfig::default()
    };
    let k8s = start(cfg).await.expect("start the watcher");
    let reason = eventually("an unreachable status", || match k8s.status() {
        K8sStatus::Waiting(reason) if reason.contains("unreachable") => Some(reason),
        _ => None,
    })
    .await;
    assert!(reason.starts_with("Kubernetes API unreachable"), "{reason}");
    assert!(k8s.is_running());
}
