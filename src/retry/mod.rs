//! When and how soon failed work is tried again. [`RetryPolicy`] holds the
//! caller's knobs; [`Backoff`] is the one jittered schedule and the one
//! `Retry-After` cap; [`retry_loop`] is the one loop that GraphQL requests
//! (token fetches included) and downloads go through. The loop knows
//! nothing of HTTP: each attempt says what its failure means ([`Verdict`]).

mod backoff;
mod budget;
mod policy;
mod retry_after;
mod run;

pub(crate) use backoff::{Backoff, Pacing};
pub(crate) use budget::RetryBudget;
pub use policy::RetryPolicy;
pub(crate) use retry_after::{parse_retry_after, retry_after_header};
pub(crate) use run::{Limits, Verdict, retry_loop};
