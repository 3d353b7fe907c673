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

pub(crate) struct TokenStore {
    tokens: Mutex<HashMap<String, Lifetime>>,
    issued: AtomicU64,
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
        lock(&self.tokens).insert(token.clone(), lifetime);
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
