//! The one way a GraphQL request reaches Datasaur: credentials, the HTTP
//! exchange bounded in time and size, and retries that never repeat work
//! that may have started.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, USER_AGENT};
use tracing::Instrument;

use crate::auth::Authorization;
use crate::body::{BodyError, read_body};
use crate::client::Client;
use crate::error::{Error, Result};
use crate::http_clients::refused_redirect;
use crate::response::decode_answer;
use crate::retry::{Limits, Verdict, retry_after_header, retry_loop};

pub(crate) const DEFAULT_USER_AGENT: &str = concat!("datasaur-rs/", env!("CARGO_PKG_VERSION"));

impl Client {
    /// Encodes a request body, sends it and decodes the answer's `data`.
    pub(crate) async fn run<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        body: &impl serde::Serialize,
        starts_work: bool,
    ) -> Result<T> {
        let payload = serde_json::to_vec(body)
            .map_err(|e| Error::config(format!("{operation}: variables do not serialize: {e}")))?;
        let request = self.request(operation);
        let decode =
            |status, retry_after, body: &[u8]| decode_answer(&request, status, retry_after, body);
        self.send(operation, payload, starts_work, decode).await
    }

    /// Sends one operation, retrying as the policy allows (never, once it may
    /// have reached the server, if it `starts_work`), and decodes the answer
    /// with `decode` (an undecodable answer may be retried too).
    async fn send<T>(
        &self,
        operation: &'static str,
        payload: Vec<u8>,
        starts_work: bool,
        decode: impl Fn(StatusCode, Option<String>, &[u8]) -> Result<T>,
    ) -> Result<T> {
        let inner = &*self.inner;
        let payload = Bytes::from(payload);
        let request_id: Arc<str> = new_request_id().into();
        inner.budget.earn();
        let refreshed = AtomicBool::new(false);
        // Whether any attempt may have reached the server: only then is the
        // request id worth quoting to Datasaur.
        let reached = AtomicBool::new(false);
        let (refreshed, reached_ref, payload, request_id_ref, decode) =
            (&refreshed, &reached, &payload, &request_id, &decode);
        let limits = Limits {
            max_retries: inner.retry.get_max_retries(),
            budget: Some(&inner.budget),
            counter: Some(&inner.retries),
            ..Limits::default()
        };
        let backoff = inner.retry.backoff();
        let outcome = retry_loop(
            operation,
            &backoff,
            &inner.pacing,
            limits,
            |attempt| async move {
                let failure = match self
                    .attempt(operation, payload, request_id_ref, attempt)
                    .await
                {
                    Ok(answer) => match decode(answer.status, answer.retry_after, &answer.body) {
                        Ok(data) => return Ok(data),
                        Err(error) => Failure {
                            error,
                            sent: true,
                            authorization: answer.authorization,
                        },
                    },
                    Err(failure) => failure,
                };
                let mut error = failure.error;
                if failure.sent {
                    reached_ref.store(true, Ordering::Relaxed);
                }
                inner
                    .credentials
                    .redact(&mut error, failure.authorization.as_ref());
                if inner.credentials.refresh_once_if_refused(
                    &error,
                    failure.authorization.as_ref(),
                    refreshed,
                ) {
                    tracing::debug!(
                        operation,
                        attempt,
                        "token refused; refreshing it and retrying once"
                    );
                    return Err((error, Verdict::Again));
                }
                let may_repeat = !(starts_work && failure.sent);
                let verdict = if may_repeat && error.is_transient() {
                    Verdict::Retry {
                        retry_after: error.retry_after(),
                    }
                } else {
                    Verdict::Stop
                };
                Err((error, verdict))
            },
        )
        .await;
        outcome.map_err(|error| {
            if reached.load(Ordering::Relaxed) {
                error.with_request_id(&request_id)
            } else {
                error
            }
        })
    }

    /// One HTTP exchange, bounded as a whole (connect to last byte) by the
    /// client's timeout and in size by its response limit.
    async fn attempt(
        &self,
        operation: &'static str,
        payload: &Bytes,
        request_id: &str,
        attempt: u32,
    ) -> Result<Answer, Failure> {
        let inner = &*self.inner;
        let span = tracing::debug_span!(
            "datasaur.request",
            operation,
            attempt,
            request_id,
            http.status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        // Instrumented rather than entered: the attempt awaits, and other
        // tasks on this thread must not run inside its span meanwhile.
        let in_span = span.clone();
        async move {
            let started = std::time::Instant::now();
            let not_sent = |error| Failure {
                error,
                sent: false,
                authorization: None,
            };
            let authorization = inner.credentials.authorization().await.map_err(not_sent)?;
            let exchange = self.exchange(operation, payload, request_id, authorization.as_ref());
            let (status, retry_after, body) =
                match tokio::time::timeout(inner.timeout, exchange).await {
                    Ok(Ok(answer)) => answer,
                    Ok(Err((error, sent))) => {
                        return Err(Failure {
                            error,
                            sent,
                            authorization,
                        });
                    }
                    Err(_) => {
                        return Err(Failure {
                            error: Error::timed_out(self.request(operation), inner.timeout),
                            sent: true,
                            authorization,
                        });
                    }
                };
            span.record("http.status", status.as_u16());
            span.record("duration_ms", started.elapsed().as_millis() as u64);
            tracing::debug!(bytes = body.len(), "answered");
            Ok(Answer {
                status,
                retry_after,
                body,
                authorization,
            })
        }
        .instrument(in_span)
        .await
    }

    /// Sends the request and reads the answer; on failure, the error and
    /// whether the request may have reached the server.
    async fn exchange(
        &self,
        operation: &'static str,
        payload: &Bytes,
        request_id: &str,
        authorization: Option<&Authorization>,
    ) -> Result<(StatusCode, Option<String>, Bytes), (Error, bool)> {
        let inner = &*self.inner;
        let mut url = inner.endpoint.clone();
        // Datasaur's own tools name the operation in the URL so server logs show it.
        url.query_pairs_mut().append_pair("graphql", operation);
        let mut request = inner
            .http
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            // Per request, so that a caller's own reqwest::Client sends it too.
            .header(USER_AGENT, HeaderValue::from_static(DEFAULT_USER_AGENT))
            .header(REQUEST_ID, request_id)
            .body(payload.clone());
        if let Some(authorization) = authorization {
            request = request.header(AUTHORIZATION, authorization.header.clone());
        }
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let failed = |source: reqwest::Error| {
            // A connection never made (refused, DNS, TLS) never reached the server.
            let sent = !source.is_connect();
            let error = Error::from_reqwest(self.request(operation), source, inner.timeout);
            (error, sent)
        };
        let response = request.send().await.map_err(failed)?;
        if let Some(error) = refused_redirect(&self.request(operation), &inner.endpoint, &response)
        {
            // It reached a server; whether work started there is unknown.
            return Err((error, true));
        }
        let status = response.status();
        let retry_after = retry_after_header(response.headers());
        match read_body(response, inner.max_response_bytes).await {
            Ok(body) => Ok((status, retry_after, body)),
            Err(BodyError::Transport(source)) => Err(failed(source)),
            Err(BodyError::TooLarge) => Err((
                Error::too_large(self.request(operation), inner.max_response_bytes),
                true,
            )),
        }
    }
}

/// A GraphQL request body: `{"operationName", "query", "variables"}`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestBody<V> {
    pub(crate) operation_name: &'static str,
    pub(crate) query: &'static str,
    pub(crate) variables: V,
}

/// An HTTP answer, not yet decoded.
struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    body: Bytes,
    /// The token the request carried, to invalidate if the answer refuses it.
    authorization: Option<Authorization>,
}

/// A failed attempt, and whether a retry could run the operation twice.
struct Failure {
    error: Error,
    /// Whether the request may have reached the server.
    sent: bool,
    /// The token it carried, to invalidate if the server refused it.
    authorization: Option<Authorization>,
}

pub(crate) const REQUEST_ID: &str = "x-request-id";

/// 128 random bits, hex: unique enough to find one request in server logs.
pub(crate) fn new_request_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}
