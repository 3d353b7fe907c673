//! How a watch ends: out of polls or time, not found, finished, or with
//! every other watch of its caller on a fatal error; and the delivery of
//! updates, which notices a caller that is gone.

use std::time::Duration;

use super::{Driver, Watch};
use crate::wait::error::{WaitError, WaitLimit};
use crate::wait::protocol::{CallerId, Delivery};
use crate::wait::schedule::WatchKey;
use crate::wait::update::JobUpdate;
use crate::{Error, Job};

impl Driver {
    /// Ends `key` with a timeout if it has used up its polls; says whether
    /// it ended (or is gone).
    pub(super) fn finish_if_out_of_polls(&mut self, key: WatchKey, now: Duration) -> bool {
        let Some(watch) = self.watches.get(&key) else {
            return true;
        };
        let limit = if watch.check_once && watch.polls >= 1 {
            WaitLimit::MaxWait(watch.options.max_wait)
        } else if let Some(limit) = watch
            .options
            .max_polls
            .filter(|&limit| watch.polls >= limit)
        {
            WaitLimit::MaxPolls(limit)
        } else {
            return false;
        };
        if let Some(error) = self.out_of_time(key, limit, now) {
            self.finish(key, Err(error));
        }
        true
    }

    /// How a wait that ran out of time or polls ends: not found if the last
    /// answer said the job does not exist (a wait shorter than the grace
    /// still learns that much), timed out otherwise.
    pub(super) fn out_of_time(
        &self,
        key: WatchKey,
        limit: WaitLimit,
        now: Duration,
    ) -> Option<WaitError> {
        let watch = self.watches.get(&key)?;
        if watch.not_found {
            return Some(WaitError::NotFound {
                job_id: watch.id.to_string(),
                waited: self.schedule.age(key, now),
            });
        }
        Some(WaitError::TimedOut {
            job_id: watch.id.to_string(),
            limit,
            // From this job's own start, whatever else the wait holds: its
            // wait's, or the job's when the limit counted from there.
            elapsed: if watch.options.max_wait_from_start {
                self.schedule.job_age(key, now)
            } else {
                self.schedule.age(key, now)
            },
            polls: watch.polls,
            last_seen: self
                .jobs
                .get(&watch.id)
                .and_then(|tracked| tracked.last_seen.clone()),
            last_error: watch.last_error.clone(),
        })
    }

    /// Reports `key` to its caller and stops polling it.
    pub(super) fn finish(&mut self, key: WatchKey, result: Result<Job, WaitError>) {
        let Some(watch) = self.forget(key) else {
            return;
        };
        if let Some(caller) = self.callers.get_mut(&watch.caller) {
            caller.watches.remove(&key);
        }
        self.deliver(watch.caller, JobUpdate::Finished(result));
    }

    /// Drops `key` from every index; returns it.
    pub(super) fn forget(&mut self, key: WatchKey) -> Option<Watch> {
        let watch = self.watches.remove(&key)?;
        self.schedule.remove(key);
        if let Some(tracked) = self.jobs.get_mut(&watch.id) {
            tracked.watches.retain(|&other| other != key);
            if tracked.watches.is_empty() {
                // An answer still in flight for it finds no one and is dropped.
                self.jobs.remove(&watch.id);
            }
        }
        Some(watch)
    }

    /// Ends every watch of `caller` with `error`, then tells it the wait is over.
    pub(super) fn end_caller(&mut self, caller: CallerId, error: &Error) {
        let Some(entry) = self.callers.remove(&caller) else {
            return;
        };
        for key in entry.watches {
            if let Some(watch) = self.forget(key) {
                let failure = WaitError::Poll {
                    job_id: watch.id.to_string(),
                    source: error.clone(),
                    failing_for: None,
                };
                let _ = entry
                    .updates
                    .send(Delivery::Update(JobUpdate::Finished(Err(failure))));
            }
        }
        let _ = entry.updates.send(Delivery::Ended(error.clone()));
    }

    pub(super) fn deliver(&mut self, caller: CallerId, update: JobUpdate) {
        let gone = match self.callers.get(&caller) {
            Some(entry) => entry.updates.send(Delivery::Update(update)).is_err(),
            None => false,
        };
        if gone {
            // Its stream was dropped without a word (a runtime shutting down).
            if let Some(entry) = self.callers.remove(&caller) {
                for key in entry.watches {
                    self.forget(key);
                }
            }
        }
    }
}
