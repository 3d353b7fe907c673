//! When each job is due for a poll, and which jobs share a request.
//!
//! Pure bookkeeping on durations since the wait began: no clock, no I/O, so
//! the benchmark can replay hours of polling exactly.

use std::time::Duration;

use super::policy::PollBackoff;

/// Share of its interval a job may be polled early so that it joins a
/// request that goes out anyway: fewer requests for slightly earlier polls.
const COALESCE_EARLY: f64 = 0.5;

#[derive(Debug, Clone, Copy)]
struct Slot {
    first_seen: Duration,
    due: Duration,
    interval: Duration,
}

/// The poll schedule of a set of jobs, each known by a dense key.
#[derive(Debug)]
pub(crate) struct PollSchedule {
    backoff: PollBackoff,
    slots: Vec<Option<Slot>>,
    last_tick: Option<Duration>,
}

impl PollSchedule {
    pub fn new(backoff: PollBackoff) -> Self {
        PollSchedule {
            backoff,
            slots: Vec::new(),
            last_tick: None,
        }
    }

    /// Adds job `key` (keys are `0..n`), first polled at `now`.
    pub fn add(&mut self, key: usize, now: Duration) {
        if self.slots.len() <= key {
            self.slots.resize(key + 1, None);
        }
        self.slots[key] = Some(Slot {
            first_seen: now,
            due: now,
            interval: self.backoff.initial,
        });
    }

    /// When the next request should go out: when the first job is due, but
    /// never sooner than `initial` after the previous one, so that a stream
    /// of young jobs cannot make requests arbitrarily frequent.
    pub fn next_tick(&self) -> Option<Duration> {
        let first_due = self.slots.iter().flatten().map(|slot| slot.due).min()?;
        Some(match self.last_tick {
            Some(last) => first_due.max(last + self.backoff.initial),
            None => first_due,
        })
    }

    /// The jobs to poll at `now`, in requests of `batch_size` ids: every job
    /// due, then, in the room the last request has left, the jobs due
    /// soonest (up to half an interval early). Joining early never adds a
    /// request, and spares one later. Jobs stay scheduled at their old time
    /// until [`Self::reschedule`].
    pub fn take_due(&mut self, now: Duration, batch_size: usize) -> Vec<usize> {
        self.last_tick = Some(now);
        let mut due = Vec::new();
        let mut early = Vec::new();
        for (key, slot) in self.slots.iter().enumerate() {
            let Some(slot) = slot else { continue };
            if slot.due <= now {
                due.push(key);
            } else if slot
                .due
                .saturating_sub(slot.interval.mul_f64(COALESCE_EARLY))
                <= now
            {
                early.push((slot.due, key));
            }
        }
        let batch_size = batch_size.max(1);
        let room = due.len().div_ceil(batch_size) * batch_size - due.len();
        if room > 0 && !early.is_empty() {
            early.sort_unstable();
            due.extend(early.into_iter().take(room).map(|(_, key)| key));
        }
        due
    }

    /// Schedules the next poll of `key` after one at `now`, no sooner than
    /// `at_least` from now (a server's `Retry-After`).
    pub fn reschedule(&mut self, key: usize, now: Duration, at_least: Option<Duration>) {
        let backoff = self.backoff;
        if let Some(Some(slot)) = self.slots.get_mut(key) {
            slot.interval = backoff.interval_at(now.saturating_sub(slot.first_seen));
            slot.due = now + slot.interval.max(at_least.unwrap_or_default());
        }
    }

    /// How long `key` has been tracked at `now`.
    pub fn age(&self, key: usize, now: Duration) -> Duration {
        self.slots
            .get(key)
            .copied()
            .flatten()
            .map_or(Duration::ZERO, |slot| now.saturating_sub(slot.first_seen))
    }

    /// When the longest-tracked job still polled was added.
    pub fn oldest_first_seen(&self) -> Option<Duration> {
        self.slots
            .iter()
            .flatten()
            .map(|slot| slot.first_seen)
            .min()
    }

    /// Jobs still polled that were added at or before `cutoff`.
    pub fn first_seen_by(&self, cutoff: Duration) -> Vec<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(key, slot)| {
                slot.as_ref()
                    .filter(|slot| slot.first_seen <= cutoff)
                    .map(|_| key)
            })
            .collect()
    }

    /// Whether `key` is still being polled.
    pub fn contains(&self, key: usize) -> bool {
        matches!(self.slots.get(key), Some(Some(_)))
    }

    /// Stops polling `key`.
    pub fn remove(&mut self, key: usize) {
        if let Some(slot) = self.slots.get_mut(key) {
            *slot = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn a_new_job_is_due_at_once_then_every_initial_while_young() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        schedule.add(0, secs(0.0));
        assert_eq!(schedule.next_tick(), Some(secs(0.0)));
        assert_eq!(schedule.take_due(secs(0.0), 100), vec![0]);
        schedule.reschedule(0, secs(0.0), None);
        assert_eq!(schedule.next_tick(), Some(secs(1.0)));
    }

    #[test]
    fn intervals_grow_with_age_up_to_max() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        schedule.add(0, secs(0.0));
        schedule.reschedule(0, secs(100.0), None);
        assert_eq!(schedule.next_tick(), Some(secs(105.0)));
        schedule.reschedule(0, secs(5000.0), None);
        assert_eq!(schedule.next_tick(), Some(secs(5030.0)));
    }

    #[test]
    fn jobs_due_soon_join_the_current_request() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        schedule.add(0, secs(0.0));
        schedule.add(1, secs(0.0));
        schedule.reschedule(0, secs(200.0), None); // interval 10 s: due at 210
        schedule.reschedule(1, secs(204.0), None); // interval 10.2 s: due at 214.2
        assert_eq!(schedule.next_tick(), Some(secs(210.0)));
        // Job 1 is due within half its interval of 210, so it comes along.
        assert_eq!(schedule.take_due(secs(210.0), 100), vec![0, 1]);
    }

    #[test]
    fn early_jobs_only_fill_room_in_requests_that_go_out_anyway() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        for key in 0..5 {
            schedule.add(key, secs(0.0));
        }
        schedule.reschedule(0, secs(200.0), None); // due at 210
        schedule.reschedule(1, secs(200.0), None); // due at 210
        schedule.reschedule(2, secs(204.0), None); // due at 214.2: may join early
        schedule.reschedule(3, secs(203.0), None); // due at 213.15: may join early, and is sooner
        schedule.reschedule(4, secs(400.0), None); // due at 420: too far off
        assert_eq!(schedule.take_due(secs(210.0), 3), vec![0, 1, 3]);
        // With requests of 2, the due jobs fill one request exactly: none joins.
        assert_eq!(schedule.take_due(secs(210.0), 2), vec![0, 1]);
    }

    #[test]
    fn requests_are_never_closer_than_initial() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        schedule.add(0, secs(0.0));
        assert_eq!(schedule.take_due(secs(0.0), 100), vec![0]);
        schedule.reschedule(0, secs(0.0), None);
        schedule.add(1, secs(0.2)); // a new job, due at once
        assert_eq!(schedule.next_tick(), Some(secs(1.0)));
    }

    #[test]
    fn retry_after_pushes_the_next_poll_out() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        schedule.add(0, secs(0.0));
        schedule.reschedule(0, secs(0.0), Some(secs(7.0)));
        assert_eq!(schedule.next_tick(), Some(secs(7.0)));
    }

    #[test]
    fn removed_jobs_are_never_due_again() {
        let mut schedule = PollSchedule::new(PollBackoff::default());
        schedule.add(0, secs(0.0));
        schedule.remove(0);
        assert_eq!(schedule.next_tick(), None);
        assert!(schedule.take_due(secs(100.0), 100).is_empty());
    }
}
