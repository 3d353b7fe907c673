//! The client-wide pace: when Datasaur throttles one request, every request
//! of the client (calls, the wait engine's polls, uploads, token fetches)
//! holds back, instead of each learning it alone; and an optional cap on
//! the rate of requests, for teams that share one account across services.
//!
//! Written here rather than taken from a rate-limiting crate: it is a dozen
//! lines of arithmetic on tokio's clock, so tests drive it on the paused
//! clock, and the crates that do it (governor) bring their own clock.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::sync::lock;

/// When the next request of a client may go.
#[derive(Debug, Default)]
pub(crate) struct Pace {
    /// One request per this much time, at most; `None`: no cap.
    interval: Option<Duration>,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// No request before this instant: the server said it was throttling.
    held_until: Option<Instant>,
    /// The slot the next request under the rate cap takes.
    next_slot: Option<Instant>,
}

impl Pace {
    /// A pace with at most `per_second` requests a second (none: no cap).
    pub(crate) fn new(per_second: Option<f64>) -> Self {
        Pace {
            interval: per_second
                .filter(|rate| rate.is_finite() && *rate > 0.0)
                .map(|rate| Duration::from_secs_f64(1.0 / rate)),
            state: Mutex::default(),
        }
    }

    /// Waits until a request may go, and takes its slot.
    pub(crate) async fn ready(&self) {
        let at = {
            let mut state = lock(&self.state);
            let now = Instant::now();
            let mut at = now;
            if let Some(held) = state.held_until {
                if held <= now {
                    state.held_until = None;
                } else {
                    at = held;
                }
            }
            if let Some(interval) = self.interval {
                at = at.max(state.next_slot.unwrap_or(now));
                state.next_slot = Some(at + interval);
            }
            at
        };
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }

    /// The server throttled a request: nothing goes for `pause`.
    pub(crate) fn hold(&self, pause: Duration) {
        let Some(until) = Instant::now().checked_add(pause) else {
            return;
        };
        let mut state = lock(&self.state);
        if state.held_until.is_none_or(|held| held < until) {
            state.held_until = Some(until);
            tracing::debug!(
                pause_ms = pause.as_millis() as u64,
                "throttled: holding every request of the client"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[tokio::test(start_paused = true)]
    async fn the_cap_spaces_requests_evenly() {
        let pace = Pace::new(Some(10.0));
        let start = Instant::now();
        for _ in 0..5 {
            pace.ready().await;
        }
        // The first at once, then one per 100 ms.
        assert_eq!(start.elapsed(), 400 * MS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hold_delays_every_request_then_lapses() {
        let pace = Pace::new(None);
        pace.hold(2000 * MS);
        pace.hold(500 * MS);
        let start = Instant::now();
        pace.ready().await;
        assert_eq!(start.elapsed(), 2000 * MS, "the longer hold wins");
        pace.ready().await;
        assert_eq!(start.elapsed(), 2000 * MS, "then requests go at once");
    }

    #[tokio::test(start_paused = true)]
    async fn no_cap_and_no_hold_never_waits() {
        let pace = Pace::new(Some(f64::NAN));
        let start = Instant::now();
        for _ in 0..100 {
            pace.ready().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        pace.hold(Duration::MAX);
    }
}
