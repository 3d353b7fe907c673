//! [`JobHandle`]: what a call that starts a job returns.

use futures::stream::BoxStream;

use crate::{Client, Job, JobUpdate, WaitError, WaitOptions};

/// A job this client started: its id, the job as the start call returned
/// it, and the client to wait on it with (through the client's wait engine,
/// sharing requests with every other wait).
///
/// ```
/// # async fn run(client: datasaur::Client, input: datasaur::operations::auto_label_token_based_project::AutoLabelTokenBasedProjectInput) -> Result<(), Box<dyn std::error::Error>> {
/// let started = client.auto_label_token_based_project(input).await?;
/// println!("started {} ({})", started.id(), started.job().status);
/// let job = started.wait(None).await?;
/// println!("delivered: {:?}", job.result);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct JobHandle {
    client: Client,
    job: Job,
}

impl JobHandle {
    pub(crate) fn new(client: Client, job: Job) -> Self {
        JobHandle { client, job }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.job.id
    }

    /// The job as the call that started it returned it.
    pub fn job(&self) -> &Job {
        &self.job
    }

    /// Waits until the job is `DELIVERED` (returned), or why not; as
    /// [`Client::wait_for_job`].
    pub async fn wait(&self, options: impl Into<Option<WaitOptions>>) -> Result<Job, WaitError> {
        self.client.wait_for_job(self.job.id.clone(), options).await
    }

    /// Each change of status or progress, then the end; as [`Client::watch_job`].
    pub fn watch(&self, options: impl Into<Option<WaitOptions>>) -> BoxStream<'static, JobUpdate> {
        self.client.watch_job(self.job.id.clone(), options)
    }

    /// Fetches the job now (one `getJob`).
    pub async fn refresh(&self) -> crate::Result<Job> {
        self.client.get_job(self.job.id.clone()).await
    }

    /// The job as started, without the client.
    pub fn into_job(self) -> Job {
        self.job
    }
}
