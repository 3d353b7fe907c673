//! How a sandbox job behaves over time.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The life of one sandbox job: how long it stays queued, how long it runs
/// (progress rising evenly from 0 to 100), and how it ends.
///
/// Durations are measured on tokio's clock, so a test with a paused clock runs
/// hours of jobs in milliseconds.
///
/// ```
/// use std::time::Duration;
/// use datasaur_sandbox::JobScript;
///
/// let quick = JobScript::delivered(Duration::from_secs(1), Duration::from_secs(3));
/// let broken = JobScript::failed(Duration::ZERO, Duration::from_secs(2), "model endpoint timed out");
/// assert_eq!(quick.total(), Duration::from_secs(4));
/// assert!(broken.outcome.is_failed());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobScript {
    /// Time from creation until the job is visible at all (`getJob` answers
    /// `null` before), as with a job that has not reached the read replica.
    #[serde(with = "millis")]
    pub invisible_for: Duration,
    /// Time spent `QUEUED` (progress 0).
    #[serde(with = "millis")]
    pub queued_for: Duration,
    /// Time spent `IN_PROGRESS`, progress rising evenly.
    #[serde(with = "millis")]
    pub running_for: Duration,
    /// How the job ends.
    pub outcome: JobOutcome,
    /// The progress reported once the job has ended (100 unless set).
    pub final_progress: i64,
}

impl Default for JobScript {
    /// Queued for 1 s, running for 3 s, delivered.
    fn default() -> Self {
        JobScript::delivered(Duration::from_secs(1), Duration::from_secs(3))
    }
}

impl JobScript {
    /// A job that ends `DELIVERED` with no result.
    pub fn delivered(queued_for: Duration, running_for: Duration) -> Self {
        JobScript {
            invisible_for: Duration::ZERO,
            queued_for,
            running_for,
            outcome: JobOutcome::Delivered {
                result_id: None,
                result: None,
            },
            final_progress: 100,
        }
    }

    /// A job that ends `FAILED` with one error whose stack is `message`.
    pub fn failed(queued_for: Duration, running_for: Duration, message: &str) -> Self {
        JobScript {
            outcome: JobOutcome::Failed {
                errors: vec![ScriptedJobError {
                    id: "error-1".into(),
                    stack: message.into(),
                    args: None,
                }],
            },
            ..JobScript::delivered(queued_for, running_for)
        }
    }

    /// Sets how long the job stays invisible after creation.
    #[must_use]
    pub fn invisible_for(mut self, duration: Duration) -> Self {
        self.invisible_for = duration;
        self
    }

    /// Sets the JSON result (and result id) of a delivered job.
    #[must_use]
    pub fn with_result(mut self, result_id: Option<String>, result: serde_json::Value) -> Self {
        self.outcome = JobOutcome::Delivered {
            result_id,
            result: Some(result),
        };
        self
    }

    /// Time from creation to the end state.
    pub fn total(&self) -> Duration {
        self.invisible_for + self.queued_for + self.running_for
    }
}

/// How a [`JobScript`] ends.
///
/// ```
/// use datasaur_sandbox::JobOutcome;
///
/// let outcome: JobOutcome = serde_json::from_str(r#"{"status": "FAILED", "errors": [{"id": "e1", "stack": "boom"}]}"#).unwrap();
/// assert!(outcome.is_failed());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum JobOutcome {
    /// `DELIVERED`, with an optional result.
    Delivered {
        /// `Job.resultId`.
        #[serde(default, rename = "resultId")]
        result_id: Option<String>,
        /// `Job.result`.
        #[serde(default)]
        result: Option<serde_json::Value>,
    },
    /// `FAILED`, with these `Job.errors`.
    Failed {
        /// `Job.errors`.
        errors: Vec<ScriptedJobError>,
    },
}

impl JobOutcome {
    /// Whether the job ends `FAILED`.
    pub fn is_failed(&self) -> bool {
        matches!(self, JobOutcome::Failed { .. })
    }
}

/// One `JobError` a failed script reports.
///
/// ```
/// let error = datasaur_sandbox::ScriptedJobError { id: "e1".into(), stack: "boom".into(), args: None };
/// assert_eq!(error.stack, "boom");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScriptedJobError {
    /// `JobError.id`.
    pub id: String,
    /// `JobError.stack`.
    pub stack: String,
    /// `JobError.args`.
    #[serde(default)]
    pub args: Option<serde_json::Value>,
}

/// Durations as integer milliseconds in the HTTP control API.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(u64::try_from(duration.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}
