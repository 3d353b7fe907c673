//! The `datasaur` command's tests, one module per command area, in one
//! binary: the built CLI run as a child process against sandboxes.

mod proxies;
mod support;

mod cli_errors;
mod cli_export;
mod cli_input;
mod cli_job;
mod cli_project;
mod cli_sandbox;
mod cli_schema;
mod cli_state;
mod cli_upload;
