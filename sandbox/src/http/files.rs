//! `GET /_sandbox/files/{key}/{name}`: the stand-in for the object store
//! an export's `fileUrl` points at. As Datasaur's docs warn, the URL is
//! handed out before the file exists: it answers 404 until a while after
//! the export's job is delivered, then the export's zip archive, whole or
//! by `Range`, and refuses once the URL has expired.

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

use super::app::App;
use crate::export_archive::archive;
use crate::exports::safe_file_name;
use crate::faults::{FaultKind, FaultTarget};

/// `GET /_sandbox/files/{key}/{name}`.
pub(super) async fn file(
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
    let Some(file) = state.exports.file(&key) else {
        return (StatusCode::NOT_FOUND, "no such export").into_response();
    };
    let (id, expires_at, file_name, content) = (
        file.export_id,
        file.expires_at,
        file.file_name,
        file.content,
    );
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

    let fault = crate::faults::take(&state.faults, &state.stats, FaultTarget::Download).await;
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
