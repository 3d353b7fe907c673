//! `POST /api/static/proxy/upload`, Datasaur's upload proxy: a multipart
//! form whose field `file` holds the document, and a bearer token. The file
//! is streamed through SHA-256 and dropped (the store keeps its name, size
//! and digest); the answer names the object:
//! `{"objectKey": "temp/upload-proxy/<id>.<ext>"}`.

use axum::body::{Body, Bytes};
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::app::{App, is_authorized, json_response};
use crate::faults::{FaultKind, FaultTarget};
use crate::uploads::{MAX_FILE_NAME_CHARS, UploadedObject};

/// `POST /api/static/proxy/upload`.
pub(super) async fn upload(
    State(app): State<App>,
    headers: HeaderMap,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let state = &app.state;
    state.stats.update(|stats| stats.upload_requests += 1);
    let fault = crate::faults::take(&state.faults, &state.stats, FaultTarget::Upload).await;
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
