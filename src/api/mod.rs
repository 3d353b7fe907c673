//! The API calls of [`crate::Client`], one file per area of Datasaur's API.
//! Each wraps a generated operation of [`crate::operations`] thinly: the
//! variables in, the answer checked and mapped to this crate's types out.
//! The waits are in [`crate::wait`], beside the engine they drive.
//!
//! `jobs.rs` reads jobs; `starters.rs` starts them (auto-labeling, agreement
//! tables, automations, datasets, predictions); `exports.rs` starts project
//! and document exports and reads their status; `reports.rs` starts the
//! team, chart and report exports. Every starter goes through the two
//! helpers below, so each answer is read, and checked, one way.

mod exports;
mod jobs;
mod reports;
mod starters;

use serde::Deserialize;

use crate::{Client, Export, Job, JobHandle, Operation};

/// The answer of an operation that starts a job, aliased `job:` in its
/// `.graphql` file; read straight into [`Job`] (errors bounded).
#[derive(Deserialize)]
struct JobStarted {
    job: Option<Job>,
}

/// The answer of an operation that starts an export, aliased `export:`.
#[derive(Deserialize)]
struct ExportStarted {
    export: ExportRequestResult,
}

/// `ExportRequestResult`, the same for every export kind.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ExportRequestResult {
    export_id: String,
    file_url: Option<String>,
    file_url_expired_at: Option<String>,
    queued: Option<bool>,
    redirect: Option<String>,
}

impl Client {
    /// Sends `Q` (once: it starts work) and returns a handle on the job it
    /// answered with. A `null` job (the schema allows it for
    /// `collectDataset`) is a decode error: the server did not say which
    /// job, if any, it started, and the call is not repeated.
    async fn start_job<Q: Operation>(&self, variables: Q::Variables) -> crate::Result<JobHandle> {
        let started: JobStarted = self.execute_as::<Q, _>(variables).await?;
        let job = started.job.ok_or_else(|| {
            crate::Error::decode(
                self.request(Q::OPERATION_NAME),
                "data.job",
                "the answer has no job (null): the server did not say which job, if any, it started",
                String::new(),
                false,
            )
        })?;
        Ok(JobHandle::started(self.clone(), Q::OPERATION_NAME, job))
    }

    /// Sends `Q` (once: it starts work) and returns the export it answered with.
    async fn start_export<Q: Operation>(&self, variables: Q::Variables) -> crate::Result<Export> {
        let started: ExportStarted = self.execute_as::<Q, _>(variables).await?;
        let export = started.export;
        Export::new(
            self.clone(),
            Q::OPERATION_NAME,
            export.export_id,
            export.file_url,
            export.file_url_expired_at,
            export.redirect,
            export.queued,
        )
    }
}
