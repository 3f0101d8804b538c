//! A scripted gRPC collector core: records each request with its metadata
//! and answers from a script. Each test file implements its service trait
//! (`MetricsService`, `LogsService`) over [`Scripted::answer`].

use std::{
    collections::{HashMap, VecDeque},
    sync::Mutex,
};

use tonic::Status;

/// Requests received (metadata as lowercase name -> value, message) and
/// the answers to give, in order; with none left, `Resp::default()`.
pub struct Scripted<Req, Resp> {
    pub received: Mutex<Vec<(HashMap<String, String>, Req)>>,
    script: Mutex<VecDeque<Result<Resp, Status>>>,
}

impl<Req, Resp: Default> Default for Scripted<Req, Resp> {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl<Req, Resp: Default> Scripted<Req, Resp> {
    pub fn new(script: Vec<Result<Resp, Status>>) -> Self {
        Self { received: Mutex::new(Vec::new()), script: Mutex::new(script.into()) }
    }

    /// Records `request` and gives the next scripted answer.
    pub fn answer(&self, request: tonic::Request<Req>) -> Result<tonic::Response<Resp>, Status> {
        let metadata = request
            .metadata()
            .clone()
            .into_headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        self.received.lock().unwrap().push((metadata, request.into_inner()));
        let next = self.script.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Ok(Resp::default())).map(tonic::Response::new)
    }
}
