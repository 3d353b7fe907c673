//! Waiting on jobs: one or ten thousand, with backoff, limits, progress and
//! batched polling.
//!
//! All waits poll on tokio's clock (tests can pause it), run only while
//! their future or stream is polled (drop it and polling stops), and tell
//! apart a failed job, a wait that ran out, an unknown job and a poll that
//! failed ([`WaitError`]).
//!
//! Many jobs are polled together: every job due at a tick (or due soon
//! after) goes into one `getJobs` request per batch, so the number of
//! requests grows with the number of ticks, not with the number of jobs.

mod error;
mod policy;
mod schedule;
mod watcher;

use futures::stream::{self, BoxStream, StreamExt};
use tokio::sync::mpsc;

pub use error::{WaitError, WaitLimit};
pub use policy::{PollBackoff, WaitOptions};

use crate::{Client, Job};
use watcher::Watcher;

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
}

impl Client {
    /// The wait options calls use when given `None`.
    pub fn wait_options(&self) -> &WaitOptions {
        self.default_wait_options()
    }

    /// Polls a job until it is `DELIVERED` (returned), `FAILED`, unknown
    /// past the grace period, or a limit runs out (errors).
    ///
    /// `options`: `None` for the client's defaults, or a [`WaitOptions`].
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) {
    /// use std::time::Duration;
    /// use datasaur::{WaitError, WaitOptions};
    ///
    /// let options = WaitOptions::default().max_wait(Duration::from_secs(600));
    /// match client.wait_for_job("AutoLabelQueue:1", options).await {
    ///     Ok(job) => println!("delivered: {:?}", job.result),
    ///     Err(WaitError::Failed { job }) => eprintln!("failed: {:?}", job.errors),
    ///     Err(WaitError::TimedOut { elapsed, polls, .. }) => eprintln!("still running after {elapsed:?} ({polls} polls)"),
    ///     Err(other) => eprintln!("{other}"),
    /// }
    /// # }
    /// ```
    pub async fn wait_for_job(
        &self,
        job_id: impl Into<String>,
        options: impl Into<Option<WaitOptions>>,
    ) -> Result<Job, WaitError> {
        let job_id = job_id.into();
        let options = self.resolve(options);
        let max_wait = options.max_wait;
        let started = tokio::time::Instant::now();
        let mut watcher = Watcher::new(self.clone(), vec![job_id.clone()], options, true, None);
        while let Some(update) = watcher.next_update().await {
            if let JobUpdate::Finished(result) = update {
                return result;
            }
        }
        // Not reached: a watcher reports its job before it ends. Should it
        // not, the caller still gets a wait that ran out, not a panic.
        Err(WaitError::TimedOut {
            job_id,
            limit: WaitLimit::MaxWait(max_wait),
            elapsed: started.elapsed(),
            polls: 0,
            last_seen: None,
            last_error: None,
        })
    }

    /// Polls a job and yields each change of status or progress, ending with
    /// [`JobUpdate::Finished`]. Dropping the stream stops polling.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) {
    /// use futures::StreamExt;
    /// use datasaur::JobUpdate;
    ///
    /// let mut updates = client.watch_job("AutoLabelQueue:1", None);
    /// while let Some(update) = updates.next().await {
    ///     match update {
    ///         JobUpdate::Progress(job) => println!("{} {}%", job.status, job.progress),
    ///         JobUpdate::Finished(result) => println!("done: {:?}", result.map(|job| job.status)),
    ///         _ => {}
    ///     }
    /// }
    /// # }
    /// ```
    pub fn watch_job(
        &self,
        job_id: impl Into<String>,
        options: impl Into<Option<WaitOptions>>,
    ) -> BoxStream<'static, JobUpdate> {
        updates(Watcher::new(
            self.clone(),
            vec![job_id.into()],
            self.resolve(options),
            true,
            None,
        ))
    }

    /// Waits on many jobs at once and yields each as it finishes, in
    /// finishing order: `Ok` for `DELIVERED`, a [`WaitError`] otherwise
    /// (use [`WaitError::job_id`]). Every distinct id is reported exactly
    /// once; duplicates are waited on once.
    ///
    /// Jobs due at the same time share `getJobs` requests (up to
    /// [`Client::batch_size`] ids each).
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) {
    /// use futures::StreamExt;
    ///
    /// let ids = vec!["AutoLabelQueue:1".to_owned(), "AutoLabelQueue:2".to_owned()];
    /// let mut finished = client.wait_for_jobs(ids, None);
    /// while let Some(result) = finished.next().await {
    ///     match result {
    ///         Ok(job) => println!("{} delivered", job.id),
    ///         Err(error) => eprintln!("{}: {error}", error.job_id()),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn wait_for_jobs<I, S>(
        &self,
        job_ids: I,
        options: impl Into<Option<WaitOptions>>,
    ) -> BoxStream<'static, Result<Job, WaitError>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.watch_jobs(job_ids, options)
            .filter_map(|update| async move {
                match update {
                    JobUpdate::Finished(result) => Some(result),
                    JobUpdate::Progress(_) => None,
                }
            })
            .boxed()
    }

    /// Like [`Client::wait_for_jobs`], but also yields progress of running jobs.
    pub fn watch_jobs<I, S>(
        &self,
        job_ids: I,
        options: impl Into<Option<WaitOptions>>,
    ) -> BoxStream<'static, JobUpdate>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let ids = job_ids.into_iter().map(Into::into).collect();
        updates(Watcher::new(
            self.clone(),
            ids,
            self.resolve(options),
            false,
            None,
        ))
    }

    /// A wait that jobs can join while it runs: jobs started over time share
    /// requests with the ones already waited on.
    ///
    /// Add ids with [`JobWaiter::add`]; the stream yields updates as
    /// [`Client::watch_jobs`] does, and ends once every [`JobWaiter`] clone is
    /// dropped and every added job is reported. `max_wait` counts from each
    /// job's addition.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) {
    /// use futures::StreamExt;
    /// use datasaur::JobUpdate;
    ///
    /// let (waiter, mut updates) = client.job_waiter(None);
    /// let starter = tokio::spawn(async move {
    ///     for n in 0..3 {
    ///         // ... start a job, then:
    ///         waiter.add(format!("AutoLabelQueue:{n}"));
    ///     }
    ///     // The waiter drops here: the stream ends once these jobs are reported.
    /// });
    /// while let Some(update) = updates.next().await {
    ///     if let JobUpdate::Finished(result) = update {
    ///         println!("{result:?}");
    ///     }
    /// }
    /// # let _ = starter.await;
    /// # }
    /// ```
    pub fn job_waiter(
        &self,
        options: impl Into<Option<WaitOptions>>,
    ) -> (JobWaiter, BoxStream<'static, JobUpdate>) {
        let (sender, receiver) = mpsc::unbounded_channel();
        let watcher = Watcher::new(
            self.clone(),
            Vec::new(),
            self.resolve(options),
            false,
            Some(receiver),
        );
        (JobWaiter { sender }, updates(watcher))
    }

    fn resolve(&self, options: impl Into<Option<WaitOptions>>) -> WaitOptions {
        options
            .into()
            .unwrap_or_else(|| self.default_wait_options().clone())
    }
}

/// Adds jobs to a running wait; see [`Client::job_waiter`]. Cheap to clone.
///
/// ```
/// # async fn run(client: datasaur::Client) {
/// let (waiter, updates) = client.job_waiter(None);
/// let for_another_task = waiter.clone();
/// assert!(for_another_task.add("AutoLabelQueue:1"));
/// drop(updates); // the wait ends
/// assert!(!waiter.add("AutoLabelQueue:2"));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct JobWaiter {
    sender: mpsc::UnboundedSender<String>,
}

impl JobWaiter {
    /// Waits on `job_id` too. An id added before is ignored. Returns `false`
    /// if the wait has ended (its stream was dropped, or a fatal error ended it).
    pub fn add(&self, job_id: impl Into<String>) -> bool {
        self.sender.send(job_id.into()).is_ok()
    }
}

fn updates(watcher: Watcher) -> BoxStream<'static, JobUpdate> {
    stream::unfold(watcher, |mut watcher| async move {
        let update = watcher.next_update().await?;
        Some((update, watcher))
    })
    .boxed()
}
