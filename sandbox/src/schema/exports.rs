//! Project and document exports (queries that start work), and where an
//! export stands. `start_export` is shared with `reports.rs`.

use std::sync::Arc;

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};

use super::context::state;
use super::jobs::{Job, JobError, JobStatus};
use super::work::Role;
pub(super) use crate::export_archive::ExportContent;
use crate::schema_limits::MAX_IDS_PER_FIELD;
use crate::state::SandboxState;

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
    ) -> async_graphql::Result<ExportRequestResult> {
        // As getJobs: one request cannot make every fetch of a file huge.
        if input.project_ids.len() > MAX_IDS_PER_FIELD {
            return Err(async_graphql::Error::new(format!(
                "exportTextProject takes at most {MAX_IDS_PER_FIELD} projectIds, got {}",
                input.project_ids.len()
            )));
        }
        let content = ExportContent::of(
            "project",
            input.project_ids.iter().map(|id| id.as_str()),
            &input.format,
        );
        let webhook = Webhook {
            url: input.url,
            secret: input.secret,
            project_id: input.project_ids.first().map(|id| id.0.clone()),
            document_id: None,
        };
        Ok(start_export(
            state(ctx),
            export_script(ctx),
            &input.file_name,
            content,
            input.method,
            webhook,
        ))
    }

    /// Starts an export of one document (a query that starts work).
    async fn export_text_project_document(
        &self,
        ctx: &Context<'_>,
        input: ExportTextProjectDocumentInput,
    ) -> ExportRequestResult {
        let content = ExportContent::of("document", [input.document_id.as_str()], &input.format);
        let webhook = Webhook {
            url: input.url,
            secret: input.secret,
            project_id: None,
            document_id: Some(input.document_id),
        };
        start_export(
            state(ctx),
            export_script(ctx),
            &input.file_name,
            content,
            input.method,
            webhook,
        )
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

/// Where a `CUSTOM_WEBHOOK` export is delivered, from its input.
pub(super) struct Webhook {
    pub(super) url: Option<String>,
    pub(super) secret: Option<String>,
    pub(super) project_id: Option<String>,
    pub(super) document_id: Option<String>,
}

/// An export started by a field of a user's schema (`--schema`): to a
/// file, named after the field; its answer as JSON.
pub(crate) fn start_export_for_mock(
    state: &Arc<SandboxState>,
    ctx: &Context<'_>,
    field: &str,
) -> serde_json::Value {
    let content = ExportContent::of("export", [field], "JSON");
    let script = state.scripts.for_field(ctx, &state.config.export_script);
    let result = start_export(
        state,
        script,
        field,
        content,
        GqlExportMethod::FileStorage,
        Webhook::none(),
    );
    serde_json::json!({
        "exportId": result.export_id.as_str(),
        "fileUrl": result.file_url,
        "fileUrlExpiredAt": result.file_url_expired_at,
        "queued": result.queued,
        "redirect": result.redirect,
    })
}

impl Webhook {
    /// For the exports that take no webhook.
    pub(super) fn none() -> Webhook {
        Webhook {
            url: None,
            secret: None,
            project_id: None,
            document_id: None,
        }
    }
}

/// The script of the export the field `ctx` resolves starts.
pub(super) fn export_script(ctx: &Context<'_>) -> crate::script::JobScript {
    let state = state(ctx);
    state.scripts.for_field(ctx, &state.config.export_script)
}

/// Creates the export's job and, for `FILE_STORAGE`, its file; for
/// `CUSTOM_WEBHOOK`, schedules the signed delivery.
pub(super) fn start_export(
    state: &Arc<SandboxState>,
    script: crate::script::JobScript,
    file_name: &str,
    content: ExportContent,
    method: GqlExportMethod,
    webhook: Webhook,
) -> ExportRequestResult {
    let id = state.store.create("ExportQueue", script);
    state
        .stats
        .update(|stats| stats.count_export(&content.subjects));
    let mut result = ExportRequestResult {
        export_id: ID(id.clone()),
        file_url: None,
        file_url_expired_at: None,
        queued: Some(true),
        redirect: None,
    };
    if method == GqlExportMethod::FileStorage {
        let ttl = state.config.file_url_ttl;
        let expires_at = tokio::time::Instant::now().checked_add(ttl);
        let url = state
            .exports
            .add(&state.base_url, &id, file_name, content, expires_at, ttl);
        result.file_url = Some(url);
        result.file_url_expired_at = expires_at.map(|at| state.store.wall_millis(at).to_string());
    } else if method == GqlExportMethod::CustomWebhook {
        if let Some(url) = webhook.url {
            let ttl = state.config.file_url_ttl;
            let expires_at = tokio::time::Instant::now().checked_add(ttl);
            let file_url =
                state
                    .exports
                    .add(&state.base_url, &id, file_name, content, expires_at, ttl);
            crate::webhooks::schedule(
                state.clone(),
                crate::webhooks::Delivery {
                    export_id: id,
                    url,
                    secret: webhook.secret.unwrap_or_default(),
                    file_url,
                    project_id: webhook.project_id,
                    document_id: webhook.document_id,
                },
            );
        }
    }
    result
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
