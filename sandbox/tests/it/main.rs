//! The sandbox's tests over HTTP, in one binary.

mod sandbox_http;
mod sandbox_limits;
