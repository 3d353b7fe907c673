//! When and how soon a failed request is sent again.

use crate::sync::lock;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

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

    /// The longest `Retry-After` honoured (default 60 s).
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// Retries earned per request, and retries saved for bursts.
    pub fn get_budget(&self) -> (f64, u32) {
        (self.budget_ratio, self.budget_reserve)
    }

    /// How long to wait before retry number `retry` (1 for the first):
    /// a random time up to `initial × 2^(retry-1)` (capped at `max_backoff`),
    /// but no less than the server's `Retry-After` (capped at `max_retry_after`).
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let ceiling = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)))
            .min(self.max_backoff);
        let jittered = ceiling.mul_f64(fastrand::f64());
        match retry_after {
            Some(server) => jittered.max(server.min(self.max_retry_after)),
            None => jittered,
        }
    }
}

/// Retries a client may still spend: a token bucket filled by requests.
#[derive(Debug)]
pub(crate) struct RetryBudget {
    tokens: Mutex<f64>,
    ratio: f64,
    reserve: f64,
}

impl RetryBudget {
    pub(crate) fn new(policy: &RetryPolicy) -> Self {
        let reserve = f64::from(policy.budget_reserve);
        RetryBudget {
            tokens: Mutex::new(reserve),
            ratio: policy.budget_ratio.max(0.0),
            reserve,
        }
    }

    /// A request was sent: earn a share of a retry.
    pub(crate) fn earn(&self) {
        let mut tokens = lock(&self.tokens);
        *tokens = (*tokens + self.ratio).min(self.reserve);
    }

    /// Spends one retry, if the budget has one.
    pub(crate) fn try_spend(&self) -> bool {
        let mut tokens = lock(&self.tokens);
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// The raw `Retry-After` header of an answer, if it is text.
pub(crate) fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// A `Retry-After` value: delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether a GraphQL document is a mutation (or might be: when in doubt, it
/// is treated as one, so it is never sent twice).
pub(crate) fn is_mutation(document: &str) -> bool {
    let mut words = document
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .flat_map(|line| line.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .filter(|word| !word.is_empty());
    match words.next() {
        // A document that opens with a query holds only that operation
        // (one per file here); anything else is scanned whole.
        Some("query") => false,
        Some("mutation") => true,
        Some(_) => words.any(|word| word == "mutation"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_capped_and_jittered() {
        let policy = RetryPolicy::default();
        for _ in 0..100 {
            assert!(policy.delay(1, None) <= Duration::from_millis(200));
            assert!(policy.delay(3, None) <= Duration::from_millis(800));
            assert!(policy.delay(30, None) <= Duration::from_secs(10));
        }
        let spread: std::collections::HashSet<Duration> =
            (0..20).map(|_| policy.delay(5, None)).collect();
        assert!(spread.len() > 10, "full jitter spreads retries");
    }

    #[test]
    fn retry_after_is_honoured_and_capped() {
        let policy = RetryPolicy::default();
        assert!(policy.delay(1, Some(Duration::from_secs(7))) >= Duration::from_secs(7));
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(60)
        );
    }

    #[test]
    fn retry_after_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(" 12 ", now),
            Some(Duration::from_secs(12))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(30))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn budget_allows_bursts_then_a_share_of_requests() {
        let budget = RetryBudget::new(&RetryPolicy::default().budget(0.5, 2));
        assert!(budget.try_spend() && budget.try_spend());
        assert!(!budget.try_spend(), "the reserve is spent");
        budget.earn();
        assert!(!budget.try_spend(), "half a retry is not a retry");
        budget.earn();
        assert!(budget.try_spend());
    }

    #[test]
    fn mutations_are_recognised() {
        assert!(is_mutation(
            "mutation Start($input: X!) { start(input: $input) { id } }"
        ));
        assert!(is_mutation("# starts a job\nmutation{start{id}}"));
        assert!(!is_mutation(
            "query GetJob($jobId: String!) { getJob(jobId: $jobId) { id } }"
        ));
        assert!(!is_mutation("# not a mutation\nquery Q { a }"));
        assert!(is_mutation(
            "fragment F on Job { id }\nmutation M { start { ...F } }"
        ));
        assert!(!is_mutation("{ getJob(jobId: \"x\") { id } }"));
    }
}
