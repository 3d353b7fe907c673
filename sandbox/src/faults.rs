//! Faults the sandbox injects into GraphQL answers, so clients can prove they
//! ride out (or report) a misbehaving server.

use std::sync::Mutex;
use std::time::Duration;

use crate::sync::lock;
use serde::{Deserialize, Serialize};

/// One way for an answer to go wrong.
///
/// ```
/// use datasaur_sandbox::FaultKind;
///
/// // Over HTTP (`POST /_sandbox/faults`) a fault is JSON like this:
/// let kind: FaultKind = serde_json::from_str(r#"{"kind": "rate_limited", "retry_after_secs": 2}"#).unwrap();
/// assert_eq!(kind, FaultKind::RateLimited { retry_after_secs: 2 });
/// assert_eq!(FaultKind::all().len(), 10);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultKind {
    /// An HTTP error status (500, 502, 503, 504, ...) with a short text body.
    Status {
        /// The status code.
        status: u16,
    },
    /// HTTP 429 with `Retry-After: <seconds>`.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// The real answer, after a delay.
    Delay {
        /// How long to wait first, in milliseconds.
        millis: u64,
    },
    /// Headers and part of the body, then the connection is dropped.
    CloseConnection,
    /// HTTP 200 with an HTML page instead of JSON (a proxy's error page).
    HtmlBody,
    /// HTTP 200 with the real JSON answer cut in half.
    TruncatedJson,
    /// HTTP 200 with no data and a GraphQL error whose `extensions.code` is
    /// `TOO_MANY_REQUESTS`: throttling the way GitHub's and Shopify's
    /// GraphQL APIs signal it. For the GraphQL target.
    Throttled,
    /// The request runs (a mutation or an export starts its work), then the
    /// answer is replaced by an HTTP error: a gateway that gave up on a
    /// server that did the work. Not in [`FaultKind::all`]: no client can
    /// ride it through, only refuse to run the work twice.
    StatusAfterRunning {
        /// The status code.
        status: u16,
    },
}

/// The fault armed for `target`, if any: counted as injected and its delay
/// slept, the same way for every route.
pub(crate) async fn take(
    faults: &Faults,
    stats: &crate::stats::Stats,
    target: FaultTarget,
) -> Option<FaultKind> {
    let fault = faults.next(target);
    if fault.is_some() {
        stats.update(|stats| stats.faults_injected += 1);
    }
    if let Some(delay) = fault.as_ref().and_then(FaultKind::delay) {
        tokio::time::sleep(delay).await;
    }
    fault
}

/// The answer of a fault that replaces the whole request before any work
/// (an error status, a rate limit, a proxy's page); `None` for the kinds
/// that shape a real answer instead. Shared by the GraphQL and upload routes.
pub(crate) fn answer_before_work(fault: Option<&FaultKind>) -> Option<axum::response::Response> {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    match fault? {
        FaultKind::Status { status } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some((status, format!("sandbox fault: HTTP {}", status.as_u16())).into_response())
        }
        FaultKind::RateLimited { retry_after_secs } => Some(
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, retry_after_secs.to_string())],
                "sandbox fault: rate limited",
            )
                .into_response(),
        ),
        FaultKind::Throttled => Some(
            (
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"data":null,"errors":[{"message":"Too many requests: sandbox fault","extensions":{"code":"TOO_MANY_REQUESTS"}}]}"#,
            )
                .into_response(),
        ),
        FaultKind::HtmlBody => Some(
            (
                [(header::CONTENT_TYPE, "text/html")],
                "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><p>sandbox fault</p></body></html>",
            )
                .into_response(),
        ),
        _ => None,
    }
}

impl FaultKind {
    /// Every kind, one of each, for matrix tests.
    pub fn all() -> Vec<FaultKind> {
        vec![
            FaultKind::Status { status: 500 },
            FaultKind::Status { status: 502 },
            FaultKind::Status { status: 503 },
            FaultKind::Status { status: 504 },
            FaultKind::RateLimited {
                retry_after_secs: 1,
            },
            FaultKind::Delay { millis: 200 },
            FaultKind::CloseConnection,
            FaultKind::HtmlBody,
            FaultKind::TruncatedJson,
            FaultKind::Throttled,
        ]
    }

    pub(crate) fn delay(&self) -> Option<Duration> {
        match self {
            FaultKind::Delay { millis } => Some(Duration::from_millis(*millis)),
            _ => None,
        }
    }
}

/// A fault and when it fires.
///
/// ```
/// use datasaur_sandbox::{Fault, FaultKind};
///
/// let next_three = Fault::next(3, FaultKind::Status { status: 503 });
/// let one_in_ten = Fault::fraction(0.1, FaultKind::RateLimited { retry_after_secs: 2 });
/// assert_eq!(next_three.remaining, Some(3));
/// assert_eq!(one_in_ten.fraction, Some(0.1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Fault {
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Fire for this many of the next requests, then disarm.
    #[serde(default)]
    pub remaining: Option<u32>,
    /// Fire for this share of requests (0.0 to 1.0), spread evenly and deterministically.
    #[serde(default)]
    pub fraction: Option<f64>,
    /// Which requests it hits: GraphQL (the default), export downloads or uploads.
    #[serde(default)]
    pub target: FaultTarget,
}

/// The requests a [`Fault`] hits.
///
/// ```
/// use datasaur_sandbox::{Fault, FaultKind, FaultTarget};
///
/// let cut = Fault::next(1, FaultKind::CloseConnection).on(FaultTarget::Download);
/// assert_eq!(cut.target, FaultTarget::Download);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultTarget {
    /// `POST /graphql`.
    #[default]
    Graphql,
    /// `GET /_sandbox/files/{id}`, where export files are downloaded.
    Download,
    /// `POST /api/static/proxy/upload`, where files are uploaded.
    Upload,
}

impl Fault {
    /// Fires for each of the next `n` GraphQL requests.
    pub fn next(n: u32, kind: FaultKind) -> Self {
        Fault {
            kind,
            remaining: Some(n),
            fraction: None,
            target: FaultTarget::Graphql,
        }
    }

    /// The same fault, hitting `target` instead.
    #[must_use]
    pub fn on(mut self, target: FaultTarget) -> Self {
        self.target = target;
        self
    }

    /// Fires for a `fraction` of GraphQL requests until cleared.
    pub fn fraction(fraction: f64, kind: FaultKind) -> Self {
        Fault {
            kind,
            remaining: None,
            fraction: Some(fraction.clamp(0.0, 1.0)),
            target: FaultTarget::Graphql,
        }
    }
}

struct Armed {
    fault: Fault,
    /// Accumulated share for fraction faults: fires each time it passes 1.
    credit: f64,
}

/// The armed faults; the first that fires for a request wins. A rate
/// limit, when set, answers before them.
#[derive(Default)]
pub(crate) struct Faults {
    armed: Mutex<Vec<Armed>>,
    rate: Mutex<Option<RateLimit>>,
}

/// A token bucket: `per_second` requests a second, bursts of as many.
struct RateLimit {
    per_second: u32,
    tokens: f64,
    refilled_at: tokio::time::Instant,
}

impl RateLimit {
    /// Takes a token, or says how long until one is there.
    fn take(&mut self) -> Result<(), Duration> {
        let now = tokio::time::Instant::now();
        let rate = f64::from(self.per_second);
        let elapsed = now.duration_since(self.refilled_at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate).min(rate);
        self.refilled_at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / rate))
        }
    }
}

impl Faults {
    pub fn arm(&self, mut fault: Fault) {
        if fault.remaining.is_none() && fault.fraction.is_none() {
            fault.remaining = Some(1);
        }
        lock(&self.armed).push(Armed { fault, credit: 0.0 });
    }

    pub fn clear(&self) {
        lock(&self.armed).clear();
    }

    /// At most `per_second` GraphQL and upload requests a second (bursts of
    /// as many); the others are answered 429 with a `Retry-After`. `None`
    /// lifts the limit.
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        *lock(&self.rate) = per_second
            .filter(|rate| *rate > 0)
            .map(|per_second| RateLimit {
                per_second,
                tokens: f64::from(per_second),
                refilled_at: tokio::time::Instant::now(),
            });
    }

    /// The fault for this request, if any fires.
    pub fn next(&self, target: FaultTarget) -> Option<FaultKind> {
        if target != FaultTarget::Download
            && let Some(limit) = lock(&self.rate).as_mut()
            && let Err(wait) = limit.take()
        {
            // Retry-After is whole seconds: round up, so a client that obeys is let in.
            let retry_after_secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            return Some(FaultKind::RateLimited { retry_after_secs });
        }
        let mut armed = lock(&self.armed);
        let mut fired = None;
        for entry in armed
            .iter_mut()
            .filter(|entry| entry.fault.target == target)
        {
            if let Some(fraction) = entry.fault.fraction {
                entry.credit += fraction;
                if entry.credit >= 1.0 && fired.is_none() {
                    entry.credit -= 1.0;
                    fired = Some(entry.fault.kind.clone());
                }
            } else if let Some(remaining) = entry.fault.remaining.as_mut()
                && *remaining > 0
                && fired.is_none()
            {
                *remaining -= 1;
                fired = Some(entry.fault.kind.clone());
            }
        }
        armed.retain(|entry| entry.fault.remaining != Some(0));
        fired
    }
}
