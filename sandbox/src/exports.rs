//! Exports: the jobs that `exportTextProject` starts, and the file route
//! that stands in for the object store their `fileUrl` points at.
//!
//! As Datasaur's docs warn, the URL is handed out before the file exists:
//! the route answers 404 until a while after the export's job is delivered
//! (`SandboxConfig::file_ready_after`), then serves deterministic bytes, and
//! refuses once the URL has expired (`fileUrlExpiredAt`).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use crate::faults::{FaultKind, FaultTarget};
use crate::http::App;
use crate::sync::lock;

/// One export's file.
struct ExportFile {
    export_id: String,
    expires_at: Option<Instant>,
    file_name: String,
}

#[derive(Default)]
pub(crate) struct ExportStore {
    files: Mutex<HashMap<String, ExportFile>>,
}

impl ExportStore {
    /// Records the file of export `id`; returns the unguessable key its URL
    /// carries (as a presigned URL's signature does), never the export id.
    pub fn add(&self, id: &str, file_name: &str, expires_at: Option<Instant>) -> String {
        let key = crate::tokens::random_token("file");
        lock(&self.files).insert(
            key.clone(),
            ExportFile {
                export_id: id.to_owned(),
                expires_at,
                file_name: file_name.to_owned(),
            },
        );
        key
    }
}

/// The bytes of export `id`'s file: the same for the same id and size.
pub fn file_content(id: &str, size: usize) -> Vec<u8> {
    let line = format!("datasaur sandbox export {id}\n");
    line.bytes().cycle().take(size).collect()
}

/// `GET /_sandbox/files/{key}`.
pub(crate) async fn file(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let state = &app.state;
    state.stats.update(|stats| {
        stats.file_requests += 1;
        if headers.contains_key(header::AUTHORIZATION) {
            stats.file_requests_with_authorization += 1;
        }
    });
    let now = Instant::now();
    let (id, expires_at, file_name) = match lock(&state.exports.files).get(&key) {
        Some(file) => (
            file.export_id.clone(),
            file.expires_at,
            file.file_name.clone(),
        ),
        None => return (StatusCode::NOT_FOUND, "no such export").into_response(),
    };
    if expires_at.is_some_and(|expires_at| now >= expires_at) {
        // What an object store says to an expired presigned URL.
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    let ready = match state.store.ends_at(&id) {
        Some((ends, failed)) => !failed && now >= ends + state.config.file_ready_after,
        None => false,
    };
    if !ready {
        return (StatusCode::NOT_FOUND, "The specified key does not exist.").into_response();
    }

    let fault = state.faults.next(FaultTarget::Download);
    if fault.is_some() {
        state.stats.update(|stats| stats.faults_injected += 1);
    }
    if let Some(delay) = fault.as_ref().and_then(FaultKind::delay) {
        tokio::time::sleep(delay).await;
    }
    let content = file_content(&id, state.config.export_file_size);
    let disposition = format!("attachment; filename=\"{}\"", file_name.replace('"', ""));
    match fault {
        Some(FaultKind::Status { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, "sandbox fault").into_response()
        }
        Some(FaultKind::RateLimited { retry_after_secs }) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, retry_after_secs.to_string())],
            "sandbox fault: slow down",
        )
            .into_response(),
        Some(FaultKind::CloseConnection | FaultKind::TruncatedJson) => {
            // The full length is promised, half is sent, then the connection drops.
            let half = Bytes::copy_from_slice(&content[..content.len() / 2]);
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "sandbox fault",
                )),
            ];
            (
                StatusCode::OK,
                [
                    (header::CONTENT_LENGTH, content.len().to_string()),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
        _ => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            content,
        )
            .into_response(),
    }
}
