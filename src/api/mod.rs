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

mod export_answer;
mod exports;
mod jobs;
mod reports;
mod starters;

use serde::Deserialize;

use crate::saved::check_id;
use crate::{Client, Export, Job, JobHandle, Operation};

/// The answer of an operation that starts a job, aliased `job:` in its
/// `.graphql` file; read straight into [`Job`] (errors bounded). A job id
/// that could not be saved (blank, over 1 KiB) fails the decode, inside the
/// request: the error then says the work may have started, with its
/// request id, and the call is not repeated.
#[derive(Deserialize)]
#[serde(try_from = "RawJobStarted")]
struct JobStarted {
    job: Option<Job>,
}

#[derive(Deserialize)]
struct RawJobStarted {
    job: Option<Job>,
}

impl TryFrom<RawJobStarted> for JobStarted {
    type Error = String;

    fn try_from(raw: RawJobStarted) -> Result<Self, String> {
        if let Some(job) = &raw.job {
            check_id(&job.id).map_err(|why| format!("job.id: {why}"))?;
        }
        Ok(JobStarted { job: raw.job })
    }
}

/// The answer of an operation that starts an export, aliased `export:`.
#[derive(Deserialize)]
struct ExportStarted {
    export: ExportRequestResult,
}

pub(crate) use export_answer::ExportRequestResult;

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
        tracing::info!(job.id = %job.id, operation = Q::OPERATION_NAME, "job started");
        Ok(JobHandle::started(self.clone(), Q::OPERATION_NAME, job))
    }

    /// Sends `Q` (once: it starts work) and returns the export it answered with.
    async fn start_export<Q: Operation>(&self, variables: Q::Variables) -> crate::Result<Export> {
        let started: ExportStarted = self.execute_as::<Q, _>(variables).await?;
        tracing::info!(
            export.id = %started.export.export_id,
            operation = Q::OPERATION_NAME,
            "export started"
        );
        Ok(Export::new(self.clone(), Q::OPERATION_NAME, started.export))
    }
}
