//! When each wait is due for a poll, when it runs out of time, and which
//! waits share a request.
//!
//! Pure bookkeeping on durations since the engine began: no clock, no I/O,
//! so the benchmark can replay hours of polling exactly. Every operation
//! costs O(log n) in the waits held, or O(k log n) in the k waits it returns:
//! a tick's work follows the waits due, not every wait ever added, and a
//! finished wait's slot is reused.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::policy::PollBackoff;

/// Share of its interval a wait may be polled early so that it joins a
/// request that goes out anyway: fewer requests for slightly earlier polls.
const COALESCE_EARLY: f64 = 0.5;

#[derive(Debug, Clone, Copy)]
struct Slot {
    first_seen: Duration,
    /// How old the job already was at `first_seen` (a resumed wait).
    age_before: Duration,
    due: Duration,
    interval: Duration,
    deadline: Duration,
    backoff: PollBackoff,
    /// Waiting for its next poll (not taken for a request in flight).
    queued: bool,
}

impl Slot {
    fn early_from(&self) -> Duration {
        self.due
            .saturating_sub(self.interval.mul_f64(COALESCE_EARLY))
    }
}

/// One wait's interest in one job (a "watch"), as the schedule and the
/// driver know it: a small index, reused once the watch is finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct WatchKey(usize);

/// The poll schedule of a set of waits, each known by a small reusable key.
#[derive(Debug, Default)]
pub(crate) struct PollSchedule {
    slots: Vec<Option<Slot>>,
    free: Vec<WatchKey>,
    /// `(due, key)` of queued waits.
    due: BTreeSet<(Duration, WatchKey)>,
    /// `(due - half an interval, key)` of queued waits: who may join early.
    early: BTreeSet<(Duration, WatchKey)>,
    /// `(deadline, key)` of every wait.
    deadlines: BTreeSet<(Duration, WatchKey)>,
    /// How many waits use each `initial` interval: the shortest is the floor
    /// between requests.
    floors: BTreeMap<Duration, usize>,
    last_tick: Option<Duration>,
}

impl PollSchedule {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a wait first polled at `now`, polled by `backoff`, that runs out
    /// at `deadline`, on a job `job_age` old at `now` (zero for a job just
    /// started); returns its key. The poll interval follows the job's age.
    pub fn insert(
        &mut self,
        now: Duration,
        backoff: PollBackoff,
        deadline: Duration,
        job_age: Duration,
    ) -> WatchKey {
        let slot = Slot {
            first_seen: now,
            age_before: job_age,
            due: now,
            interval: backoff.interval_at(job_age),
            deadline,
            backoff,
            queued: true,
        };
        let key = match self.free.pop() {
            Some(key) => {
                self.slots[key.0] = Some(slot);
                key
            }
            None => {
                self.slots.push(Some(slot));
                WatchKey(self.slots.len() - 1)
            }
        };
        self.due.insert((slot.due, key));
        self.early.insert((slot.early_from(), key));
        self.deadlines.insert((deadline, key));
        *self.floors.entry(backoff.initial()).or_default() += 1;
        key
    }

    /// How many waits are held.
    pub fn len(&self) -> usize {
        self.deadlines.len()
    }

    /// The shortest gap between two requests: the smallest `initial` of the
    /// waits held, so that a stream of young waits cannot make requests
    /// arbitrarily frequent.
    fn floor(&self) -> Duration {
        self.floors
            .keys()
            .next()
            .copied()
            .unwrap_or(PollBackoff::default().initial())
    }

    /// When the next request should go out: when the first wait is due, but
    /// never sooner than the floor after the previous one.
    pub fn next_tick(&self) -> Option<Duration> {
        let &(first_due, _) = self.due.first()?;
        Some(match self.last_tick {
            Some(last) => first_due.max(last.saturating_add(self.floor())),
            None => first_due,
        })
    }

    /// When something is next to do: a request, or a wait running out.
    pub fn next_wake(&self) -> Option<Duration> {
        let deadline = self.deadlines.first().map(|&(deadline, _)| deadline);
        match (self.next_tick(), deadline) {
            (Some(tick), Some(deadline)) => Some(tick.min(deadline)),
            (tick, deadline) => tick.or(deadline),
        }
    }

    /// The waits to poll at `now`, for requests of `batch_size` ids: every
    /// wait due, then, in the room the last request has left, the waits due
    /// soonest (up to half an interval early). Joining early never adds a
    /// request, and spares one later. The waits taken are no longer queued
    /// until [`Self::reschedule`].
    pub fn take_due(&mut self, now: Duration, batch_size: usize) -> Vec<WatchKey> {
        self.last_tick = Some(now);
        let mut taken = Vec::new();
        while let Some(&(due, key)) = self.due.first() {
            if due > now {
                break;
            }
            taken.push(key);
            self.dequeue(key);
        }
        let batch_size = batch_size.max(1);
        let room = taken.len().div_ceil(batch_size) * batch_size - taken.len();
        if room > 0 {
            let mut early: Vec<(Duration, WatchKey)> = self
                .early
                .iter()
                .take_while(|&&(early_from, _)| early_from <= now)
                .filter_map(|&(_, key)| self.slot(key).map(|slot| (slot.due, key)))
                .collect();
            early.sort_unstable();
            for (_, key) in early.into_iter().take(room) {
                taken.push(key);
                self.dequeue(key);
            }
        }
        taken
    }

    fn dequeue(&mut self, key: WatchKey) {
        if let Some(Some(slot)) = self.slots.get_mut(key.0)
            && slot.queued
        {
            slot.queued = false;
            self.due.remove(&(slot.due, key));
            self.early.remove(&(slot.early_from(), key));
        }
    }

    /// Queues the next poll of `key` after one answered at `now`, no sooner
    /// than `at_least` from now (a server's `Retry-After`).
    ///
    /// The next poll counts from when this one was due, less at most a
    /// quarter of the interval, not from when it was made: a wait that keeps
    /// joining other waits' requests early is polled at most a third more
    /// often than its backoff says, not twice as often. (Counting from the
    /// due time exactly costs a tenth of a second of median delay in
    /// `benches/polling_cost.rs`; counting from now lets a slow wait take on
    /// the pace of the fast ones.)
    pub fn reschedule(&mut self, key: WatchKey, now: Duration, at_least: Option<Duration>) {
        self.dequeue(key);
        let Some(Some(slot)) = self.slots.get_mut(key.0) else {
            return;
        };
        slot.interval = slot.backoff.interval_at(
            now.saturating_sub(slot.first_seen)
                .saturating_add(slot.age_before),
        );
        let base = now.max(
            slot.due
                .saturating_sub(slot.interval.mul_f64(COALESCE_EARLY / 2.0)),
        );
        slot.due = base
            .saturating_add(slot.interval)
            .max(now.saturating_add(at_least.unwrap_or_default()));
        slot.queued = true;
        let (due, early_from) = (slot.due, slot.early_from());
        self.due.insert((due, key));
        self.early.insert((early_from, key));
    }

    /// The waits whose deadline has come by `now` (they stay held until
    /// [`Self::remove`]).
    pub fn expired(&self, now: Duration) -> Vec<WatchKey> {
        self.deadlines
            .iter()
            .take_while(|&&(deadline, _)| deadline <= now)
            .map(|&(_, key)| key)
            .collect()
    }

    /// How old the job of `key` is at `now`: how long it has been held, and
    /// how old it was when it came.
    pub fn job_age(&self, key: WatchKey, now: Duration) -> Duration {
        self.slot(key).map_or(Duration::ZERO, |slot| {
            now.saturating_sub(slot.first_seen)
                .saturating_add(slot.age_before)
        })
    }

    /// How long `key` has been held at `now`.
    pub fn age(&self, key: WatchKey, now: Duration) -> Duration {
        self.slot(key)
            .map_or(Duration::ZERO, |slot| now.saturating_sub(slot.first_seen))
    }

    /// When the next poll of `key` is due, if it is queued.
    pub fn due_at(&self, key: WatchKey) -> Option<Duration> {
        self.slot(key)
            .filter(|slot| slot.queued)
            .map(|slot| slot.due)
    }

    /// Forgets `key`; its slot is reused.
    pub fn remove(&mut self, key: WatchKey) {
        self.dequeue(key);
        let Some(slot) = self.slots.get_mut(key.0).and_then(Option::take) else {
            return;
        };
        self.deadlines.remove(&(slot.deadline, key));
        if let Some(count) = self.floors.get_mut(&slot.backoff.initial()) {
            *count -= 1;
            if *count == 0 {
                self.floors.remove(&slot.backoff.initial());
            }
        }
        self.free.push(key);
        if self.deadlines.is_empty() {
            // Nothing held: give the memory of a burst back.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
    }

    fn slot(&self, key: WatchKey) -> Option<&Slot> {
        self.slots.get(key.0).and_then(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    const NEVER: Duration = Duration::MAX;

    fn k(index: usize) -> WatchKey {
        WatchKey(index)
    }

    fn with(keys: usize) -> PollSchedule {
        let mut schedule = PollSchedule::new();
        for _ in 0..keys {
            schedule.insert(secs(0.0), PollBackoff::default(), NEVER, Duration::ZERO);
        }
        schedule
    }

    #[test]
    fn a_new_wait_is_due_at_once_then_every_initial_while_young() {
        let mut schedule = with(1);
        assert_eq!(schedule.next_tick(), Some(secs(0.0)));
        assert_eq!(schedule.take_due(secs(0.0), 100), vec![k(0)]);
        assert_eq!(schedule.next_tick(), None, "taken waits are not due again");
        schedule.reschedule(k(0), secs(0.0), None);
        assert_eq!(schedule.next_tick(), Some(secs(1.0)));
    }

    #[test]
    fn intervals_grow_with_age_up_to_max() {
        let mut schedule = with(1);
        schedule.reschedule(k(0), secs(100.0), None);
        assert_eq!(schedule.next_tick(), Some(secs(105.0)));
        schedule.reschedule(k(0), secs(5000.0), None);
        assert_eq!(schedule.next_tick(), Some(secs(5030.0)));
    }

    #[test]
    fn waits_due_soon_join_the_current_request() {
        let mut schedule = with(2);
        schedule.reschedule(k(0), secs(200.0), None); // interval 10 s: due at 210
        schedule.reschedule(k(1), secs(204.0), None); // interval 10.2 s: due at 214.2
        assert_eq!(schedule.next_tick(), Some(secs(210.0)));
        // Wait 1 is due within half its interval of 210, so it comes along.
        assert_eq!(schedule.take_due(secs(210.0), 100), vec![k(0), k(1)]);
    }

    #[test]
    fn early_waits_only_fill_room_in_requests_that_go_out_anyway() {
        let scheduled = || {
            let mut schedule = with(5);
            schedule.reschedule(k(0), secs(200.0), None); // due at 210
            schedule.reschedule(k(1), secs(200.0), None); // due at 210
            schedule.reschedule(k(2), secs(204.0), None); // due at 214.2: may join early
            schedule.reschedule(k(3), secs(203.0), None); // due at 213.15: may join early, and is sooner
            schedule.reschedule(k(4), secs(400.0), None); // due at 420: too far off
            schedule
        };
        assert_eq!(scheduled().take_due(secs(210.0), 3), vec![k(0), k(1), k(3)]);
        // With requests of 2, the due waits fill one request exactly: none joins.
        assert_eq!(scheduled().take_due(secs(210.0), 2), vec![k(0), k(1)]);
    }

    #[test]
    fn a_wait_that_joins_early_keeps_most_of_its_own_cadence() {
        let mut schedule = PollSchedule::new();
        let slow = schedule.insert(
            secs(0.0),
            PollBackoff::fixed(secs(5.0)),
            NEVER,
            Duration::ZERO,
        );
        schedule.take_due(secs(0.0), 100);
        schedule.reschedule(slow, secs(0.0), None); // due at 5
        // Polled at 3 (early, with another wait's request): next due at
        // 5 - 1.25 + 5, not 3 + 5.
        let other = schedule.insert(secs(3.0), PollBackoff::default(), NEVER, Duration::ZERO);
        assert_eq!(schedule.take_due(secs(3.0), 100), vec![other, slow]);
        schedule.reschedule(slow, secs(3.0), None);
        assert_eq!(schedule.due_at(slow), Some(secs(8.75)));
    }

    #[test]
    fn requests_are_never_closer_than_the_shortest_initial() {
        let mut schedule = with(1);
        assert_eq!(schedule.take_due(secs(0.0), 100), vec![k(0)]);
        schedule.reschedule(k(0), secs(0.0), None);
        schedule.insert(secs(0.2), PollBackoff::default(), NEVER, Duration::ZERO); // due at once
        assert_eq!(schedule.next_tick(), Some(secs(1.0)));
        // A wait with a shorter initial interval lowers the floor.
        let fast = PollBackoff::fixed(secs(0.5));
        schedule.insert(secs(0.2), fast, NEVER, Duration::ZERO);
        assert_eq!(schedule.next_tick(), Some(secs(0.5)));
    }

    #[test]
    fn retry_after_pushes_the_next_poll_out() {
        let mut schedule = with(1);
        schedule.reschedule(k(0), secs(0.0), Some(secs(7.0)));
        assert_eq!(schedule.next_tick(), Some(secs(7.0)));
    }

    #[test]
    fn deadlines_wake_the_engine_and_are_reported_once_reached() {
        let mut schedule = PollSchedule::new();
        let key = schedule.insert(secs(0.0), PollBackoff::default(), secs(2.5), Duration::ZERO);
        schedule.take_due(secs(0.0), 100);
        schedule.reschedule(key, secs(0.0), Some(secs(10.0)));
        assert_eq!(schedule.next_wake(), Some(secs(2.5)));
        assert!(schedule.expired(secs(2.4)).is_empty());
        assert_eq!(schedule.expired(secs(2.5)), vec![key]);
    }

    #[test]
    fn removed_waits_are_never_due_again_and_their_slots_are_reused() {
        let mut schedule = with(2);
        schedule.remove(k(0));
        assert_eq!(schedule.take_due(secs(100.0), 100), vec![k(1)]);
        let key = schedule.insert(secs(100.0), PollBackoff::default(), NEVER, Duration::ZERO);
        assert_eq!(key, k(0), "the freed slot is reused");
        schedule.remove(k(0));
        schedule.remove(k(1));
        assert_eq!(schedule.next_wake(), None);
        assert_eq!(schedule.len(), 0);
        assert_eq!(
            schedule.slots.capacity(),
            0,
            "an empty schedule holds no memory"
        );
    }
}
