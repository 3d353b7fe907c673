//! What the benchmarks share: a client for the in-process sandbox, a
//! replayable random source, and a heap meter.

pub mod counting_allocator;
pub mod lcg;

use datasaur::{Client, ClientBuilder};
use datasaur_sandbox::Sandbox;

/// A builder pointed at `sandbox` with its start-up token.
pub fn sandbox_builder(sandbox: &Sandbox) -> ClientBuilder {
    Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
}

/// A client pointed at `sandbox` with its start-up token.
pub fn sandbox_client(sandbox: &Sandbox) -> Client {
    sandbox_builder(sandbox)
        .build()
        .expect("a loopback base URL and a sandbox token make a valid client")
}
