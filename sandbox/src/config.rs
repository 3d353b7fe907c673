//! How a sandbox starts: [`SandboxConfig`], every setting with its default.

use std::net::SocketAddr;
use std::time::Duration;

use crate::{JobScript, ScriptRule};

/// Connections a sandbox serves at once by default: above a thousand
/// concurrent test clients, below a usual file descriptor limit.
pub const DEFAULT_MAX_CONNECTIONS: usize = 4096;
/// How long a client may take to send a request head by default.
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may sit idle by default.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How a [`Sandbox`](crate::Sandbox) starts.
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
    /// Whether the documentation's job ([`DOCUMENTED_JOB_ID`](crate::DOCUMENTED_JOB_ID)) exists, `DELIVERED`.
    pub seed_documented_job: bool,
    /// Whether `addr` may be other than loopback (default `false`: a
    /// sandbox hands out tokens and takes orders from anyone who reaches it).
    pub allow_remote: bool,
    /// The token the `/_sandbox/` control endpoints require, in an
    /// `X-Sandbox-Control-Token` header. `None` (the default) leaves them
    /// open on loopback; a sandbox that allows remote clients makes one up
    /// if none is given ([`Sandbox::control_token`](crate::Sandbox::control_token)).
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
    /// Projects on one page of `getProjects` (default 100); a test crosses
    /// pages with a small one.
    pub page_size: usize,
    /// Scripts per operation (and subject), winning over `default_script`
    /// and `export_script`: the last matching rule's ([`ScriptRule`]).
    pub scripts: Vec<ScriptRule>,
    /// How long after an export's job is delivered its file appears; until
    /// then its `fileUrl` answers 404. Zero by default: as Datasaur's docs
    /// say, once an export is delivered its file is there. A late file (a
    /// slow upload to the object store) is a fault a test can ask for, here
    /// or while running ([`Sandbox::set_file_ready_after`](crate::Sandbox::set_file_ready_after), `datasaur
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
            page_size: 100,
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
    /// fails [`Sandbox::start`](crate::Sandbox::start) with `InvalidInput`, saying why.
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

    /// Sets how many projects one page of `getProjects` holds (at least 1).
    ///
    /// ```
    /// let config = datasaur_sandbox::SandboxConfig::default().page_size(10);
    /// assert_eq!(config.page_size, 10);
    /// ```
    #[must_use]
    pub fn page_size(mut self, size: usize) -> Self {
        self.page_size = size.max(1);
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
            .field("page_size", &self.page_size)
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
