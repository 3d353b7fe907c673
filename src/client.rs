//! [`Client`]: the handle every API call goes through, and what it shares
//! between clones (connection pool, credentials, counters, wait engine).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use url::Url;

use crate::auth::Credentials;
use crate::error::Request;
use crate::transport::Transport;
use crate::wait::WaitOptions;
use crate::wait::engine::WaitEngine;

/// A Datasaur API client.
///
/// Cheap to clone (an `Arc` inside): clones share one connection pool and one
/// set of credentials. `Send + Sync`, so one client serves a whole program.
///
/// ```
/// # async fn run() -> Result<(), datasaur::Error> {
/// let client = datasaur::Client::builder()
///     .access_token(std::env::var("DATASAUR_ACCESS_TOKEN").unwrap_or_default())
///     .build()?;
/// let job = client.get_job("AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637").await?;
/// println!("{} is {} ({}%)", job.id, job.status, job.progress);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    /// The request pipeline: HTTP clients, retry policy and budget, pace.
    pub(crate) transport: Arc<Transport>,
    pub(crate) endpoint: Url,
    pub(crate) base_url: Url,
    /// `{upload base}/api/static/proxy/upload`.
    pub(crate) upload_url: Url,
    pub(crate) credentials: Credentials,
    pub(crate) timeout: Duration,
    pub(crate) batch_size: usize,
    pub(crate) wait_options: WaitOptions,
    pub(crate) requests: AtomicU64,
    pub(crate) engine: WaitEngine,
    pub(crate) max_response_bytes: u64,
    /// `host[:port]` of the endpoint, shared by every error that names it.
    pub(crate) host: Arc<str>,
}

impl Client {
    /// The base URL requests go to (the GraphQL endpoint is `{base}/graphql`).
    ///
    /// ```
    /// let client = datasaur::Client::builder().build().unwrap();
    /// assert_eq!(client.base_url().as_str(), "https://app.datasaur.ai/");
    /// ```
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// How many ids one `getJobs` request carries.
    ///
    /// ```
    /// let client = datasaur::Client::builder().batch_size(25).build().unwrap();
    /// assert_eq!(client.batch_size(), 25);
    /// ```
    pub fn batch_size(&self) -> usize {
        self.inner.batch_size
    }

    /// `operation` sent to this client's endpoint, for errors.
    pub(crate) fn request(&self, operation: &'static str) -> Request {
        Request::new(operation, self.inner.host.clone())
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// How many `getJobs` requests of one tick of the wait engine may be in
    /// flight at once.
    ///
    /// ```
    /// let client = datasaur::Client::builder().max_concurrent_polls(2).build().unwrap();
    /// assert_eq!(client.max_concurrent_polls(), 2);
    /// ```
    pub fn max_concurrent_polls(&self) -> usize {
        self.inner.engine.config.max_concurrent_requests
    }

    pub(crate) fn default_wait_options(&self) -> &WaitOptions {
        &self.inner.wait_options
    }

    /// How many requests, retries and token fetches this client (and its
    /// clones) made.
    ///
    /// ```
    /// let client = datasaur::Client::builder().build().unwrap();
    /// assert_eq!(client.metrics().requests, 0);
    /// ```
    pub fn metrics(&self) -> ClientMetrics {
        let inner = &*self.inner;
        ClientMetrics {
            requests: inner.requests.load(Ordering::Relaxed),
            retries: inner.transport.retries.load(Ordering::Relaxed),
            token_requests: inner.credentials.token_requests(),
        }
    }
}

/// Counters of a [`Client`] and its clones.
///
/// ```
/// # async fn run(client: datasaur::Client) {
/// let before = client.metrics();
/// let _ = client.get_job("AutoLabelQueue:1").await;
/// let after = client.metrics();
/// println!("{} requests, {} of them retries", after.requests - before.requests, after.retries - before.retries);
/// # }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientMetrics {
    /// HTTP requests sent to the GraphQL endpoint, retries included.
    pub requests: u64,
    /// Retries after transient failures (token refreshes not included).
    pub retries: u64,
    /// OAuth tokens fetched.
    pub token_requests: u64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.endpoint.as_str())
            .field("credentials", &self.inner.credentials)
            .field("timeout", &self.inner.timeout)
            .field("batch_size", &self.inner.batch_size)
            .finish_non_exhaustive()
    }
}
