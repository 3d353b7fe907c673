//! [`JobHandle`]: a job to wait on, whether this crate's call started it or
//! the caller's own operation did.

use std::time::SystemTime;

use futures::stream::BoxStream;

use crate::work::Work;
use crate::{Client, Job, JobUpdate, SavedJob, WaitError, WaitOptions};

/// A job to wait on: its id, the job as the call that started it returned it
/// (when this crate made that call), and the client to wait with (through
/// the client's wait engine, sharing requests with every other wait).
///
/// Every starter of this crate returns one; [`Client::job`] makes one from
/// an id, for a job started by an operation of your own.
///
/// A handle knows when its job started, and waits poll at the job's age
/// (a handle waited on an hour after its start is polled as an hour-old
/// job). It can be saved ([`JobHandle::saved`], or serialized directly)
/// and resumed in another process ([`Client::resume_job`]).
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
    work: Work,
    started: Option<Job>,
}

impl JobHandle {
    /// A job this crate started by `operation`, as its start call answered it.
    pub(crate) fn started(client: Client, operation: &str, job: Job) -> Self {
        JobHandle {
            client,
            work: Work::started_now(job.id.clone(), operation),
            started: Some(job),
        }
    }

    /// A job known by its id alone.
    pub(crate) fn from_id(client: Client, id: String) -> Self {
        JobHandle {
            client,
            work: Work::from_id(id),
            started: None,
        }
    }

    /// A job read back from its saved form.
    pub(crate) fn resumed(client: Client, saved: SavedJob) -> Self {
        JobHandle {
            client,
            work: Work::from(saved),
            started: None,
        }
    }

    /// The wait options this handle's waits use when given `None` (instead
    /// of the client's), kept in its saved form.
    ///
    /// ```
    /// # fn run(client: datasaur::Client) {
    /// use std::time::Duration;
    /// use datasaur::WaitOptions;
    ///
    /// let options = WaitOptions::default().max_wait(Duration::from_secs(7200)).max_wait_from_start(true);
    /// let handle = client.job("AutoLabelQueue:1").with_wait_options(options.clone());
    /// assert_eq!(handle.saved().wait_options(), Some(&options));
    /// # }
    /// ```
    #[must_use]
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.work.wait_options = Some(options);
        self
    }

    /// Sets when the job started, as you know it (a record of your own, or
    /// the job's `createdAt`): waits poll at the job's age from then, and
    /// the saved form keeps it. A time in the future is taken as now.
    ///
    /// ```
    /// # fn run(client: datasaur::Client) {
    /// use std::time::{Duration, SystemTime};
    ///
    /// let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    /// let handle = client.job("AutoLabelQueue:1").with_started_at(an_hour_ago);
    /// assert!(handle.started_at().is_some());
    /// # }
    /// ```
    #[must_use]
    pub fn with_started_at(mut self, started_at: SystemTime) -> Self {
        self.work.start = Some(crate::started::Started::at(started_at));
        self
    }

    /// The operation that started the job (`AutoLabelTokenBasedProject`,
    /// ...); `None` for a handle made from an id.
    pub fn operation(&self) -> Option<&str> {
        self.work.operation.as_deref()
    }

    /// When the job started (the wall-clock time its start was answered, or
    /// the saved time of a resumed handle); `None` for a handle made from an id.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.work.started_at()
    }

    /// The saved form of this handle, to resume it later, here or in another
    /// process ([`Client::resume_job`]). `JobHandle` also serializes to it
    /// directly.
    pub fn saved(&self) -> SavedJob {
        self.work.saved()
    }

    /// The job id.
    pub fn id(&self) -> &str {
        &self.work.id
    }

    /// The job as the call that started it returned it; `None` for a handle
    /// made from an id ([`Client::job`]). For where it stands now, see
    /// [`JobHandle::refresh`].
    pub fn job(&self) -> Option<&Job> {
        self.started.as_ref()
    }

    /// Waits until the job is `DELIVERED` (returned), or why not; as
    /// [`Client::wait_for_job`], polling at the job's age. `None` takes the
    /// handle's own options ([`JobHandle::with_wait_options`]), else the
    /// client's.
    pub async fn wait(&self, options: impl Into<Option<WaitOptions>>) -> Result<Job, WaitError> {
        self.work.wait(&self.client, options.into()).await
    }

    /// Each change of status or progress, then the end; as
    /// [`Client::watch_job`], with the options as [`JobHandle::wait`].
    pub fn watch(&self, options: impl Into<Option<WaitOptions>>) -> BoxStream<'static, JobUpdate> {
        self.work.watch(&self.client, options.into())
    }

    /// Fetches the job now (one `getJob`).
    pub async fn refresh(&self) -> crate::Result<Job> {
        self.client.get_job(self.work.id.clone()).await
    }

    /// The job as started ([`JobHandle::job`]), without the client.
    pub fn into_job(self) -> Option<Job> {
        self.started
    }
}

impl serde::Serialize for JobHandle {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.saved().serialize(serializer)
    }
}

impl Client {
    /// A saved job, back in hand: waits go through this client's engine as
    /// if the handle had never left. The poll interval follows the job's
    /// age since [`SavedJob::started_at`] (a job saved an hour ago is polled
    /// as an hour-old job, not as a new one), and with
    /// [`WaitOptions::max_wait_from_start`] the time limit counts from then.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let text = std::fs::read_to_string("job.json")?;
    /// let handle = client.resume_job(serde_json::from_str(&text)?);
    /// let job = handle.wait(None).await?;
    /// # Ok(()) }
    /// ```
    pub fn resume_job(&self, saved: SavedJob) -> JobHandle {
        JobHandle::resumed(self.clone(), saved)
    }
}
