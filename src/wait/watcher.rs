//! The polling loop behind every wait: one job or ten thousand.
//!
//! It runs only while its stream is polled (no spawned task), so dropping the
//! stream stops it.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::JobUpdate;
use super::error::{WaitError, WaitLimit};
use super::policy::{WaitOptions, is_tolerated, retry_after};
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
    schedule: PollSchedule,
    active: usize,
    events: VecDeque<JobUpdate>,
}

impl Watcher {
    pub fn new(client: Client, ids: Vec<String>, options: WaitOptions, single: bool) -> Self {
        // Duplicates are waited on once and reported once.
        let mut seen = HashMap::with_capacity(ids.len());
        let mut jobs = Vec::with_capacity(ids.len());
        for id in ids {
            if seen.insert(id.clone(), ()).is_none() {
                jobs.push(Tracked {
                    id,
                    last_seen: None,
                    polls: 0,
                    last_error: None,
                });
            }
        }
        let mut schedule = PollSchedule::new(options.backoff);
        for key in 0..jobs.len() {
            schedule.add(key, Duration::ZERO);
        }
        Watcher {
            client,
            single,
            started: Instant::now(),
            active: jobs.len(),
            jobs,
            schedule,
            options,
            events: VecDeque::new(),
        }
    }

    /// The next update, or `None` once every job has been reported.
    pub async fn next_update(&mut self) -> Option<JobUpdate> {
        loop {
            if let Some(update) = self.events.pop_front() {
                return Some(update);
            }
            if self.active == 0 {
                return None;
            }
            let tick = self.schedule.next_tick()?;
            if tick >= self.options.max_wait {
                tokio::time::sleep_until(self.started + self.options.max_wait).await;
                self.time_out_all();
                continue;
            }
            tokio::time::sleep_until(self.started + tick).await;
            let now = self.started.elapsed();
            let due = self.schedule.take_due(now);
            let batch_size = if self.single {
                1
            } else {
                self.client.batch_size()
            };
            for chunk in due.chunks(batch_size) {
                if self.active == 0 {
                    break;
                }
                self.poll(chunk).await;
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
            Err(error) if is_tolerated(&error) => {
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

    fn time_out_all(&mut self) {
        let now = self.started.elapsed();
        for key in 0..self.jobs.len() {
            let error = self.timed_out(key, WaitLimit::MaxWait(self.options.max_wait), now);
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
        self.events.push_back(JobUpdate::Finished(result));
    }
}
