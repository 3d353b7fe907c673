//! Uploads for project creation. Datasaur's upload proxy takes one file per
//! request (`POST {upload base}/api/static/proxy/upload`, multipart field
//! `file`, bearer token) and answers `{"objectKey": "temp/upload-proxy/…"}`,
//! which the documents of `createProject` and `addDocumentsToProject` name.
//!
//! The file is streamed in chunks (memory stays flat at any size), refused
//! before sending when it is over the limit, watched for stalls rather than
//! bounded in total time, and retried after transient failures: a repeated
//! upload can only leave an unused temporary object behind, never start work.

mod source;

pub use source::UploadSource;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt;
use tokio::time::Instant;

use crate::error::{Error, Request, body_snippet, host_of};
use crate::retry::retry_after_header;
use crate::transport::{Attempt, Call, Failure, Repeat, Retries, TransientStatuses, record_error};
use crate::{Client, Result};
use tracing::Instrument;

const OPERATION: &str = "upload";

/// The upload proxy's path under the upload base URL.
pub(crate) const UPLOAD_PATH: &str = "api/static/proxy/upload";

/// The largest answer the upload proxy may give (it is a short JSON object).
const MAX_ANSWER_BYTES: u64 = 64 * 1024;

/// The longest object key accepted from the server.
const MAX_OBJECT_KEY_LEN: usize = 1024;

/// Called with each upload's progress, from the task that sends it.
type ProgressFn = Arc<dyn Fn(&UploadProgress<'_>) + Send + Sync>;

/// How uploads run.
///
/// ```
/// use std::time::Duration;
/// use datasaur::UploadOptions;
///
/// let options = UploadOptions::default()
///     .max_bytes(512 * 1024 * 1024)
///     .concurrency(4)
///     .stall_timeout(Duration::from_secs(60))
///     .on_progress(|p| eprintln!("{}: {} of {:?} bytes", p.name, p.sent, p.total));
/// assert_eq!(options.get_concurrency(), 4);
/// ```
#[derive(Clone)]
pub struct UploadOptions {
    max_bytes: u64,
    stall_timeout: Duration,
    concurrency: usize,
    progress: Option<ProgressFn>,
}

impl Default for UploadOptions {
    /// At most 4 GiB a file, 8 files at once (as Datasaur's own sample
    /// uploads), a stall after 30 s without a byte moving.
    fn default() -> Self {
        UploadOptions {
            max_bytes: 4 * 1024 * 1024 * 1024,
            stall_timeout: Duration::from_secs(30),
            concurrency: 8,
            progress: None,
        }
    }
}

impl UploadOptions {
    /// Sets the largest file sent; a larger one is
    /// [`crate::ErrorKind::UploadTooLarge`]. Datasaur documents no limit of
    /// its own.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets how long an upload may go without a byte sent (or, once the
    /// file is sent, without the answer) before the attempt is given up and
    /// retried. An upload has no total time limit: a large file on a slow
    /// link takes as long as it takes. At least 1 ms.
    #[must_use]
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall_timeout = stall.max(Duration::from_millis(1));
        self
    }

    /// Sets how many files [`Client::upload_all`] sends at once (at least 1).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Calls `progress` as each chunk of a file is handed to the connection.
    #[must_use]
    pub fn on_progress(
        mut self,
        progress: impl Fn(&UploadProgress<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// The largest file sent, in bytes.
    pub fn get_max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// How long an upload may stall.
    pub fn get_stall_timeout(&self) -> Duration {
        self.stall_timeout
    }

    /// How many files go at once.
    pub fn get_concurrency(&self) -> usize {
        self.concurrency
    }
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("max_bytes", &self.max_bytes)
            .field("stall_timeout", &self.stall_timeout)
            .field("concurrency", &self.concurrency)
            .field("progress", &self.progress.as_ref().map(|_| "set"))
            .finish()
    }
}

/// How far one upload has got.
///
/// ```
/// let options = datasaur::UploadOptions::default().on_progress(|progress| {
///     if let Some(total) = progress.total {
///         eprintln!("{}: {}%", progress.name, progress.sent * 100 / total.max(1));
///     }
/// });
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct UploadProgress<'a> {
    /// The file name Datasaur is told.
    pub name: &'a str,
    /// Bytes handed to the connection so far in this attempt.
    pub sent: u64,
    /// The file's size, when known.
    pub total: Option<u64>,
    /// The attempt, from 1 (a retry starts again from 0 bytes).
    pub attempt: u32,
}

/// A file uploaded: the key to name it by in `createProject` or
/// `addDocumentsToProject`.
///
/// ```
/// # fn show(upload: datasaur::Upload) {
/// println!("{} -> {} ({} bytes, {} attempts)", upload.name, upload.object_key, upload.bytes, upload.attempts);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Upload {
    /// The temporary object's key, as the server answered it
    /// (`temp/upload-proxy/<id>.<ext>`).
    pub object_key: String,
    /// The file name Datasaur was told.
    pub name: String,
    /// The bytes sent.
    pub bytes: u64,
    /// How many attempts it took (each earlier one may have left an unused
    /// temporary object on the server).
    pub attempts: u32,
}

impl Client {
    /// The URL files are uploaded to (`{upload base}/api/static/proxy/upload`;
    /// the upload base is [`crate::ClientBuilder::upload_base_url`], by
    /// default the base URL).
    ///
    /// ```
    /// let client = datasaur::Client::builder().build().unwrap();
    /// assert_eq!(client.upload_url().as_str(), "https://app.datasaur.ai/api/static/proxy/upload");
    /// ```
    pub fn upload_url(&self) -> &url::Url {
        &self.inner().upload_url
    }

    /// Uploads one file and returns its object key.
    ///
    /// Streamed in chunks, never whole in memory. A file over
    /// [`UploadOptions::max_bytes`] is refused before anything is sent when
    /// its size is known. Transient failures (cut connections, timeouts,
    /// stalls, HTTP 429, 500, 502, 503, 504, an answer that is not JSON) are retried as the client's
    /// [`crate::RetryPolicy`] allows, paths and bytes only (a reader is read
    /// once): a repeat can only leave an unused temporary object on the
    /// server. A refused token is refreshed and the upload sent once more.
    ///
    /// ```
    /// use datasaur::UploadSource;
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let upload = client.upload(UploadSource::path("data/reviews.csv"), None).await?;
    /// println!("{} is {}", upload.name, upload.object_key);
    /// # Ok(()) }
    /// ```
    pub async fn upload(
        &self,
        source: UploadSource,
        options: impl Into<Option<UploadOptions>>,
    ) -> Result<Upload> {
        let span = tracing::info_span!(
            "datasaur.call",
            otel.name = OPERATION,
            otel.kind = "internal",
            otel.status_code = tracing::field::Empty,
            datasaur.file = source.name(),
            error.type = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let outcome = self
            .upload_in_span(source, options.into().unwrap_or_default())
            .instrument(span.clone())
            .await;
        let _in = span.enter();
        match &outcome {
            Ok(upload) => {
                crate::metrics::uploaded(upload.bytes);
                tracing::info!(
                    file = %upload.name,
                    bytes = upload.bytes,
                    attempts = upload.attempts,
                    duration_ms = started.elapsed().as_millis() as u64,
                    "upload finished"
                )
            }
            Err(error) => record_error(&span, error),
        }
        outcome
    }

    async fn upload_in_span(&self, source: UploadSource, options: UploadOptions) -> Result<Upload> {
        let inner = self.inner();
        let request = Request::new(OPERATION, host_of(&inner.upload_url));
        let inspected = source.inspect().await?;
        let size = inspected.size;
        if let Some(size) = size.filter(|size| *size > options.max_bytes) {
            return Err(Error::upload_too_large(
                source.name(),
                Some(size),
                options.max_bytes,
            ));
        }
        let attempts = AtomicU32::new(0);
        let call = Call {
            request: request.clone(),
            method: "POST",
            target: &inner.upload_url,
            // Repeating an upload cannot run work twice; a reader is read once.
            repeat: if inspected.replayable {
                Repeat::Always
            } else {
                Repeat::Never
            },
            statuses: TransientStatuses::UPLOAD,
            credentials: Some(&inner.credentials),
            request_id: true,
            retries: Retries::Policy,
        };
        let (source_ref, options_ref, attempts_ref) = (&source, &options, &attempts);
        let (object_key, bytes) = inner
            .transport
            .call(call, |attempt| async move {
                attempts_ref.store(attempt.number, Ordering::Relaxed);
                self.upload_attempt(source_ref, size, options_ref, &attempt)
                    .await
            })
            .await?;
        Ok(Upload {
            object_key,
            name: source.name().to_owned(),
            bytes,
            attempts: attempts.load(Ordering::Relaxed),
        })
    }

    /// Uploads many files, [`UploadOptions::concurrency`] at once (8 by
    /// default), each as [`Client::upload`] does; the results come in the
    /// order of `sources`, one failure never stopping the others.
    ///
    /// ```
    /// use datasaur::UploadSource;
    ///
    /// # async fn run(client: datasaur::Client) {
    /// let files = ["a.txt", "b.txt", "c.txt"].map(UploadSource::path);
    /// for result in client.upload_all(files, None).await {
    ///     match result {
    ///         Ok(upload) => println!("{} {}", upload.name, upload.object_key),
    ///         Err(error) => eprintln!("{error}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub async fn upload_all(
        &self,
        sources: impl IntoIterator<Item = UploadSource>,
        options: impl Into<Option<UploadOptions>>,
    ) -> Vec<Result<Upload>> {
        let options = options.into().unwrap_or_default();
        let concurrency = options.concurrency;
        futures::stream::iter(sources)
            .map(|source| self.upload(source, options.clone()))
            .buffered(concurrency)
            .collect()
            .await
    }

    /// One POST of the file.
    async fn upload_attempt(
        &self,
        source: &UploadSource,
        size: Option<u64>,
        options: &UploadOptions,
        attempt: &Attempt,
    ) -> std::result::Result<(String, u64), Failure> {
        let inner = self.inner();
        let sent = Arc::new(AtomicU64::new(0));
        let over_limit = Arc::new(AtomicBool::new(false));
        let number = attempt.number;
        let on_chunk = {
            let progress = options.progress.clone();
            let name = source.name().to_owned();
            move |sent: u64| {
                if let Some(progress) = &progress {
                    progress(&UploadProgress {
                        name: &name,
                        sent,
                        total: size,
                        attempt: number,
                    });
                }
            }
        };
        let chunks = source
            .open(
                sent.clone(),
                over_limit.clone(),
                options.max_bytes,
                size,
                on_chunk,
            )
            .await
            .map_err(|error| Failure::unsent(error).fatal())?;
        let body = reqwest::Body::wrap_stream(chunks);
        let part = match size {
            Some(size) => reqwest::multipart::Part::stream_with_length(body, size),
            None => reqwest::multipart::Part::stream(body),
        }
        .file_name(source.name().to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        let post = attempt.prepare(
            inner
                .transport
                .api
                .post(inner.upload_url.clone())
                .multipart(form),
        );
        let stalled = || Failure::sent(Error::timed_out(attempt.request(), options.stall_timeout));
        let too_large = || {
            Failure::sent(Error::upload_too_large(
                source.name(),
                None,
                options.max_bytes,
            ))
            .fatal()
        };
        let sending = attempt.send(post, &inner.upload_url, false, options.stall_timeout);
        let response = match unless_stalled(sending, &sent, options.stall_timeout).await {
            None => return Err(stalled()),
            Some(Err(_)) if over_limit.load(Ordering::Relaxed) => return Err(too_large()),
            Some(outcome) => outcome?,
        };
        let status = response.status();
        let retry_after = retry_after_header(response.headers());
        let body = match tokio::time::timeout(
            options.stall_timeout,
            attempt.read_body(response, MAX_ANSWER_BYTES, options.stall_timeout),
        )
        .await
        {
            Err(_) => return Err(stalled()),
            Ok(body) => body?,
        };
        let request = attempt.request();
        if status == reqwest::StatusCode::UNAUTHORIZED {
            return Err(Failure::sent(Error::unauthorized(
                request,
                "the upload proxy refused the token".to_owned(),
            )));
        }
        if !status.is_success() {
            return Err(Failure::sent(Error::http(
                request,
                status.as_u16(),
                retry_after,
                body_snippet(&body),
            )));
        }
        let object_key = object_key(&request, &body).map_err(Failure::sent)?;
        Ok((object_key, sent.load(Ordering::Relaxed)))
    }
}

/// Runs `future` unless `sent` stays still for `limit` (None then).
async fn unless_stalled<F: Future>(
    future: F,
    sent: &AtomicU64,
    limit: Duration,
) -> Option<F::Output> {
    tokio::pin!(future);
    let tick = (limit / 4).clamp(Duration::from_millis(1), Duration::from_secs(1));
    let mut last = sent.load(Ordering::Relaxed);
    let mut moved_at = Instant::now();
    loop {
        tokio::select! {
            output = &mut future => return Some(output),
            () = tokio::time::sleep(tick) => {
                let now = sent.load(Ordering::Relaxed);
                if now != last {
                    last = now;
                    moved_at = Instant::now();
                } else if moved_at.elapsed() >= limit {
                    return None;
                }
            }
        }
    }
}

/// The upload proxy's answer: `{"objectKey": "temp/upload-proxy/…"}`.
fn object_key(request: &Request, body: &[u8]) -> std::result::Result<String, Error> {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Answer {
        object_key: String,
    }
    let bad = |message: String, transient: bool| {
        Error::decode(
            request.clone(),
            "objectKey",
            message,
            body_snippet(body),
            transient,
        )
    };
    let answer: Answer = serde_json::from_slice(body).map_err(|e| {
        // Not JSON at all (a proxy's page, a cut answer) may pass; JSON of
        // another shape will not.
        let transient = serde_json::from_slice::<serde_json::Value>(body).is_err();
        bad(format!("not the upload proxy's answer: {e}"), transient)
    })?;
    let key = answer.object_key;
    if key.is_empty() || key.len() > MAX_OBJECT_KEY_LEN || key.chars().any(char::is_control) {
        return Err(bad(
            format!(
                "the object key is empty, longer than {MAX_OBJECT_KEY_LEN} bytes, or holds control characters"
            ),
            false,
        ));
    }
    Ok(key)
}
