//! The sandbox's GraphQL schema, in async-graphql. It must equal
//! `graphql/schema.graphql` type by type; `cli/src/schema_check/sandbox_agreement.rs` proves it.

use std::sync::Arc;

use async_graphql::{
    Context, EmptySubscription, Enum, ID, InputObject, InputValueResult, Object, Scalar,
    ScalarType, SimpleObject, Value,
};

use super::schema_limits::{MAX_COMPLEXITY, MAX_DEPTH, MAX_IDS_PER_FIELD};
use super::state::SandboxState;
use super::store::JobView;

pub(crate) type SandboxSchema = async_graphql::Schema<AllQueries, Mutation, EmptySubscription>;

#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub(crate) struct AllQueries(JobQuery, ExportQuery);

pub(crate) fn build(state: Arc<SandboxState>) -> SandboxSchema {
    async_graphql::Schema::build(AllQueries::default(), Mutation, EmptySubscription)
        .data(state)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_depth(MAX_DEPTH)
        .finish()
}

fn state<'a>(ctx: &Context<'a>) -> &'a Arc<SandboxState> {
    // Always present: `build` registers it.
    ctx.data_unchecked::<Arc<SandboxState>>()
}

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

/// Export fields, merged into `Query`.
#[derive(Default)]
pub(crate) struct ExportQuery;

#[Object]
impl ExportQuery {
    /// Starts an export of whole projects (a query that starts work).
    async fn export_text_project(
        &self,
        ctx: &Context<'_>,
        input: ExportTextProjectInput,
    ) -> ExportRequestResult {
        let webhook = Webhook {
            url: input.url,
            secret: input.secret,
            project_id: input.project_ids.first().map(|id| id.0.clone()),
            document_id: None,
        };
        start_export(state(ctx), &input.file_name, input.method, webhook)
    }

    /// Starts an export of one document (a query that starts work).
    async fn export_text_project_document(
        &self,
        ctx: &Context<'_>,
        input: ExportTextProjectDocumentInput,
    ) -> ExportRequestResult {
        let webhook = Webhook {
            url: input.url,
            secret: input.secret,
            project_id: None,
            document_id: Some(input.document_id),
        };
        start_export(state(ctx), &input.file_name, input.method, webhook)
    }

    /// Where an export stands, by its id.
    async fn get_export_delivery_status(
        &self,
        ctx: &Context<'_>,
        export_id: ID,
    ) -> async_graphql::Result<GetExportDeliveryStatusResult> {
        let view = state(ctx).store.view(&export_id).ok_or_else(|| {
            async_graphql::Error::new(format!("no export {}", export_id.as_str()))
        })?;
        let job = Job::from(view);
        Ok(GetExportDeliveryStatusResult {
            delivery_status: job.status.into(),
            errors: job.errors,
        })
    }
}

/// Creates the export's job and, for `FILE_STORAGE`, its file.
/// Where a `CUSTOM_WEBHOOK` export is delivered, from its input.
struct Webhook {
    url: Option<String>,
    secret: Option<String>,
    project_id: Option<String>,
    document_id: Option<String>,
}

fn start_export(
    state: &Arc<SandboxState>,
    file_name: &str,
    method: GqlExportMethod,
    webhook: Webhook,
) -> ExportRequestResult {
    let id = state
        .store
        .create("ExportQueue", state.config.export_script.clone());
    state.stats.update(|stats| stats.exports_started += 1);
    let mut result = ExportRequestResult {
        export_id: ID(id.clone()),
        file_url: None,
        file_url_expired_at: None,
        queued: Some(true),
        redirect: None,
    };
    if method == GqlExportMethod::FileStorage {
        let expires_at = tokio::time::Instant::now().checked_add(state.config.file_url_ttl);
        let key = state.exports.add(&id, file_name, expires_at);
        result.file_url = Some(format!("{}/_sandbox/files/{key}", state.base_url));
        result.file_url_expired_at = expires_at.map(|at| state.store.wall_millis(at).to_string());
    }
    if method == GqlExportMethod::CustomWebhook {
        if let Some(url) = webhook.url {
            let expires_at = tokio::time::Instant::now().checked_add(state.config.file_url_ttl);
            let key = state.exports.add(&id, file_name, expires_at);
            crate::webhooks::schedule(
                state.clone(),
                crate::webhooks::Delivery {
                    export_id: id,
                    url,
                    secret: webhook.secret.unwrap_or_default(),
                    file_url: format!("{}/_sandbox/files/{key}", state.base_url),
                    project_id: webhook.project_id,
                    document_id: webhook.document_id,
                },
            );
        }
    }
    result
}

pub(crate) struct Mutation;

#[Object]
impl Mutation {
    /// Starts auto-labeling of a token-based project; returns the job to poll.
    #[allow(unused_variables)] // the input is validated by GraphQL; the sandbox labels nothing
    async fn auto_label_token_based_project(
        &self,
        ctx: &Context<'_>,
        input: AutoLabelTokenBasedProjectInput,
    ) -> Job {
        let state = state(ctx);
        let id = state
            .store
            .create("AutoLabelQueue", state.config.default_script.clone());
        state.stats.update(|stats| stats.jobs_started += 1);
        // A script that hides new jobs for a while still answers the mutation with the job.
        state
            .store
            .view(&id)
            .map_or_else(|| Job::queued(id), Job::from)
    }
}

#[derive(SimpleObject)]
pub(crate) struct Job {
    id: String,
    status: JobStatus,
    progress: i32,
    errors: Vec<JobError>,
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

// The sandbox labels nothing: inputs are validated by GraphQL and otherwise unused.
#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct AutoLabelTokenBasedProjectInput {
    labeler_email: String,
    options: AutoLabelProjectOptionsInput,
    project_id: ID,
    role: Option<Role>,
    #[graphql(name = "targetAPI")]
    target_api: TargetApiInput,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct AutoLabelProjectOptionsInput {
    number_of_files_per_request: i32,
    service_provider: Option<GqlAutoLabelServiceProvider>,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct TargetApiInput {
    endpoint: String,
    secret_key: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum Role {
    Labeler,
    Reviewer,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum GqlAutoLabelServiceProvider {
    AssistedLabeling,
    CorenlpNer,
    CorenlpPos,
    Custom,
    DistilbertOpiec,
    Huggingface,
    Nltk,
    SentimentAnalysis,
    Spacy,
    SparknlpNer,
    SparknlpPos,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum GqlExportMethod {
    CustomWebhook,
    Download,
    DownloadRequest,
    Email,
    ExternalFileStorage,
    FileStorage,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum ExportCommentType {
    ArrowLabel,
    Comment,
    SpanLabel,
    SpanText,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "ExportDeliveryStatus", remote = "JobStatus")]
pub(crate) enum ExportDeliveryStatus {
    Delivered,
    Failed,
    InProgress,
    None,
    Queued,
}

// Exports are validated by GraphQL; the sandbox uses the file name and method.
#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct ExternalFileStorageInput {
    access_key_id: String,
    bucket_name: String,
    object_path: String,
    secret_access_key: String,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct ExportTextProjectInput {
    external_file_storage_parameter: Option<ExternalFileStorageInput>,
    file_name: String,
    file_transformer_id: Option<ID>,
    filtered_cabinet_role: Option<Role>,
    format: String,
    included_comment_type: Option<Vec<ExportCommentType>>,
    #[graphql(name = "maskPIIEntities")]
    mask_pii_entities: Option<bool>,
    method: GqlExportMethod,
    project_ids: Vec<ID>,
    role: Option<Role>,
    secret: Option<String>,
    url: Option<String>,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct ExportTextProjectDocumentInput {
    document_id: String,
    external_file_storage_parameter: Option<ExternalFileStorageInput>,
    file_name: String,
    file_transformer_id: Option<ID>,
    format: String,
    included_comment_type: Option<Vec<ExportCommentType>>,
    #[graphql(name = "maskPIIEntities")]
    mask_pii_entities: Option<bool>,
    method: GqlExportMethod,
    secret: Option<String>,
    url: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct ExportRequestResult {
    export_id: ID,
    file_url: Option<String>,
    file_url_expired_at: Option<String>,
    queued: Option<bool>,
    redirect: Option<String>,
}

#[derive(SimpleObject)]
pub(crate) struct GetExportDeliveryStatusResult {
    delivery_status: ExportDeliveryStatus,
    errors: Vec<JobError>,
}
