//! The client's one wait engine: where every wait of a [`Client`] and its
//! clones registers its jobs, so that they all share `getJobs` requests.
//!
//! What runs where: the first wait polled starts a driver task on the
//! current tokio runtime ([`super::driver`]). It sends the requests and
//! routes each answer to the waits on that job. It ends as soon as no wait
//! is left; the next wait starts a new one. If the runtime that ran it shuts
//! down, the waits it served (on other runtimes) notice their channel
//! closing and register again, which starts a driver on their runtime.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::JobUpdate;
use super::driver::Driver;
use super::policy::WaitOptions;
use crate::sync::lock;
use futures::future::BoxFuture;

use crate::{Client, Error, Job};

/// Identifies one wait (a future, a stream, a [`super::JobWaiter`]) to the driver.
pub(crate) type CallerId = u64;

/// When one job's wait began, and how old the job already was then: zero
/// for a job first seen by this wait, more for a handle made earlier or
/// resumed from a saved one (its poll interval follows the job's real age).
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitStart {
    pub began: Instant,
    pub job_age: Duration,
}

impl WaitStart {
    /// A wait beginning now on a job of age `job_age`.
    pub fn now(job_age: Duration) -> Self {
        WaitStart {
            began: Instant::now(),
            job_age,
        }
    }

    /// The job's age at `now`.
    pub fn age_at(&self, now: Instant) -> Duration {
        self.job_age
            .saturating_add(now.saturating_duration_since(self.began))
    }
}

/// What a wait asks of the driver.
pub(crate) enum Command {
    /// Start waiting on `jobs`.
    Register {
        caller: CallerId,
        options: Arc<WaitOptions>,
        updates: mpsc::UnboundedSender<Delivery>,
        jobs: Vec<(String, WaitStart)>,
    },
    /// Wait on more jobs; ignored for a caller the driver does not know.
    Add {
        caller: CallerId,
        jobs: Vec<(String, WaitStart)>,
    },
    /// The wait was dropped: stop polling its jobs.
    Withdraw { caller: CallerId },
}

/// What the driver tells a wait.
// Updates are nearly every message; boxing them would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Delivery {
    /// An update on one of its jobs.
    Update(JobUpdate),
    /// A poll failed in a way asking again would not fix: the wait is over.
    /// Every job it had registered has been finished with this error.
    Ended(Error),
}

/// How the driver asks for one batch of jobs: [`Client`]'s `getJobs` in a
/// program, a fake in the engine's tests (no sockets, a paused clock).
pub(crate) trait FetchJobs: Send + Sync {
    /// Exactly one entry per id, in order, or why not.
    fn fetch(&self, ids: Vec<Arc<str>>) -> BoxFuture<'static, crate::Result<Vec<Option<Job>>>>;
}

impl FetchJobs for Client {
    fn fetch(&self, ids: Vec<Arc<str>>) -> BoxFuture<'static, crate::Result<Vec<Option<Job>>>> {
        let client = self.clone();
        Box::pin(async move { client.fetch_jobs_batch(&ids).await })
    }
}

/// Settings of the engine, from the [`crate::ClientBuilder`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineConfig {
    pub batch_size: usize,
    pub max_concurrent_requests: usize,
}

/// The engine's handle in the client: the way to the running driver, if any.
pub(crate) struct WaitEngine {
    driver: Mutex<Option<mpsc::UnboundedSender<Command>>>,
    next_caller: AtomicU64,
    pub(crate) config: EngineConfig,
    /// Instead of the client's own `getJobs` (tests only).
    fetch: Option<Arc<dyn FetchJobs>>,
}

impl WaitEngine {
    pub fn new(config: EngineConfig, fetch: Option<Arc<dyn FetchJobs>>) -> Self {
        WaitEngine {
            driver: Mutex::new(None),
            next_caller: AtomicU64::new(1),
            config,
            fetch,
        }
    }

    pub fn new_caller(&self) -> CallerId {
        self.next_caller.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends `command` to the driver, starting one on the current runtime if
    /// none runs (or the one that ran died with its runtime). Must be called
    /// from within a tokio runtime.
    pub fn send(&self, client: &Client, command: Command) {
        let mut driver = lock(&self.driver);
        let command = match driver.as_ref() {
            Some(sender) => match sender.send(command) {
                Ok(()) => return,
                // Its runtime shut down: start another here.
                Err(mpsc::error::SendError(command)) => command,
            },
            None => command,
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        // Cannot fail: the receiver is alive.
        let _ = sender.send(command);
        *driver = Some(sender);
        let fetch = match &self.fetch {
            Some(fetch) => fetch.clone(),
            None => Arc::new(client.clone()),
        };
        tokio::spawn(Driver::new(client.clone(), fetch, receiver).run());
    }

    /// Sends `command` to a running driver; does nothing if none runs (used
    /// on drop, where starting a driver would be pointless).
    pub fn send_if_running(&self, command: Command) {
        if let Some(sender) = lock(&self.driver).as_ref() {
            let _ = sender.send(command);
        }
    }

    /// Called by a driver with nothing left to do: it may stop unless a
    /// command is already on its way. Holding the lock while checking means
    /// no wait can send to a driver that then quits without reading it.
    pub fn retire(&self, receiver: &mut mpsc::UnboundedReceiver<Command>) -> Result<(), Command> {
        let mut driver = lock(&self.driver);
        match receiver.try_recv() {
            Ok(command) => Err(command),
            Err(_) => {
                *driver = None;
                receiver.close();
                Ok(())
            }
        }
    }
}

impl std::fmt::Debug for WaitEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitEngine")
            .field("running", &lock(&self.driver).is_some())
            .field("config", &self.config)
            .finish()
    }
}

/// The default bound on a tick's requests in flight at once.
pub(crate) const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 4;

/// How long a wait at most sleeps before looking again, so that a deadline
/// far in the future (or none) never overflows the clock.
pub(crate) const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);
