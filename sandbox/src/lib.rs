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
mod export_archive;
mod exports;
mod faults;
mod http;
mod local_only;
mod mock_schema;
mod retention;
mod schema;
mod schema_limits;
mod script;
mod scripts;
mod serve;
mod state;
mod stats;
mod store;
mod sync;
mod tokens;
mod uploads;
mod variables;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

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

/// Connections a sandbox serves at once by default: above a thousand
/// concurrent test clients, below a usual file descriptor limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// How long a client may take to send a request head by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may sit idle by default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

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
    /// Whether `addr` may be other than loopback (default `false`: a
    /// sandbox hands out tokens and takes orders from anyone who reaches it).
    pub allow_remote: bool,
    /// The token the `/_sandbox/` control endpoints require, in an
    /// `X-Sandbox-Control-Token` header. `None` (the default) leaves them
    /// open on loopback; a sandbox that allows remote clients makes one up
    /// if none is given ([`Sandbox::control_token`]).
    pub control_token: Option<String>,
    /// Connections served at once (default 4,096); more wait to be accepted.
    pub max_connections: usize,
    /// How long a client may take to send a request head, from its first
    /// byte (default 10 s).
    pub header_read_timeout: Duration,
    /// How long a connection may sit idle, from the accept or the end of an
    /// answer to the next request's first byte (default 60 s).
    pub idle_timeout: Duration,
    /// The script of export jobs (default: 1 s queued, 2 s running, delivered).
    pub export_script: JobScript,
    /// Scripts per operation (and subject), winning over `default_script`
    /// and `export_script`: the last matching rule's ([`ScriptRule`]).
    pub scripts: Vec<ScriptRule>,
    /// How long after an export's job is delivered its file appears; until
    /// then its `fileUrl` answers 404. Zero by default: as Datasaur's docs
    /// say, once an export is delivered its file is there. A late file (a
    /// slow upload to the object store) is a fault a test can ask for, here
    /// or while running ([`Sandbox::set_file_ready_after`], `datasaur
    /// sandbox --file-ready-after`, `PUT /_sandbox/files/ready-after`).
    pub file_ready_after: Duration,
    /// How long a `fileUrl` is valid (`fileUrlExpiredAt`; default 6 h, as
    /// Datasaur's presigned URLs).
    pub file_url_ttl: Duration,
    /// About how many bytes an export file's documents hold together
    /// (default 64 KiB); the zip archive is a little larger.
    pub export_file_size: usize,
    /// The largest file an upload may carry (default 4 GiB); a larger one
    /// is answered 413 as soon as it passes the limit.
    pub max_upload_bytes: u64,
    /// A user's schema (SDL) whose every operation the sandbox also serves,
    /// with generated values ([`SandboxConfig::schema`]).
    pub schema_sdl: Option<String>,
    /// The seed of generated values.
    pub mock_seed: u64,
    /// Values for `Type.field`s of the user's schema, as JSON.
    pub mock_values: std::collections::HashMap<String, serde_json::Value>,
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
            allow_remote: false,
            control_token: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            export_script: JobScript::delivered(Duration::from_secs(1), Duration::from_secs(2)),
            scripts: Vec::new(),
            file_ready_after: Duration::ZERO,
            file_url_ttl: Duration::from_secs(6 * 3600),
            export_file_size: 64 * 1024,
            max_upload_bytes: 4 * 1024 * 1024 * 1024,
            schema_sdl: None,
            mock_seed: 0,
            mock_values: std::collections::HashMap::new(),
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

    /// Allows an address other than loopback, and puts the control
    /// endpoints behind a control token (one is made up if none is set).
    #[must_use]
    pub fn allow_remote(mut self, allow: bool) -> Self {
        self.allow_remote = allow;
        self
    }

    /// Requires this token (header `X-Sandbox-Control-Token`) on the
    /// `/_sandbox/` control endpoints.
    #[must_use]
    pub fn control_token(mut self, token: impl Into<String>) -> Self {
        self.control_token = Some(token.into());
        self
    }

    /// Sets how many connections are served at once.
    #[must_use]
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Sets how long a client may take to send a request head.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Sets how long a connection may sit idle between requests.
    #[must_use]
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// Sets the script of export jobs.
    #[must_use]
    pub fn export_script(mut self, script: JobScript) -> Self {
        self.export_script = script;
        self
    }

    /// Sets how long after delivery an export's file appears.
    #[must_use]
    pub fn file_ready_after(mut self, delay: Duration) -> Self {
        self.file_ready_after = delay;
        self
    }

    /// Sets how long a `fileUrl` is valid.
    #[must_use]
    pub fn file_url_ttl(mut self, ttl: Duration) -> Self {
        self.file_url_ttl = ttl;
        self
    }

    /// Sets the size of export files.
    #[must_use]
    pub fn export_file_size(mut self, size: usize) -> Self {
        self.export_file_size = size;
        self
    }

    /// Also serves every operation of `sdl`, a user's schema (such as one
    /// from `datasaur schema pull --format sdl`): what the sandbox
    /// implements keeps its real behaviour; anything else is answered with
    /// schema-valid values, the same for the same seed; a field of type
    /// `Job` starts a real job (wait on it with a `JobHandle`), one of type
    /// `ExportRequestResult` a real export. A schema that cannot be served
    /// fails [`Sandbox::start`] with `InvalidInput`, saying why.
    ///
    /// ```no_run
    /// use datasaur_sandbox::{Sandbox, SandboxConfig};
    ///
    /// # async fn run() -> std::io::Result<()> {
    /// let sdl = std::fs::read_to_string("graphql/schema.graphql")?;
    /// let sandbox = Sandbox::start(
    ///     SandboxConfig::default()
    ///         .schema(sdl)
    ///         .mock_value("Project.name", serde_json::json!("Reviews")),
    /// )
    /// .await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn schema(mut self, sdl: impl Into<String>) -> Self {
        self.schema_sdl = Some(sdl.into());
        self
    }

    /// Sets the seed of generated values (0 by default).
    #[must_use]
    pub fn mock_seed(mut self, seed: u64) -> Self {
        self.mock_seed = seed;
        self
    }

    /// Answers `Type.field` of the user's schema with `value` (JSON; an
    /// object's fields it lacks are generated).
    #[must_use]
    pub fn mock_value(
        mut self,
        type_and_field: impl Into<String>,
        value: serde_json::Value,
    ) -> Self {
        self.mock_values.insert(type_and_field.into(), value);
        self
    }

    /// Sets the largest file an upload may carry.
    #[must_use]
    pub fn max_upload_bytes(mut self, max: u64) -> Self {
        self.max_upload_bytes = max;
        self
    }

    /// Sets the script of jobs started by mutations.
    #[must_use]
    pub fn default_script(mut self, script: JobScript) -> Self {
        self.default_script = script;
        self
    }

    /// Adds a script for the jobs (or exports) one operation starts,
    /// winning over earlier ones: fail only the auto-labeling of a run whose
    /// other jobs succeed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur_sandbox::{JobScript, SandboxConfig, ScriptRule};
    ///
    /// let config = SandboxConfig::default().script_for(ScriptRule::new(
    ///     "AutoLabelTokenBasedProject",
    ///     JobScript::failed(Duration::ZERO, Duration::from_secs(2), "model timed out"),
    /// ));
    /// assert_eq!(config.scripts.len(), 1);
    /// ```
    #[must_use]
    pub fn script_for(mut self, rule: ScriptRule) -> Self {
        self.scripts.push(rule);
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
            .field("allow_remote", &self.allow_remote)
            .field(
                "control_token",
                &self.control_token.as_ref().map(|_| "[redacted]"),
            )
            .field("max_connections", &self.max_connections)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("idle_timeout", &self.idle_timeout)
            .field("export_script", &self.export_script)
            .field("scripts", &self.scripts)
            .field("file_ready_after", &self.file_ready_after)
            .field("file_url_ttl", &self.file_url_ttl)
            .field("export_file_size", &self.export_file_size)
            .field("max_upload_bytes", &self.max_upload_bytes)
            .field(
                "schema_sdl",
                &self
                    .schema_sdl
                    .as_ref()
                    .map(|sdl| format!("{} bytes", sdl.len())),
            )
            .field("mock_seed", &self.mock_seed)
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
        let schema = schema::build(state.clone());
        let mock = match &state.config.schema_sdl {
            Some(sdl) => Some(
                mock_schema::build(
                    sdl,
                    state.clone(),
                    state.config.mock_seed,
                    state.config.mock_values.clone(),
                )
                .map_err(|message| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, message)
                })?,
            ),
            None => None,
        };
        let app = http::App {
            roots: Arc::new(answers::RootFields::of(&schema.sdl())),
            schema,
            mock,
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
