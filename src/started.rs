//! When a job started, in the two clocks that matter: the wall clock, which
//! survives a restart (a saved handle carries it), and tokio's clock, which
//! waits use (and tests pause).

use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// When a job started, as a handle knows it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Started {
    /// Wall-clock time of the start: what is saved.
    at: SystemTime,
    /// A point on tokio's clock, and how old the job was then.
    origin: Instant,
    age_at_origin: Duration,
}

impl Started {
    /// A job whose start was answered just now.
    pub fn now() -> Self {
        // Whole milliseconds, as saved: a handle equals its saved form.
        let now = SystemTime::now();
        Started {
            at: from_epoch_millis(epoch_millis(now)).unwrap_or(now),
            origin: Instant::now(),
            age_at_origin: Duration::ZERO,
        }
    }

    /// A job that started at `at` (read back from a saved handle). A start
    /// in the future (another machine's clock ahead of ours) is taken as now.
    pub fn at(at: SystemTime) -> Self {
        Started {
            at,
            origin: Instant::now(),
            age_at_origin: SystemTime::now().duration_since(at).unwrap_or_default(),
        }
    }

    /// The wall-clock time of the start.
    pub fn wall(&self) -> SystemTime {
        self.at
    }

    /// How old the job is now.
    pub fn age(&self) -> Duration {
        self.age_at_origin.saturating_add(self.origin.elapsed())
    }
}

/// Milliseconds since the Unix epoch, as Datasaur writes times; a time
/// before the epoch is the epoch.
pub(crate) fn epoch_millis(time: SystemTime) -> u64 {
    let since = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
}

/// The last millisecond of the year 9999: later "times" are garbage.
const LAST_MILLIS: u64 = 253_402_300_799_999;

/// The time `millis` after the Unix epoch, if it is before the year 10000
/// and the platform can hold it.
pub(crate) fn from_epoch_millis(millis: u64) -> Option<SystemTime> {
    if millis > LAST_MILLIS {
        return None;
    }
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_millis(millis))
}
