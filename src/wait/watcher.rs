//! The polling loop behind every wait: one job or ten thousand.
//!
//! It runs only while its stream is polled (no spawned task), so dropping the
//! stream stops it.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::JobUpdate;
use super::error::{WaitError, WaitLimit};
use super::policy::{WaitOptions, retry_after};
use super::schedule::PollSchedule;
use crate::{Client, Error, Job};

struct Tracked {
    id: String,
    last_seen: Option<Job>,
    polls: u32,
    last_error: Option<Arc<Error>>,
}

pub(crate) struct Watcher {
    client: Client,
    options: WaitOptions,
    /// One job asked with `getJob`; otherwise batched `getJobs`.
    single: bool,
    started: Instant,
    jobs: Vec<Tracked>,
    /// Every id ever added, so a duplicate is waited on once.
    known: HashSet<String>,
    schedule: PollSchedule,
    active: usize,
    events: VecDeque<JobUpdate>,
    /// Ids added while the wait runs ([`super::JobWaiter`]); `None` once closed.
    incoming: Option<mpsc::UnboundedReceiver<String>>,
}

impl Watcher {
    pub fn new(
        client: Client,
        ids: Vec<String>,
        options: WaitOptions,
        single: bool,
        incoming: Option<mpsc::UnboundedReceiver<String>>,
    ) -> Self {
        let mut watcher = Watcher {
            client,
            single,
            started: Instant::now(),
            active: 0,
            jobs: Vec::with_capacity(ids.len()),
            known: HashSet::with_capacity(ids.len()),
            schedule: PollSchedule::new(options.backoff),
            options,
            events: VecDeque::new(),
            incoming,
        };
        for id in ids {
            watcher.add(id);
        }
        watcher
    }

    /// Starts waiting on `id`, unless it was added before.
    fn add(&mut self, id: String) {
        if !self.known.insert(id.clone()) {
            return;
        }
        let key = self.jobs.len();
        self.jobs.push(Tracked {
            id,
            last_seen: None,
            polls: 0,
            last_error: None,
        });
        self.schedule.add(key, self.started.elapsed());
        self.active += 1;
    }

    /// The next update, or `None` once every job has been reported (and no
    /// more can be added).
    pub async fn next_update(&mut self) -> Option<JobUpdate> {
        loop {
            if let Some(update) = self.events.pop_front() {
                return Some(update);
            }
            // The earliest of: the next request, the next job to run out of time.
            let wake = match (self.schedule.next_tick(), self.schedule.oldest_first_seen()) {
                (Some(tick), Some(oldest)) => Some(tick.min(oldest + self.options.max_wait)),
                _ => None,
            };
            let deadline = wake.map(|wake| self.started + wake);
            let woke = match self.incoming.as_mut() {
                None => match deadline {
                    None => return None,
                    Some(deadline) => {
                        tokio::time::sleep_until(deadline).await;
                        true
                    }
                },
                Some(incoming) => {
                    let sleep = async {
                        match deadline {
                            Some(deadline) => tokio::time::sleep_until(deadline).await,
                            None => std::future::pending().await,
                        }
                    };
                    let added = tokio::select! {
                        () = sleep => None,
                        id = incoming.recv() => Some(id),
                    };
                    match added {
                        None => true,
                        Some(Some(id)) => {
                            self.add(id);
                            false
                        }
                        Some(None) => {
                            self.incoming = None;
                            false
                        }
                    }
                }
            };
            if woke {
                let now = self.started.elapsed();
                self.time_out_older_than(now);
                self.poll_due(now).await;
            }
        }
    }

    async fn poll_due(&mut self, now: Duration) {
        let batch_size = if self.single {
            1
        } else {
            self.client.batch_size()
        };
        let due = self.schedule.take_due(now, batch_size);
        for chunk in due.chunks(batch_size) {
            // A fatal error may have ended every job in an earlier chunk.
            let chunk: Vec<usize> = chunk
                .iter()
                .copied()
                .filter(|&key| self.schedule.contains(key))
                .collect();
            if !chunk.is_empty() {
                self.poll(&chunk).await;
            }
        }
    }

    async fn poll(&mut self, keys: &[usize]) {
        let answer = if self.single {
            let id = self.jobs[keys[0]].id.clone();
            match self.client.get_job(id).await {
                Ok(job) => Ok(vec![Some(job)]),
                Err(Error::JobNotFound { .. }) => Ok(vec![None]),
                Err(error) => Err(error),
            }
        } else {
            let ids: Vec<&str> = keys.iter().map(|&key| self.jobs[key].id.as_str()).collect();
            self.client.get_jobs(&ids).await
        };
        let now = self.started.elapsed();
        match answer {
            Ok(jobs) => {
                for (&key, job) in keys.iter().zip(jobs) {
                    self.jobs[key].polls += 1;
                    self.observe(key, job, now);
                }
            }
            // Transient network and server trouble is ridden through within the
            // wait; Unauthorized, GraphQL errors and bad shapes would repeat.
            Err(error) if error.is_transient() => {
                tracing::debug!(%error, jobs = keys.len(), "poll failed; will retry within the wait");
                let at_least = retry_after(&error);
                let error = Arc::new(error);
                for &key in keys {
                    self.jobs[key].polls += 1;
                    self.jobs[key].last_error = Some(error.clone());
                    if !self.polls_exhausted(key, now) {
                        self.schedule.reschedule(key, now, at_least);
                    }
                }
            }
            Err(error) => {
                // Asking again would get the same answer: end every wait now.
                tracing::warn!(%error, "poll failed; ending the wait");
                let error = Arc::new(error);
                for key in 0..self.jobs.len() {
                    let job_id = self.jobs[key].id.clone();
                    self.finish(
                        key,
                        Err(WaitError::Poll {
                            job_id,
                            source: error.clone(),
                        }),
                    );
                }
            }
        }
    }

    fn observe(&mut self, key: usize, job: Option<Job>, now: Duration) {
        let Some(job) = job else {
            let waited = self.schedule.age(key, now);
            if waited >= self.options.not_found_grace {
                let job_id = self.jobs[key].id.clone();
                self.finish(key, Err(WaitError::NotFound { job_id, waited }));
            } else if !self.polls_exhausted(key, now) {
                self.schedule.reschedule(key, now, None);
            }
            return;
        };
        let tracked = &mut self.jobs[key];
        tracked.last_error = None;
        let changed = tracked
            .last_seen
            .as_ref()
            .is_none_or(|last| last.status != job.status || last.progress != job.progress);
        tracked.last_seen = Some(job.clone());
        if job.is_delivered() {
            self.finish(key, Ok(job));
        } else if job.is_failed() {
            self.finish(key, Err(WaitError::Failed { job: Box::new(job) }));
        } else {
            if changed {
                self.events.push_back(JobUpdate::Progress(job));
            }
            if !self.polls_exhausted(key, now) {
                self.schedule.reschedule(key, now, None);
            }
        }
    }

    /// Ends `key` with a timeout if it has used up its polls.
    fn polls_exhausted(&mut self, key: usize, now: Duration) -> bool {
        let Some(limit) = self.options.max_polls else {
            return false;
        };
        if self.jobs[key].polls < limit {
            return false;
        }
        let error = self.timed_out(key, WaitLimit::MaxPolls(limit), now);
        self.finish(key, Err(error));
        true
    }

    /// Ends every job whose `max_wait` has run out by `now`.
    fn time_out_older_than(&mut self, now: Duration) {
        let Some(cutoff) = now.checked_sub(self.options.max_wait) else {
            return;
        };
        for key in self.schedule.first_seen_by(cutoff) {
            let elapsed = self.schedule.age(key, now);
            let error = self.timed_out(key, WaitLimit::MaxWait(self.options.max_wait), elapsed);
            self.finish(key, Err(error));
        }
    }

    fn timed_out(&self, key: usize, limit: WaitLimit, elapsed: Duration) -> WaitError {
        let tracked = &self.jobs[key];
        WaitError::TimedOut {
            job_id: tracked.id.clone(),
            limit,
            elapsed,
            polls: tracked.polls,
            last_seen: tracked.last_seen.clone().map(Box::new),
            last_error: tracked.last_error.clone(),
        }
    }

    /// Reports `key` once and stops polling it; later calls for it do nothing.
    fn finish(&mut self, key: usize, result: Result<Job, WaitError>) {
        if !self.schedule.contains(key) {
            return;
        }
        self.schedule.remove(key);
        self.active -= 1;
        // A long-lived waiter keeps only the id of a finished job.
        self.jobs[key].last_seen = None;
        self.jobs[key].last_error = None;
        self.events.push_back(JobUpdate::Finished(result));
    }
}
