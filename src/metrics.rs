//! The metrics the crate records, behind the `metrics` cargo feature.
//!
//! They go through the [`metrics`](https://docs.rs/metrics) facade: install
//! any recorder (Prometheus, OpenTelemetry, StatsD, …) in your program and
//! they appear there; with no recorder installed, recording costs an atomic
//! load. Without the feature, nothing here records and no metrics crate is
//! compiled. The names are constants, so dashboards and tests can refer to
//! them.
//!
//! | Name | Kind | Labels | What |
//! |---|---|---|---|
//! | [`CALL_DURATION`] | histogram (seconds) | `operation`, `outcome` | one logical call, its retries included |
//! | [`RETRIES`] | counter | `operation` | a call sent again after a failure |
//! | [`WAITED_JOBS`] | gauge | | jobs the wait engines are watching now |
//! | [`JOB_DURATION`] | histogram (seconds) | `status` | a job's age when a wait saw it end |
//! | [`UPLOADED_BYTES`] | counter | | bytes of finished uploads |
//! | [`DOWNLOADED_BYTES`] | counter | | bytes of finished downloads |
//!
//! `operation` is the GraphQL operation's name (or `upload`, `download`,
//! `token`); `outcome` is `ok` or the failure's [`ErrorKind::as_str`]
//! (never a message: labels stay few and hold no secrets); `status` is
//! `DELIVERED` or `FAILED`.
//!
//! ```
//! // A dashboard's query, or a test's, names the same constants.
//! assert_eq!(datasaur::metrics::CALL_DURATION, "datasaur.client.call.duration");
//! ```
//!
//! [`ErrorKind::as_str`]: crate::ErrorKind::as_str

use std::time::Duration;

use crate::Error;

/// Histogram, seconds: one logical call (a query, an upload, a download,
/// a token fetch), from its first attempt to its answer or its last error.
pub const CALL_DURATION: &str = "datasaur.client.call.duration";
/// Counter: attempts sent again after a failure.
pub const RETRIES: &str = "datasaur.client.retries";
/// Gauge: jobs the client's wait engine is watching.
pub const WAITED_JOBS: &str = "datasaur.wait.jobs";
/// Histogram, seconds: a job's age when a wait saw it end (from the job's
/// start when its handle knew it, from the wait's start otherwise).
pub const JOB_DURATION: &str = "datasaur.job.duration";
/// Counter: bytes of finished uploads.
pub const UPLOADED_BYTES: &str = "datasaur.upload.bytes";
/// Counter: bytes of finished downloads.
pub const DOWNLOADED_BYTES: &str = "datasaur.download.bytes";

/// A call ended, after `elapsed`.
pub(crate) fn call_ended<T>(
    operation: &'static str,
    outcome: &Result<T, Error>,
    elapsed: Duration,
) {
    #[cfg(feature = "metrics")]
    {
        let outcome = match outcome {
            Ok(_) => "ok",
            Err(error) => error.kind().as_str(),
        };
        ::metrics::histogram!(CALL_DURATION, "operation" => operation, "outcome" => outcome)
            .record(elapsed.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (operation, outcome, elapsed);
}

/// A call is being sent again.
pub(crate) fn retried(operation: &'static str) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(RETRIES, "operation" => operation).increment(1);
    #[cfg(not(feature = "metrics"))]
    let _ = operation;
}

/// The jobs one wait engine watches changed from `before` to `now`
/// (a delta, so several clients' engines add up).
pub(crate) fn waited_jobs_changed(before: usize, now: usize) {
    #[cfg(feature = "metrics")]
    if before != now {
        let gauge = ::metrics::gauge!(WAITED_JOBS);
        if now > before {
            gauge.increment((now - before) as f64);
        } else {
            gauge.decrement((before - now) as f64);
        }
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (before, now);
}

/// A wait saw a job end with `status`, `age` after its start.
pub(crate) fn job_ended(status: &crate::JobStatus, age: Duration) {
    #[cfg(feature = "metrics")]
    {
        let status = if *status == crate::JobStatus::Delivered {
            "DELIVERED"
        } else {
            "FAILED"
        };
        ::metrics::histogram!(JOB_DURATION, "status" => status).record(age.as_secs_f64());
    }
    #[cfg(not(feature = "metrics"))]
    let _ = (status, age);
}

/// An upload of `bytes` finished.
pub(crate) fn uploaded(bytes: u64) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(UPLOADED_BYTES).increment(bytes);
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}

/// A download of `bytes` finished.
pub(crate) fn downloaded(bytes: u64) {
    #[cfg(feature = "metrics")]
    ::metrics::counter!(DOWNLOADED_BYTES).increment(bytes);
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}
