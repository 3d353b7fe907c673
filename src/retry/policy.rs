//! [`RetryPolicy`]: the caller's knobs for retries.

use std::time::Duration;

use super::backoff::Backoff;

/// How failed requests are retried.
///
/// Queries are retried on transport errors, timeouts, HTTP 429, 502, 503,
/// 504 and bodies that are not JSON, with capped exponential backoff and full
/// jitter, waiting at least as long as the server's `Retry-After` (capped).
/// Mutations are retried only when the request cannot have reached the
/// server (the connection was refused, or no token could be had): running
/// one twice could start the work twice.
///
/// A retry budget per client keeps a dead server from being hammered: each
/// request earns `budget_ratio` of a retry, up to `budget_reserve` saved.
///
/// ```
/// use std::time::Duration;
/// use datasaur::RetryPolicy;
///
/// let patient = RetryPolicy::default().max_retries(5).max_backoff(Duration::from_secs(30));
/// let client = datasaur::Client::builder().retry_policy(patient).build()?;
/// let strict = datasaur::Client::builder().retry_policy(RetryPolicy::disabled()).build()?;
/// # Ok::<(), datasaur::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_retry_after: Duration,
    pub(crate) budget_ratio: f64,
    pub(crate) budget_reserve: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            budget_ratio: 0.2,
            budget_reserve: 20,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn disabled() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Sets the number of retries.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the first backoff ceiling.
    #[must_use]
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Sets the longest backoff.
    #[must_use]
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Sets the longest `Retry-After` honoured.
    #[must_use]
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit;
        self
    }

    /// Sets the retry budget: retries earned per request (default 0.2: at
    /// most one retry per five requests, sustained; a negative or non-finite
    /// ratio is taken as 0), and retries saved for bursts (default 20).
    #[must_use]
    pub fn budget(mut self, ratio: f64, reserve: u32) -> Self {
        self.budget_ratio = if ratio.is_finite() {
            ratio.max(0.0)
        } else {
            0.0
        };
        self.budget_reserve = reserve;
        self
    }

    /// Retries after the first attempt (default 3; 0: retries are off).
    pub fn get_max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The backoff ceiling before the first retry; it doubles each retry
    /// (default 200 ms).
    pub fn get_initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest backoff (default 10 s).
    pub fn get_max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` honoured (default 60 s): by requests, by
    /// downloads, and by waits between two polls.
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Retries earned per request, and retries saved for bursts.
    pub fn get_budget(&self) -> (f64, u32) {
        (self.budget_ratio, self.budget_reserve)
    }

    /// The one backoff of GraphQL requests (token fetches included).
    pub(crate) fn backoff(&self) -> Backoff {
        Backoff::new(self.initial_backoff, self.max_backoff, self.max_retry_after)
    }
}
