//! # datasaur
//!
//! A schema-first, typed client for [Datasaur](https://datasaur.ai)'s GraphQL
//! API, built for its long-running jobs.
//!
//! Every operation lives in `graphql/*.graphql` and is generated at build
//! time by `datasaur-codegen` against `graphql/schema.graphql`: a query that
//! asks for a field Datasaur does not have does not compile.
//!
//! ```no_run
//! # async fn run() -> Result<(), datasaur::Error> {
//! let client = datasaur::Client::builder()
//!     .access_token(std::env::var("DATASAUR_ACCESS_TOKEN").unwrap_or_default())
//!     .build()?;
//!
//! let job = client.get_job("AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637").await?;
//! println!("{} is {} ({}%)", job.id, job.status, job.progress);
//!
//! // Many jobs, one request per 100 ids, in the order asked.
//! for job in client.get_jobs(&["AutoLabelQueue:1", "AutoLabelQueue:2"]).await?.into_iter().flatten() {
//!     println!("{}: {}", job.id, job.status);
//! }
//! # Ok(()) }
//! ```
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod api;
mod auth;
mod base_url;
mod body;
mod builder;
mod client;
mod download;
mod duration_text;
mod error;
mod export;
mod from_env;
pub mod guide;
mod http_clients;
mod job;
mod job_handle;
pub mod metrics;
mod new_documents;
mod new_project;
mod operation;
pub mod operations;
mod pages;
mod part_file;
mod project;
mod project_creation;
mod project_document;
#[cfg(test)]
mod property_tests;
mod response;
mod retry;
mod saved;
mod started;
mod sync;
mod transport;
mod upload;
mod wait;
mod webhook;
mod work;

pub use builder::{
    ClientBuilder, DEFAULT_BASE_URL, DEFAULT_BATCH_SIZE, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT,
};
pub use client::{Client, ClientMetrics};
pub use download::{Download, DownloadOptions};
pub use error::{Error, ErrorKind, GraphQLError, Result};
pub use export::{Export, ExportStatus};
pub use job::{Job, JobAdditionalData, JobError, JobStatus};
pub use job_handle::JobHandle;
pub use new_documents::NewDocuments;
pub use new_project::NewProject;
pub use operation::{Operation, SingleField};
pub use pages::pages;
pub use project::Project;
pub use project_creation::{CreatedProject, ProjectCreation};
pub use project_document::ProjectDocument;
pub use retry::RetryPolicy;
pub use saved::{SAVED_FORMAT_VERSION, SavedExport, SavedJob};
pub use upload::{Upload, UploadOptions, UploadProgress, UploadSource};
pub use wait::{
    DEFAULT_POLL_FAILURE_LIMIT, JobUpdate, JobWaiter, MIN_POLL_INTERVAL, PollBackoff, WaitError,
    WaitLimit, WaitOptions,
};
pub use webhook::{ExportWebhook, SIGNATURE_HEADER};

/// Shared with the workspace's `datasaur` command line; not part of the
/// public API, and not covered by semantic versioning.
#[doc(hidden)]
pub mod __workspace {
    pub use crate::duration_text::HumanDuration;
    pub use crate::part_file::{
        PartFile, remove_stale_parts_blocking, write_whole, write_whole_blocking,
    };
    pub use crate::saved::check_id as check_job_id;
}

// Compile the README's examples as doctests, so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
