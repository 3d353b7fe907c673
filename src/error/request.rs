//! The request an error happened to: its operation, its host, and the id to
//! quote to Datasaur.

use std::sync::Arc;

/// The request an error happened to: what, where, and the id to quote.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(super) operation: &'static str,
    pub(super) host: Arc<str>,
    pub(super) request_id: Option<Arc<str>>,
    /// Attempts made, retries included (0: not counted).
    pub(super) attempts: u32,
    /// Whether a limit stopped retries the error was worth.
    pub(super) exhausted: bool,
}

impl Request {
    /// `operation` sent to `host` (`host[:port]`).
    pub(crate) fn new(operation: &'static str, host: Arc<str>) -> Self {
        Request {
            operation,
            host,
            request_id: None,
            attempts: 0,
            exhausted: false,
        }
    }

    /// The operation's name.
    pub(crate) fn operation(&self) -> &'static str {
        self.operation
    }

    /// `operation` sent to `url`.
    pub(crate) fn to_url(operation: &'static str, url: &url::Url) -> Self {
        Request::new(operation, host_of(url))
    }
}

/// `host[:port]` of a URL: where a request went, without path or query.
pub(crate) fn host_of(url: &url::Url) -> Arc<str> {
    let host = url.host_str().unwrap_or("(no host)");
    match url.port() {
        Some(port) => format!("{host}:{port}").into(),
        None => host.into(),
    }
}
