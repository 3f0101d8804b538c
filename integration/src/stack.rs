//! The usual end-to-end set-up in one call: the in-process receiver, rotel
//! forwarding to it, and the agent exporting to rotel over gRPC.

use crate::{
    agent::{Agent, OtlpProtocol, otlp_env},
    receiver::Receiver,
    rotel::Rotel,
};

/// Receiver, collector and agent. Fields drop in order: the agent first
/// (so its shutdown flush still finds the collector), then rotel, then the
/// receiver.
pub struct Stack {
    pub agent: Agent,
    pub rotel: Rotel,
    pub receiver: Receiver,
}

impl Stack {
    /// Starts everything; `extra` adds or overrides agent environment
    /// variables (on top of [`otlp_env`] for gRPC).
    ///
    /// # Panics
    /// When a part cannot start (the message says which).
    #[must_use]
    pub fn start(extra: &[(&str, &str)]) -> Self {
        let receiver = Receiver::start().expect("starting the OTLP receiver");
        let rotel = Rotel::start(&receiver.endpoint()).expect("starting rotel");
        let mut env = otlp_env(OtlpProtocol::Grpc, &rotel.grpc_endpoint());
        for (k, v) in extra {
            env.retain(|(key, _)| key != k);
            env.push(((*k).to_string(), (*v).to_string()));
        }
        let agent = Agent::start(env);
        Self { agent, rotel, receiver }
    }
}
