//! The crate's one error type: opaque, so that new kinds of failure never
//! break a caller's `match`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::transport::statuses::{TOO_MANY_REQUESTS, TransientStatuses};

mod constructors;
mod display;
mod graphql;
mod request;

pub(crate) use graphql::Drift;
pub use graphql::GraphQLError;
pub(crate) use request::{Request, host_of};

/// How many bytes of a response body an error keeps, so that a huge HTML page
/// does not end up in a log line.
pub(crate) const BODY_SNIPPET_LEN: usize = 512;

/// Everything that can go wrong talking to Datasaur.
///
/// Opaque: ask it what happened with [`Error::kind`] and the predicates
/// ([`Error::is_transient`], [`Error::is_unauthorized`], ...), and for its
/// details with the accessors ([`Error::http_status`],
/// [`Error::graphql_errors`], [`Error::request_id`], ...). No error ever
/// holds a token or a client secret.
///
/// ```
/// use datasaur::{Error, ErrorKind};
///
/// fn explain(error: &Error) -> &'static str {
///     match error.kind() {
///         ErrorKind::JobNotFound => "check the job id",
///         ErrorKind::Unauthorized => "check the access token",
///         _ if error.is_transient() => "try again later",
///         _ => "report a bug",
///     }
/// }
/// # async fn run() {
/// let client = datasaur::Client::builder().build().unwrap();
/// if let Err(error) = client.get_job("AutoLabelQueue:x").await {
///     eprintln!("{error}: {}", explain(&error));
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct Error(Arc<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    detail: Detail,
    /// The request this happened to, for the kinds that describe one.
    request: Option<Request>,
    /// The cause from below: the HTTP stack, the OS, a wait.
    source: Option<SourceError>,
}

/// What went wrong, with what only that kind knows.
#[derive(Debug, Clone)]
enum Detail {
    Transport,
    Timeout {
        limit: Duration,
    },
    ResponseTooLarge {
        limit: u64,
    },
    Http {
        status: u16,
        retry_after: Option<String>,
        body_snippet: String,
    },
    /// A 3xx answer, not followed; or (`status` None) an answer from
    /// another origin, after a redirect a caller's own HTTP client followed.
    Redirect {
        status: Option<u16>,
        /// `scheme://host[:port]` of the `Location`, if it names one.
        to: Option<String>,
    },
    Unauthorized {
        message: String,
    },
    GraphQL {
        errors: Vec<GraphQLError>,
        partial_data_discarded: bool,
    },
    /// A GraphQL validation error naming what the server's schema lacks.
    SchemaDrift {
        errors: Vec<GraphQLError>,
        drift: graphql::Drift,
    },
    Decode {
        path: String,
        message: String,
        body_snippet: String,
        /// Not a GraphQL answer at all (cut short, a proxy's page): a
        /// network fault that may pass, unlike JSON of the wrong shape.
        transient: bool,
    },
    JobNotFound {
        job_id: String,
    },
    FileUrlExpired {
        host: Arc<str>,
        expired_at: SystemTime,
    },
    FileExists {
        path: PathBuf,
    },
    Io {
        path: PathBuf,
        /// Reading a file to upload, rather than writing a download.
        reading: bool,
    },
    UploadTooLarge {
        name: String,
        /// The size, when it was known before sending.
        size: Option<u64>,
        limit: u64,
    },
    NoFileUrl {
        export_id: String,
    },
    ExportFailed {
        export_id: String,
    },
    Wait,
    Config {
        message: String,
    },
    Webhook {
        reason: String,
    },
}

/// What kind of failure an [`Error`] is; [`Error::kind`] tells.
///
/// `#[non_exhaustive]`: new kinds may be added in minor releases, so a
/// `match` needs a `_` arm.
///
/// ```
/// use datasaur::ErrorKind;
///
/// let error = datasaur::Client::builder().batch_size(0).build().unwrap_err();
/// assert_eq!(error.kind(), ErrorKind::Config);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request never got a whole HTTP answer: DNS, connection refused,
    /// TLS, a proxy, a connection closed mid-response. The cause is in
    /// [`std::error::Error::source`], down to the OS error.
    Transport,
    /// No whole answer came within the configured time (connect to last byte).
    Timeout,
    /// The answer was larger than [`crate::ClientBuilder::max_response_bytes`];
    /// reading stopped there.
    ResponseTooLarge,
    /// The server answered with an HTTP status other than 2xx (and other than
    /// 401, which is [`ErrorKind::Unauthorized`]), and no GraphQL errors.
    Http,
    /// The credentials were refused: HTTP 401, or a GraphQL error with message
    /// `Unauthorized` or `extensions.type == "AuthenticationError"`.
    Unauthorized,
    /// The server answered with GraphQL errors ([`Error::graphql_errors`]).
    /// Any partial `data` that came with them is discarded.
    GraphQL,
    /// The server's schema lacks a field, argument or type the operation
    /// uses (a validation error such as `Cannot query field "x" on type
    /// "Job"`): Datasaur's schema changed since the operation was
    /// generated. [`Error::schema_type`] and [`Error::schema_member`] say
    /// what; the server's errors are in [`Error::graphql_errors`]. Never
    /// retried.
    SchemaDrift,
    /// The answer was not the JSON expected: not JSON at all, truncated, or
    /// of another shape than the operation's generated types.
    Decode,
    /// `getJob` answered `null`: no job has this id (or it is not visible yet).
    JobNotFound,
    /// An export's file URL has expired; start a new export.
    FileUrlExpired,
    /// A file is already where a download was to go, and overwriting was
    /// not asked for; it is left as it was.
    FileExists,
    /// Writing a downloaded file, or reading a file to upload, failed; the
    /// OS error is the source.
    Io,
    /// A file to upload is larger than [`crate::UploadOptions::max_bytes`]:
    /// refused before sending when its size is known, else as soon as the
    /// limit was passed (the server keeps nothing of a cut upload).
    UploadTooLarge,
    /// The export has no file URL to download (its method is not
    /// `FILE_STORAGE`).
    NoFileUrl,
    /// Waiting on an export did not end with it delivered; the
    /// [`WaitError`](crate::WaitError) is [`Error::wait_error`].
    ExportFailed,
    /// Waiting on a job did not end with it delivered; the [`WaitError`](crate::WaitError) is
    /// [`Error::wait_error`] (an `Error` made from a `WaitError` with `?`).
    Wait,
    /// The client was configured wrongly (bad URL, empty token, ...).
    Config,
    /// A webhook delivery was refused: its signature does not match the
    /// body and secret, or the signed body is not the payload expected
    /// ([`crate::ExportWebhook::verify`]).
    Webhook,
}

impl ErrorKind {
    /// The kind's name in snake_case (`transport`, `http`, `graphql`, ...),
    /// as traces record it (`error.type`).
    ///
    /// ```
    /// assert_eq!(datasaur::ErrorKind::SchemaDrift.as_str(), "schema_drift");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::ResponseTooLarge => "response_too_large",
            ErrorKind::Http => "http",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::GraphQL => "graphql",
            ErrorKind::SchemaDrift => "schema_drift",
            ErrorKind::Decode => "decode",
            ErrorKind::JobNotFound => "job_not_found",
            ErrorKind::FileUrlExpired => "file_url_expired",
            ErrorKind::FileExists => "file_exists",
            ErrorKind::Io => "io",
            ErrorKind::UploadTooLarge => "upload_too_large",
            ErrorKind::NoFileUrl => "no_file_url",
            ErrorKind::ExportFailed => "export_failed",
            ErrorKind::Wait => "wait",
            ErrorKind::Config => "config",
            ErrorKind::Webhook => "webhook",
        }
    }
}

impl Error {
    fn new(detail: Detail, request: Option<Request>, source: Option<SourceError>) -> Self {
        Error(Arc::new(Inner {
            detail,
            request,
            source,
        }))
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match &self.0.detail {
            Detail::Transport => ErrorKind::Transport,
            Detail::Timeout { .. } => ErrorKind::Timeout,
            Detail::ResponseTooLarge { .. } => ErrorKind::ResponseTooLarge,
            Detail::Http { .. } | Detail::Redirect { .. } => ErrorKind::Http,
            Detail::Unauthorized { .. } => ErrorKind::Unauthorized,
            Detail::GraphQL { .. } => ErrorKind::GraphQL,
            Detail::SchemaDrift { .. } => ErrorKind::SchemaDrift,
            Detail::Decode { .. } => ErrorKind::Decode,
            Detail::JobNotFound { .. } => ErrorKind::JobNotFound,
            Detail::FileUrlExpired { .. } => ErrorKind::FileUrlExpired,
            Detail::FileExists { .. } => ErrorKind::FileExists,
            Detail::Io { .. } => ErrorKind::Io,
            Detail::UploadTooLarge { .. } => ErrorKind::UploadTooLarge,
            Detail::NoFileUrl { .. } => ErrorKind::NoFileUrl,
            Detail::ExportFailed { .. } => ErrorKind::ExportFailed,
            Detail::Wait => ErrorKind::Wait,
            Detail::Config { .. } => ErrorKind::Config,
            Detail::Webhook { .. } => ErrorKind::Webhook,
        }
    }

    /// Whether the work a failed request starts may have started anyway:
    /// the request may have reached the server and no answer said it was not
    /// run (a cut connection or a timeout after sending, a 5xx or a
    /// gateway's page, an answer too large or unreadable). `false` when the
    /// request never left, or the server answered that it did not run it (a
    /// GraphQL error, 401, 403, 429, another 4xx).
    ///
    /// Datasaur has no idempotency keys and no way to list exports: a caller
    /// that keeps a record of the work it starts marks such work "may have
    /// started" rather than sending it again (this crate never resends it).
    ///
    /// ```
    /// # async fn run(client: datasaur::Client, input: datasaur::operations::export_text_project::ExportTextProjectInput) {
    /// match client.export_project(input).await {
    ///     Ok(export) => println!("started {}", export.id()),
    ///     Err(error) if error.may_have_started_work() => eprintln!("may have started: check before trying again ({error})"),
    ///     Err(error) => eprintln!("not started: {error}"),
    /// }
    /// # }
    /// ```
    pub fn may_have_started_work(&self) -> bool {
        if self.request_id().is_none() {
            return false;
        }
        match self.kind() {
            ErrorKind::Transport
            | ErrorKind::Timeout
            | ErrorKind::ResponseTooLarge
            | ErrorKind::Decode => true,
            ErrorKind::Http => self.http_status().is_none_or(|status| status >= 500),
            // An answer with data and errors: the work ran.
            ErrorKind::GraphQL => self.partial_data_discarded(),
            _ => false,
        }
    }

    /// Whether the same request may succeed if sent again later: transport
    /// failures, timeouts, HTTP 429, 502, 503 and 504, a throttled answer
    /// ([`Error::is_throttled`]), and a body that is not a GraphQL answer at
    /// all (cut short, or a proxy's HTML page).
    ///
    /// ```
    /// let error = datasaur::Client::builder().batch_size(0).build().unwrap_err();
    /// assert!(!error.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        self.is_transient_with(TransientStatuses::API)
    }

    /// [`Error::is_transient`], with `statuses` the HTTP statuses that may
    /// pass for the kind of call that failed.
    pub(crate) fn is_transient_with(&self, statuses: TransientStatuses) -> bool {
        match &self.0.detail {
            Detail::Transport | Detail::Timeout { .. } => true,
            Detail::Http { status, .. } => statuses.contains(*status),
            Detail::Decode { transient, .. } => *transient,
            _ => self.is_throttled(),
        }
    }

    /// Whether the server refused the request because too many were sent:
    /// HTTP 429, or an answer whose GraphQL errors carry an
    /// `extensions.code` of `TOO_MANY_REQUESTS`, `RATE_LIMITED` or
    /// `THROTTLED` and no data. A throttled request did not run, so the
    /// client retries it (work-starting calls included) within its
    /// [`crate::RetryPolicy`], and holds back its other requests meanwhile.
    ///
    /// ```
    /// # fn check(error: datasaur::Error) {
    /// if error.is_throttled() {
    ///     eprintln!("Datasaur is busy; retry after {:?}", error.retry_after());
    /// }
    /// # }
    /// ```
    pub fn is_throttled(&self) -> bool {
        match &self.0.detail {
            Detail::Http { status, .. } => *status == TOO_MANY_REQUESTS,
            Detail::GraphQL {
                errors,
                partial_data_discarded: false,
            } => errors.iter().any(GraphQLError::is_throttled),
            _ => false,
        }
    }

    /// How many attempts the failed request made (retries included), for
    /// errors of a request; `None` for errors of no request (configuration,
    /// files).
    ///
    /// ```
    /// # async fn run() {
    /// let client = datasaur::Client::builder()
    ///     .base_url("http://127.0.0.1:9")
    ///     .retry_policy(datasaur::RetryPolicy::default().max_retries(2).initial_backoff(std::time::Duration::from_millis(1)))
    ///     .build()
    ///     .unwrap();
    /// let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    /// assert_eq!(error.attempts(), Some(3));
    /// assert!(error.is_exhausted());
    /// # }
    /// ```
    pub fn attempts(&self) -> Option<u32> {
        self.0
            .request
            .as_ref()
            .map(|request| request.attempts)
            .filter(|attempts| *attempts > 0)
    }

    /// Whether the request failed because its retries ran out (the retry
    /// count, the time limit or the retry budget), rather than on an error
    /// that no retry could fix.
    pub fn is_exhausted(&self) -> bool {
        self.0
            .request
            .as_ref()
            .is_some_and(|request| request.exhausted)
    }

    /// Whether the credentials were refused ([`ErrorKind::Unauthorized`]).
    pub fn is_unauthorized(&self) -> bool {
        self.kind() == ErrorKind::Unauthorized
    }

    /// Whether no whole answer came in time ([`ErrorKind::Timeout`]).
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// Whether the job asked for is unknown ([`ErrorKind::JobNotFound`]).
    pub fn is_job_not_found(&self) -> bool {
        self.kind() == ErrorKind::JobNotFound
    }

    /// Whether the client's configuration is wrong ([`ErrorKind::Config`]).
    pub fn is_config(&self) -> bool {
        self.kind() == ErrorKind::Config
    }

    /// Whether a webhook delivery was refused ([`ErrorKind::Webhook`]):
    /// answer it with 401 and do not act on it.
    pub fn is_webhook_rejected(&self) -> bool {
        self.kind() == ErrorKind::Webhook
    }

    /// The GraphQL operation (or `OAuth token`, `Download`) that failed.
    pub fn operation(&self) -> Option<&'static str> {
        self.0.request.as_ref().map(|request| request.operation)
    }

    /// The host a request went to (`host[:port]`, never a path or query).
    ///
    /// ```
    /// # async fn run() {
    /// let client = datasaur::Client::builder().base_url("http://127.0.0.1:9").build().unwrap();
    /// let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    /// assert_eq!(error.host(), Some("127.0.0.1:9"));
    /// # }
    /// ```
    pub fn host(&self) -> Option<&str> {
        let host = match &self.0.detail {
            Detail::FileUrlExpired { host, .. } => Some(host),
            _ => self.0.request.as_ref().map(|request| &request.host),
        };
        host.map(|host| &**host).filter(|host| !host.is_empty())
    }

    /// The `x-request-id` of the request that failed, if the request may
    /// have reached the server: quote it to Datasaur support.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request.as_ref()?.request_id.as_deref()
    }

    /// The HTTP status, for [`ErrorKind::Http`].
    pub fn http_status(&self) -> Option<u16> {
        match &self.0.detail {
            Detail::Http { status, .. } => Some(*status),
            Detail::Redirect { status, .. } => *status,
            _ => None,
        }
    }

    /// Every error the server listed, in order, for [`ErrorKind::GraphQL`].
    pub fn graphql_errors(&self) -> Option<&[GraphQLError]> {
        match &self.0.detail {
            Detail::GraphQL { errors, .. } | Detail::SchemaDrift { errors, .. } => Some(errors),
            _ => None,
        }
    }

    /// Whether the server's schema lacks a field, argument or type this
    /// operation uses ([`ErrorKind::SchemaDrift`]).
    ///
    /// ```
    /// # fn check(error: datasaur::Error) {
    /// if error.is_schema_drift() {
    ///     eprintln!("{} lacks {:?}: regenerate", error.schema_type().unwrap_or("?"), error.schema_member());
    /// }
    /// # }
    /// ```
    pub fn is_schema_drift(&self) -> bool {
        self.kind() == ErrorKind::SchemaDrift
    }

    /// For [`ErrorKind::SchemaDrift`]: the type that lacks a member, or that
    /// the server does not know at all.
    pub fn schema_type(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::SchemaDrift { drift, .. } => Some(&drift.type_name),
            _ => None,
        }
    }

    /// For [`ErrorKind::SchemaDrift`]: the field (`resultId`) or argument
    /// (`getJob(jobId:)`) the type lacks; `None` when the type itself is
    /// unknown.
    pub fn schema_member(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::SchemaDrift { drift, .. } => drift.member.as_deref(),
            _ => None,
        }
    }

    /// Whether a GraphQL error answer also carried (discarded) partial data:
    /// a root field that is not null. Such an answer ran: for a call that
    /// starts work, the work may have started ([`Error::may_have_started_work`]).
    pub fn partial_data_discarded(&self) -> bool {
        matches!(
            &self.0.detail,
            Detail::GraphQL {
                partial_data_discarded: true,
                ..
            }
        )
    }

    /// The first bytes of the body (lossy UTF-8, credentials redacted), for
    /// [`ErrorKind::Http`] and [`ErrorKind::Decode`].
    pub fn body_snippet(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::Http { body_snippet, .. } | Detail::Decode { body_snippet, .. } => {
                Some(body_snippet)
            }
            _ => None,
        }
    }

    /// serde's path to the value that did not decode (`data.job.status`),
    /// for [`ErrorKind::Decode`].
    pub fn decode_path(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::Decode { path, .. } => Some(path),
            _ => None,
        }
    }

    /// The limit that ran out: the time of [`ErrorKind::Timeout`].
    pub fn timeout(&self) -> Option<Duration> {
        match &self.0.detail {
            Detail::Timeout { limit } => Some(*limit),
            _ => None,
        }
    }

    /// The limit in bytes of [`ErrorKind::ResponseTooLarge`] and
    /// [`ErrorKind::UploadTooLarge`].
    pub fn size_limit(&self) -> Option<u64> {
        match &self.0.detail {
            Detail::ResponseTooLarge { limit } | Detail::UploadTooLarge { limit, .. } => {
                Some(*limit)
            }
            _ => None,
        }
    }

    /// The job asked for, for [`ErrorKind::JobNotFound`] (and the job of a
    /// [`ErrorKind::Wait`]).
    pub fn job_id(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::JobNotFound { job_id } => Some(job_id),
            Detail::Wait => self.wait_error().map(|wait| wait.job_id()),
            _ => None,
        }
    }

    /// The export, for [`ErrorKind::NoFileUrl`] and [`ErrorKind::ExportFailed`].
    pub fn export_id(&self) -> Option<&str> {
        match &self.0.detail {
            Detail::NoFileUrl { export_id } | Detail::ExportFailed { export_id } => Some(export_id),
            _ => None,
        }
    }

    /// The file, for [`ErrorKind::FileExists`] and [`ErrorKind::Io`].
    pub fn path(&self) -> Option<&Path> {
        match &self.0.detail {
            Detail::FileExists { path } | Detail::Io { path, .. } => Some(path),
            _ => None,
        }
    }

    /// When the file URL expired, for [`ErrorKind::FileUrlExpired`].
    pub fn expired_at(&self) -> Option<SystemTime> {
        match &self.0.detail {
            Detail::FileUrlExpired { expired_at, .. } => Some(*expired_at),
            _ => None,
        }
    }

    /// The cause of a [`ErrorKind::Wait`] or [`ErrorKind::ExportFailed`]
    /// error, as `T` (the wait's own error: [`Error::wait_error`]).
    pub(crate) fn wait_source<T: std::error::Error + 'static>(&self) -> Option<&T> {
        match &self.0.detail {
            Detail::Wait | Detail::ExportFailed { .. } => {
                self.0.source.as_ref()?.downcast_ref::<T>()
            }
            _ => None,
        }
    }

    /// An error of kind [`ErrorKind::Wait`], caused by `wait`.
    pub(crate) fn from_wait(wait: SourceError) -> Self {
        Error::new(Detail::Wait, None, Some(wait))
    }

    /// How long the server asked to wait (`Retry-After`, seconds or an HTTP
    /// date), for [`ErrorKind::Http`].
    pub fn retry_after(&self) -> Option<Duration> {
        match &self.0.detail {
            Detail::Http {
                retry_after: Some(value),
                ..
            } => crate::retry::parse_retry_after(value, SystemTime::now()),
            _ => None,
        }
    }
}

/// The first bytes of a body, cut at a character boundary.
pub(crate) fn body_snippet(body: &[u8]) -> String {
    let end = body.len().min(BODY_SNIPPET_LEN);
    let text = String::from_utf8_lossy(&body[..end]);
    if body.len() > end {
        format!("{text}…")
    } else {
        text.into_owned()
    }
}

/// A cause from below this crate (the HTTP stack, the OS, a wait), shared so
/// that [`Error`] is `Clone` (one failed token fetch is every waiter's error).
pub(crate) type SourceError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WaitError;

    /// One pointer: every `Result<_, Error>` of a caller's stays small, and
    /// one failed poll shared by thousands of waits is one allocation.
    #[test]
    fn an_error_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn a_wait_error_becomes_an_error_and_comes_back() {
        let wait = WaitError::NotFound {
            job_id: "AutoLabelQueue:1".into(),
            waited: Duration::from_secs(10),
        };
        let error = Error::from(wait);
        assert_eq!(error.kind(), ErrorKind::Wait);
        assert_eq!(error.job_id(), Some("AutoLabelQueue:1"));
        assert!(matches!(
            error.wait_error(),
            Some(WaitError::NotFound { .. })
        ));
        assert!(std::error::Error::source(&error).is_some());
        fn uses_question_mark(wait: WaitError) -> Result<()> {
            Err(wait)?
        }
        assert!(uses_question_mark(WaitError::Abandoned { job_id: "x".into() }).is_err());
    }

    #[test]
    fn messages_name_the_operation_and_host_and_transience_is_explicit() {
        let request = || Request::new("GetJob", "app.datasaur.ai".into());
        let timeout = Error::timed_out(request(), Duration::from_secs(30));
        assert_eq!(
            timeout.to_string(),
            "GetJob to app.datasaur.ai: no answer within 30s"
        );
        assert!(timeout.is_transient() && timeout.is_timeout());
        assert_eq!(timeout.host(), Some("app.datasaur.ai"));
        let cut = Error::decode(request(), "(body)", "EOF", String::new(), true);
        let shape = Error::decode(request(), "data.job", "bad", String::new(), false);
        assert!(cut.is_transient() && !shape.is_transient());
        let busy = Error::http(request(), 503, Some("2".into()), String::new());
        assert!(busy.is_transient());
        assert_eq!(busy.http_status(), Some(503));
        assert_eq!(busy.retry_after(), Some(Duration::from_secs(2)));
        assert_eq!(busy.request_id(), None);
        let id: Arc<str> = "abc".into();
        assert_eq!(busy.with_request_id(&id).request_id(), Some("abc"));
    }
}
