//! Ctrl-C and SIGTERM: the command running is dropped, so that what it holds
//! cleans up (a download's temporary file is removed by its drop guard), and
//! the process exits with the shell's code for the signal.

use std::fmt;

/// A signal that asks the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM.
    Terminate,
}

impl Stop {
    /// 128 + the signal's number, as shells report a process killed by it.
    pub fn exit_code(self) -> u8 {
        match self {
            Stop::Interrupt => 130,
            Stop::Terminate => 143,
        }
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stop::Interrupt => "interrupted",
            Stop::Terminate => "terminated",
        })
    }
}

/// Waits for SIGINT or SIGTERM (only Ctrl-C off Unix).
pub async fn stop_signal() -> Stop {
    #[cfg(unix)]
    {
        let mut terminate =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let terminated = async {
            match terminate.as_mut() {
                Some(signal) => {
                    signal.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => Stop::Interrupt,
            () = terminated => Stop::Terminate,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        Stop::Interrupt
    }
}

/// Runs `command` until it ends or a stop signal comes; on a signal the
/// command is dropped first (its files cleaned up), then its exit code is
/// the signal's.
pub async fn unless_stopped(
    command: impl std::future::Future<Output = std::process::ExitCode>,
) -> std::process::ExitCode {
    tokio::select! {
        code = command => code,
        stop = stop_signal() => {
            eprintln!("{stop}: stopped (files not yet whole were removed)");
            std::process::ExitCode::from(stop.exit_code())
        }
    }
}
