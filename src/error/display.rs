//! How an error reads: one line for people (`Display`), every detail but
//! secrets for logs (`Debug`), and the cause as `source()`.

use std::fmt;

use super::*;
use crate::duration_text::HumanDuration;

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(request) = &self.0.request {
            write!(f, "{} to {}: ", request.operation, request.host)?;
        }
        match &self.0.detail {
            Detail::Transport => f.write_str("request failed"),
            Detail::Timeout { limit } => write!(f, "no answer within {}", HumanDuration(*limit)),
            Detail::ResponseTooLarge { limit } => {
                write!(f, "the answer exceeds the limit of {limit} bytes")
            }
            Detail::Http {
                status,
                body_snippet,
                ..
            } => write!(f, "HTTP {status}: {body_snippet:?}"),
            Detail::Redirect {
                status: Some(status),
                to,
            } => write!(
                f,
                "HTTP {status}: a redirect to {} was not followed (requests to Datasaur \
                 never follow redirects, so credentials and inputs cannot leak to another host)",
                to.as_deref().unwrap_or("(no valid Location)")
            ),
            Detail::Redirect { status: None, to } => write!(
                f,
                "the answer came from {} after a redirect the HTTP client followed; refused \
                 (build it with redirect::Policy::none())",
                to.as_deref().unwrap_or("another host")
            ),
            // Servers often say only "Unauthorized": no need to say it twice.
            Detail::Unauthorized { message } if message.eq_ignore_ascii_case("unauthorized") => {
                f.write_str("credentials refused")
            }
            Detail::Unauthorized { message } => write!(f, "credentials refused: {message}"),
            Detail::GraphQL { errors, .. } => write!(
                f,
                "{} GraphQL error(s): {}",
                errors.len(),
                errors.first().map_or("", |e| e.message.as_str())
            ),
            Detail::SchemaDrift { drift, .. } => {
                match &drift.member {
                    Some(member) => write!(
                        f,
                        "the server's schema has no {} {member} on type {}",
                        drift.what, drift.type_name
                    )?,
                    None => write!(f, "the server's schema has no type {}", drift.type_name)?,
                }
                f.write_str(
                    ": Datasaur's schema changed since this operation was generated; \
                     run `datasaur schema pull` and `datasaur schema check`",
                )
            }
            Detail::Decode {
                path,
                message,
                body_snippet,
                ..
            } => write!(
                f,
                "could not decode the answer at `{path}`: {message}; body starts {body_snippet:?}"
            ),
            Detail::JobNotFound { job_id } => write!(f, "job {job_id:?} not found"),
            Detail::FileUrlExpired { host, expired_at } => write!(
                f,
                "the file URL on {host} expired at {}",
                httpdate::fmt_http_date(*expired_at)
            ),
            Detail::FileExists { path } => write!(f, "{} exists; not overwritten", path.display()),
            Detail::Io {
                path,
                reading: false,
            } => write!(f, "cannot write {}", path.display()),
            Detail::Io {
                path,
                reading: true,
            } => write!(f, "cannot read {}", path.display()),
            Detail::UploadTooLarge {
                name,
                size: Some(size),
                limit,
            } => write!(
                f,
                "{name} is {size} bytes, over the upload limit of {limit} bytes; nothing was sent"
            ),
            Detail::UploadTooLarge {
                name,
                size: None,
                limit,
            } => write!(
                f,
                "{name} passed the upload limit of {limit} bytes; the upload was stopped there"
            ),
            Detail::NoFileUrl { export_id } => {
                write!(f, "export {export_id} has no file URL to download")
            }
            Detail::ExportFailed { export_id } => write!(f, "export {export_id} was not delivered"),
            Detail::Wait => match self.wait_error() {
                Some(wait) => write!(f, "waiting on job {} did not succeed", wait.job_id()),
                None => f.write_str("a wait did not succeed"),
            },
            Detail::Config { message } => write!(f, "invalid configuration: {message}"),
            Detail::Webhook { reason } => write!(f, "webhook delivery refused: {reason}"),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner {
            detail,
            request,
            source,
        } = &*self.0;
        let mut debug = f.debug_struct("Error");
        debug.field("kind", &self.kind()).field("detail", detail);
        if let Some(request) = request {
            debug.field("request", request);
        }
        if let Some(source) = source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}
