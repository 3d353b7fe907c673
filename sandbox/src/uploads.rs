//! Uploads: `POST /api/static/proxy/upload`, Datasaur's upload proxy. A
//! multipart form whose field `file` holds the document, a bearer token; the
//! answer names the temporary object that `createProject` and
//! `addDocumentsToProject` documents refer to:
//! `{"objectKey": "temp/upload-proxy/<id>.<ext>"}`.
//!
//! The file is streamed through SHA-256 and dropped: the sandbox keeps only
//! each object's name, size and digest, so a test can upload gigabytes and
//! still check what arrived.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::faults::{FaultKind, FaultTarget};
use crate::http::{App, is_authorized, json_response};
use crate::sync::lock;

/// The path of Datasaur's upload proxy, under the upload base URL.
pub const UPLOAD_PATH: &str = "/api/static/proxy/upload";

/// How many uploaded objects the sandbox remembers; past it, the oldest
/// records go (their keys still answered at upload time).
const MAX_OBJECTS_KEPT: usize = 100_000;

/// The longest file name kept for an object (longer ones are cut).
const MAX_FILE_NAME_CHARS: usize = 255;

/// One object an upload created, as the sandbox keeps it.
///
/// ```
/// # async fn run(sandbox: datasaur_sandbox::Sandbox) {
/// for object in sandbox.uploads() {
///     println!("{} {} ({} bytes, sha256 {})", object.object_key, object.file_name, object.bytes, object.sha256);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadedObject {
    /// The key the upload answered (`temp/upload-proxy/<id>.<ext>`).
    pub object_key: String,
    /// The file name the multipart part gave (empty when it gave none; its
    /// first 255 characters).
    pub file_name: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// The file's SHA-256, lowercase hex.
    pub sha256: String,
}

#[derive(Default)]
pub(crate) struct UploadStore {
    objects: Mutex<(u64, HashMap<u64, UploadedObject>)>,
}

impl UploadStore {
    fn add(&self, object: UploadedObject) {
        let mut objects = lock(&self.objects);
        let (next, kept) = &mut *objects;
        *next += 1;
        kept.insert(*next, object);
        if kept.len() > MAX_OBJECTS_KEPT {
            kept.remove(&(*next - MAX_OBJECTS_KEPT as u64));
        }
    }

    /// Every object kept, oldest first.
    pub(crate) fn list(&self) -> Vec<UploadedObject> {
        let objects = lock(&self.objects);
        let mut numbered: Vec<(&u64, &UploadedObject)> = objects.1.iter().collect();
        numbered.sort_by_key(|(number, _)| **number);
        numbered
            .into_iter()
            .map(|(_, object)| object.clone())
            .collect()
    }
}

/// `POST /api/static/proxy/upload`.
pub(crate) async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let state = &app.state;
    state.stats.update(|stats| stats.upload_requests += 1);
    let fault = state.faults.next(FaultTarget::Upload);
    if fault.is_some() {
        state.stats.update(|stats| stats.faults_injected += 1);
    }
    if let Some(delay) = fault.as_ref().and_then(FaultKind::delay) {
        tokio::time::sleep(delay).await;
    }
    if let Some(answer) = crate::faults::answer_before_work(fault.as_ref()) {
        return answer;
    }
    if !is_authorized(state, &headers) {
        state.stats.update(|stats| stats.unauthorized += 1);
        return json_response(
            StatusCode::UNAUTHORIZED,
            &json!({"message": "Unauthorized"}),
        );
    }
    let mut multipart = match multipart {
        Ok(multipart) => multipart,
        Err(rejection) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"message": format!("not a multipart form: {rejection}")}),
            );
        }
    };
    let limit = state.config.max_upload_bytes;
    let mut received = None;
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return bad_form(&e.to_string()),
        };
        if field.name() != Some("file") || received.is_some() {
            // Other fields are read past, as a form parser does.
            while let Ok(Some(_)) = field.chunk().await {}
            continue;
        }
        let given = field.file_name().unwrap_or_default();
        let object_key = object_key(given);
        // Kept for every object: bounded, whatever name a client sends.
        let file_name: String = given.chars().take(MAX_FILE_NAME_CHARS).collect();
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    bytes += chunk.len() as u64;
                    if bytes > limit {
                        return json_response(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            &json!({"message": format!("the file is over the upload limit of {limit} bytes")}),
                        );
                    }
                    hasher.update(&chunk);
                }
                Ok(None) => break,
                Err(e) => return bad_form(&e.to_string()),
            }
        }
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        received = Some((object_key, file_name, bytes, sha256));
    }
    let Some((object_key, file_name, bytes, sha256)) = received else {
        return bad_form("the multipart field `file` is missing");
    };
    state.uploads.add(UploadedObject {
        object_key: object_key.clone(),
        file_name,
        bytes,
        sha256,
    });
    state.stats.update(|stats| {
        stats.uploads += 1;
        stats.upload_bytes += bytes;
    });
    let body =
        serde_json::to_vec(&json!({ "objectKey": object_key })).unwrap_or_else(|_| b"{}".to_vec());
    match fault {
        // The object exists; the answer saying so is lost.
        Some(FaultKind::StatusAfterRunning { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            (status, "sandbox fault: the answer was lost").into_response()
        }
        Some(FaultKind::TruncatedJson) => (
            [(header::CONTENT_TYPE, "application/json")],
            body[..body.len() / 2].to_vec(),
        )
            .into_response(),
        Some(FaultKind::CloseConnection) => {
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::copy_from_slice(&body[..body.len() / 2])),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "sandbox fault",
                )),
            ];
            (
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
        _ => ([(header::CONTENT_TYPE, "application/json")], body).into_response(),
    }
}

fn bad_form(message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "message": format!("bad upload form: {message}") }),
    )
}

/// `temp/upload-proxy/<random>.<ext>`, the extension kept when it is a
/// plain one (letters and digits, at most 10), as Datasaur's keys show.
fn object_key(file_name: &str) -> String {
    let id = crate::tokens::random_token("upload");
    let id = id.trim_start_matches("upload-");
    let extension = std::path::Path::new(file_name)
        .extension()
        .and_then(|ext| ext.to_str())
        .filter(|ext| {
            !ext.is_empty() && ext.len() <= 10 && ext.chars().all(|c| c.is_ascii_alphanumeric())
        });
    match extension {
        Some(ext) => format!("temp/upload-proxy/{id}.{}", ext.to_ascii_lowercase()),
        None => format!("temp/upload-proxy/{id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::object_key;

    #[test]
    fn object_keys_keep_plain_extensions_only() {
        assert!(object_key("report.CSV").ends_with(".csv"));
        assert!(object_key("notes.tar.gz").ends_with(".gz"));
        let odd = object_key("x.we ird");
        assert!(!odd.contains(' '), "{odd}");
        assert!(object_key("README").starts_with("temp/upload-proxy/"));
        assert_ne!(object_key("a.txt"), object_key("a.txt"));
    }
}
