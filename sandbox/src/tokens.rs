//! Access tokens: issued by the OAuth endpoint with a lifetime, or fixed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::sync::lock;
use tokio::time::Instant;

pub(crate) struct TokenStore {
    /// Token -> expiry; `None` never expires.
    tokens: Mutex<HashMap<String, Option<Instant>>>,
    issued: AtomicU64,
    ttl: Duration,
}

impl TokenStore {
    pub fn new(ttl: Duration, fixed: &[String]) -> Self {
        let tokens = fixed.iter().map(|token| (token.clone(), None)).collect();
        TokenStore {
            tokens: Mutex::new(tokens),
            issued: AtomicU64::new(0),
            ttl,
        }
    }

    /// Issues a new token valid for the configured lifetime.
    pub fn issue(&self) -> (String, Duration) {
        let n = self.issued.fetch_add(1, Ordering::Relaxed) + 1;
        // Unguessable enough for a loopback test server; distinct per issue.
        let nonce = std::collections::hash_map::RandomState::new();
        let token = format!(
            "sandbox-{n}-{:016x}",
            std::hash::BuildHasher::hash_one(&nonce, n)
        );
        lock(&self.tokens).insert(token.clone(), Some(Instant::now() + self.ttl));
        (token, self.ttl)
    }

    pub fn is_valid(&self, token: &str) -> bool {
        match lock(&self.tokens).get(token) {
            Some(None) => true,
            Some(Some(expiry)) => Instant::now() < *expiry,
            None => false,
        }
    }

    /// Expires every issued token at once; fixed tokens stay valid.
    pub fn expire_all(&self) {
        let now = Instant::now();
        for expiry in lock(&self.tokens).values_mut().flatten() {
            *expiry = now;
        }
    }
}
