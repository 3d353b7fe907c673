//! A local, Datasaur-compatible GraphQL server: to Datasaur what LocalStack is
//! to AWS. The demo, this crate's tests and your own tests run against it
//! offline, with any client (curl, Python, TypeScript, this crate).
//!
//! It serves `POST /graphql` (the schema of `graphql/schema.graphql`, fully
//! validated, with introspection), `POST /api/oauth/token` (client
//! credentials), and control endpoints under `/_sandbox/`. Jobs follow
//! scripts on tokio's clock, so a test with a paused clock runs hours of jobs
//! in milliseconds.
//!
//! It shares no code with the `datasaur` client crate: it speaks HTTP and
//! GraphQL, so it tests any client. Take it as a dev-dependency.
//!
//! ```
//! use std::time::Duration;
//! use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let client = datasaur::Client::builder()
//!     .base_url(sandbox.base_url())
//!     .access_token(sandbox.token())
//!     .build()
//!     .expect("a loopback URL and a token make a valid client");
//!
//! let id = sandbox.create_job(JobScript::delivered(Duration::ZERO, Duration::ZERO));
//! let job = client.get_job(&id).await.expect("the sandbox answers");
//! assert!(job.is_delivered());
//! assert_eq!(sandbox.stats().operation("GetJob"), 1);
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

mod faults;
mod http;
mod schema;
mod script;
mod state;
mod stats;
mod store;
mod sync;
mod tokens;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::{Fault, FaultKind};
pub use script::{JobOutcome, JobScript, ScriptedJobError};
pub use stats::RequestStats;
pub use store::DOCUMENTED_JOB_ID;

use state::SandboxState;

/// How a [`Sandbox`] starts.
///
/// ```
/// use std::time::Duration;
/// use datasaur_sandbox::{JobScript, SandboxConfig};
///
/// let config = SandboxConfig::default()
///     .addr("127.0.0.1:4000".parse().unwrap())
///     .client_credentials("my-id", "my-secret")
///     .token_ttl(Duration::from_secs(300))
///     .access_token("fixed-token-for-ci")
///     .default_script(JobScript::delivered(Duration::from_secs(1), Duration::from_secs(2)));
/// assert_eq!(config.client_id, "my-id");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct SandboxConfig {
    /// Where to listen; port 0 picks a free port (default `127.0.0.1:0`).
    pub addr: SocketAddr,
    /// The OAuth client id the token endpoint accepts.
    pub client_id: String,
    /// The OAuth client secret the token endpoint accepts.
    pub client_secret: String,
    /// Lifetime of issued tokens (default one hour, as Datasaur's).
    pub token_ttl: Duration,
    /// Fixed tokens that never expire, in addition to issued ones.
    pub access_tokens: Vec<String>,
    /// The script of jobs started by mutations (default: 1 s queued, 3 s running, delivered).
    pub default_script: JobScript,
    /// Whether the documentation's job ([`DOCUMENTED_JOB_ID`]) exists, `DELIVERED`.
    pub seed_documented_job: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            client_id: "sandbox-client-id".into(),
            client_secret: "sandbox-client-secret".into(),
            token_ttl: Duration::from_secs(3600),
            access_tokens: Vec::new(),
            default_script: JobScript::default(),
            seed_documented_job: true,
        }
    }
}

impl SandboxConfig {
    /// Sets the listening address.
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Sets the OAuth client id and secret the token endpoint accepts.
    #[must_use]
    pub fn client_credentials(mut self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.client_id = id.into();
        self.client_secret = secret.into();
        self
    }

    /// Sets the lifetime of issued tokens.
    #[must_use]
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Adds a fixed token that never expires.
    #[must_use]
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.access_tokens.push(token.into());
        self
    }

    /// Sets the script of jobs started by mutations.
    #[must_use]
    pub fn default_script(mut self, script: JobScript) -> Self {
        self.default_script = script;
        self
    }
}

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("addr", &self.addr)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("token_ttl", &self.token_ttl)
            .field(
                "access_tokens",
                &format_args!("[{} redacted]", self.access_tokens.len()),
            )
            .field("default_script", &self.default_script)
            .finish_non_exhaustive()
    }
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`]
/// also waits for it to finish.
pub struct Sandbox {
    state: Arc<SandboxState>,
    addr: SocketAddr,
    token: String,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl Sandbox {
    /// Binds the address and starts serving on the current tokio runtime.
    ///
    /// Fails with the bind error (say, the port is in use), naming the address.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(|e| {
                std::io::Error::new(e.kind(), format!("cannot listen on {}: {e}", config.addr))
            })?;
        let addr = listener.local_addr()?;
        let seed = config.seed_documented_job;
        let state = Arc::new(SandboxState {
            tokens: tokens::TokenStore::new(config.token_ttl, &config.access_tokens),
            store: store::JobStore::new(),
            faults: faults::Faults::default(),
            stats: stats::Stats::default(),
            config,
        });
        if seed {
            let mut documented = JobScript::delivered(Duration::ZERO, Duration::ZERO);
            // The documentation's example answer shows progress 0 for this job.
            documented.final_progress = 0;
            state.store.insert(DOCUMENTED_JOB_ID.to_owned(), documented);
        }
        let (token, _) = state.tokens.issue();
        let app = http::App {
            schema: schema::build(state.clone()),
            state: state.clone(),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            axum::serve(listener, http::router(app))
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(Sandbox {
            state,
            addr,
            token,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>`: the base URL a client is given.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The GraphQL endpoint, `{base}/graphql`.
    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base_url())
    }

    /// A token issued at start, valid for the configured lifetime.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The OAuth client id the token endpoint accepts.
    pub fn client_id(&self) -> &str {
        &self.state.config.client_id
    }

    /// The OAuth client secret the token endpoint accepts.
    pub fn client_secret(&self) -> &str {
        &self.state.config.client_secret
    }

    /// Adds a job following `script`; returns its id.
    pub fn create_job(&self, script: JobScript) -> String {
        self.state.store.create("SandboxQueue", script)
    }

    /// How many jobs the store holds.
    pub fn job_count(&self) -> usize {
        self.state.store.len()
    }

    /// Issues a fresh token, as the OAuth endpoint would.
    pub fn issue_token(&self) -> String {
        self.state.tokens.issue().0
    }

    /// Expires every issued token (including [`Sandbox::token`]) now; fixed
    /// tokens from [`SandboxConfig::access_token`] stay valid.
    pub fn expire_tokens(&self) {
        self.state.tokens.expire_all();
    }

    /// Arms a fault for GraphQL requests.
    pub fn inject_fault(&self, fault: Fault) {
        self.state.faults.arm(fault);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// The request counters.
    pub fn stats(&self) -> RequestStats {
        self.state.stats.snapshot()
    }

    /// Sets the request counters back to zero.
    pub fn reset_stats(&self) {
        self.state.stats.reset();
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}
