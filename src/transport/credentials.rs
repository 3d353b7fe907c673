//! What the pipeline asks of a call's credentials: a header to send, and
//! what to do when the server refuses it. `auth.rs` implements it; the seam
//! keeps the pipeline from depending on how tokens are fetched (a token
//! fetch is itself a call of the pipeline).

use std::sync::atomic::AtomicBool;

use futures::future::BoxFuture;
use reqwest::header::HeaderValue;

use crate::error::{Error, Result};

/// A header to send, and which token it came from, so that an
/// `Unauthorized` answer invalidates that token and no newer one.
#[derive(Clone)]
pub(crate) struct Authorization {
    pub(crate) header: HeaderValue,
    pub(crate) generation: u64,
}

/// A call's credentials, as the pipeline uses them.
pub(crate) trait CallCredentials: Send + Sync {
    /// The `Authorization` header to send now, if any.
    fn authorization(&self) -> BoxFuture<'_, Result<Option<Authorization>>>;

    /// Replaces every credential in the server's text of `error`.
    fn redact(&self, error: &mut Error, used: Option<&Authorization>);

    /// After `error` from a request that carried `used`: whether to forget
    /// the token and send once more (`refreshed` makes it once per request).
    fn refresh_once_if_refused(
        &self,
        error: &Error,
        used: Option<&Authorization>,
        refreshed: &AtomicBool,
    ) -> bool;
}
