//! What the CLI tests share: running the built `datasaur` binary
//! ([`command`]), and a sandbox in a child process ([`sandbox_process`]).

pub mod command;
pub mod sandbox_process;
