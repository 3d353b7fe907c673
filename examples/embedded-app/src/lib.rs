//! An application that embeds `datasaur` and runs operations of its own,
//! generated in `build.rs` by `datasaur-codegen` from `graphql/*.graphql`:
//! typed end to end, sharing the client's credentials, retries and waits.

pub mod pending;
pub mod webhook;

/// The app's operations (`graphql/*.graphql`), generated at build time.
#[allow(missing_docs, clippy::all)]
pub mod operations {
    include!(concat!(env!("OUT_DIR"), "/datasaur_operations.rs"));
}

use datasaur::{Client, JobStatus, SingleField, WaitOptions};
use operations::{JobBrief, JobState, StartLabeling, job_state, start_labeling};

/// Starts auto-labeling of `project` with the app's own mutation, then waits
/// on the job through the client's wait engine; returns its final status.
pub async fn label_project(
    client: &Client,
    project: &str,
) -> Result<JobStatus, Box<dyn std::error::Error>> {
    // The app's operation takes datasaur's own input types: the same schema
    // types, so the same Rust types.
    let input: datasaur::operations::types::AutoLabelTokenBasedProjectInput =
        start_labeling::AutoLabelTokenBasedProjectInput::new(
            "app@example.com",
            start_labeling::AutoLabelProjectOptionsInput::new(0)
                .service_provider(start_labeling::GqlAutoLabelServiceProvider::Custom),
            project,
            start_labeling::TargetApiInput::new("https://model.example.com/predict", "model-key"),
        );
    let data = client
        .execute::<StartLabeling>(start_labeling::Variables { input })
        .await?;
    // The answer's one field, as the fragment `JobBrief` both operations select.
    let started: JobBrief = StartLabeling::into_field(data);
    let job = client
        .wait_for_job(started.id, WaitOptions::default())
        .await?;
    Ok(job.status)
}

/// One job's status and progress, with the app's own query.
pub async fn job_state(
    client: &Client,
    id: &str,
) -> Result<Option<(JobStatus, i64)>, datasaur::Error> {
    let data = client
        .execute::<JobState>(job_state::Variables { id: id.into() })
        .await?;
    Ok(data.job.map(|job| (job.status, job.progress)))
}
