//! [`Tally`]: how the jobs of a wait ended, counted for the summary line
//! and its `summary` event. A leaf: the reporter and the event type both
//! use it.

/// How the jobs of a wait ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub delivered: u64,
    pub failed: u64,
    pub timed_out: u64,
    pub not_found: u64,
    pub errors: u64,
    /// Of the above, how many a state file reported (finished in an
    /// earlier run, not waited on now).
    pub from_state: u64,
}
