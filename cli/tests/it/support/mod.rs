//! What the CLI tests share: running the built `datasaur` binary
//! ([`command`]), a sandbox in a child process ([`sandbox_process`]) and a
//! server with one fixed answer ([`fixed_server`]).

pub mod command;
pub mod fixed_server;
pub mod sandbox_process;
