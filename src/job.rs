//! The domain types of Datasaur's job API: what callers see, whatever operation
//! fetched the job.

use std::fmt;
use std::time::{Duration, SystemTime};

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
#[serde(rename_all = "camelCase", from = "WireJob")]
#[non_exhaustive]
pub struct Job {
    /// The job id, e.g. `AutoLabelQueue:dcbf6ed3-...`.
    pub id: String,
    /// Where the job stands.
    pub status: JobStatus,
    /// Progress as the server reports it (usually 0 to 100).
    pub progress: i64,
    /// What went wrong, for a failed job (may also be filled while running):
    /// the first [`Job::ERRORS_KEPT`] the server reported.
    pub errors: Vec<JobError>,
    /// How many more errors the server reported than [`Job::errors`] holds.
    /// They are counted while the answer is read, never held: a job with a
    /// million errors costs no more memory than one with a hundred.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub errors_omitted: u64,
    /// Id of the object the job produced, if any.
    #[serde(default)]
    pub result_id: Option<String>,
    /// Arbitrary JSON the job produced, if any.
    #[serde(default)]
    pub result: Option<serde_json::Value>,
    /// Creation time, as the server formats it (milliseconds since the Unix
    /// epoch, as text); [`Job::created_at_time`] reads it.
    pub created_at: String,
    /// Last update time, as the server formats it; [`Job::updated_at_time`] reads it.
    pub updated_at: String,
    /// Extra data for automation jobs.
    #[serde(default)]
    pub additional_data: Option<JobAdditionalData>,
}

impl Job {
    /// How many of a job's errors are kept (the rest are counted in
    /// [`Job::errors_omitted`]).
    pub const ERRORS_KEPT: usize = 100;

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

    /// When the job was created, or `None` if the server's `createdAt` is
    /// not milliseconds since the Unix epoch (as Datasaur sends it).
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    ///
    /// let job: datasaur::Job = serde_json::from_str(r#"{"id":"j","status":"QUEUED","progress":0,
    ///     "createdAt":"1764633600000","updatedAt":"1764633605500"}"#).unwrap();
    /// assert_eq!(job.created_at_time(), Some(UNIX_EPOCH + Duration::from_secs(1_764_633_600)));
    /// let took = job.updated_at_time().unwrap().duration_since(job.created_at_time().unwrap());
    /// assert_eq!(took.unwrap(), Duration::from_millis(5500));
    /// ```
    pub fn created_at_time(&self) -> Option<SystemTime> {
        epoch_millis(&self.created_at)
    }

    /// When the job last changed, or `None` if the server's `updatedAt` is
    /// not milliseconds since the Unix epoch; see [`Job::created_at_time`].
    pub fn updated_at_time(&self) -> Option<SystemTime> {
        epoch_millis(&self.updated_at)
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
        let Some(first) = self.errors.first() else {
            return String::new();
        };
        let first_line = first.stack.lines().next().unwrap_or_default();
        let more = (self.errors.len() as u64 - 1).saturating_add(self.errors_omitted);
        if more == 0 {
            first_line.to_owned()
        } else {
            format!("{first_line} (and {more} more)")
        }
    }
}

fn is_zero(count: &u64) -> bool {
    *count == 0
}

/// A job as it arrives: the same fields, its error list read bounded.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireJob {
    id: String,
    status: JobStatus,
    progress: i64,
    #[serde(default)]
    errors: Option<KeptErrors>,
    /// Present when a `Job` serialized by this crate is read back.
    #[serde(default)]
    errors_omitted: u64,
    #[serde(default)]
    result_id: Option<String>,
    #[serde(default)]
    result: Option<serde_json::Value>,
    created_at: String,
    updated_at: String,
    #[serde(default)]
    additional_data: Option<JobAdditionalData>,
}

impl From<WireJob> for Job {
    fn from(wire: WireJob) -> Job {
        let errors = wire.errors.unwrap_or_default();
        Job {
            id: wire.id,
            status: wire.status,
            progress: wire.progress,
            errors: errors.kept,
            errors_omitted: errors.omitted.saturating_add(wire.errors_omitted),
            result_id: wire.result_id,
            result: wire.result,
            created_at: wire.created_at,
            updated_at: wire.updated_at,
            additional_data: wire.additional_data,
        }
    }
}

/// A list of job errors read as it arrives: the first [`Job::ERRORS_KEPT`]
/// decoded, the rest only counted (and checked to be JSON).
#[derive(Debug, Default)]
pub(crate) struct KeptErrors {
    pub(crate) kept: Vec<JobError>,
    pub(crate) omitted: u64,
}

impl<'de> Deserialize<'de> for KeptErrors {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = KeptErrors;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of job errors")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<KeptErrors, A::Error> {
                let mut errors = KeptErrors::default();
                while errors.kept.len() < Job::ERRORS_KEPT {
                    match seq.next_element::<JobError>()? {
                        Some(error) => errors.kept.push(error),
                        None => return Ok(errors),
                    }
                }
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    errors.omitted = errors.omitted.saturating_add(1);
                }
                Ok(errors)
            }
        }
        deserializer.deserialize_seq(Visit)
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

/// `text` as milliseconds since the Unix epoch: digits only, and a time
/// `SystemTime` can hold (a hostile value is `None`, never a panic).
fn epoch_millis(text: &str) -> Option<SystemTime> {
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let millis: u64 = text.parse().ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(count: usize) -> String {
        let list: Vec<_> = (0..count)
            .map(|n| format!(r#"{{"id":"e{n}","stack":"Error {n}\nat x"}}"#))
            .collect();
        format!("[{}]", list.join(","))
    }

    fn job_with(errors: &str) -> Job {
        serde_json::from_str(&format!(
            r#"{{"id":"j","status":"FAILED","progress":1,"errors":{errors},"createdAt":"1","updatedAt":"2"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn timestamps_are_read_only_from_epoch_milliseconds() {
        assert_eq!(epoch_millis("0"), Some(SystemTime::UNIX_EPOCH));
        assert_eq!(
            epoch_millis("1500"),
            Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1500))
        );
        for hostile in [
            "",
            "-1",
            "+5",
            " 5",
            "1.5",
            "2026-12-01T00:00:00Z",
            "99999999999999999999999",
            "18446744073709551615",
        ] {
            // Never a panic; a time only when the text is one.
            let read = epoch_millis(hostile);
            assert!(
                read.is_none() || hostile == "18446744073709551615",
                "{hostile:?} read as {read:?}"
            );
        }
        let job = job_with("[]");
        assert_eq!(
            job.updated_at_time(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_millis(2))
        );
    }

    #[test]
    fn errors_past_the_kept_number_are_counted_not_held() {
        for (count, kept, omitted) in [
            (0, 0, 0),
            (1, 1, 0),
            (100, 100, 0),
            (101, 100, 1),
            (5000, 100, 4900),
        ] {
            let job = job_with(&errors(count));
            assert_eq!(
                (job.errors.len(), job.errors_omitted),
                (kept, omitted),
                "{count}"
            );
            assert!(
                job.errors
                    .iter()
                    .enumerate()
                    .all(|(n, e)| e.id == format!("e{n}"))
            );
        }
        assert_eq!(job_with("null").errors_omitted, 0);
        // What is skipped must still be JSON, and errors before it are checked in full.
        let broken = r#"{"id":"j","status":"FAILED","progress":1,"errors":[{"id":1}],"createdAt":"1","updatedAt":"2"}"#;
        assert!(serde_json::from_str::<Job>(broken).is_err());
    }

    #[test]
    fn the_summary_and_the_json_count_the_omitted_errors() {
        let job = job_with(&errors(250));
        assert_eq!(job.error_summary(), "Error 0 (and 249 more)");
        let text = serde_json::to_string(&job).unwrap();
        assert!(text.contains(r#""errorsOmitted":150"#), "{text}");
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), job);
        let few = serde_json::to_string(&job_with(&errors(2))).unwrap();
        assert!(!few.contains("errorsOmitted"), "{few}");
    }
}
