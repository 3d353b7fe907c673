//! The in-memory job store. A job's state is computed from its script and
//! tokio's clock when asked, so nothing runs in the background.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use super::script::{JobOutcome, JobScript};
use crate::retention::Retained;
use crate::sync::lock;

/// The job id from Datasaur's documentation; seeded as `DELIVERED`.
pub const DOCUMENTED_JOB_ID: &str = "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637";

/// A job as the API shows it at one moment.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobView {
    pub id: String,
    pub status: &'static str,
    pub progress: i64,
    pub errors: Vec<super::script::ScriptedJobError>,
    pub result_id: Option<String>,
    pub result: Option<serde_json::Value>,
    pub created_at: String,
    pub updated_at: String,
}

struct StoredJob {
    script: JobScript,
    created: Instant,
}

/// Jobs kept: past it, the oldest are forgotten (asked for, they are
/// unknown, as Datasaur's old jobs are). A million jobs hold about 250 MB.
pub const MAX_JOBS_KEPT: usize = 1_000_000;

pub(crate) struct JobStore {
    /// The newest [`MAX_JOBS_KEPT`] jobs.
    jobs: Mutex<Retained<String, StoredJob>>,
    next_id: AtomicU64,
    /// Wall time and tokio time at start, so timestamps follow a paused clock.
    epoch: (SystemTime, Instant),
}

impl JobStore {
    pub fn new() -> Self {
        JobStore {
            jobs: Mutex::new(Retained::new(MAX_JOBS_KEPT)),
            next_id: AtomicU64::new(1),
            epoch: (SystemTime::now(), Instant::now()),
        }
    }

    /// Adds a job with a fresh id of Datasaur's shape (`<Queue>:<uuid>`).
    pub fn create(&self, queue: &str, script: JobScript) -> String {
        let n = self.next_id.fetch_add(1, Ordering::Relaxed);
        let id = format!("{queue}:00000000-0000-4000-8000-{n:012x}");
        self.insert(id.clone(), script);
        id
    }

    pub fn insert(&self, id: String, script: JobScript) {
        let job = StoredJob {
            script,
            created: Instant::now(),
        };
        lock(&self.jobs).insert(id, job);
    }

    /// The job now, or `None` if unknown or not visible yet.
    pub fn view(&self, id: &str) -> Option<JobView> {
        let jobs = lock(&self.jobs);
        let job = jobs.get(&id.to_owned())?;
        self.view_of(id, job, Instant::now())
    }

    /// When job `id` ends (delivered or failed), and whether it fails.
    pub fn ends_at(&self, id: &str) -> Option<(Instant, bool)> {
        let jobs = lock(&self.jobs);
        let job = jobs.get(&id.to_owned())?;
        Some((
            job.created + job.script.total(),
            job.script.outcome.is_failed(),
        ))
    }

    /// `at` in epoch milliseconds of wall time, following a paused clock.
    pub fn wall_millis(&self, at: Instant) -> u128 {
        let (wall, start) = self.epoch;
        let at = match at.checked_duration_since(start) {
            Some(after) => wall + after,
            None => wall - start.saturating_duration_since(at),
        };
        at.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis()
    }

    /// Now, as Datasaur writes times (epoch milliseconds as text),
    /// following a paused clock.
    pub fn now_text(&self) -> String {
        self.wall_millis(Instant::now()).to_string()
    }

    pub fn len(&self) -> usize {
        lock(&self.jobs).len()
    }

    fn view_of(&self, id: &str, job: &StoredJob, now: Instant) -> Option<JobView> {
        let script = &job.script;
        let age = now.saturating_duration_since(job.created);
        if age < script.invisible_for {
            return None;
        }
        let started = script.invisible_for + script.queued_for;
        let ends = started + script.running_for;
        let (status, progress, changed_at, outcome) = if age < started {
            ("QUEUED", 0, script.invisible_for, None)
        } else if age < ends {
            let ran = (age - started).as_secs_f64() / script.running_for.as_secs_f64();
            // Clamped below 100: 100 is for a job that has ended.
            (
                "IN_PROGRESS",
                ((ran * 100.0) as i64).clamp(0, 99),
                age,
                None,
            )
        } else {
            let status = if script.outcome.is_failed() {
                "FAILED"
            } else {
                "DELIVERED"
            };
            (status, script.final_progress, ends, Some(&script.outcome))
        };
        let (errors, result_id, result) = match outcome {
            Some(JobOutcome::Failed { errors }) => (errors.clone(), None, None),
            Some(JobOutcome::Delivered { result_id, result }) => {
                (Vec::new(), result_id.clone(), result.clone())
            }
            None => (Vec::new(), None, None),
        };
        Some(JobView {
            id: id.to_owned(),
            status,
            progress,
            errors,
            result_id,
            result,
            created_at: self.timestamp(job.created, Duration::ZERO),
            updated_at: self.timestamp(job.created, changed_at),
        })
    }

    /// Epoch milliseconds as a string, Datasaur's format for `createdAt`.
    fn timestamp(&self, created: Instant, offset: Duration) -> String {
        let (wall, start) = self.epoch;
        let at = wall + created.saturating_duration_since(start) + offset;
        at.duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis()
            .to_string()
    }
}
