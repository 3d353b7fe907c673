//! The integration tests of `datasaur`, one module per area, in one binary:
//! one link instead of fourteen, and helpers in `support` that every module
//! shares.

mod support;

mod documentation_example;
mod errors;
mod exports;
mod fault_matrix;
mod get_job;
mod get_jobs;
mod hostile_server;
mod oauth;
mod pipeline;
mod project_creation;
mod projects;
mod readme_starter;
mod redirects;
mod retry;
mod saved_handles;
mod soak;
mod starters;
mod uploads;
mod wait;
mod wait_engine;
mod wire_contract;
