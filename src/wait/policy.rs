//! How often to poll and when to give up: kept apart, as in google-cloud-rust's
//! poller and AWS SDK waiters.

use std::time::Duration;

/// How long to wait between polls of one job.
///
/// The interval grows with the job's age (time since the wait began):
/// `clamp((multiplier - 1) × age, initial, max)`. A young job is polled every
/// `initial`; from then on each poll comes `multiplier` times later than the
/// previous one, until the interval reaches `max`. So the delay before a
/// finished job is noticed stays a small share of its running time, for a
/// 2-second job and for a 2-hour one.
///
/// The defaults (1 s, ×1.05, 30 s) come from `benches/polling_cost.rs`, which
/// replays 10,000 jobs of 1 s to 1 h: against Datasaur's own practice (one
/// batched `getJobs` every 5 s) they send fewer requests and fewer ids, notice
/// the median job sooner, and notice jobs under a minute over 4× sooner. No
/// jitter: polls of many jobs are meant to line up, so they share requests.
///
/// ```
/// use std::time::Duration;
/// use datasaur::PollBackoff;
///
/// let backoff = PollBackoff::default();
/// assert_eq!(backoff.interval_at(Duration::from_secs(2)), Duration::from_secs(1));
/// assert_eq!(backoff.interval_at(Duration::from_secs(200)), Duration::from_secs(10));
/// assert_eq!(backoff.interval_at(Duration::from_secs(7200)), Duration::from_secs(30));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct PollBackoff {
    initial: Duration,
    multiplier: f64,
    max: Duration,
}

impl Default for PollBackoff {
    fn default() -> Self {
        PollBackoff {
            initial: Duration::from_secs(1),
            multiplier: 1.05,
            max: Duration::from_secs(30),
        }
    }
}

/// The shortest interval between two polls of a job: Datasaur's own fastest
/// loop (its Python export example) polls every 0.5 s. An interval of zero
/// would ask the server for the same job hundreds of times a second.
pub const MIN_POLL_INTERVAL: Duration = Duration::from_millis(500);

impl PollBackoff {
    /// A backoff with these values; `initial` below [`MIN_POLL_INTERVAL`] is
    /// taken as that floor, `multiplier` below 1 (or not finite) as 1, and
    /// `max` below `initial` as `initial`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur::{MIN_POLL_INTERVAL, PollBackoff};
    ///
    /// let backoff = PollBackoff::new(Duration::ZERO, f64::NAN, Duration::ZERO);
    /// assert_eq!(backoff.initial(), MIN_POLL_INTERVAL);
    /// assert_eq!(backoff.interval_at(Duration::from_secs(3600)), MIN_POLL_INTERVAL);
    /// ```
    pub fn new(initial: Duration, multiplier: f64, max: Duration) -> Self {
        let multiplier = if multiplier.is_finite() {
            multiplier.max(1.0)
        } else {
            1.0
        };
        let initial = initial.max(MIN_POLL_INTERVAL);
        PollBackoff {
            initial,
            multiplier,
            max: max.max(initial),
        }
    }

    /// The shortest interval, used while the job is young (default 1 s).
    pub fn initial(&self) -> Duration {
        self.initial
    }

    /// Growth per poll once past `initial` (default 1.05; at least 1).
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }

    /// The longest interval (default 30 s).
    pub fn max(&self) -> Duration {
        self.max
    }

    /// A fixed interval, like Datasaur's own examples (every 5 s).
    pub fn fixed(interval: Duration) -> Self {
        PollBackoff::new(interval, 1.0, interval)
    }

    /// The interval after a poll of a job that is `age` old.
    pub fn interval_at(&self, age: Duration) -> Duration {
        let growth = (self.multiplier - 1.0).max(0.0);
        // `mul_f64` panics past Duration::MAX; such an interval is `max` anyway.
        let grown =
            Duration::try_from_secs_f64(age.as_secs_f64() * growth).unwrap_or(Duration::MAX);
        // `new` keeps initial >= MIN_POLL_INTERVAL and max >= initial.
        grown.clamp(self.initial, self.max)
    }
}

/// How a wait polls and when it gives up.
///
/// Set defaults for a client with [`crate::ClientBuilder::wait_options`];
/// pass one to a single call to override them.
///
/// ```
/// use std::time::Duration;
/// use datasaur::{PollBackoff, WaitOptions};
///
/// let options = WaitOptions::default()
///     .max_wait(Duration::from_secs(30 * 60))
///     .max_polls(500)
///     .backoff(PollBackoff::new(Duration::from_millis(500), 1.1, Duration::from_secs(60)))
///     .not_found_grace(Duration::from_secs(5));
/// assert_eq!(options.get_max_wait(), Duration::from_secs(1800));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WaitOptions {
    pub(crate) backoff: PollBackoff,
    pub(crate) max_wait: Duration,
    pub(crate) max_wait_from_start: bool,
    pub(crate) max_polls: Option<u32>,
    pub(crate) not_found_grace: Duration,
    pub(crate) poll_failure_limit: Duration,
}

/// How long polls of a job may fail without a break before its wait ends
/// by default: long enough to ride out a server restart or a failover (well
/// under a minute, typically), short enough that a dead server or a wrong
/// URL is reported with its cause in minutes, not at the end of the hour.
pub const DEFAULT_POLL_FAILURE_LIMIT: Duration = Duration::from_secs(120);

impl Default for WaitOptions {
    fn default() -> Self {
        WaitOptions {
            backoff: PollBackoff::default(),
            max_wait: Duration::from_secs(3600),
            max_wait_from_start: false,
            max_polls: None,
            not_found_grace: Duration::from_secs(10),
            poll_failure_limit: DEFAULT_POLL_FAILURE_LIMIT,
        }
    }
}

impl WaitOptions {
    /// Sets how often to poll.
    #[must_use]
    pub fn backoff(mut self, backoff: PollBackoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Sets the time limit. Zero means "check once": each job is polled
    /// once and its wait ends with what that answer says (`TimedOut` if the
    /// job is still running, `NotFound` if it is unknown), as
    /// `kubectl wait --timeout=0` does.
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur::WaitOptions;
    ///
    /// let check_once = WaitOptions::default().max_wait(Duration::ZERO);
    /// assert!(check_once.get_max_wait().is_zero());
    /// ```
    #[must_use]
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Whether [`WaitOptions::max_wait`] counts from when the job started
    /// (as a [`crate::JobHandle`] or [`crate::Export`] knows it, also after
    /// being saved and resumed in another process) instead of from when this
    /// wait began (the default). A job whose `max_wait` is already used up is
    /// checked once, as with a zero `max_wait`. Waits on a bare id
    /// ([`crate::Client::wait_for_job`]) know no earlier start: for them the
    /// two are the same.
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur::WaitOptions;
    ///
    /// // However often the service restarts, give the job two hours in all.
    /// let options = WaitOptions::default()
    ///     .max_wait(Duration::from_secs(2 * 3600))
    ///     .max_wait_from_start(true);
    /// assert!(options.get_max_wait_from_start());
    /// ```
    #[must_use]
    pub fn max_wait_from_start(mut self, from_start: bool) -> Self {
        self.max_wait_from_start = from_start;
        self
    }

    /// Whether `max_wait` counts from the job's start (default `false`: from
    /// the wait's); see [`WaitOptions::max_wait_from_start`].
    pub fn get_max_wait_from_start(&self) -> bool {
        self.max_wait_from_start
    }

    /// Sets the poll limit per job.
    #[must_use]
    pub fn max_polls(mut self, max_polls: u32) -> Self {
        self.max_polls = Some(max_polls);
        self
    }

    /// Sets how long an unknown job is given to appear.
    #[must_use]
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    /// Sets how long polls of a job may fail (transport errors, timeouts,
    /// 429 and 5xx answers) without one answer between them before the wait
    /// ends with [`crate::WaitError::Poll`] carrying the last error. A
    /// failure limit of [`Duration::MAX`] rides failures out until
    /// [`WaitOptions::max_wait`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur::WaitOptions;
    ///
    /// let options = WaitOptions::default().poll_failure_limit(Duration::from_secs(30));
    /// assert_eq!(options.get_poll_failure_limit(), Duration::from_secs(30));
    /// ```
    #[must_use]
    pub fn poll_failure_limit(mut self, limit: Duration) -> Self {
        self.poll_failure_limit = limit;
        self
    }

    /// How long polls of a job may keep failing before its wait ends
    /// (default [`DEFAULT_POLL_FAILURE_LIMIT`], 2 minutes).
    pub fn get_poll_failure_limit(&self) -> Duration {
        self.poll_failure_limit
    }

    /// How often to poll.
    pub fn get_backoff(&self) -> PollBackoff {
        self.backoff
    }

    /// How long a wait goes on before it gives up (default 1 hour). Always
    /// set: a wait without a limit is a hung program waiting to happen.
    pub fn get_max_wait(&self) -> Duration {
        self.max_wait
    }

    /// How many polls of a job a wait makes before it gives up (default: no limit).
    pub fn get_max_polls(&self) -> Option<u32> {
        self.max_polls
    }

    /// How long a job that is `null` (not found) is polled again before it
    /// is reported unknown: a job that was just started may not be visible
    /// yet (default 10 s). A wait that runs out of time or polls sooner, its
    /// last answer "not found", reports `NotFound` too.
    pub fn get_not_found_grace(&self) -> Duration {
        self.not_found_grace
    }
}
