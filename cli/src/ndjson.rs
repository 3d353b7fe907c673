//! The `--json` output of every command: one JSON object per line, each
//! with an `event` field naming its kind (snake_case), ids as `jobId`,
//! `projectId`, `exportId`, times in milliseconds (`...Ms`), and a job as
//! Datasaur sends it under `job` (its `status` spelled as Datasaur spells
//! it). The README documents these lines as a stable format; change them
//! only with a CHANGELOG entry.

use std::time::Duration;

use datasaur::{Job, WaitError};
use serde_json::{Value, json};

use crate::failure::chain;
use crate::report::Tally;

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `job get`: a job that exists.
pub fn job(job: &Job) -> Value {
    json!({"event": "job", "job": job})
}

/// `job get`, `job wait`: an id the server does not know.
pub fn not_found(job_id: &str, message: &str) -> Value {
    json!({"event": "not_found", "jobId": job_id, "message": message})
}

/// `job wait`: a job's status or progress changed.
pub fn progress(job: &Job) -> Value {
    json!({"event": "progress", "job": job})
}

/// `job wait`: a poll failed and will be tried again.
pub fn poll_failed(job_id: &str, message: &str, retry_in: Duration) -> Value {
    json!({"event": "poll_failed", "jobId": job_id, "message": message,
           "retryInMs": millis(retry_in)})
}

/// `job wait`: how a job's wait ended.
pub fn finished(result: &Result<Job, WaitError>) -> Value {
    match result {
        Ok(job) => json!({"event": "delivered", "job": job}),
        Err(WaitError::Failed { job, .. }) => json!({"event": "failed", "job": job}),
        Err(
            error @ WaitError::TimedOut {
                job_id,
                elapsed,
                polls,
                last_seen,
                ..
            },
        ) => json!({"event": "timed_out", "jobId": job_id, "elapsedMs": millis(*elapsed),
                    "polls": polls, "lastSeen": last_seen, "message": error.to_string()}),
        Err(error @ WaitError::NotFound { job_id, .. }) => not_found(job_id, &error.to_string()),
        Err(error) => json!({"event": "error", "jobId": error.job_id(), "message": chain(error),
                             "requestId": poll_request_id(error)}),
    }
}

/// The last line of `job wait` (and `export` without `--json` does not print it).
pub fn summary(tally: Tally, total: Duration) -> Value {
    json!({"event": "summary", "delivered": tally.delivered, "failed": tally.failed,
           "timedOut": tally.timed_out, "notFound": tally.not_found, "errors": tally.errors,
           "totalMs": millis(total)})
}

/// `upload`: a file uploaded.
pub fn uploaded(file: &str, upload: &datasaur::Upload) -> Value {
    json!({"event": "uploaded", "file": file, "objectKey": upload.object_key,
           "bytes": upload.bytes, "attempts": upload.attempts})
}

/// `upload`: a file that could not be uploaded.
pub fn upload_failed(file: &str, error: &datasaur::Error) -> Value {
    json!({"event": "upload_failed", "file": file, "message": chain(error),
           "requestId": error.request_id()})
}

/// `upload`'s last line.
pub fn upload_summary(uploaded: usize, failed: usize, bytes: u64, total: Duration) -> Value {
    json!({"event": "upload_summary", "uploaded": uploaded, "failed": failed, "bytes": bytes,
           "totalMs": millis(total)})
}

/// What an export line is about: `("projectId", id)` or `("teamId", id)`.
pub type Subject<'a> = (&'a str, &'a str);

/// An export event with its subject's key set.
fn with_subject(mut line: Value, (key, id): Subject<'_>) -> Value {
    if let Some(object) = line.as_object_mut() {
        object.insert(key.to_owned(), Value::from(id));
    }
    line
}

/// `export --no-wait`: an export started.
pub fn export_started(subject: Subject<'_>, export_id: &str, file_url: Option<&str>) -> Value {
    with_subject(
        json!({"event": "export_started", "exportId": export_id, "fileUrl": file_url}),
        subject,
    )
}

/// `export`: a file downloaded whole.
pub fn exported(subject: Subject<'_>, export_id: &str, file: &datasaur::Download) -> Value {
    exported_file(subject, export_id, &file.path, file.bytes, &file.sha256)
}

/// `export`: a file on disk whole (downloaded now, or by an earlier run
/// that a state file remembers: then `"fromState": true`).
pub fn exported_file(
    subject: Subject<'_>,
    export_id: &str,
    path: &std::path::Path,
    bytes: u64,
    sha256: &str,
) -> Value {
    with_subject(
        json!({"event": "exported", "exportId": export_id, "path": path,
               "bytes": bytes, "sha256": sha256}),
        subject,
    )
}

/// `export`: an export whose file did not land, and why: `failed`,
/// `timed_out`, `not_found`, `error`, `download_failed` or `duplicate_export_id`.
pub fn export_failed(subject: Subject<'_>, export_id: &str, reason: &str, message: &str) -> Value {
    with_subject(
        json!({"event": "export_failed", "exportId": export_id, "reason": reason,
               "message": message}),
        subject,
    )
}

/// The request id of the failed poll that ended a wait, if that is how it ended.
pub fn poll_request_id(error: &WaitError) -> Option<&str> {
    match error {
        WaitError::Poll { source, .. } => source.request_id(),
        _ => None,
    }
}
