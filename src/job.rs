//! The domain types of Datasaur's job API: what callers see, whatever operation
//! fetched the job.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A long-running piece of work on Datasaur (auto-labeling, export, project
/// launch, ...), as `getJob` / `getJobs` report it.
///
/// ```
/// use datasaur::{Job, JobStatus};
///
/// let job: Job = serde_json::from_str(r#"{
///     "id": "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637",
///     "status": "DELIVERED", "progress": 100, "errors": [],
///     "createdAt": "1672531200000", "updatedAt": "1672531260000"
/// }"#).unwrap();
/// assert!(job.is_delivered() && job.is_finished());
/// assert_eq!(job.status, JobStatus::Delivered);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Job {
    /// The job id, e.g. `AutoLabelQueue:dcbf6ed3-...`.
    pub id: String,
    /// Where the job stands.
    pub status: JobStatus,
    /// Progress as the server reports it (usually 0 to 100).
    pub progress: i64,
    /// What went wrong, for a failed job (may also be filled while running).
    #[serde(default)]
    pub errors: Vec<JobError>,
    /// Id of the object the job produced, if any.
    #[serde(default)]
    pub result_id: Option<String>,
    /// Arbitrary JSON the job produced, if any.
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    /// Creation time, as the server formats it.
    pub created_at: String,
    /// Last update time, as the server formats it.
    pub updated_at: String,
    /// Extra data for automation jobs.
    #[serde(default)]
    pub additional_data: Option<JobAdditionalData>,
}

impl Job {
    /// Whether the job has ended, delivered or failed: polling it again tells nothing new.
    pub fn is_finished(&self) -> bool {
        self.status.is_finished()
    }

    /// Whether the job ended well.
    pub fn is_delivered(&self) -> bool {
        self.status == JobStatus::Delivered
    }

    /// Whether the job ended badly; see [`Job::errors`].
    pub fn is_failed(&self) -> bool {
        self.status == JobStatus::Failed
    }

    /// The first line of the first error, and how many more there are;
    /// empty when the job has no errors.
    ///
    /// ```
    /// let job: datasaur::Job = serde_json::from_str(r#"{"id":"j","status":"FAILED","progress":100,
    ///     "errors":[{"id":"a","stack":"Error: timed out\n  at x"},{"id":"b","stack":"Error: again"}],
    ///     "createdAt":"1","updatedAt":"2"}"#).unwrap();
    /// assert_eq!(job.error_summary(), "Error: timed out (and 1 more)");
    /// ```
    pub fn error_summary(&self) -> String {
        let first_line =
            |error: &JobError| error.stack.lines().next().unwrap_or_default().to_owned();
        match self.errors.as_slice() {
            [] => String::new(),
            [only] => first_line(only),
            [first, rest @ ..] => format!("{} (and {} more)", first_line(first), rest.len()),
        }
    }
}

/// The state of a [`Job`].
///
/// Datasaur adds values over time, so a value this crate does not know
/// decodes to [`JobStatus::Unknown`] instead of failing.
///
/// ```
/// use datasaur::JobStatus;
///
/// assert_eq!("IN_PROGRESS".parse::<JobStatus>(), Ok(JobStatus::InProgress));
/// assert_eq!("PAUSED".parse::<JobStatus>(), Ok(JobStatus::Unknown("PAUSED".into())));
/// assert!(!JobStatus::Unknown("PAUSED".into()).is_finished());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JobStatus {
    /// Waiting to run.
    Queued,
    /// Running; see [`Job::progress`].
    InProgress,
    /// Finished successfully.
    Delivered,
    /// Finished with errors.
    Failed,
    /// The server's `NONE`: no status yet; treated as unfinished.
    None,
    /// A value this version of the crate does not know; treated as unfinished.
    Unknown(String),
}

impl JobStatus {
    /// The value as the server spells it.
    pub fn as_str(&self) -> &str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::InProgress => "IN_PROGRESS",
            JobStatus::Delivered => "DELIVERED",
            JobStatus::Failed => "FAILED",
            JobStatus::None => "NONE",
            JobStatus::Unknown(other) => other,
        }
    }

    /// `DELIVERED` or `FAILED`. Unknown values count as unfinished, as in
    /// Datasaur's own tooling: waiting too long beats giving up too early.
    pub fn is_finished(&self) -> bool {
        matches!(self, JobStatus::Delivered | JobStatus::Failed)
    }
}

impl std::str::FromStr for JobStatus {
    type Err = std::convert::Infallible;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "QUEUED" => JobStatus::Queued,
            "IN_PROGRESS" => JobStatus::InProgress,
            "DELIVERED" => JobStatus::Delivered,
            "FAILED" => JobStatus::Failed,
            "NONE" => JobStatus::None,
            other => JobStatus::Unknown(other.to_owned()),
        })
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for JobStatus {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for JobStatus {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = String::deserialize(deserializer)?;
        Ok(value.parse().unwrap_or_else(|never| match never {}))
    }
}

/// One error of a [`Job`].
///
/// ```
/// let error: datasaur::JobError = serde_json::from_str(
///     r#"{"id":"e1","stack":"Error: model timed out","args":{"file":"a.txt"}}"#,
/// ).unwrap();
/// assert_eq!(error.stack, "Error: model timed out");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobError {
    /// The error's id.
    pub id: String,
    /// The server's stack trace or message.
    pub stack: String,
    /// Arbitrary JSON describing the error's context.
    #[serde(default)]
    pub args: Option<serde_json::Value>,
}

/// Extra data attached to a [`Job`].
///
/// ```
/// let data: datasaur::JobAdditionalData = serde_json::from_str(r#"{"automationActivityId":"42"}"#).unwrap();
/// assert_eq!(data.automation_activity_id.as_deref(), Some("42"));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JobAdditionalData {
    /// The automation activity this job belongs to, for automation jobs.
    #[serde(default)]
    pub automation_activity_id: Option<String>,
}
