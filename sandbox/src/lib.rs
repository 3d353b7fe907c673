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

mod answers;
mod config;
mod cost;
mod engine;
mod export_archive;
mod exports;
mod faults;
mod http;
mod local_only;
mod projects;
mod resolvers;
mod retention;
mod schema_limits;
mod script;
mod scripts;
mod serve;
mod state;
mod stats;
mod store;
mod sync;
mod tokens;
mod unpublished;
mod uploads;
mod variables;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use config::{
    DEFAULT_HEADER_READ_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS, SandboxConfig,
};
pub use faults::{Fault, FaultKind, FaultTarget};
pub use http::CONTROL_TOKEN_HEADER;
pub use script::{JobOutcome, JobScript, ScriptedJobError};
pub use scripts::ScriptRule;
pub use stats::{MAX_EXPORT_SUBJECTS, RequestStats};
pub use store::DOCUMENTED_JOB_ID;
pub use uploads::{UPLOAD_PATH, UploadedObject};
pub use webhooks::SIGNATURE_HEADER as WEBHOOK_SIGNATURE_HEADER;

use state::SandboxState;

/// `http://<addr>`, loopback for an unspecified address.
fn base_url_of(addr: SocketAddr) -> String {
    let mut local = addr;
    if local.ip().is_unspecified() {
        local.set_ip(match local {
            SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        });
    }
    format!("http://{local}")
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
    /// Refuses an address other than loopback unless
    /// [`SandboxConfig::allow_remote`] is set.
    pub async fn start(mut config: SandboxConfig) -> std::io::Result<Sandbox> {
        if !config.addr.ip().is_loopback() {
            if !config.allow_remote {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    format!(
                        "refusing to listen on {}: not loopback, and the sandbox hands tokens to \
                         anyone who asks; allow it explicitly (SandboxConfig::allow_remote, \
                         `--allow-remote`)",
                        config.addr
                    ),
                ));
            }
            if config.control_token.is_none() {
                config.control_token = Some(tokens::random_token("control"));
            }
        }
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
            projects: projects::ProjectStore::default(),
            scripts: scripts::Scripts::new(config.scripts.clone()),
            exports: exports::ExportStore::default(),
            uploads: uploads::UploadStore::default(),
            base_url: base_url_of(addr),
            file_ready_after: std::sync::Mutex::new(config.file_ready_after),
            config,
        });
        if seed {
            let mut documented = JobScript::delivered(Duration::ZERO, Duration::ZERO);
            // The documentation's example answer shows progress 0 for this job.
            documented.final_progress = 0;
            state.store.insert(DOCUMENTED_JOB_ID.to_owned(), documented);
        }
        let (token, _) = state.tokens.issue();
        let sdl = unpublished::with_unpublished(
            state
                .config
                .schema_sdl
                .as_deref()
                .unwrap_or(datasaur_codegen::DATASAUR_SCHEMA_SDL),
        );
        let schema = engine::build(
            &sdl,
            state.clone(),
            state.config.mock_seed,
            state.config.mock_values.clone(),
        )
        .map_err(|message| std::io::Error::new(std::io::ErrorKind::InvalidInput, message))?;
        let app = http::App {
            roots: Arc::new(answers::RootFields::of(&sdl)),
            schema,
            state: state.clone(),
        };
        let limits = serve::Limits {
            max_connections: state.config.max_connections,
            header_read_timeout: state.config.header_read_timeout,
            idle_timeout: state.config.idle_timeout,
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(serve::serve(listener, http::router(app), limits, stopped));
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

    /// `http://127.0.0.1:<port>`: the base URL a client on this machine is
    /// given (loopback even when listening on every interface, so that
    /// clients that refuse plain http elsewhere accept it).
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    /// The token the control endpoints require, if they require one.
    pub fn control_token(&self) -> Option<&str> {
        self.state.config.control_token.as_deref()
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

    /// From now on, the jobs (or exports) `rule`'s operation starts run its
    /// script (as [`SandboxConfig::script_for`], or `POST /_sandbox/scripts`);
    /// false when 1,000 rules are already added
    /// ([`Sandbox::clear_scripts`] drops them).
    pub fn script_for(&self, rule: ScriptRule) -> bool {
        self.state.scripts.add(rule)
    }

    /// Drops the rules added while running; the configuration's stay.
    pub fn clear_scripts(&self) {
        self.state.scripts.clear_added();
    }

    /// Adds a project (of `team_id`, if given) that `getProjects` lists;
    /// returns its id. Projects are listed in the order they were made.
    ///
    /// ```
    /// # async fn run() -> std::io::Result<()> {
    /// let sandbox = datasaur_sandbox::Sandbox::start(Default::default()).await?;
    /// let id = sandbox.create_project("Reviews", Some("T1"));
    /// assert!(id.starts_with("project-"));
    /// # Ok(()) }
    /// ```
    pub fn create_project(&self, name: &str, team_id: Option<&str>) -> String {
        let created = self.state.store.now_text();
        self.state.projects.add(name, team_id, created)
    }

    /// The names of project `id`'s documents (made by `createProject` and
    /// `addDocumentsToProject`), in the order they were added; `None` for
    /// an unknown project.
    ///
    /// ```
    /// # async fn run() -> std::io::Result<()> {
    /// let sandbox = datasaur_sandbox::Sandbox::start(Default::default()).await?;
    /// let id = sandbox.create_project("Reviews", None);
    /// assert_eq!(sandbox.project_documents(&id), Some(vec![]));
    /// assert_eq!(sandbox.project_documents("nope"), None);
    /// # Ok(()) }
    /// ```
    pub fn project_documents(&self, id: &str) -> Option<Vec<String>> {
        self.state.projects.documents_of(id)
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

    /// Throttles GraphQL and upload requests to `per_second` a second
    /// (bursts of as many), answering the rest with HTTP 429 and a
    /// `Retry-After`, as a rate-limited Datasaur would; `None` lifts it.
    /// Throttled requests count as faults in [`Sandbox::stats`].
    ///
    /// ```
    /// # async fn run() {
    /// let sandbox = datasaur_sandbox::Sandbox::start(Default::default()).await.unwrap();
    /// sandbox.set_rate_limit(Some(20));
    /// # }
    /// ```
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.state.faults.set_rate_limit(per_second);
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.state.faults.clear();
    }

    /// Sets how long after delivery export files appear, from now on (see
    /// [`SandboxConfig::file_ready_after`]).
    pub fn set_file_ready_after(&self, delay: Duration) {
        *sync::lock(&self.state.file_ready_after) = delay;
    }

    /// The bytes export `export_id`'s file holds (what its `fileUrl` serves
    /// once ready): a zip archive, the same every time. `None` for an export
    /// with no file (a method other than `FILE_STORAGE` or `CUSTOM_WEBHOOK`)
    /// or an unknown id.
    ///
    /// ```
    /// # async fn run(sandbox: datasaur_sandbox::Sandbox, export_id: &str) {
    /// if let Some(bytes) = sandbox.export_file(export_id) {
    ///     assert!(bytes.starts_with(b"PK"));
    /// }
    /// # }
    /// ```
    pub fn export_file(&self, export_id: &str) -> Option<Vec<u8>> {
        self.state
            .exports
            .file_of(export_id, self.state.config.export_file_size)
    }

    /// The objects uploads created, oldest first (name, size and SHA-256;
    /// the sandbox keeps no file's bytes).
    pub fn uploads(&self) -> Vec<UploadedObject> {
        self.state.uploads.list()
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

// Compile the README's examples as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
