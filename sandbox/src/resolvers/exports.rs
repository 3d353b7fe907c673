//! Exports: each export field starts an export job, with a file for
//! `FILE_STORAGE` (served by `http/files.rs`) and a signed push for
//! `CUSTOM_WEBHOOK`; `getExportDeliveryStatus` reads where it stands.

use std::sync::Arc;

use serde_json::json;

use super::jobs::job_json;
use super::{Answer, Call};
use crate::export_archive::ExportContent;
use crate::schema_limits::MAX_IDS_PER_FIELD;
use crate::script::JobScript;
use crate::state::SandboxState;

/// `getExportDeliveryStatus`.
pub(super) fn read(call: &Call<'_>) -> Option<Answer> {
    if call.field != "getExportDeliveryStatus" {
        return None;
    }
    let id = call.id("exportId")?;
    Some(match call.state.store.view(&id) {
        Some(view) => {
            let job = job_json(&view);
            Ok(json!({"deliveryStatus": job["status"], "errors": job["errors"]}))
        }
        None => Err(format!("no export {id}")),
    })
}

/// What an export field asks for: its file's name and contents, how it is
/// delivered, and where a webhook goes.
struct Asked {
    file_name: String,
    content: ExportContent,
    method: String,
    webhook: Webhook,
}

/// Where a `CUSTOM_WEBHOOK` export is delivered, from its input.
#[derive(Default)]
struct Webhook {
    url: Option<String>,
    secret: Option<String>,
    project_id: Option<String>,
    document_id: Option<String>,
}

/// Starts the export `call` asks for.
pub(super) fn start(call: &Call<'_>) -> Answer {
    let asked = asked(call)?;
    let state = call.state;
    let script = state
        .scripts
        .for_field(call.ctx, &state.config.export_script);
    Ok(start_export(state, script, asked))
}

/// The export each field implemented asks for, read from its arguments;
/// any other field returning `ExportRequestResult` (a user's schema)
/// exports a file named after the field.
fn asked(call: &Call<'_>) -> Result<Asked, String> {
    let text = |path: &str| call.text(path).map(str::to_owned);
    let method = |path: &str| text(path).unwrap_or_else(|| "FILE_STORAGE".to_owned());
    let webhook = |project_id: Option<String>, document_id: Option<String>| Webhook {
        url: text("input.url"),
        secret: text("input.secret"),
        project_id,
        document_id,
    };
    let field = call.field;
    Ok(match field {
        "exportTextProject" => {
            let ids = call.texts("input.projectIds");
            // As getJobs: one request cannot make every fetch of a file huge.
            if ids.len() > MAX_IDS_PER_FIELD {
                return Err(format!(
                    "exportTextProject takes at most {MAX_IDS_PER_FIELD} projectIds, got {}",
                    ids.len()
                ));
            }
            let format = text("input.format").unwrap_or_default();
            Asked {
                file_name: text("input.fileName").unwrap_or_default(),
                content: ids.iter().fold(
                    ExportContent::of("project", ids.iter().map(String::as_str), &format),
                    |content, id| match call.state.projects.documents_of(id) {
                        Some(names) if !names.is_empty() => {
                            content.with_documents("project", id, names)
                        }
                        _ => content,
                    },
                ),
                method: method("input.method"),
                webhook: webhook(ids.first().cloned(), None),
            }
        }
        "exportTextProjectDocument" => {
            let document = text("input.documentId").unwrap_or_default();
            let format = text("input.format").unwrap_or_default();
            Asked {
                file_name: text("input.fileName").unwrap_or_default(),
                content: ExportContent::of("document", [document.as_str()], &format),
                method: method("input.method"),
                webhook: webhook(None, Some(document)),
            }
        }
        "exportTestProjectResult" => {
            let project = text("input.projectId").unwrap_or_default();
            Asked {
                file_name: format!("test-project-result-{project}"),
                content: ExportContent::of("project", [project.as_str()], "JSON"),
                method: method("input.method"),
                webhook: webhook(Some(project), None),
            }
        }
        "exportTeamOverview" => {
            let team = text("input.teamId").unwrap_or_default();
            Asked {
                file_name: format!("team-overview-{team}"),
                content: ExportContent::of("team", [team.as_str()], "CSV"),
                method: method("input.method"),
                webhook: webhook(None, None),
            }
        }
        "exportTeamIAA" | "exportCustomReport" => {
            let team = call.id("teamId").unwrap_or_default();
            let prefix = if field == "exportTeamIAA" {
                "team-iaa"
            } else {
                "custom-report"
            };
            Asked {
                file_name: format!("{prefix}-{team}"),
                content: ExportContent::of("team", [team.as_str()], "CSV"),
                method: "FILE_STORAGE".to_owned(),
                webhook: Webhook::default(),
            }
        }
        "exportChart" | "exportLabelAccuracyChart" => {
            let id = call.id("id").unwrap_or_default();
            let kind = if field == "exportChart" {
                "chart"
            } else {
                "label-accuracy-chart"
            };
            // The method is optional: its absence is a download.
            let method = match text("method").as_deref() {
                Some("EMAIL") => "EMAIL",
                _ => "FILE_STORAGE",
            };
            Asked {
                file_name: format!("{kind}-{id}"),
                content: ExportContent::of("chart", [id.as_str()], "CSV"),
                method: method.to_owned(),
                webhook: Webhook::default(),
            }
        }
        _ => Asked {
            file_name: field.to_owned(),
            content: ExportContent::of("export", [field], "JSON"),
            method: "FILE_STORAGE".to_owned(),
            webhook: Webhook::default(),
        },
    })
}

/// Creates the export's job and, for `FILE_STORAGE`, its file; for
/// `CUSTOM_WEBHOOK`, schedules the signed delivery. The answer as
/// `ExportRequestResult` shows it.
fn start_export(state: &Arc<SandboxState>, script: JobScript, asked: Asked) -> serde_json::Value {
    let id = state.store.create("ExportQueue", script);
    state
        .stats
        .update(|stats| stats.count_export(&asked.content.subjects));
    let mut file_url = None;
    let mut file_url_expired_at = None;
    let ttl = state.config.file_url_ttl;
    let expires_at = tokio::time::Instant::now().checked_add(ttl);
    match asked.method.as_str() {
        "FILE_STORAGE" => {
            let url = state.exports.add(
                &state.base_url,
                &id,
                &asked.file_name,
                asked.content,
                expires_at,
                ttl,
            );
            file_url = Some(url);
            file_url_expired_at = expires_at.map(|at| state.store.wall_millis(at).to_string());
        }
        "CUSTOM_WEBHOOK" => {
            if let Some(url) = asked.webhook.url {
                let file = state.exports.add(
                    &state.base_url,
                    &id,
                    &asked.file_name,
                    asked.content,
                    expires_at,
                    ttl,
                );
                crate::webhooks::schedule(
                    state.clone(),
                    crate::webhooks::Delivery {
                        export_id: id.clone(),
                        url,
                        secret: asked.webhook.secret.unwrap_or_default(),
                        file_url: file,
                        project_id: asked.webhook.project_id,
                        document_id: asked.webhook.document_id,
                    },
                );
            }
        }
        _ => {}
    }
    export_json(&id, file_url, file_url_expired_at)
}

/// An `ExportRequestResult` as its GraphQL fields show it.
pub(crate) fn export_json(
    id: &str,
    file_url: Option<String>,
    file_url_expired_at: Option<String>,
) -> serde_json::Value {
    json!({
        "exportId": id,
        "fileUrl": file_url,
        "fileUrlExpiredAt": file_url_expired_at,
        "queued": true,
        "redirect": null,
    })
}
