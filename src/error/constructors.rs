//! How errors are made: crate-private constructors, one per kind, so that
//! new kinds never break callers and no error is built with placeholders.

use std::path::PathBuf;
use std::sync::Arc;

use crate::wait::WaitError;
use std::time::{Duration, SystemTime};

use super::*;

impl Error {
    /// A reqwest failure: a timeout, or a transport error (without the URL).
    pub(crate) fn from_reqwest(request: Request, source: reqwest::Error, limit: Duration) -> Self {
        if source.is_timeout() {
            Error::timed_out(request, limit)
        } else {
            Error::new(
                Detail::Transport,
                Some(request),
                Some(Arc::new(source.without_url())),
            )
        }
    }

    pub(crate) fn timed_out(request: Request, limit: Duration) -> Self {
        Error::new(Detail::Timeout { limit }, Some(request), None)
    }

    pub(crate) fn too_large(request: Request, limit: u64) -> Self {
        Error::new(Detail::ResponseTooLarge { limit }, Some(request), None)
    }

    pub(crate) fn http(
        request: Request,
        status: u16,
        retry_after: Option<String>,
        body_snippet: String,
    ) -> Self {
        Error::new(
            Detail::Http {
                status,
                retry_after,
                body_snippet,
            },
            Some(request),
            None,
        )
    }

    /// A 3xx answer from `request`'s host, not followed; `location` is the
    /// answer's `Location` header, resolved against `from`.
    pub(crate) fn redirect(
        request: Request,
        status: u16,
        from: &url::Url,
        location: Option<&str>,
    ) -> Self {
        let to = location
            .and_then(|location| from.join(location).ok())
            .filter(|url| url.has_host())
            .map(|url| origin_of(&url));
        let status = Some(status);
        Error::new(Detail::Redirect { status, to }, Some(request), None)
    }

    /// An answer that came from `url`, another origin than the request's,
    /// because the caller's HTTP client followed a redirect.
    pub(crate) fn redirected(request: Request, url: &url::Url) -> Self {
        let to = Some(origin_of(url));
        Error::new(Detail::Redirect { status: None, to }, Some(request), None)
    }

    pub(crate) fn unauthorized(request: Request, message: String) -> Self {
        Error::new(Detail::Unauthorized { message }, Some(request), None)
    }

    pub(crate) fn graphql(
        request: Request,
        errors: Vec<GraphQLError>,
        partial_data_discarded: bool,
    ) -> Self {
        Error::new(
            Detail::GraphQL {
                errors,
                partial_data_discarded,
            },
            Some(request),
            None,
        )
    }

    pub(crate) fn schema_drift(
        request: Request,
        errors: Vec<GraphQLError>,
        drift: super::graphql::Drift,
    ) -> Self {
        Error::new(Detail::SchemaDrift { errors, drift }, Some(request), None)
    }

    /// An answer of the wrong shape at `path`; `transient` when it is not a
    /// GraphQL answer at all (cut short, a proxy's page).
    pub(crate) fn decode(
        request: Request,
        path: impl Into<String>,
        message: impl Into<String>,
        body_snippet: String,
        transient: bool,
    ) -> Self {
        Error::new(
            Detail::Decode {
                path: path.into(),
                message: message.into(),
                body_snippet,
                transient,
            },
            Some(request),
            None,
        )
    }

    /// A server that answered a page cursor it had already given.
    pub(crate) fn page_loop(cursor: &str) -> Self {
        let shown: String = cursor.chars().take(100).collect();
        Error::new(
            Detail::Decode {
                path: "pageInfo.nextCursor".into(),
                message: format!(
                    "the server gave cursor {shown:?} twice: its pages loop, so the listing stops here"
                ),
                body_snippet: String::new(),
                transient: false,
            },
            None,
            None,
        )
    }

    /// A project-creation job delivered without the project's id.
    pub(crate) fn no_project_id(job_id: &str, name: &str) -> Self {
        let name: String = name.chars().take(100).collect();
        Error::new(
            Detail::Decode {
                path: "job.resultId".into(),
                message: format!(
                    "job {job_id} was delivered without a usable resultId, so the id of project \
                     {name:?} is unknown: the project may exist; find it by name"
                ),
                body_snippet: String::new(),
                transient: false,
            },
            None,
            None,
        )
    }

    pub(crate) fn job_not_found(job_id: impl Into<String>) -> Self {
        let job_id = job_id.into();
        Error::new(Detail::JobNotFound { job_id }, None, None)
    }

    pub(crate) fn file_url_expired(host: Arc<str>, expired_at: SystemTime) -> Self {
        Error::new(Detail::FileUrlExpired { host, expired_at }, None, None)
    }

    pub(crate) fn file_exists(path: PathBuf) -> Self {
        Error::new(Detail::FileExists { path }, None, None)
    }

    pub(crate) fn io(path: PathBuf, source: std::io::Error) -> Self {
        Error::new(
            Detail::Io {
                path,
                reading: false,
            },
            None,
            Some(Arc::new(source)),
        )
    }

    pub(crate) fn io_reading(path: PathBuf, source: std::io::Error) -> Self {
        Error::new(
            Detail::Io {
                path,
                reading: true,
            },
            None,
            Some(Arc::new(source)),
        )
    }

    pub(crate) fn upload_too_large(name: impl Into<String>, size: Option<u64>, limit: u64) -> Self {
        Error::new(
            Detail::UploadTooLarge {
                name: name.into(),
                size,
                limit,
            },
            None,
            None,
        )
    }

    pub(crate) fn no_file_url(export_id: impl Into<String>) -> Self {
        let export_id = export_id.into();
        Error::new(Detail::NoFileUrl { export_id }, None, None)
    }

    pub(crate) fn export_failed(export_id: impl Into<String>, wait: WaitError) -> Self {
        let export_id = export_id.into();
        Error::new(
            Detail::ExportFailed { export_id },
            None,
            Some(Arc::new(wait)),
        )
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        let message = message.into();
        Error::new(Detail::Config { message }, None, None)
    }

    pub(crate) fn webhook(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Error::new(Detail::Webhook { reason }, None, None)
    }

    /// Records the request id, once the request may have reached the server.
    /// Records how many attempts the request made, and whether a limit
    /// stopped the retries.
    pub(crate) fn with_attempts(mut self, attempts: u32, exhausted: bool) -> Self {
        if let Some(request) = &mut Arc::make_mut(&mut self.0).request {
            request.attempts = attempts;
            request.exhausted = exhausted;
        }
        self
    }

    pub(crate) fn with_request_id(mut self, id: &Arc<str>) -> Self {
        if let Some(request) = &mut Arc::make_mut(&mut self.0).request {
            request.request_id = Some(id.clone());
        }
        self
    }

    /// Applies `redact` to every text that came from the server, so that a
    /// server echoing a credential does not put it in a message or a log.
    pub(crate) fn redact_server_text(&mut self, redact: impl Fn(&mut String)) {
        match &mut Arc::make_mut(&mut self.0).detail {
            Detail::Http { body_snippet, .. } => redact(body_snippet),
            Detail::Unauthorized { message } => redact(message),
            Detail::GraphQL { errors, .. } | Detail::SchemaDrift { errors, .. } => {
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
            Detail::Decode {
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
}

/// `scheme://host[:port]`: where a redirect points, without its path and
/// query (which a hostile server fills as it likes).
fn origin_of(url: &url::Url) -> String {
    format!("{}://{}", url.scheme(), host_of(url))
}
