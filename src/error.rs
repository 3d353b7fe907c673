//! The crate's one error type.

use std::sync::Arc;
use std::time::Duration;

/// How many bytes of a response body an error keeps, so that a huge HTML page
/// does not end up in a log line.
pub(crate) const BODY_SNIPPET_LEN: usize = 512;

/// Everything that can go wrong talking to Datasaur.
///
/// Matching on it tells what to do next: [`Error::Unauthorized`] wants new
/// credentials, [`Error::is_transient`] errors may pass if retried, the rest
/// are bugs or bad input. No variant ever holds a token or a client secret.
///
/// ```
/// use datasaur::Error;
///
/// fn explain(error: &Error) -> &'static str {
///     match error {
///         Error::JobNotFound { .. } => "check the job id",
///         Error::Unauthorized { .. } => "check the access token",
///         e if e.is_transient() => "try again later",
///         _ => "report a bug",
///     }
/// }
/// let error = Error::JobNotFound { job_id: "AutoLabelQueue:x".into() };
/// assert_eq!(explain(&error), "check the job id");
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request never got a whole HTTP answer: DNS, connection refused,
    /// TLS, a proxy, a connection closed mid-response. The cause is in
    /// [`std::error::Error::source`], down to the OS error.
    #[error("{operation} to {host}: request failed")]
    Transport {
        /// The GraphQL operation (or `OAuth token`) being sent.
        operation: &'static str,
        /// The host tried (`host[:port]`; never a path or query).
        host: Arc<str>,
        /// The cause, as the HTTP stack reported it (without the URL). Its
        /// own `source()` chain goes down to the OS error (connection
        /// refused, DNS, TLS). Type-erased so that the HTTP library's types
        /// stay out of this crate's API.
        #[source]
        source: SourceError,
        /// The `x-request-id` sent (the same on every retry), if the request
        /// may have reached the server: quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// No whole answer came within the configured time (connect to last byte).
    #[error("{operation} to {host}: no answer within {timeout:?}")]
    Timeout {
        /// The GraphQL operation being sent.
        operation: &'static str,
        /// The host tried (`host[:port]`).
        host: Arc<str>,
        /// The limit that ran out.
        timeout: Duration,
        /// The `x-request-id` sent (the same on every retry): quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// The answer was larger than [`crate::ClientBuilder::max_response_bytes`];
    /// reading stopped there.
    #[error("{operation} to {host}: the answer exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The GraphQL operation being sent.
        operation: &'static str,
        /// The host that answered (`host[:port]`).
        host: Arc<str>,
        /// The limit, in bytes.
        limit: u64,
        /// The `x-request-id` sent (the same on every retry): quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// The server answered with an HTTP status other than 2xx (and other than 401,
    /// which is [`Error::Unauthorized`]), and no GraphQL errors in the body.
    #[error("{operation} to {host}: HTTP {status}: {body_snippet:?}")]
    Http {
        /// The GraphQL operation being sent.
        operation: &'static str,
        /// The host that answered (`host[:port]`).
        host: Arc<str>,
        /// The HTTP status code.
        status: u16,
        /// The value of a `Retry-After` header, if the server sent one.
        retry_after: Option<String>,
        /// The first bytes of the body (lossy UTF-8).
        body_snippet: String,
        /// The `x-request-id` sent (the same on every retry): quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// The credentials were refused: HTTP 401, or a GraphQL error with message
    /// `Unauthorized` or `extensions.type == "AuthenticationError"`.
    #[error("{operation} to {host}: unauthorized: {message}")]
    Unauthorized {
        /// The GraphQL operation being sent.
        operation: &'static str,
        /// The host that answered (`host[:port]`).
        host: Arc<str>,
        /// What the server said (never the token).
        message: String,
        /// The `x-request-id` sent (the same on every retry): quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// The server answered with GraphQL errors. Any partial `data` that came
    /// with them is discarded: a half-answer is not trusted.
    #[error("{operation} to {host}: {} GraphQL error(s): {}", errors.len(), first_message(errors))]
    GraphQL {
        /// The GraphQL operation being sent.
        operation: &'static str,
        /// The host that answered (`host[:port]`).
        host: Arc<str>,
        /// Every error the server listed, in order.
        errors: Vec<GraphQLError>,
        /// Whether the answer also carried (discarded) partial data.
        partial_data_discarded: bool,
        /// The `x-request-id` sent (the same on every retry): quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// The answer was not the JSON we expected: not JSON at all, truncated, or
    /// of another shape than the operation's generated types.
    #[error(
        "{operation} to {host}: could not decode the answer at `{path}`: {message}; body starts {body_snippet:?}"
    )]
    Decode {
        /// The GraphQL operation whose answer this was.
        operation: &'static str,
        /// The host that answered (`host[:port]`).
        host: Arc<str>,
        /// serde's path to the offending value (`data.job.status`), `.` for the whole body.
        path: String,
        /// What serde reported.
        message: String,
        /// The first bytes of the body (lossy UTF-8).
        body_snippet: String,
        /// The `x-request-id` sent (the same on every retry): quote it to Datasaur support.
        request_id: Option<Arc<str>>,
    },

    /// `getJob` answered `null`: no job has this id (or it is not visible yet).
    #[error("job {job_id:?} not found")]
    JobNotFound {
        /// The id that was asked for.
        job_id: String,
    },

    /// An export's file URL has expired; start a new export.
    #[error("the file URL on {host} expired at {}", httpdate::fmt_http_date(*expired_at))]
    FileUrlExpired {
        /// The file host.
        host: Arc<str>,
        /// When it expired.
        expired_at: std::time::SystemTime,
    },

    /// A file is already where a download was to go, and overwriting was
    /// not asked for; it is left as it was.
    #[error("{} exists; not overwritten", path.display())]
    FileExists {
        /// The path.
        path: std::path::PathBuf,
    },

    /// Writing a downloaded file failed.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file being written.
        path: std::path::PathBuf,
        /// What the OS said.
        #[source]
        source: Arc<std::io::Error>,
    },

    /// The export has no file URL to download (its method is not
    /// `FILE_STORAGE`: `EMAIL`, `CUSTOM_WEBHOOK`, ...).
    #[error("export {export_id} has no file URL to download")]
    NoFileUrl {
        /// The export.
        export_id: String,
    },

    /// Waiting on an export did not end with it delivered: it failed, ran
    /// out of time, or polling failed.
    #[error("export {export_id} was not delivered")]
    ExportFailed {
        /// The export.
        export_id: String,
        /// Why.
        #[source]
        source: Box<crate::WaitError>,
    },

    /// The client was configured wrongly (bad URL, zero batch size, ...).
    #[error("invalid configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// Whether the same request may succeed if sent again later: transport
    /// failures, timeouts, HTTP 429, 502, 503 and 504, and a body that is not
    /// a GraphQL answer at all (cut short, or a proxy's HTML page).
    ///
    /// ```
    /// let e = datasaur::Error::Http {
    ///     operation: "GetJob",
    ///     host: "app.datasaur.ai".into(),
    ///     status: 503,
    ///     retry_after: None,
    ///     body_snippet: String::new(),
    ///     request_id: None,
    /// };
    /// assert!(e.is_transient());
    /// ```
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Transport { .. } | Error::Timeout { .. } => true,
            Error::Http { status, .. } => matches!(status, 429 | 502 | 503 | 504),
            // A body that is not JSON (cut off, a proxy's page) is a network
            // fault; JSON of the wrong shape (a deeper path) is a real mismatch.
            Error::Decode { path, .. } => path == ".",
            _ => false,
        }
    }

    /// The `x-request-id` of the request that failed, if one was sent:
    /// quote it to Datasaur support.
    pub fn request_id(&self) -> Option<&str> {
        self.request_context()
            .and_then(|(_, request_id)| request_id.as_deref())
    }

    /// The host a request went to (`host[:port]`, never a path or query).
    ///
    /// ```
    /// let error = datasaur::Error::Timeout {
    ///     operation: "GetJob",
    ///     host: "app.datasaur.ai".into(),
    ///     timeout: std::time::Duration::from_secs(30),
    ///     request_id: None,
    /// };
    /// assert_eq!(error.host(), Some("app.datasaur.ai"));
    /// assert_eq!(error.to_string(), "GetJob to app.datasaur.ai: no answer within 30s");
    /// ```
    pub fn host(&self) -> Option<&str> {
        let host = match self {
            Error::FileUrlExpired { host, .. } => Some(host),
            _ => self.request_context().map(|(host, _)| host),
        };
        host.map(|host| &**host).filter(|host| !host.is_empty())
    }

    /// How long the server asked to wait (`Retry-After`, seconds or an HTTP date).
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Http {
                retry_after: Some(value),
                ..
            } => crate::retry::parse_retry_after(value, std::time::SystemTime::now()),
            _ => None,
        }
    }

    /// Records the host on the variants that carry one, where not yet known.
    pub(crate) fn with_host(mut self, known: &Arc<str>) -> Self {
        if let Some((host, _)) = self.request_context_mut()
            && host.is_empty()
        {
            *host = known.clone();
        }
        self
    }

    /// Records the request id on the variants that carry one.
    pub(crate) fn with_request_id(mut self, id: &Arc<str>) -> Self {
        if let Some((_, request_id)) = self.request_context_mut() {
            *request_id = Some(id.clone());
        }
        self
    }

    /// The host and request id of the variants that describe a request.
    fn request_context(&self) -> Option<(&Arc<str>, &Option<Arc<str>>)> {
        match self {
            Error::Transport {
                host, request_id, ..
            }
            | Error::Timeout {
                host, request_id, ..
            }
            | Error::ResponseTooLarge {
                host, request_id, ..
            }
            | Error::Http {
                host, request_id, ..
            }
            | Error::Unauthorized {
                host, request_id, ..
            }
            | Error::GraphQL {
                host, request_id, ..
            }
            | Error::Decode {
                host, request_id, ..
            } => Some((host, request_id)),
            _ => None,
        }
    }

    /// [`Error::request_context`], to fill in.
    fn request_context_mut(&mut self) -> Option<(&mut Arc<str>, &mut Option<Arc<str>>)> {
        match self {
            Error::Transport {
                host, request_id, ..
            }
            | Error::Timeout {
                host, request_id, ..
            }
            | Error::ResponseTooLarge {
                host, request_id, ..
            }
            | Error::Http {
                host, request_id, ..
            }
            | Error::Unauthorized {
                host, request_id, ..
            }
            | Error::GraphQL {
                host, request_id, ..
            }
            | Error::Decode {
                host, request_id, ..
            } => Some((host, request_id)),
            _ => None,
        }
    }

    /// A reqwest failure: a timeout, or a transport error (without the URL).
    pub(crate) fn from_reqwest(
        operation: &'static str,
        url: &url::Url,
        source: reqwest::Error,
        timeout: Duration,
    ) -> Self {
        if source.is_timeout() {
            Error::timeout(operation, url, timeout)
        } else {
            Error::Transport {
                operation,
                host: host_of(url),
                source: Arc::new(source.without_url()),
                request_id: None,
            }
        }
    }

    pub(crate) fn timeout(operation: &'static str, url: &url::Url, timeout: Duration) -> Self {
        Error::Timeout {
            operation,
            host: host_of(url),
            timeout,
            request_id: None,
        }
    }

    /// Applies `redact` to every text that came from the server, so that a
    /// server echoing a credential does not put it in a message or a log.
    pub(crate) fn redact_server_text(&mut self, redact: impl Fn(&mut String)) {
        match self {
            Error::Http { body_snippet, .. } => redact(body_snippet),
            Error::Unauthorized { message, .. } => redact(message),
            Error::GraphQL { errors, .. } => {
                for error in errors {
                    redact(&mut error.message);
                    if let Some(extensions) = &mut error.extensions {
                        let mut text =
                            serde_json::Value::Object(std::mem::take(extensions)).to_string();
                        redact(&mut text);
                        *extensions = serde_json::from_str(&text).unwrap_or_default();
                    }
                }
            }
            Error::Decode {
                message,
                body_snippet,
                ..
            } => {
                redact(message);
                redact(body_snippet);
            }
            _ => {}
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

fn first_message(errors: &[GraphQLError]) -> &str {
    errors.first().map_or("", |e| e.message.as_str())
}

/// One entry of a GraphQL response's `errors` list.
///
/// ```
/// let error: datasaur::GraphQLError = serde_json::from_str(
///     r#"{"message":"Unauthorized","extensions":{"type":"AuthenticationError"}}"#,
/// ).unwrap();
/// assert_eq!(error.error_type(), Some("AuthenticationError"));
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct GraphQLError {
    /// The server's message.
    pub message: String,
    /// Where in the answer the error happened (`["result", 0, "id"]`).
    #[serde(default)]
    pub path: Option<Vec<serde_json::Value>>,
    /// Where in the query the error is.
    #[serde(default)]
    pub locations: Option<Vec<serde_json::Value>>,
    /// Extra, server-specific data; Datasaur puts a `type` here.
    #[serde(default)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

impl GraphQLError {
    /// `extensions.type`, Datasaur's classification of the error.
    pub fn error_type(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("type")?.as_str()
    }

    /// Whether this error means the credentials were refused.
    pub fn is_authentication_error(&self) -> bool {
        self.message == "Unauthorized" || self.error_type() == Some("AuthenticationError")
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

/// A cause from below this crate (the HTTP stack, the OS), shared so that
/// [`Error`] is `Clone` (one failed token fetch is every waiter's error).
pub type SourceError = Arc<dyn std::error::Error + Send + Sync + 'static>;

/// `host[:port]` of a URL: where a request went, without path or query.
pub(crate) fn host_of(url: &url::Url) -> Arc<str> {
    let host = url.host_str().unwrap_or("(no host)");
    match url.port() {
        Some(port) => format!("{host}:{port}").into(),
        None => host.into(),
    }
}

/// `std::result::Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    /// Larger than 128 bytes, every `Result<_, Error>` of a caller's would
    /// trip clippy's `result_large_err`.
    #[test]
    fn an_error_stays_small_enough_to_return_by_value() {
        assert!(std::mem::size_of::<super::Error>() <= 128);
    }
}
