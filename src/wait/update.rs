//! [`JobUpdate`]: what a watch of a job tells its caller.

use std::time::Duration;

use crate::{Error, Job, WaitError};

/// One event of a watched job.
///
/// ```
/// use datasaur::{Job, JobUpdate};
///
/// fn describe(update: &JobUpdate) -> String {
///     match update {
///         JobUpdate::Progress(job) => format!("{} at {}%", job.status, job.progress),
///         JobUpdate::Finished(Ok(job)) => format!("{} delivered", job.id),
///         JobUpdate::Finished(Err(error)) => format!("{}: {error}", error.job_id()),
///         JobUpdate::PollFailed { job_id, retry_in, .. } => format!("{job_id}: poll failed, retrying in {retry_in:?}"),
///         _ => String::new(),
///     }
/// }
/// let job: Job = serde_json::from_str(r#"{"id":"j","status":"IN_PROGRESS","progress":40,"createdAt":"1","updatedAt":"2"}"#).unwrap();
/// assert_eq!(describe(&JobUpdate::Progress(job)), "IN_PROGRESS at 40%");
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum JobUpdate {
    /// A job still running changed status or progress (or was seen for the first time).
    Progress(Job),
    /// A job's wait is over: `Ok` when `DELIVERED`, otherwise why not. Each
    /// job is finished exactly once, and then never polled again.
    Finished(Result<Job, WaitError>),
    /// Polling a job failed in a way that may pass (network, timeout, 429,
    /// 502-504): the wait goes on, and polls again in `retry_in`.
    PollFailed {
        /// The job whose poll failed.
        job_id: String,
        /// What went wrong (shared by every job of the failed request).
        error: Error,
        /// When the next poll of this job is due.
        retry_in: Duration,
    },
}
