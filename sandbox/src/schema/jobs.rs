//! Jobs: `getJob`, `getJobs`, and the `Job` type every job-starting field returns.

use std::sync::Arc;

use async_graphql::{
    Context, Enum, ID, InputValueResult, Object, Scalar, ScalarType, SimpleObject, Value,
};

use super::context::state;
use crate::schema_limits::MAX_IDS_PER_FIELD;
use crate::script::JobScript;
use crate::state::SandboxState;
use crate::store::JobView;

/// Job fields, merged into `Query`.
#[derive(Default)]
pub(crate) struct JobQuery;

#[Object]
impl JobQuery {
    /// One job by id; `null` when the id is unknown.
    async fn get_job(&self, ctx: &Context<'_>, job_id: String) -> Option<Job> {
        let state = state(ctx);
        state.stats.update(|stats| stats.job_ids_requested += 1);
        state.store.view(&job_id).map(Job::from)
    }

    /// Several jobs at once: one entry per id, in order, `null` for an unknown id.
    #[graphql(complexity = "job_ids.len().saturating_mul(child_complexity).max(1)")]
    async fn get_jobs(
        &self,
        ctx: &Context<'_>,
        job_ids: Vec<String>,
    ) -> async_graphql::Result<Vec<Option<Job>>> {
        if job_ids.len() > MAX_IDS_PER_FIELD {
            return Err(async_graphql::Error::new(format!(
                "getJobs takes at most {MAX_IDS_PER_FIELD} ids, got {}",
                job_ids.len()
            )));
        }
        let state = state(ctx);
        state
            .stats
            .update(|stats| stats.job_ids_requested += job_ids.len() as u64);
        Ok(job_ids
            .iter()
            .map(|id| state.store.view(id).map(Job::from))
            .collect())
    }
}

#[derive(SimpleObject)]
pub(crate) struct Job {
    id: String,
    pub(super) status: JobStatus,
    progress: i32,
    pub(super) errors: Vec<JobError>,
    result_id: Option<String>,
    result: Option<JobResult>,
    created_at: String,
    updated_at: String,
    additional_data: Option<JobAdditionalData>,
}

impl Job {
    fn queued(id: String) -> Job {
        Job {
            id,
            status: JobStatus::Queued,
            progress: 0,
            errors: Vec::new(),
            result_id: None,
            result: None,
            created_at: String::new(),
            updated_at: String::new(),
            additional_data: None,
        }
    }
}

impl From<JobView> for Job {
    fn from(view: JobView) -> Job {
        Job {
            id: view.id,
            status: match view.status {
                "QUEUED" => JobStatus::Queued,
                "IN_PROGRESS" => JobStatus::InProgress,
                "FAILED" => JobStatus::Failed,
                "DELIVERED" => JobStatus::Delivered,
                _ => JobStatus::None,
            },
            progress: i32::try_from(view.progress).unwrap_or(i32::MAX),
            errors: view
                .errors
                .into_iter()
                .map(|e| JobError {
                    id: e.id,
                    stack: e.stack,
                    args: e.args.map(JobErrorArgs),
                })
                .collect(),
            result_id: view.result_id,
            result: view.result.map(JobResult),
            created_at: view.created_at,
            updated_at: view.updated_at,
            additional_data: None,
        }
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum JobStatus {
    Delivered,
    Failed,
    InProgress,
    None,
    Queued,
}

#[derive(SimpleObject)]
pub(crate) struct JobError {
    id: String,
    stack: String,
    args: Option<JobErrorArgs>,
}

#[derive(SimpleObject)]
pub(crate) struct JobAdditionalData {
    automation_activity_id: Option<ID>,
}

/// Arbitrary JSON produced by a finished job.
pub(crate) struct JobResult(serde_json::Value);

/// Arbitrary JSON describing the arguments of a job error.
pub(crate) struct JobErrorArgs(serde_json::Value);

macro_rules! json_scalar {
    ($name:ident) => {
        #[Scalar]
        impl ScalarType for $name {
            fn parse(value: Value) -> InputValueResult<Self> {
                Ok($name(value.into_json()?))
            }

            fn to_value(&self) -> Value {
                Value::from_json(self.0.clone()).unwrap_or(Value::Null)
            }
        }
    };
}
json_scalar!(JobResult);
json_scalar!(JobErrorArgs);

/// Creates a job of `kind` running `script`, counted as a job started, and
/// answers it as the start call does (a script that hides new jobs for a
/// while still answers the call with the job).
pub(super) fn start_job(state: &Arc<SandboxState>, kind: &str, script: JobScript) -> Job {
    let id = state.store.create(kind, script);
    state.stats.update(|stats| stats.jobs_started += 1);
    state
        .store
        .view(&id)
        .map_or_else(|| Job::queued(id), Job::from)
}
