//! The one retry loop. It knows nothing of HTTP or GraphQL: each attempt
//! returns its value, or its error with a [`Verdict`] on it; the loop counts
//! retries, spends the budget, keeps the deadline and sleeps the backoff.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::time::Instant;

use super::{Backoff, Pacing, RetryBudget};

/// What a failed attempt means for the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try again at once, outside the retry count: the failure was fixed
    /// on our side (a refused token, now refreshed). The attempt itself
    /// must make sure this cannot repeat forever.
    Again,
    /// Worth another try after the backoff, no sooner than the server's
    /// `Retry-After` (the loop caps it).
    Retry {
        retry_after: Option<std::time::Duration>,
    },
    /// Final: asking again would not help, or could run work twice.
    Stop,
}

/// What bounds a loop's retries.
#[derive(Debug, Default)]
pub(crate) struct Limits<'a> {
    /// Retries after the first attempt.
    pub(crate) max_retries: u32,
    /// No retry whose pause would end at or after this instant.
    pub(crate) deadline: Option<Instant>,
    /// The client's budget, shared by all its requests.
    pub(crate) budget: Option<&'a RetryBudget>,
    /// Counts the retries made.
    pub(crate) counter: Option<&'a AtomicU64>,
}

/// How a loop that did not succeed ended: the last error, how many attempts
/// were made, and whether a limit (not the error itself) stopped them.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Ended<E> {
    pub(crate) error: E,
    pub(crate) attempts: u32,
    /// The failure was worth another try, but the retry count, the
    /// deadline or the budget said no.
    pub(crate) exhausted: bool,
}

/// Runs `attempt` (given the attempt's number, from 1) until it succeeds,
/// its failure is final, or a limit says stop; returns the last error then.
///
/// `attempt` is a function returning a future rather than an async closure:
/// the futures of async closures borrow them for a higher-ranked lifetime,
/// and the client's futures could then not be proven `Send`. State an
/// attempt keeps across tries lives outside, in atomics.
pub(crate) async fn retry_loop<T, E, F, Fut>(
    what: &'static str,
    backoff: &Backoff,
    pacing: &Pacing,
    limits: Limits<'_>,
    mut attempt: F,
) -> Result<T, Ended<E>>
where
    E: fmt::Display,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, (E, Verdict)>>,
{
    let mut retries = 0u32;
    let mut number = 0u32;
    loop {
        number = number.saturating_add(1);
        let (error, verdict) = match attempt(number).await {
            Ok(value) => return Ok(value),
            Err(failure) => failure,
        };
        let ended = |error, exhausted| Ended {
            error,
            attempts: number,
            exhausted,
        };
        let retry_after = match verdict {
            Verdict::Stop => return Err(ended(error, false)),
            Verdict::Again => continue,
            Verdict::Retry { retry_after } => retry_after,
        };
        if retries >= limits.max_retries {
            return Err(ended(error, true));
        }
        let delay = backoff.delay(retries + 1, retry_after, pacing.jitter.fraction());
        if limits
            .deadline
            .is_some_and(|deadline| Instant::now() + delay >= deadline)
        {
            tracing::debug!(what, attempt = number, %error, "out of time; not retrying");
            return Err(ended(error, true));
        }
        if limits.budget.is_some_and(|budget| !budget.try_spend()) {
            tracing::debug!(what, attempt = number, %error, "retry budget spent; not retrying");
            return Err(ended(error, true));
        }
        retries += 1;
        if let Some(counter) = limits.counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        crate::metrics::retried(what);
        tracing::info!(what, attempt = number, %error, delay_ms = delay.as_millis() as u64, "retrying after a failure");
        pacing.sleep.sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use futures::future::BoxFuture;

    use super::*;
    use crate::retry::RetryPolicy;
    use crate::retry::backoff::{Jitter, Sleep};

    const MS: Duration = Duration::from_millis(1);

    /// Draws the given fractions in turn.
    struct Draws(Mutex<Vec<f64>>);

    impl Jitter for Draws {
        fn fraction(&self) -> f64 {
            let mut draws = self.0.lock().unwrap();
            if draws.is_empty() {
                0.5
            } else {
                draws.remove(0)
            }
        }
    }

    /// Records each pause instead of sleeping.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Duration>>);

    impl Sleep for Arc<Recorder> {
        fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
            self.0.lock().unwrap().push(duration);
            Box::pin(async {})
        }
    }

    fn pacing(draws: &[f64]) -> (Pacing, Arc<Recorder>) {
        let recorder = Arc::new(Recorder::default());
        let pacing = Pacing {
            jitter: Arc::new(Draws(Mutex::new(draws.to_vec()))),
            sleep: Arc::new(recorder.clone()),
        };
        (pacing, recorder)
    }

    fn backoff() -> Backoff {
        Backoff::new(100 * MS, 400 * MS, Duration::from_secs(60))
    }

    fn retry() -> Verdict {
        Verdict::Retry { retry_after: None }
    }

    #[tokio::test]
    async fn retries_with_exact_jittered_pauses_until_success() {
        let (pacing, slept) = pacing(&[1.0, 0.5, 0.25]);
        let counter = AtomicU64::new(0);
        let limits = Limits {
            max_retries: 5,
            counter: Some(&counter),
            ..Limits::default()
        };
        let result = retry_loop("t", &backoff(), &pacing, limits, |n| async move {
            if n < 4 { Err(("busy", retry())) } else { Ok(n) }
        })
        .await;
        assert_eq!(result, Ok(4));
        // Ceilings 100, 200, 400 ms, drawn at 1.0, 0.5 and 0.25.
        assert_eq!(*slept.0.lock().unwrap(), vec![100 * MS, 100 * MS, 100 * MS]);
        assert_eq!(counter.load(Ordering::Relaxed), 3);
    }

    #[tokio::test]
    async fn stops_at_max_retries_with_the_last_error() {
        let (pacing, slept) = pacing(&[]);
        let limits = Limits {
            max_retries: 2,
            ..Limits::default()
        };
        let result: Result<(), _> = retry_loop("t", &backoff(), &pacing, limits, |n| async move {
            Err((format!("failure {n}"), retry()))
        })
        .await;
        let ended = result.unwrap_err();
        assert_eq!(ended.error, "failure 3");
        assert_eq!((ended.attempts, ended.exhausted), (3, true));
        assert_eq!(slept.0.lock().unwrap().len(), 2);
    }

    #[tokio::test]
    async fn a_final_failure_is_never_retried() {
        let (pacing, slept) = pacing(&[]);
        let limits = Limits {
            max_retries: 9,
            ..Limits::default()
        };
        let calls = std::cell::Cell::new(0);
        let calls = &calls;
        let result: Result<(), _> = retry_loop("t", &backoff(), &pacing, limits, |_| async move {
            calls.set(calls.get() + 1);
            Err(("started", Verdict::Stop))
        })
        .await;
        assert_eq!(
            result,
            Err(Ended {
                error: "started",
                attempts: 1,
                exhausted: false
            })
        );
        assert_eq!(calls.get(), 1);
        assert!(slept.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn again_retries_at_once_outside_the_count() {
        let (pacing, slept) = pacing(&[]);
        let limits = Limits {
            max_retries: 0,
            ..Limits::default()
        };
        let result = retry_loop("t", &backoff(), &pacing, limits, |n| async move {
            match n {
                1 => Err(("token refused", Verdict::Again)),
                _ => Ok(n),
            }
        })
        .await;
        assert_eq!(result, Ok(2));
        assert!(slept.0.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn retry_after_is_a_floor_with_one_cap() {
        let (pacing, slept) = pacing(&[0.5, 0.5]);
        let limits = Limits {
            max_retries: 2,
            ..Limits::default()
        };
        let answers = [Duration::from_secs(7), Duration::from_secs(3600)];
        let _: Result<(), _> = retry_loop("t", &backoff(), &pacing, limits, |n| async move {
            let retry_after = answers.get(n as usize - 1).copied();
            Err(("slow down", Verdict::Retry { retry_after }))
        })
        .await;
        assert_eq!(
            *slept.0.lock().unwrap(),
            vec![Duration::from_secs(7), Duration::from_secs(60)]
        );
    }

    #[tokio::test]
    async fn the_budget_is_spent_once_per_retry_and_then_stops_them() {
        let (pacing, slept) = pacing(&[]);
        let budget = RetryBudget::new(&RetryPolicy::default().budget(0.0, 1));
        let limits = Limits {
            max_retries: 5,
            budget: Some(&budget),
            ..Limits::default()
        };
        let result: Result<(), _> = retry_loop("t", &backoff(), &pacing, limits, |n| async move {
            Err((n, retry()))
        })
        .await;
        assert_eq!(result.unwrap_err().error, 2, "one retry in the budget");
        assert_eq!(slept.0.lock().unwrap().len(), 1);
        assert!(!budget.try_spend());
    }

    #[tokio::test(start_paused = true)]
    async fn no_retry_whose_pause_would_pass_the_deadline() {
        let (pacing, slept) = pacing(&[1.0, 1.0, 1.0]);
        let limits = Limits {
            max_retries: u32::MAX,
            deadline: Some(Instant::now() + 250 * MS),
            ..Limits::default()
        };
        let result: Result<(), _> = retry_loop("t", &backoff(), &pacing, limits, |n| async move {
            Err((n, retry()))
        })
        .await;
        // Pauses are recorded, not slept: 100 and 200 ms each fit before the
        // deadline on a clock that does not move; 400 ms does not.
        assert_eq!(result.map_err(|ended| ended.error), Err(3));
        assert_eq!(*slept.0.lock().unwrap(), vec![100 * MS, 200 * MS]);
    }
}
