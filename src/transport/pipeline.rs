//! The one way any request leaves the client. A kind of call (GraphQL,
//! upload, download, token fetch) is a [`Call`]: what it may repeat, which
//! statuses may pass, whether it carries credentials and a request id, how
//! its retries are bounded; and an attempt function that sends one HTTP
//! exchange through an [`Attempt`] and decodes the answer. Everything else
//! lives here once: the pace, credentials and refresh-once on a refused
//! token, headers, redirect refusal, redaction, the verdict on a failure,
//! the attempt count, and the request id quoted only when a request may
//! have reached the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, HeaderValue, USER_AGENT};
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use super::credentials::{Authorization, CallCredentials};
use super::pace::Pace;
use super::statuses::TransientStatuses;
use crate::body::{BodyError, read_body};
use crate::error::{Error, Request, Result};
use crate::http_clients::refused_redirect;
use crate::retry::{Backoff, Limits, Pacing, RetryBudget, RetryPolicy, Verdict, retry_loop};

/// The `User-Agent` of every request.
pub(crate) const DEFAULT_USER_AGENT: &str = concat!("datasaur-rs/", env!("CARGO_PKG_VERSION"));

/// The header that names one request in Datasaur's logs.
pub(crate) const REQUEST_ID: &str = "x-request-id";

/// 128 random bits, hex: unique enough to find one request in server logs.
pub(crate) fn new_request_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// What a client's requests share: the HTTP clients, the retry policy and
/// its budget, the pace. Owned by the client (and by its token source).
pub(crate) struct Transport {
    /// For requests that carry credentials: never follows a redirect.
    pub(crate) api: reqwest::Client,
    /// For downloads (presigned URLs, no credentials): may follow redirects.
    pub(crate) downloads: reqwest::Client,
    pub(crate) retry: RetryPolicy,
    /// The retry loop's randomness and sleep.
    pub(crate) pacing: Pacing,
    pub(crate) budget: RetryBudget,
    pub(crate) pace: Pace,
    /// Retries made, by every kind of call.
    pub(crate) retries: AtomicU64,
}

/// Whether a call may be sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Repeat {
    /// Whenever a failure may pass: repeating it cannot run work twice.
    Always,
    /// Only while no attempt may have reached the server (or the server
    /// said it did not run it: throttled): the call starts work.
    UnlessSent,
    /// Never: the body cannot be sent twice (a reader, read once).
    Never,
}

/// How a call's retries are bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Retries {
    /// The client's [`RetryPolicy`]: its count, its backoff, its budget.
    Policy,
    /// Until `deadline` (none: no end), with `backoff`: downloads.
    Until {
        deadline: Option<Instant>,
        backoff: Backoff,
    },
    /// One attempt: a step inside another call, whose own loop retries it
    /// (a token fetch).
    Once,
}

/// One kind of call, described.
pub(crate) struct Call<'a> {
    /// The operation and host, for errors.
    pub(crate) request: Request,
    /// The HTTP method and where it goes, for the attempt's span (its query
    /// and any user name are never shown: a presigned URL's query is a key).
    pub(crate) method: &'static str,
    pub(crate) target: &'a Url,
    pub(crate) repeat: Repeat,
    pub(crate) statuses: TransientStatuses,
    /// Sent with an `Authorization` header from these, refreshed once when
    /// refused; `None` for calls that carry no credentials.
    pub(crate) credentials: Option<&'a dyn CallCredentials>,
    /// Whether to send an `x-request-id` (quoted in errors when the request
    /// may have reached the server).
    pub(crate) request_id: bool,
    pub(crate) retries: Retries,
}

/// A failed attempt.
pub(crate) struct Failure {
    pub(crate) error: Error,
    /// Whether the request may have reached the server.
    pub(crate) sent: bool,
    /// Whether no retry can help, whatever the error says (a file too large).
    pub(crate) fatal: bool,
}

impl Failure {
    /// A failure before anything reached the server.
    pub(crate) fn unsent(error: Error) -> Self {
        Failure {
            error,
            sent: false,
            fatal: false,
        }
    }

    /// A failure after the request may have reached the server.
    pub(crate) fn sent(error: Error) -> Self {
        Failure {
            error,
            sent: true,
            fatal: false,
        }
    }

    /// The same failure, never retried.
    pub(crate) fn fatal(mut self) -> Self {
        self.fatal = true;
        self
    }
}

/// One attempt of a call: what its exchange sends with the request.
pub(crate) struct Attempt {
    /// From 1.
    pub(crate) number: u32,
    request: Request,
    request_id: Option<Arc<str>>,
    authorization: Option<Authorization>,
    span: tracing::Span,
}

impl Attempt {
    /// The request, for this attempt's errors.
    pub(crate) fn request(&self) -> Request {
        self.request.clone()
    }

    /// `builder` with the headers every request carries: the user agent,
    /// the request id, the credentials.
    pub(crate) fn prepare(&self, mut builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // Per request: the same on every HTTP client.
        builder = builder.header(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT));
        if let Some(id) = &self.request_id {
            builder = builder.header(REQUEST_ID, &**id);
        }
        if let Some(authorization) = &self.authorization {
            builder = builder.header(AUTHORIZATION, authorization.header.clone());
        }
        builder
    }

    /// Sends `builder` (after [`Attempt::prepare`]); an answer that is a
    /// redirect, or from another origin than `sent_to`, is refused unless
    /// the call `follows_redirects`. `limit` is named if reqwest times out.
    pub(crate) async fn send(
        &self,
        builder: reqwest::RequestBuilder,
        sent_to: &Url,
        follows_redirects: bool,
        limit: Duration,
    ) -> Result<reqwest::Response, Failure> {
        let response = builder
            .send()
            .await
            .map_err(|source| self.transport_failure(source, limit))?;
        self.span.record(
            "http.response.status_code",
            i64::from(response.status().as_u16()),
        );
        if !follows_redirects
            && let Some(error) = refused_redirect(&self.request, sent_to, &response)
        {
            // It reached a server; whether work started there is unknown.
            return Err(Failure::sent(error));
        }
        Ok(response)
    }

    /// Reads an answer's body, at most `max_bytes` of it.
    pub(crate) async fn read_body(
        &self,
        response: reqwest::Response,
        max_bytes: u64,
        limit: Duration,
    ) -> Result<Bytes, Failure> {
        match read_body(response, max_bytes).await {
            Ok(body) => Ok(body),
            Err(BodyError::Transport(source)) => Err(self.transport_failure(source, limit)),
            Err(BodyError::TooLarge) => {
                Err(Failure::sent(Error::too_large(self.request(), max_bytes)))
            }
        }
    }

    /// A failure of the HTTP stack: a connection never made (refused, DNS,
    /// TLS) never reached the server; anything later may have.
    pub(crate) fn transport_failure(&self, source: reqwest::Error, limit: Duration) -> Failure {
        let sent = !source.is_connect();
        let error = Error::from_reqwest(self.request(), source, limit);
        Failure {
            error,
            sent,
            fatal: false,
        }
    }
}

/// The span of one HTTP attempt, in OpenTelemetry's HTTP client terms
/// (`tracing-opentelemetry` reads `otel.*`): method, server, the URL without
/// its query, the resend count (after the first), the status, and the
/// error's type when it failed. Numbers are recorded as `i64`:
/// `tracing-opentelemetry` exports unsigned ones as text.
fn attempt_span(call: &Call<'_>, number: u32, request_id: Option<&str>) -> tracing::Span {
    let span = tracing::info_span!(
        "datasaur.http_attempt",
        otel.name = call.method,
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        http.request.method = call.method,
        server.address = tracing::field::Empty,
        server.port = tracing::field::Empty,
        url.full = tracing::field::Empty,
        http.request.resend_count = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        error.type = tracing::field::Empty,
        graphql.operation.name = call.request.operation(),
        datasaur.request_id = request_id,
        datasaur.duration_ms = tracing::field::Empty,
    );
    // Only for a subscriber that wants it: no work per request without one.
    if !span.is_disabled() {
        let mut url = call.target.clone();
        url.set_query(None);
        let _ = url.set_username("");
        let _ = url.set_password(None);
        span.record("server.address", url.host_str().unwrap_or_default());
        span.record(
            "server.port",
            i64::from(url.port_or_known_default().unwrap_or_default()),
        );
        span.record("url.full", url.as_str());
        if number > 1 {
            span.record("http.request.resend_count", i64::from(number - 1));
        }
    }
    span
}

impl Transport {
    /// Runs `call`: each attempt waits for the pace, takes credentials,
    /// then runs `attempt`; a failure gets one verdict, here.
    pub(crate) async fn call<T, F, Fut>(&self, call: Call<'_>, attempt: F) -> Result<T>
    where
        F: Fn(Attempt) -> Fut,
        Fut: Future<Output = Result<T, Failure>>,
    {
        let operation = call.request.operation();
        let call_started = std::time::Instant::now();
        let request_id: Option<Arc<str>> = call.request_id.then(|| new_request_id().into());
        let (limits, backoff) = match call.retries {
            Retries::Policy => {
                self.budget.earn();
                let limits = Limits {
                    max_retries: self.retry.get_max_retries(),
                    budget: Some(&self.budget),
                    counter: Some(&self.retries),
                    ..Limits::default()
                };
                (limits, self.retry.backoff())
            }
            Retries::Until { deadline, backoff } => {
                let limits = Limits {
                    max_retries: u32::MAX,
                    deadline,
                    counter: Some(&self.retries),
                    ..Limits::default()
                };
                (limits, backoff)
            }
            Retries::Once => (Limits::default(), self.retry.backoff()),
        };
        let refreshed = AtomicBool::new(false);
        let reached = AtomicBool::new(false);
        let (call_ref, request_id_ref, attempt_ref) = (&call, &request_id, &attempt);
        let (refreshed, reached_ref, backoff_ref) = (&refreshed, &reached, &backoff);
        let outcome = retry_loop(
            operation,
            &backoff,
            &self.pacing,
            limits,
            |number| async move {
                let span = attempt_span(call_ref, number, request_id_ref.as_deref());
                let in_span = span.clone();
                let started = std::time::Instant::now();
                let outcome = async {
                    self.pace.ready().await;
                    let authorization = match call_ref.credentials {
                        None => None,
                        Some(credentials) => match credentials.authorization().await {
                            Ok(authorization) => authorization,
                            Err(error) => return (Err(Failure::unsent(error)), None),
                        },
                    };
                    let context = Attempt {
                        number,
                        request: call_ref.request.clone(),
                        request_id: request_id_ref.clone(),
                        authorization: authorization.clone(),
                        span: span.clone(),
                    };
                    (attempt_ref(context).await, authorization)
                }
                .instrument(in_span.clone())
                .await;
                in_span.record(
                    "datasaur.duration_ms",
                    i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
                );
                if let (Err(failure), _) = &outcome {
                    in_span.record("error.type", failure.error.kind().as_str());
                    in_span.record("otel.status_code", "ERROR");
                }
                match outcome {
                    (Ok(value), _) => Ok(value),
                    (Err(failure), authorization) => Err(self.judge(
                        call_ref,
                        failure,
                        authorization.as_ref(),
                        refreshed,
                        reached_ref,
                        backoff_ref,
                    )),
                }
            },
        )
        .await;
        let outcome = outcome.map_err(|ended| {
            let error = ended.error.with_attempts(ended.attempts, ended.exhausted);
            match &request_id {
                Some(id) if reached.load(Ordering::Relaxed) => error.with_request_id(id),
                _ => error,
            }
        });
        crate::metrics::call_ended(operation, &outcome, call_started.elapsed());
        outcome
    }

    /// What a failed attempt means for the next: the one verdict of the
    /// crate.
    fn judge(
        &self,
        call: &Call<'_>,
        failure: Failure,
        authorization: Option<&Authorization>,
        refreshed: &AtomicBool,
        reached: &AtomicBool,
        backoff: &Backoff,
    ) -> (Error, Verdict) {
        let mut error = failure.error;
        if failure.sent {
            reached.store(true, Ordering::Relaxed);
        }
        if let Some(credentials) = call.credentials {
            credentials.redact(&mut error, authorization);
            if call.repeat != Repeat::Never
                && !failure.fatal
                && credentials.refresh_once_if_refused(&error, authorization, refreshed)
            {
                tracing::debug!(
                    operation = call.request.operation(),
                    "token refused; refreshing it and retrying once"
                );
                return (error, Verdict::Again);
            }
        }
        let retry = |error: Error| {
            let retry_after = error.retry_after();
            (error, Verdict::Retry { retry_after })
        };
        if failure.fatal || call.repeat == Repeat::Never {
            return (error, Verdict::Stop);
        }
        if error.is_throttled() {
            // The server did not run it: every call may be sent again, and
            // the client's other requests hold back too.
            self.pace.hold(backoff.throttle_pause(error.retry_after()));
            return retry(error);
        }
        if failure.sent && call.repeat == Repeat::UnlessSent {
            return (error, Verdict::Stop);
        }
        if error.is_transient_with(call.statuses) {
            retry(error)
        } else {
            (error, Verdict::Stop)
        }
    }
}
