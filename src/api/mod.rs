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
mod project_creation;
mod projects;
mod reports;
mod starters;

use crate::saved::check_id;
use crate::transport::Refused;
use crate::{Client, Export, Job, JobHandle, SingleField};

pub use export_answer::ExportRequestResult;

impl Client {
    /// Sends `Q` (once: it starts work) and returns a handle on the job it
    /// answered with. A `null` job (the schema allows it for
    /// `collectDataset`) is a decode error: the server did not say which
    /// job, if any, it started, and the call is not repeated.
    ///
    /// The job's id is checked inside the request: one that could not be
    /// saved (blank, over 1 KiB) is then a decode error that says the work
    /// may have started, with the request id.
    async fn start_job<Q>(&self, variables: Q::Variables) -> crate::Result<JobHandle>
    where
        // `Job!` for most starters, `Job` (nullable) for `collectDataset`.
        Q: SingleField<Field: Into<Option<Job>>>,
    {
        let job = self
            .execute_then::<Q, _>(variables, |data| {
                let job = Q::into_field(data).into().ok_or_else(|| Refused {
                    path: "data.job",
                    message: "the answer has no job (null): the server did not say which job, if any, it started".into(),
                })?;
                check_id(&job.id).map_err(|why| Refused {
                    path: "data.job.id",
                    message: why.to_string(),
                })?;
                Ok(job)
            })
            .await?;
        tracing::info!(job.id = %job.id, operation = Q::OPERATION_NAME, "job started");
        Ok(JobHandle::started(self.clone(), Q::OPERATION_NAME, job))
    }

    /// Sends `Q` (once: it starts work) and returns the export it answered with.
    async fn start_export<Q: SingleField<Field = ExportRequestResult>>(
        &self,
        variables: Q::Variables,
    ) -> crate::Result<Export> {
        let started = Q::into_field(self.execute::<Q>(variables).await?);
        tracing::info!(
            export.id = %started.export_id,
            operation = Q::OPERATION_NAME,
            "export started"
        );
        Ok(Export::new(self.clone(), Q::OPERATION_NAME, started))
    }
}
