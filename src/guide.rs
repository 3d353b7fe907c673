//! The guide: one page per task, kept as Markdown in `docs/guide/` (read
//! on GitHub) and shown here (read on docs.rs). Their code runs as doctests,
//! so it cannot rot.
//!
//! - [Start a project: a first program and its test, to copy](start)
//! - [Waiting on jobs: one, many, a stream, the wait engine](waiting)
//! - [Starting work: every job starter, and its handle](starting_work)
//! - [Uploads and projects: files in, a project out](uploads_and_projects)
//! - [Exports and webhooks: from "export" to a file on disk](exports)
//! - [Jobs that outlive the process: saved handles, state files](outliving_the_process)
//! - [Testing with the sandbox: Datasaur on your machine](testing_with_the_sandbox)
//! - [Your own operations, and schema changes](own_operations)
//! - [Observability: traces, logs and metrics](observability)
//! - [Credentials, errors and retries](errors_and_retries)
//! - [Security and limits](security_and_limits)
//!
//! The command line, the sandbox server and the generator document
//! themselves: the `datasaur-cli`, `datasaur-sandbox` and `datasaur-codegen`
//! crates' pages.

#[doc = include_str!("../docs/guide/start.md")]
pub mod start {}

#[doc = include_str!("../docs/guide/waiting.md")]
pub mod waiting {}

#[doc = include_str!("../docs/guide/starting_work.md")]
pub mod starting_work {}

#[doc = include_str!("../docs/guide/uploads_and_projects.md")]
pub mod uploads_and_projects {}

#[doc = include_str!("../docs/guide/exports.md")]
pub mod exports {}

#[doc = include_str!("../docs/guide/outliving_the_process.md")]
pub mod outliving_the_process {}

#[doc = include_str!("../docs/guide/testing_with_the_sandbox.md")]
pub mod testing_with_the_sandbox {}

#[doc = include_str!("../docs/guide/own_operations.md")]
pub mod own_operations {}

#[doc = include_str!("../docs/guide/observability.md")]
pub mod observability {}

#[doc = include_str!("../docs/guide/errors_and_retries.md")]
pub mod errors_and_retries {}

#[doc = include_str!("../docs/guide/security_and_limits.md")]
pub mod security_and_limits {}
