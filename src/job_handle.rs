//! [`JobHandle`]: a job to wait on, whether this crate's call started it or
//! the caller's own operation did.

use futures::stream::BoxStream;

use crate::{Client, Job, JobUpdate, WaitError, WaitOptions};

/// A job to wait on: its id, the job as the call that started it returned it
/// (when this crate made that call), and the client to wait with (through
/// the client's wait engine, sharing requests with every other wait).
///
/// Every starter of this crate returns one; [`Client::job`] makes one from
/// an id, for a job started by an operation of your own.
///
/// ```
/// # async fn run(client: datasaur::Client, input: datasaur::operations::auto_label_token_based_project::AutoLabelTokenBasedProjectInput) -> Result<(), Box<dyn std::error::Error>> {
/// let started = client.auto_label_token_based_project(input).await?;
/// if let Some(job) = started.job() {
///     println!("started {} ({})", started.id(), job.status);
/// }
/// let job = started.wait(None).await?;
/// println!("delivered: {:?}", job.result);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct JobHandle {
    client: Client,
    id: String,
    started: Option<Job>,
}

impl JobHandle {
    /// A job this crate started, as its start call answered it.
    pub(crate) fn started(client: Client, job: Job) -> Self {
        JobHandle {
            client,
            id: job.id.clone(),
            started: Some(job),
        }
    }

    /// A job known by its id alone.
    pub(crate) fn from_id(client: Client, id: String) -> Self {
        JobHandle {
            client,
            id,
            started: None,
        }
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The job as the call that started it returned it; `None` for a handle
    /// made from an id ([`Client::job`]). For where it stands now, see
    /// [`JobHandle::refresh`].
    pub fn job(&self) -> Option<&Job> {
        self.started.as_ref()
    }

    /// Waits until the job is `DELIVERED` (returned), or why not; as
    /// [`Client::wait_for_job`].
    pub async fn wait(&self, options: impl Into<Option<WaitOptions>>) -> Result<Job, WaitError> {
        self.client.wait_for_job(self.id.clone(), options).await
    }

    /// Each change of status or progress, then the end; as [`Client::watch_job`].
    pub fn watch(&self, options: impl Into<Option<WaitOptions>>) -> BoxStream<'static, JobUpdate> {
        self.client.watch_job(self.id.clone(), options)
    }

    /// Fetches the job now (one `getJob`).
    pub async fn refresh(&self) -> crate::Result<Job> {
        self.client.get_job(self.id.clone()).await
    }

    /// The job as started ([`JobHandle::job`]), without the client.
    pub fn into_job(self) -> Option<Job> {
        self.started
    }
}
