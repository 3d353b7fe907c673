//! The one backoff: capped exponential with full jitter, never shorter than
//! the server's `Retry-After` (itself capped), and the injected clock and
//! randomness it runs on, so tests can check every delay exactly.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

/// The shortest pause between two tries: full jitter may draw zero, and a
/// retry at once would only meet the same trouble.
const MIN_DELAY: Duration = Duration::from_millis(10);

/// How long to wait before each retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Backoff {
    initial: Duration,
    max: Duration,
    max_retry_after: Duration,
}

impl Backoff {
    pub(crate) fn new(initial: Duration, max: Duration, max_retry_after: Duration) -> Self {
        Backoff {
            initial,
            max,
            max_retry_after,
        }
    }

    /// The pause before retry number `retry` (1 for the first): `fraction`
    /// (in `[0, 1)`) of `initial × 2^(retry-1)` capped at `max`, at least
    /// [`MIN_DELAY`], and no less than the server's `Retry-After` capped at
    /// `max_retry_after`.
    pub(crate) fn delay(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        fraction: f64,
    ) -> Duration {
        let doubling = 1u32
            .checked_shl(retry.saturating_sub(1))
            .unwrap_or(u32::MAX);
        let ceiling = self.initial.saturating_mul(doubling).min(self.max);
        // A broken source of randomness must not panic `mul_f64`.
        let fraction = if fraction.is_finite() {
            fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let jittered = ceiling.mul_f64(fraction).max(MIN_DELAY);
        match retry_after {
            Some(server) => jittered.max(self.cap_retry_after(server)),
            None => jittered,
        }
    }

    /// How long every request holds back after a throttled one: the
    /// server's `Retry-After` (capped), or else the first retry's ceiling.
    pub(crate) fn throttle_pause(&self, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(server) => self.cap_retry_after(server),
            None => self.initial.max(MIN_DELAY),
        }
    }

    /// A server's `Retry-After`, capped so that a bad header cannot stall
    /// a caller: the one cap for requests, downloads and waits.
    pub(crate) fn cap_retry_after(&self, server: Duration) -> Duration {
        server.min(self.max_retry_after)
    }
}

/// Randomness for jitter: a number in `[0, 1)`.
pub(crate) trait Jitter: Send + Sync {
    fn fraction(&self) -> f64;
}

/// Sleeping between tries.
pub(crate) trait Sleep: Send + Sync {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

struct FastrandJitter;

impl Jitter for FastrandJitter {
    fn fraction(&self) -> f64 {
        fastrand::f64()
    }
}

struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Where the retry loop gets its randomness and its sleep: the system's in
/// a client, fakes in tests.
#[derive(Clone)]
pub(crate) struct Pacing {
    pub(crate) jitter: Arc<dyn Jitter>,
    pub(crate) sleep: Arc<dyn Sleep>,
}

impl Pacing {
    /// fastrand and tokio's timer (paused in tests that pause the clock).
    pub(crate) fn system() -> Self {
        Pacing {
            jitter: Arc::new(FastrandJitter),
            sleep: Arc::new(TokioSleep),
        }
    }
}

impl fmt::Debug for Pacing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pacing").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn default() -> Backoff {
        Backoff::new(200 * MS, Duration::from_secs(10), Duration::from_secs(60))
    }

    #[test]
    fn the_ceiling_doubles_up_to_the_cap_and_jitter_scales_it() {
        let backoff = default();
        assert_eq!(backoff.delay(1, None, 0.5), 100 * MS);
        assert_eq!(backoff.delay(2, None, 0.5), 200 * MS);
        assert_eq!(backoff.delay(3, None, 0.25), 200 * MS);
        assert_eq!(backoff.delay(7, None, 0.5), Duration::from_secs(5));
        assert_eq!(
            backoff.delay(30, None, 0.999),
            Duration::from_secs(10).mul_f64(0.999)
        );
        assert_eq!(backoff.delay(u32::MAX, None, 0.5), Duration::from_secs(5));
    }

    #[test]
    fn a_zero_draw_still_pauses_and_bad_fractions_are_clamped() {
        let backoff = default();
        assert_eq!(backoff.delay(1, None, 0.0), MIN_DELAY);
        assert_eq!(backoff.delay(1, None, -3.0), MIN_DELAY);
        assert_eq!(backoff.delay(1, None, 7.0), 200 * MS);
        assert_eq!(backoff.delay(1, None, f64::NAN), MIN_DELAY);
    }

    #[test]
    fn retry_after_is_a_floor_capped_once() {
        let backoff = default();
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(7)), 0.5),
            Duration::from_secs(7)
        );
        assert_eq!(
            backoff.delay(1, Some(Duration::from_secs(3600)), 0.5),
            Duration::from_secs(60)
        );
        assert_eq!(backoff.delay(7, Some(MS), 0.5), Duration::from_secs(5));
        assert_eq!(
            backoff.cap_retry_after(Duration::MAX),
            Duration::from_secs(60)
        );
    }
}
