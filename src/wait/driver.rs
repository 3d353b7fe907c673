//! The task behind a client's waits: it keeps the schedule of every job
//! waited on, sends each tick's `getJobs` requests (a few at once), and
//! routes each answer to every wait on that job.
//!
//! A "watch" is one wait's interest in one job: two waits on the same id are
//! two watches, polled through one id in one request, each told the answer.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::error::{WaitError, WaitLimit};
use super::policy::WaitOptions;
use super::protocol::{
    CallerId, Command, Delivery, DriverSlot, EngineConfig, FetchJobs, MAX_SLEEP, WaitStart,
};
use super::schedule::{PollSchedule, WatchKey};
use super::update::JobUpdate;
use crate::error::Error;
use crate::job::{Job, JobStatus};
use tracing::Instrument;

mod endings;

/// The waits one poll's span links to, at most: a poll serving ten
/// thousand waits names a sample of them, not all.
const MAX_LINKS_PER_POLL: usize = 32;

struct Watch {
    caller: CallerId,
    id: Arc<str>,
    options: Arc<WaitOptions>,
    /// Ends after its first answer (a zero `max_wait`, or one used up
    /// before the wait began).
    check_once: bool,
    polls: u32,
    /// Status and progress last reported to the caller.
    last: Option<(JobStatus, i64)>,
    last_error: Option<Error>,
    /// When its polls began failing without an answer between them.
    failing_since: Option<Duration>,
    /// Taken for a request whose answer has not come yet.
    awaiting: bool,
    /// Whether the last answer said the job does not exist.
    not_found: bool,
}

/// One job id, whoever waits on it.
#[derive(Default)]
struct Tracked {
    watches: Vec<WatchKey>,
    in_flight: bool,
    last_seen: Option<Box<Job>>,
}

struct Caller {
    /// The wait's span: each poll for its jobs follows from it, and its
    /// jobs' status changes are events in it.
    span: tracing::Span,
    options: Arc<WaitOptions>,
    updates: mpsc::UnboundedSender<Delivery>,
    watches: HashSet<WatchKey>,
}

type Answer = (Vec<Arc<str>>, crate::Result<Vec<Option<Job>>>);

pub(crate) struct Driver {
    /// The engine's settings (batch size, requests in flight, retry cap).
    config: EngineConfig,
    /// Where the engine reaches this driver; retired from when idle.
    slot: Arc<DriverSlot>,
    /// How a batch is asked for: the client's `getJobs`, or a fake in tests.
    fetch: Arc<dyn FetchJobs>,
    commands: mpsc::UnboundedReceiver<Command>,
    epoch: Instant,
    schedule: PollSchedule,
    watches: HashMap<WatchKey, Watch>,
    jobs: HashMap<Arc<str>, Tracked>,
    callers: HashMap<CallerId, Caller>,
    /// Batches of a tick waiting for a free request slot.
    queued: VecDeque<Vec<Arc<str>>>,
    in_flight: FuturesUnordered<BoxFuture<'static, Answer>>,
    /// Set when the driver is done: no caller can reach it any more.
    retired: bool,
}

impl Drop for Driver {
    /// Its jobs stop counting as waited on, however it ends (a runtime
    /// shutting down drops it mid-wait).
    fn drop(&mut self) {
        crate::metrics::waited_jobs_changed(self.jobs.len(), 0);
    }
}

impl Driver {
    pub fn new(
        config: EngineConfig,
        slot: Arc<DriverSlot>,
        fetch: Arc<dyn FetchJobs>,
        commands: mpsc::UnboundedReceiver<Command>,
    ) -> Self {
        Driver {
            config,
            slot,
            fetch,
            commands,
            epoch: Instant::now(),
            schedule: PollSchedule::new(),
            watches: HashMap::new(),
            jobs: HashMap::new(),
            callers: HashMap::new(),
            queued: VecDeque::new(),
            in_flight: FuturesUnordered::new(),
            retired: false,
        }
    }

    pub async fn run(mut self) {
        loop {
            let watched = self.jobs.len();
            self.turn().await;
            crate::metrics::waited_jobs_changed(watched, self.jobs.len());
            if self.retired {
                return;
            }
        }
    }

    /// One turn of the loop: a command, an answer or a tick.
    async fn turn(&mut self) {
        let wake = self
            .schedule
            .next_wake()
            .map(|at| at.min(self.now().saturating_add(MAX_SLEEP)))
            .map(|at| self.epoch + at);
        tokio::select! {
            biased;
            command = self.commands.recv() => match command {
                Some(command) => self.handle(command),
                None => {
                    self.retired = true;
                    return;
                }
            },
            Some((ids, answer)) = self.in_flight.next(), if !self.in_flight.is_empty() => {
                self.answered(&ids, answer);
                self.launch();
            }
            () = sleep_until(wake), if wake.is_some() => self.tick(),
        }
        if self.schedule.len() == 0 && self.in_flight.is_empty() {
            match self.slot.retire(&mut self.commands) {
                Ok(()) => self.retired = true,
                Err(command) => self.handle(command),
            }
        }
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Register {
                caller,
                options,
                updates,
                jobs,
                span,
            } => {
                self.callers.insert(
                    caller,
                    Caller {
                        span,
                        options,
                        updates,
                        watches: HashSet::with_capacity(jobs.len()),
                    },
                );
                self.add(caller, jobs);
            }
            Command::Add { caller, jobs } => self.add(caller, jobs),
            Command::Withdraw { caller } => {
                if let Some(entry) = self.callers.remove(&caller) {
                    for key in entry.watches {
                        self.forget(key);
                    }
                }
            }
        }
    }

    /// Starts watching `jobs` for `caller`; a caller the driver does not
    /// know (it ended) is ignored: its stream registers again.
    fn add(&mut self, caller: CallerId, jobs: Vec<(String, WaitStart)>) {
        let now = self.now();
        let instant = Instant::now();
        let Some(entry) = self.callers.get_mut(&caller) else {
            return;
        };
        let options = &entry.options;
        for (id, start) in jobs {
            let job_age = start.age_at(instant);
            // `max_wait` counts from the wait's start, or from the job's
            // when the caller asked (a resumed handle).
            let end = if options.max_wait_from_start {
                options
                    .max_wait
                    .checked_sub(start.job_age)
                    .and_then(|left| start.began.checked_add(left))
            } else {
                start.began.checked_add(options.max_wait)
            };
            // A zero `max_wait`, or one already used up before this wait
            // began, means "check once": it ends after the first answer
            // (`finish_if_out_of_polls`), not before the first poll.
            let check_once = options.max_wait.is_zero()
                || (options.max_wait_from_start && start.job_age >= options.max_wait);
            let deadline = if check_once {
                Duration::MAX
            } else {
                end.map_or(Duration::MAX, |end| {
                    end.saturating_duration_since(self.epoch)
                })
            };
            let key = self
                .schedule
                .insert(now, options.backoff, deadline, job_age);
            let id: Arc<str> = match self.jobs.get_key_value(id.as_str()) {
                Some((shared, _)) => shared.clone(),
                None => id.into(),
            };
            self.jobs.entry(id.clone()).or_default().watches.push(key);
            entry.watches.insert(key);
            self.watches.insert(
                key,
                Watch {
                    caller,
                    id,
                    options: options.clone(),
                    check_once,
                    polls: 0,
                    last: None,
                    last_error: None,
                    failing_since: None,
                    awaiting: false,
                    not_found: false,
                },
            );
        }
    }

    /// Time limits, then the requests due.
    fn tick(&mut self) {
        let now = self.now();
        for key in self.schedule.expired(now) {
            let Some(watch) = self.watches.get(&key) else {
                // Unreachable while the indexes agree; never poll it again.
                self.schedule.remove(key);
                continue;
            };
            let limit = WaitLimit::MaxWait(watch.options.max_wait);
            if let Some(error) = self.out_of_time(key, limit, now) {
                self.finish(key, Err(error));
            }
        }
        if self.schedule.next_tick().is_none_or(|tick| tick > now) {
            return;
        }
        let batch_size = self.config.batch_size;
        let mut batch = Vec::new();
        for key in self.schedule.take_due(now, batch_size) {
            let Some(watch) = self.watches.get_mut(&key) else {
                continue;
            };
            watch.awaiting = true;
            let Some(tracked) = self.jobs.get_mut(&watch.id) else {
                continue;
            };
            // An id already asked (for another wait) is not asked twice.
            if !tracked.in_flight {
                tracked.in_flight = true;
                batch.push(watch.id.clone());
                if batch.len() == batch_size {
                    self.queued.push_back(std::mem::take(&mut batch));
                }
            }
        }
        if !batch.is_empty() {
            self.queued.push_back(batch);
        }
        self.launch();
    }

    /// Sends queued batches while fewer than the bound are in flight.
    fn launch(&mut self) {
        let bound = self.config.max_concurrent_requests;
        while self.in_flight.len() < bound {
            let Some(ids) = self.queued.pop_front() else {
                return;
            };
            let span = self.poll_span(&ids);
            let fetch = self.fetch.fetch(ids.clone()).instrument(span);
            self.in_flight
                .push(Box::pin(async move { (ids, fetch.await) }));
        }
    }

    /// The span of one `getJobs` poll: a root of its own (the driver serves
    /// every wait), following from the span of each wait it serves, so a
    /// trace of a caller's wait shows the polls made for it.
    fn poll_span(&self, ids: &[Arc<str>]) -> tracing::Span {
        let span = tracing::info_span!(
            parent: None,
            "datasaur.poll",
            otel.name = "poll",
            otel.kind = "internal",
            datasaur.job_count = ids.len() as i64,
        );
        let mut linked = HashSet::new();
        for id in ids {
            let Some(tracked) = self.jobs.get(id) else {
                continue;
            };
            for key in &tracked.watches {
                if let Some(watch) = self.watches.get(key)
                    && linked.len() < MAX_LINKS_PER_POLL
                    && linked.insert(watch.caller)
                    && let Some(caller) = self.callers.get(&watch.caller)
                {
                    span.follows_from(caller.span.id());
                }
            }
        }
        span
    }

    fn answered(&mut self, ids: &[Arc<str>], answer: crate::Result<Vec<Option<Job>>>) {
        let now = self.now();
        match answer {
            Ok(jobs) => {
                for (id, job) in ids.iter().zip(jobs) {
                    if let Some(job) = job.as_ref().filter(|job| job.status.is_finished()) {
                        self.record_end(id, job, now);
                    }
                    for (key, polled) in self.answer_reached(id) {
                        self.observe(key, job.clone(), now, polled);
                    }
                }
            }
            // Transient network and server trouble is ridden through within
            // the wait; the caller hears of it.
            Err(error) if error.is_transient() => {
                tracing::debug!(%error, jobs = ids.len(), "poll failed; will retry within the wait");
                let cap = self.config.retry_backoff;
                let at_least = error.retry_after().map(|delay| cap.cap_retry_after(delay));
                for id in ids {
                    for (key, polled) in self.answer_reached(id) {
                        if polled {
                            self.poll_failed(key, &error, now, at_least);
                        }
                    }
                }
            }
            Err(error) => {
                // Asking again would get the same answer: end every wait
                // with a job in this request, each told once.
                tracing::warn!(%error, "poll failed; ending the waits on these jobs");
                let mut ended = HashSet::new();
                for id in ids {
                    for (key, _) in self.answer_reached(id) {
                        if let Some(watch) = self.watches.get(&key) {
                            ended.insert(watch.caller);
                        }
                    }
                }
                for caller in ended {
                    self.end_caller(caller, &error);
                }
            }
        }
    }

    /// The job's age as its oldest wait knows it, once per answer that
    /// ends it (however many wait on it).
    fn record_end(&self, id: &Arc<str>, job: &Job, now: Duration) {
        let Some(tracked) = self.jobs.get(id) else {
            return;
        };
        let age = tracked
            .watches
            .iter()
            .map(|&key| self.schedule.job_age(key, now))
            .max()
            .unwrap_or_default();
        crate::metrics::job_ended(&job.status, age);
    }

    /// Marks `id` answered; returns its watches, and for each whether it was
    /// waiting for this answer (a poll of its own) or only hears it.
    fn answer_reached(&mut self, id: &Arc<str>) -> Vec<(WatchKey, bool)> {
        let Some(tracked) = self.jobs.get_mut(id) else {
            return Vec::new();
        };
        tracked.in_flight = false;
        tracked
            .watches
            .iter()
            .filter_map(|&key| {
                let watch = self.watches.get_mut(&key)?;
                let polled = std::mem::take(&mut watch.awaiting);
                if polled {
                    watch.polls = watch.polls.saturating_add(1);
                }
                Some((key, polled))
            })
            .collect()
    }

    fn observe(&mut self, key: WatchKey, job: Option<Job>, now: Duration, polled: bool) {
        let Some(job) = job else {
            let waited = self.schedule.age(key, now);
            let Some(watch) = self.watches.get_mut(&key) else {
                return;
            };
            watch.not_found = true;
            if waited >= watch.options.not_found_grace {
                let job_id = watch.id.to_string();
                self.finish(key, Err(WaitError::NotFound { job_id, waited }));
            } else if polled && !self.finish_if_out_of_polls(key, now) {
                self.schedule.reschedule(key, now, None);
            }
            return;
        };
        let Some(watch) = self.watches.get(&key) else {
            return;
        };
        if job.is_delivered() || job.is_failed() {
            // The end is a status change too, seen by operators at INFO.
            self.announce_status(watch.caller, &job);
        }
        if job.is_delivered() {
            self.finish(key, Ok(job));
            return;
        }
        if job.is_failed() {
            self.finish(key, Err(WaitError::Failed { job: Box::new(job) }));
            return;
        }
        let Some(watch) = self.watches.get_mut(&key) else {
            return;
        };
        watch.last_error = None;
        watch.failing_since = None;
        watch.not_found = false;
        let seen = (job.status.clone(), job.progress);
        let changed = watch.last.as_ref() != Some(&seen);
        let previous = watch.last.replace(seen);
        let caller = watch.caller;
        if let Some(tracked) = self.jobs.get_mut(&watch.id) {
            tracked.last_seen = Some(Box::new(job.clone()));
        }
        if changed {
            if previous
                .as_ref()
                .is_none_or(|(status, _)| *status != job.status)
            {
                self.announce_status(caller, &job);
            }
            self.deliver(caller, JobUpdate::Progress(job));
        }
        if polled && !self.finish_if_out_of_polls(key, now) {
            self.schedule.reschedule(key, now, None);
        }
    }

    /// An INFO event in the wait's span: `job` changed status.
    fn announce_status(&self, caller: CallerId, job: &Job) {
        if let Some(waiting) = self.callers.get(&caller) {
            tracing::info!(
                parent: &waiting.span,
                job.id = %job.id,
                status = %job.status,
                progress = job.progress,
                "job status changed"
            );
        }
    }

    fn poll_failed(
        &mut self,
        key: WatchKey,
        error: &Error,
        now: Duration,
        at_least: Option<Duration>,
    ) {
        let Some(watch) = self.watches.get_mut(&key) else {
            return;
        };
        watch.last_error = Some(error.clone());
        let since = *watch.failing_since.get_or_insert(now);
        let failing_for = now.saturating_sub(since);
        if failing_for >= watch.options.poll_failure_limit {
            let failure = WaitError::Poll {
                job_id: watch.id.to_string(),
                source: error.clone(),
                failing_for: Some(failing_for),
            };
            self.finish(key, Err(failure));
            return;
        }
        if self.finish_if_out_of_polls(key, now) {
            return;
        }
        self.schedule.reschedule(key, now, at_least);
        let Some(watch) = self.watches.get(&key) else {
            return;
        };
        let retry_in = self
            .schedule
            .due_at(key)
            .map_or(Duration::ZERO, |due| due.saturating_sub(now));
        let update = JobUpdate::PollFailed {
            job_id: watch.id.to_string(),
            error: error.clone(),
            retry_in,
        };
        self.deliver(watch.caller, update);
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}
