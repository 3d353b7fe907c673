//! Why a wait ended without a delivered job.

use std::fmt;
use std::time::Duration;

use crate::duration_text::HumanDuration;
use crate::{Error, Job};

/// Why waiting on a job did not end with it `DELIVERED`.
///
/// The cases are kept apart so a caller can act on each: the job itself
/// failed (look at its errors), the wait ran out (wait longer or give up),
/// the job does not exist, or polling itself failed (fix credentials or
/// report the error).
///
/// ```
/// use datasaur::WaitError;
///
/// fn exit_code(error: &WaitError) -> u8 {
///     match error {
///         WaitError::Failed { .. } => 1,
///         WaitError::TimedOut { .. } => 2,
///         _ => 4,
///     }
/// }
/// # async fn run(client: datasaur::Client) {
/// if let Err(error) = client.wait_for_job("AutoLabelQueue:1", None).await {
///     std::process::exit(exit_code(&error).into());
/// }
/// # }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WaitError {
    /// The job ended `FAILED`; its `errors` say why.
    #[non_exhaustive]
    Failed {
        /// The job as last seen, `FAILED`.
        job: Box<Job>,
    },

    /// A limit ran out before the job finished.
    #[non_exhaustive]
    TimedOut {
        /// The job waited on.
        job_id: String,
        /// Which limit ran out.
        limit: WaitLimit,
        /// Time since the wait began; since the job started when the
        /// limit counted from there ([`crate::WaitOptions::max_wait_from_start`]).
        elapsed: Duration,
        /// Polls of this job made.
        polls: u32,
        /// The job as last seen, if it was ever seen.
        last_seen: Option<Box<Job>>,
        /// The last tolerated poll error, if polls were failing.
        last_error: Option<Error>,
    },

    /// The job stayed unknown (`null`) for the whole grace period.
    #[non_exhaustive]
    NotFound {
        /// The id asked for.
        job_id: String,
        /// How long it was looked for.
        waited: Duration,
    },

    /// Polling failed with an error that asking again would not fix
    /// (`Unauthorized`, GraphQL errors, a malformed answer). The error is
    /// the [`std::error::Error::source`].
    #[non_exhaustive]
    Poll {
        /// The job waited on.
        job_id: String,
        /// The error; shared by every job of a batched wait it ended.
        source: Error,
        /// Set when polls kept failing, each worth retrying, for longer than
        /// [`crate::WaitOptions::poll_failure_limit`]: how long they failed.
        /// `None` when one error was final on its own.
        failing_for: Option<Duration>,
    },

    /// The wait stopped before its job was reported. The engine reports
    /// every job it is given, so this means a bug: please report it.
    #[non_exhaustive]
    Abandoned {
        /// The job waited on.
        job_id: String,
    },
}

impl WaitError {
    /// The id of the job this is about.
    pub fn job_id(&self) -> &str {
        match self {
            WaitError::Failed { job } => &job.id,
            WaitError::TimedOut { job_id, .. }
            | WaitError::NotFound { job_id, .. }
            | WaitError::Poll { job_id, .. }
            | WaitError::Abandoned { job_id } => job_id,
        }
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Failed { job } => {
                write!(f, "job {} failed: {}", job.id, failure_summary(job))
            }
            WaitError::TimedOut {
                job_id,
                limit,
                elapsed,
                polls,
                last_seen,
                last_error,
            } => {
                write!(
                    f,
                    "gave up on job {job_id} after {} and {polls} poll(s): {limit}",
                    HumanDuration(*elapsed)
                )?;
                if let Some(job) = last_seen {
                    write!(f, ", last seen {} at {}%", job.status, job.progress)?;
                }
                // Say so when polls were failing at the end: the timeout
                // then hides a cause.
                if let Some(error) = last_error {
                    write!(f, "; the last polls failed: {error}")?;
                }
                Ok(())
            }
            WaitError::NotFound { job_id, waited } => write!(
                f,
                "job {job_id} not found (still unknown {} after the wait began)",
                HumanDuration(*waited)
            ),
            WaitError::Poll {
                job_id,
                failing_for: Some(failing_for),
                ..
            } => write!(
                f,
                "polling job {job_id} kept failing for {}; gave up",
                HumanDuration(*failing_for)
            ),
            WaitError::Poll { job_id, .. } => write!(f, "polling job {job_id} failed"),
            WaitError::Abandoned { job_id } => write!(
                f,
                "the wait on job {job_id} stopped before the job was reported"
            ),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Poll { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn failure_summary(job: &Job) -> String {
    let summary = job.error_summary();
    if summary.is_empty() {
        "no error details".to_owned()
    } else {
        summary
    }
}

/// Which limit ended a wait.
///
/// ```
/// use std::time::Duration;
/// use datasaur::WaitLimit;
///
/// assert_eq!(WaitLimit::MaxWait(Duration::from_secs(60)).to_string(), "max wait of 1m00s reached");
/// assert_eq!(WaitLimit::MaxPolls(5).to_string(), "max of 5 polls reached");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitLimit {
    /// [`crate::WaitOptions::max_wait`] ran out.
    MaxWait(Duration),
    /// [`crate::WaitOptions::max_polls`] polls were made.
    MaxPolls(u32),
}

impl fmt::Display for WaitLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitLimit::MaxWait(limit) if limit.is_zero() => {
                f.write_str("checked once (a max wait of zero)")
            }
            WaitLimit::MaxWait(limit) => write!(f, "max wait of {} reached", HumanDuration(*limit)),
            WaitLimit::MaxPolls(limit) => write!(f, "max of {limit} polls reached"),
        }
    }
}

impl Error {
    /// Why a wait ended, for [`crate::ErrorKind::Wait`] and [`crate::ErrorKind::ExportFailed`].
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> datasaur::Result<()> {
    /// let job = client.wait_for_job("AutoLabelQueue:1", None).await?; // WaitError -> Error
    /// println!("{} delivered", job.id);
    /// # Ok(()) }
    /// ```
    pub fn wait_error(&self) -> Option<&WaitError> {
        self.wait_source::<WaitError>()
    }
}

impl From<WaitError> for Error {
    /// A wait that did not end with its job delivered, as an [`Error`] of
    /// kind [`crate::ErrorKind::Wait`], so that `?` works in a function returning
    /// [`crate::Result`]; [`Error::wait_error`] gives the `WaitError` back.
    fn from(wait: WaitError) -> Self {
        Error::from_wait(std::sync::Arc::new(wait))
    }
}
