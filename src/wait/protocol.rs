//! What the waits of a client and the engine's driver say to each other:
//! the commands a wait sends, the deliveries it gets, the seam through which
//! the driver asks for jobs, and the driver's settings and slot. A leaf:
//! the engine, the driver and the waits import it, it imports none of them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::policy::WaitOptions;
use super::update::JobUpdate;
use crate::error::Error;
use crate::job::Job;
use crate::retry::Backoff;
use crate::sync::lock;

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
        /// The wait's span: the polls made for it follow from it.
        span: tracing::Span,
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

/// Settings of the engine, from the [`crate::ClientBuilder`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct EngineConfig {
    pub batch_size: usize,
    pub max_concurrent_requests: usize,
    /// The client's retry backoff: its `Retry-After` cap holds for polls too.
    pub retry_backoff: Backoff,
}

/// Where the running driver is reached, if one runs: shared by the engine
/// (which starts drivers) and the driver (which retires from it).
#[derive(Default)]
pub(crate) struct DriverSlot(Mutex<Option<mpsc::UnboundedSender<Command>>>);

impl DriverSlot {
    /// The slot's sender, under its lock.
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Option<mpsc::UnboundedSender<Command>>> {
        lock(&self.0)
    }

    /// Called by a driver with nothing left to do: it may stop unless a
    /// command is already on its way. Holding the lock while checking means
    /// no wait can send to a driver that then quits without reading it.
    pub(crate) fn retire(
        &self,
        receiver: &mut mpsc::UnboundedReceiver<Command>,
    ) -> Result<(), Command> {
        let mut driver = self.lock();
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

/// The default bound on a tick's requests in flight at once.
pub(crate) const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 4;

/// How long a wait at most sleeps before looking again, so that a deadline
/// far in the future (or none) never overflows the clock.
pub(crate) const MAX_SLEEP: Duration = Duration::from_secs(24 * 3600);
