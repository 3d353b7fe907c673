//! What a [`crate::JobHandle`] and an [`crate::Export`] both know of the work
//! they follow: the job id, the operation that started it, when it started,
//! and the handle's own wait options; and how a wait on it is made (at the
//! job's age, with those options unless the caller gives others).

use std::time::{Duration, SystemTime};

use futures::stream::BoxStream;

use crate::started::Started;
use crate::{Client, Job, JobUpdate, SavedJob, WaitError, WaitOptions};

#[derive(Debug, Clone)]
pub(crate) struct Work {
    pub id: String,
    pub operation: Option<String>,
    pub start: Option<Started>,
    pub wait_options: Option<WaitOptions>,
}

impl Work {
    /// Work whose start `operation` answered just now.
    pub fn started_now(id: String, operation: &str) -> Self {
        Work {
            id,
            operation: Some(operation.to_owned()),
            start: Some(Started::now()),
            wait_options: None,
        }
    }

    /// Work known by its id alone.
    pub fn from_id(id: String) -> Self {
        Work {
            id,
            operation: None,
            start: None,
            wait_options: None,
        }
    }

    /// The wall-clock time of the start, if known.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.start.as_ref().map(Started::wall)
    }

    /// How old the job is now (zero when its start is unknown).
    fn age(&self) -> Duration {
        self.start.as_ref().map(Started::age).unwrap_or_default()
    }

    /// The options a wait given `options` uses: those, else the handle's own
    /// (else, `None`, the client's).
    fn options(&self, options: Option<WaitOptions>) -> Option<WaitOptions> {
        options.or_else(|| self.wait_options.clone())
    }

    pub async fn wait(
        &self,
        client: &Client,
        options: Option<WaitOptions>,
    ) -> Result<Job, WaitError> {
        client
            .wait_for_job_aged(self.id.clone(), self.age(), self.options(options))
            .await
    }

    pub fn watch(
        &self,
        client: &Client,
        options: Option<WaitOptions>,
    ) -> BoxStream<'static, JobUpdate> {
        client.watch_job_aged(self.id.clone(), self.age(), self.options(options))
    }

    /// The saved form.
    pub fn saved(&self) -> SavedJob {
        SavedJob {
            id: self.id.clone(),
            operation: self.operation.clone(),
            started_at: self.started_at(),
            wait: self.wait_options.clone(),
        }
    }
}

impl From<SavedJob> for Work {
    fn from(saved: SavedJob) -> Self {
        Work {
            id: saved.id,
            operation: saved.operation,
            start: saved.started_at.map(Started::at),
            wait_options: saved.wait,
        }
    }
}
