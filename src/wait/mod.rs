//! Waiting on jobs: one or ten thousand, however the waits are written.
//!
//! Every wait of a [`Client`] (and of its clones) registers its jobs with the
//! client's one wait engine: one task per job, one stream over ten thousand
//! ids, or a [`JobWaiter`] that jobs join over time all share the same
//! `getJobs` requests. Each wait keeps its own options and gets exactly its
//! own jobs' updates.
//!
//! What runs where: the first wait polled spawns the engine's driver task on
//! the current tokio runtime; it ends when the last wait is over or dropped,
//! so nothing polls and nothing runs when no one waits. Waits use tokio's
//! clock (tests can pause it) and tell apart a failed job, a wait that ran
//! out, an unknown job and a poll that failed ([`WaitError`]).

mod driver;
pub(crate) mod engine;
mod error;
mod policy;
pub(crate) mod protocol;
pub(crate) mod schedule;
mod subscription;
#[cfg(test)]
mod tests;
mod update;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::stream::{BoxStream, StreamExt};
use tokio::sync::mpsc;

pub use error::{WaitError, WaitLimit};
pub use policy::{DEFAULT_POLL_FAILURE_LIMIT, MIN_POLL_INTERVAL, PollBackoff, WaitOptions};
pub use update::JobUpdate;

use crate::{Client, Job};
use subscription::Subscription;

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
    ///     Err(WaitError::Failed { job, .. }) => eprintln!("failed: {:?}", job.errors),
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
        self.wait_for_job_aged(job_id.into(), Duration::ZERO, options)
            .await
    }

    /// [`Client::wait_for_job`] on a job already `job_age` old (a handle's).
    pub(crate) async fn wait_for_job_aged(
        &self,
        job_id: String,
        job_age: Duration,
        options: impl Into<Option<WaitOptions>>,
    ) -> Result<Job, WaitError> {
        let mut updates = self.subscribe([(job_id.clone(), job_age)], options, None);
        while let Some(update) = updates.next().await {
            if let JobUpdate::Finished(result) = update {
                return result;
            }
        }
        Err(WaitError::Abandoned { job_id })
    }

    /// [`Client::watch_job`] on a job already `job_age` old (a handle's).
    pub(crate) fn watch_job_aged(
        &self,
        job_id: String,
        job_age: Duration,
        options: impl Into<Option<WaitOptions>>,
    ) -> BoxStream<'static, JobUpdate> {
        self.subscribe([(job_id, job_age)], options, None).boxed()
    }

    /// Polls a job and yields each change of status or progress, and each
    /// failed poll the wait rides through ([`JobUpdate::PollFailed`]),
    /// ending with [`JobUpdate::Finished`]. Dropping the stream stops polling.
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
        self.watch_job_aged(job_id.into(), Duration::ZERO, options)
    }

    /// Waits on many jobs at once and yields each as it finishes, in
    /// finishing order: `Ok` for `DELIVERED`, a [`WaitError`] otherwise
    /// (use [`WaitError::job_id`]). Every distinct id is reported exactly
    /// once; duplicates are waited on once.
    ///
    /// Jobs due at the same time share `getJobs` requests (up to
    /// [`Client::batch_size`] ids each), with each other and with every
    /// other wait on this client.
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
                    _ => None,
                }
            })
            .boxed()
    }

    /// Like [`Client::wait_for_jobs`], but also yields progress of running
    /// jobs and failed polls ([`JobUpdate`]).
    pub fn watch_jobs<I, S>(
        &self,
        job_ids: I,
        options: impl Into<Option<WaitOptions>>,
    ) -> BoxStream<'static, JobUpdate>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let jobs = job_ids.into_iter().map(|id| (id.into(), Duration::ZERO));
        self.subscribe(jobs, options, None).boxed()
    }

    /// A wait that jobs can join while it runs: jobs started over time share
    /// requests with the ones already waited on.
    ///
    /// Add ids with [`JobWaiter::add`]; the stream yields updates as
    /// [`Client::watch_jobs`] does, and ends once every [`JobWaiter`] clone is
    /// dropped and every added job is reported. `max_wait` counts from each
    /// job's addition. Like every wait, it shares requests with the client's
    /// other waits; it holds memory only for the jobs it still waits on.
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
        let closed = Arc::new(AtomicBool::new(false));
        let updates = self.subscribe(
            std::iter::empty(),
            options,
            Some((receiver, closed.clone())),
        );
        (JobWaiter { sender, closed }, updates.boxed())
    }

    /// A wait on `jobs`, each with its age when the wait begins.
    fn subscribe(
        &self,
        jobs: impl IntoIterator<Item = (String, Duration)>,
        options: impl Into<Option<WaitOptions>>,
        adds: Option<(mpsc::UnboundedReceiver<String>, Arc<AtomicBool>)>,
    ) -> Subscription {
        let options = options
            .into()
            .unwrap_or_else(|| self.default_wait_options().clone());
        Subscription::new(self.clone(), jobs, options, adds)
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
    closed: Arc<AtomicBool>,
}

impl JobWaiter {
    /// Waits on `job_id` too; an id this wait is still waiting on is
    /// ignored. Returns `false` if the wait has ended: its stream was
    /// dropped, or a poll failed in a way that ended it (then the stream
    /// reports every job it had with that error, and ends).
    pub fn add(&self, job_id: impl Into<String>) -> bool {
        !self.closed.load(Ordering::Acquire) && self.sender.send(job_id.into()).is_ok()
    }
}
