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

impl Exit {
    /// The code a failed request calls for: credentials or configuration
    /// are the user's to fix (3), anything else is 4.
    pub fn for_error(error: &datasaur::Error) -> Exit {
        if error.is_unauthorized() || error.is_config() {
            Exit::UsageOrAuth
        } else {
            Exit::Other
        }
    }

    /// The code one wait's outcome calls for.
    pub fn for_wait(result: &Result<datasaur::Job, datasaur::WaitError>) -> Exit {
        match result {
            Ok(_) => Exit::Success,
            Err(error) => Exit::for_wait_error(error),
        }
    }

    /// The code a wait that did not deliver calls for.
    pub fn for_wait_error(error: &datasaur::WaitError) -> Exit {
        match error {
            datasaur::WaitError::Failed { .. } => Exit::JobFailed,
            datasaur::WaitError::TimedOut { .. } => Exit::TimedOut,
            datasaur::WaitError::Poll { source, .. } => Exit::for_error(source),
            _ => Exit::Other,
        }
    }
}
