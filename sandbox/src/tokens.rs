//! Access tokens: issued by the OAuth endpoint with a lifetime, or fixed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::sync::lock;
use tokio::time::Instant;

/// How long a token is valid.
#[derive(Debug, Clone, Copy)]
enum Lifetime {
    /// A fixed token from the configuration: always, even past `expire_all`.
    Fixed,
    /// An issued token.
    Until(Instant),
    /// An issued token whose lifetime is past the clock's range.
    Unbounded,
}

/// Tokens held before expired ones are first looked for.
const MIN_PRUNE: usize = 1024;

pub(crate) struct TokenStore {
    tokens: Mutex<HashMap<String, Lifetime>>,
    issued: AtomicU64,
    /// How many tokens the last pruning kept.
    kept_after_prune: AtomicU64,
    ttl: Duration,
}

/// `{prefix}-` and 128 bits from the standard library's per-process random
/// hashing keys: unguessable enough for a test server, distinct per call.
pub(crate) fn random_token(prefix: &str) -> String {
    let part = || {
        let keys = std::collections::hash_map::RandomState::new();
        std::hash::BuildHasher::hash_one(&keys, prefix)
    };
    format!("{prefix}-{:016x}{:016x}", part(), part())
}

impl TokenStore {
    pub fn new(ttl: Duration, fixed: &[String]) -> Self {
        let tokens = fixed
            .iter()
            .map(|token| (token.clone(), Lifetime::Fixed))
            .collect();
        TokenStore {
            tokens: Mutex::new(tokens),
            issued: AtomicU64::new(0),
            kept_after_prune: AtomicU64::new(0),
            ttl,
        }
    }

    /// Issues a new token valid for the configured lifetime.
    pub fn issue(&self) -> (String, Duration) {
        let n = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        let token = random_token(&format!("sandbox-{n}"));
        // A lifetime past the clock's range (`--token-ttl 18446744073709551615`)
        // is a token that never expires, not a panic.
        let lifetime = Instant::now()
            .checked_add(self.ttl)
            .map_or(Lifetime::Unbounded, Lifetime::Until);
        let mut tokens = lock(&self.tokens);
        // Expired tokens are forgotten as new ones come (amortized: when
        // the map has doubled since), so a token flood holds only the
        // tokens still valid.
        if tokens.len() >= MIN_PRUNE.max(2 * self.kept_after_prune.load(Ordering::Relaxed) as usize)
        {
            let now = Instant::now();
            tokens.retain(
                |_, lifetime| !matches!(lifetime, Lifetime::Until(expiry) if *expiry <= now),
            );
            self.kept_after_prune
                .store(tokens.len() as u64, Ordering::Relaxed);
        }
        tokens.insert(token.clone(), lifetime);
        (token, self.ttl)
    }

    pub fn is_valid(&self, token: &str) -> bool {
        match lock(&self.tokens).get(token) {
            Some(Lifetime::Fixed | Lifetime::Unbounded) => true,
            Some(Lifetime::Until(expiry)) => Instant::now() < *expiry,
            None => false,
        }
    }

    /// Expires every issued token at once; fixed tokens stay valid.
    pub fn expire_all(&self) {
        let now = Instant::now();
        for lifetime in lock(&self.tokens).values_mut() {
            if !matches!(lifetime, Lifetime::Fixed) {
                *lifetime = Lifetime::Until(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn expired_tokens_are_forgotten_as_new_ones_come() {
        let store = TokenStore::new(Duration::from_secs(60), &["fixed".to_owned()]);
        for _ in 0..5_000 {
            store.issue();
        }
        tokio::time::advance(Duration::from_secs(61)).await;
        let (fresh, _) = store.issue();
        for _ in 0..5_000 {
            store.issue();
        }
        // 10,001 issued; the 5,000 that expired are gone by now.
        let held = lock(&store.tokens).len();
        assert!(held <= 5_002, "{held} tokens held");
        assert!(store.is_valid(&fresh) && store.is_valid("fixed"));
    }
}
