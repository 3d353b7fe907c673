//! Exports: the jobs that `exportTextProject` starts, and the file route
//! that stands in for the object store their `fileUrl` points at.
//!
//! As Datasaur's docs warn, the URL is handed out before the file exists:
//! the route answers 404 until a while after the export's job is delivered
//! (`SandboxConfig::file_ready_after`, zero unless a test asks), then serves
//! the export's zip archive (`export_archive.rs`), whole or by `Range`, and
//! refuses once the URL has expired (`fileUrlExpiredAt`).

use std::sync::Mutex;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use crate::export_archive::{ExportContent, archive};
use crate::faults::{FaultKind, FaultTarget};
use crate::http::App;
use crate::retention::Retained;
use crate::sync::lock;

/// One export's file.
struct ExportFile {
    export_id: String,
    expires_at: Option<Instant>,
    file_name: String,
    /// What the archive holds; its bytes are made when asked for (the same
    /// each time), so that many exports hold no memory.
    content: ExportContent,
}

/// Export files kept (by their URL key): past it, the oldest are forgotten
/// and their URLs answer 404.
const MAX_EXPORT_FILES_KEPT: usize = 100_000;

pub(crate) struct ExportStore {
    files: Mutex<Retained<String, ExportFile>>,
}

impl Default for ExportStore {
    fn default() -> Self {
        ExportStore {
            files: Mutex::new(Retained::new(MAX_EXPORT_FILES_KEPT)),
        }
    }
}

impl ExportStore {
    /// Records the file of export `id`; returns its URL, shaped as a
    /// presigned object-store URL: an unguessable key (never the export
    /// id), then the file's name, then the expiry parameters.
    pub fn add(
        &self,
        base_url: &str,
        id: &str,
        file_name: &str,
        content: ExportContent,
        expires_at: Option<Instant>,
        ttl: std::time::Duration,
    ) -> String {
        let key = crate::tokens::random_token("file");
        let url = format!(
            "{base_url}/_sandbox/files/{key}/{}.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires={}",
            safe_file_name(file_name),
            ttl.as_secs()
        );
        lock(&self.files).insert(
            key.clone(),
            ExportFile {
                export_id: id.to_owned(),
                expires_at,
                file_name: file_name.to_owned(),
                content,
            },
        );
        url
    }

    /// The bytes export `id`'s file holds, if it has one.
    pub fn file_of(&self, id: &str, size: usize) -> Option<Vec<u8>> {
        let files = lock(&self.files);
        let file = files.values().find(|file| file.export_id == id)?;
        Some(archive(&file.content, size))
    }
}

/// A file name safe on every file system (Windows refuses `:` and more):
/// letters, digits, `.`, `_` and `-` kept, anything else `_`.
fn safe_file_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.trim_matches('.').is_empty() {
        "export".to_owned()
    } else {
        safe
    }
}

/// `GET /_sandbox/files/{key}/{name}`.
pub(crate) async fn file(
    State(app): State<App>,
    Path((key, _name)): Path<(String, String)>,
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
    let (id, expires_at, file_name, content) = match lock(&state.exports.files).get(&key) {
        Some(file) => (
            file.export_id.clone(),
            file.expires_at,
            file.file_name.clone(),
            file.content.clone(),
        ),
        None => return (StatusCode::NOT_FOUND, "no such export").into_response(),
    };
    if expires_at.is_some_and(|expires_at| now >= expires_at) {
        // What an object store says to an expired presigned URL.
        return (StatusCode::FORBIDDEN, "Request has expired").into_response();
    }
    let ready = match state.store.ends_at(&id) {
        // A delay past the clock's range is a file that never appears, not a panic.
        Some((ends, failed)) => {
            !failed
                && ends
                    .checked_add(state.file_ready_after())
                    .is_some_and(|ready_at| now >= ready_at)
        }
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
    let content = archive(&content, state.config.export_file_size);
    let disposition = format!(
        "attachment; filename=\"{}.zip\"",
        safe_file_name(&file_name)
    );
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
        _ => {
            let total = content.len() as u64;
            let range = headers
                .get(header::RANGE)
                .and_then(|value| value.to_str().ok())
                .map(|value| byte_range(value, total));
            match range {
                Some(ByteRange::Unsatisfiable) => (
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    [(header::CONTENT_RANGE, format!("bytes */{total}"))],
                )
                    .into_response(),
                Some(ByteRange::Part { first, last }) => {
                    // Both within the content: `byte_range` says so.
                    let part = content
                        .get(first as usize..=last as usize)
                        .map(<[u8]>::to_vec)
                        .unwrap_or_default();
                    (
                        StatusCode::PARTIAL_CONTENT,
                        [
                            (header::CONTENT_TYPE, "application/zip".to_owned()),
                            (header::ACCEPT_RANGES, "bytes".to_owned()),
                            (
                                header::CONTENT_RANGE,
                                format!("bytes {first}-{last}/{total}"),
                            ),
                            (header::CONTENT_DISPOSITION, disposition),
                        ],
                        part,
                    )
                        .into_response()
                }
                Some(ByteRange::Whole) | None => (
                    StatusCode::OK,
                    [
                        (header::CONTENT_TYPE, "application/zip".to_owned()),
                        (header::ACCEPT_RANGES, "bytes".to_owned()),
                        (header::CONTENT_DISPOSITION, disposition),
                    ],
                    content,
                )
                    .into_response(),
            }
        }
    }
}

/// What a `Range` header asks of a body of `total` bytes.
#[derive(Debug, PartialEq, Eq)]
enum ByteRange {
    /// Bytes `first..=last`, both within the body.
    Part { first: u64, last: u64 },
    /// Nothing the body has: 416.
    Unsatisfiable,
    /// The whole body: a header this server does not take (several
    /// ranges, another unit, bad syntax) is ignored, as RFC 9110 allows.
    Whole,
}

/// Reads one `bytes=` range: `a-b`, `a-` or `-n` (the last n bytes).
fn byte_range(header: &str, total: u64) -> ByteRange {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return ByteRange::Whole;
    };
    if spec.contains(',') {
        return ByteRange::Whole;
    }
    let Some((start, end)) = spec.trim().split_once('-') else {
        return ByteRange::Whole;
    };
    let (start, end) = (start.trim(), end.trim());
    let parse = |text: &str| text.parse::<u64>().ok();
    let (first, last) = match (start.is_empty(), end.is_empty()) {
        (true, true) => return ByteRange::Whole,
        // The last n bytes.
        (true, false) => match parse(end) {
            Some(0) => return ByteRange::Unsatisfiable,
            Some(n) => (total.saturating_sub(n), total.saturating_sub(1)),
            None => return ByteRange::Whole,
        },
        (false, _) => {
            let Some(first) = parse(start) else {
                return ByteRange::Whole;
            };
            let last = if end.is_empty() {
                total.saturating_sub(1)
            } else {
                match parse(end) {
                    Some(last) if last >= first => last.min(total.saturating_sub(1)),
                    _ => return ByteRange::Whole,
                }
            };
            (first, last)
        }
    };
    if total == 0 || first >= total {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part { first, last }
}

#[cfg(test)]
mod tests {
    use super::{ByteRange, byte_range, safe_file_name};

    #[test]
    fn ranges_as_rfc_9110_reads_them() {
        let part = |first, last| ByteRange::Part { first, last };
        assert_eq!(byte_range("bytes=0-0", 10), part(0, 0));
        assert_eq!(byte_range("bytes=2-5", 10), part(2, 5));
        assert_eq!(byte_range("bytes=2-", 10), part(2, 9));
        assert_eq!(byte_range("bytes=5-100", 10), part(5, 9));
        assert_eq!(byte_range("bytes=-3", 10), part(7, 9));
        assert_eq!(byte_range("bytes=-30", 10), part(0, 9));
        assert_eq!(byte_range("bytes=10-", 10), ByteRange::Unsatisfiable);
        assert_eq!(byte_range("bytes=-0", 10), ByteRange::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-0", 0), ByteRange::Unsatisfiable);
        assert_eq!(byte_range("bytes=5-2", 10), ByteRange::Whole);
        assert_eq!(byte_range("bytes=0-1,4-5", 10), ByteRange::Whole);
        assert_eq!(byte_range("items=0-1", 10), ByteRange::Whole);
        assert_eq!(byte_range("bytes=x-1", 10), ByteRange::Whole);
    }

    #[test]
    fn file_names_are_safe_everywhere() {
        assert_eq!(safe_file_name("labels"), "labels");
        assert_eq!(safe_file_name("ExportQueue:1"), "ExportQueue_1");
        assert_eq!(safe_file_name("../../etc"), ".._.._etc");
        assert_eq!(safe_file_name(".."), "export");
    }
}
