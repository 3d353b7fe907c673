//! One way to take a lock: the client's shared state (token cache, retry
//! budget) stays usable after a panic elsewhere, since every update leaves it consistent.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, ignoring poisoning.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
