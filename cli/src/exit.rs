//! The tool's exit codes, documented in `datasaur job wait --help`.

use std::process::ExitCode;

/// Exit codes, worst last: when jobs end differently, the worst wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Exit {
    /// Every job delivered (or the command succeeded).
    Success = 0,
    /// Some job failed.
    JobFailed = 1,
    /// Some wait ran out of time.
    TimedOut = 2,
    /// Bad usage, missing or refused credentials.
    UsageOrAuth = 3,
    /// Anything else: unknown jobs, server or network errors.
    Other = 4,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}
