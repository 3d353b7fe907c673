//! What the CLI tests share: running the built `datasaur` binary
//! ([`command`]), a sandbox in a child process ([`sandbox_process`]), a
//! server with one fixed answer ([`fixed_server`]) and a terminal ([`pty`]).

pub mod command;
pub mod fixed_server;
#[cfg(unix)]
pub mod pty;
pub mod sandbox_process;
