//! The retry budget: a token bucket filled by requests, so a dead server is
//! not hammered by every caller's retries at once.

use std::sync::Mutex;

use super::RetryPolicy;
use crate::sync::lock;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
