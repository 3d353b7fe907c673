//! Downloading an export's file, carefully: Datasaur hands out the file URL
//! before the file exists (it answers 404 for a while), a connection can be
//! cut mid-file, and a half-written file must never look like a whole one.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use tokio::time::Instant;
use url::Url;

use crate::Client;
use crate::error::{BODY_SNIPPET_LEN, Error, Request, body_snippet, host_of};
use crate::part_file::PartFile;
use crate::retry::{Backoff, retry_after_header};
use crate::transport::{Attempt, Call, Failure, Repeat, Retries, TransientStatuses, record_error};
use tracing::Instrument;

const OPERATION: &str = "download";

/// How a download runs.
///
/// ```
/// use std::time::Duration;
/// use datasaur::DownloadOptions;
///
/// let options = DownloadOptions::default()
///     .overwrite(true)
///     .max_bytes(512 * 1024 * 1024)
///     .max_time(Duration::from_secs(300));
/// assert!(options.get_overwrite());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DownloadOptions {
    pub(crate) overwrite: bool,
    pub(crate) max_bytes: u64,
    pub(crate) max_time: Duration,
    pub(crate) initial_backoff: Duration,
    pub(crate) stall_timeout: Duration,
    pub(crate) stale_parts_after: Duration,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            overwrite: false,
            max_bytes: 4 * 1024 * 1024 * 1024,
            max_time: Duration::from_secs(600),
            initial_backoff: Duration::from_millis(500),
            stall_timeout: DEFAULT_STALL_TIMEOUT,
            stale_parts_after: crate::part_file::STALE_AFTER,
        }
    }
}

impl DownloadOptions {
    /// Sets whether an existing file is replaced.
    #[must_use]
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Sets the size limit.
    #[must_use]
    pub fn max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// Sets the time limit, retries included.
    #[must_use]
    pub fn max_time(mut self, max_time: Duration) -> Self {
        self.max_time = max_time;
        self
    }

    /// Sets how long an attempt may wait for its next byte (the answer's
    /// headers included) before it is given up and tried again: a file host
    /// that drips a byte now and then cannot hold a download until
    /// [`DownloadOptions::max_time`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur::DownloadOptions;
    ///
    /// let options = DownloadOptions::default().stall_timeout(Duration::from_secs(5));
    /// assert_eq!(options.get_stall_timeout(), Duration::from_secs(5));
    /// ```
    #[must_use]
    pub fn stall_timeout(mut self, stall: Duration) -> Self {
        self.stall_timeout = stall;
        self
    }

    /// How long an attempt may wait for its next byte (default 30 s).
    pub fn get_stall_timeout(&self) -> Duration {
        self.stall_timeout
    }

    /// Sets how old a temporary file of an earlier download to the same path
    /// must be (unchanged for this long) to be removed when this download
    /// starts (default 24 hours). A process killed outright (`kill -9`, a
    /// power cut) leaves its `.NAME.<random>.part` behind; a day is long
    /// enough never to remove the part of a download still running
    /// elsewhere. A caller that knows no other download to the path can be
    /// running (it holds a lock over its outputs, as the CLI's `--state`)
    /// can set zero.
    ///
    /// ```
    /// use std::time::Duration;
    /// use datasaur::DownloadOptions;
    ///
    /// let options = DownloadOptions::default().stale_parts_after(Duration::ZERO);
    /// assert_eq!(options.get_stale_parts_after(), Duration::ZERO);
    /// ```
    #[must_use]
    pub fn stale_parts_after(mut self, age: Duration) -> Self {
        self.stale_parts_after = age;
        self
    }

    /// How old an earlier download's temporary file must be to be removed
    /// (default 24 hours).
    pub fn get_stale_parts_after(&self) -> Duration {
        self.stale_parts_after
    }

    /// Sets the first pause before a retry.
    #[must_use]
    pub fn initial_backoff(mut self, initial: Duration) -> Self {
        self.initial_backoff = initial;
        self
    }

    /// Whether a file already at the path is replaced (default `false`: it
    /// is kept, and the download is [`crate::ErrorKind::FileExists`]).
    pub fn get_overwrite(&self) -> bool {
        self.overwrite
    }

    /// The largest file taken, in bytes (default 4 GiB).
    pub fn get_max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The whole download's time limit, retries included (default 10 min).
    pub fn get_max_time(&self) -> Duration {
        self.max_time
    }

    /// The first pause before a retry; it doubles, with jitter, up to 10 s
    /// (default 500 ms).
    pub fn get_initial_backoff(&self) -> Duration {
        self.initial_backoff
    }
}

/// How long a download attempt waits for its next byte by default.
const DEFAULT_STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// A file downloaded whole.
///
/// ```
/// # fn show(download: datasaur::Download) {
/// println!("{} bytes to {}, sha256 {}", download.bytes, download.path.display(), download.sha256);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Download {
    /// Where the file is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, lowercase hex.
    pub sha256: String,
    /// GET requests made, retries included.
    pub attempts: u32,
}

/// Downloads `url` to `path`: streamed to a temporary file beside it, then
/// renamed into place. The statuses `TransientStatuses::DOWNLOAD` names
/// (the file not there yet, throttling, server errors) and cut connections
/// are retried until `options.max_time`, through the request pipeline (its backoff
/// ceiling and `Retry-After` cap, the download's own first pause); no
/// `Authorization` header is ever sent (the URL is presigned, and the file
/// host is not Datasaur).
pub(crate) async fn download(
    client: &Client,
    url: &Url,
    expires_at: Option<SystemTime>,
    path: &Path,
    options: &DownloadOptions,
) -> Result<Download, Error> {
    let span = tracing::info_span!(
        "datasaur.call",
        otel.name = OPERATION,
        otel.kind = "internal",
        otel.status_code = tracing::field::Empty,
        server.address = url.host_str().unwrap_or_default(),
        error.type = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let outcome = download_in_span(client, url, expires_at, path, options)
        .instrument(span.clone())
        .await;
    let _in = span.enter();
    match &outcome {
        Ok(file) => {
            crate::metrics::downloaded(file.bytes);
            tracing::info!(
                bytes = file.bytes,
                attempts = file.attempts,
                duration_ms = started.elapsed().as_millis() as u64,
                "download finished"
            )
        }
        Err(error) => record_error(&span, error),
    }
    outcome
}

async fn download_in_span(
    client: &Client,
    url: &Url,
    expires_at: Option<SystemTime>,
    path: &Path,
    options: &DownloadOptions,
) -> Result<Download, Error> {
    let host = host_of(url);
    let request = Request::new(OPERATION, host.clone());
    let expired = |at: SystemTime| Error::file_url_expired(host.clone(), at);
    if let Some(at) = expires_at.filter(|at| has_expired(*at)) {
        return Err(expired(at));
    }
    if !options.overwrite && tokio::fs::try_exists(path).await.unwrap_or(false) {
        return Err(Error::file_exists(path.to_owned()));
    }
    let deadline = Instant::now().checked_add(options.max_time);
    let transport = &client.inner().transport;
    let http = &transport.downloads;
    let policy = &transport.retry;
    let backoff = Backoff::new(
        options.initial_backoff,
        policy.get_max_backoff(),
        policy.get_max_retry_after(),
    );
    let call = Call {
        request,
        method: "GET",
        target: url,
        repeat: Repeat::Always,
        statuses: TransientStatuses::DOWNLOAD,
        // The URL is presigned, and the file host is not Datasaur.
        credentials: None,
        request_id: false,
        retries: Retries::Until { deadline, backoff },
    };
    let attempts = AtomicU32::new(0);
    let (attempts_ref, expired_ref) = (&attempts, &expired);
    let (bytes, sha256) = transport
        .call(call, |attempt| async move {
            attempts_ref.store(attempt.number, Ordering::Relaxed);
            // A URL that expired while we paused is not worth a try.
            if attempt.number > 1
                && let Some(at) = expires_at.filter(|at| has_expired(*at))
            {
                return Err(Failure::unsent(expired_ref(at)).fatal());
            }
            let remaining = deadline.map_or(Duration::MAX, |deadline| {
                deadline.saturating_duration_since(Instant::now())
            });
            tokio::time::timeout(
                remaining,
                download_attempt(http, url, &attempt, path, options),
            )
            .await
            .unwrap_or_else(|_| {
                Err(Failure::sent(Error::timed_out(attempt.request(), options.max_time)).fatal())
            })
        })
        .await?;
    Ok(Download {
        path: path.to_owned(),
        bytes,
        sha256,
        attempts: attempts.load(Ordering::Relaxed),
    })
}

/// One GET, streamed to a temporary file that becomes `path` only when whole.
async fn download_attempt(
    http: &reqwest::Client,
    url: &Url,
    attempt: &Attempt,
    path: &Path,
    options: &DownloadOptions,
) -> Result<(u64, String), Failure> {
    let request = attempt.request();
    let stalled = || Failure::sent(Error::timed_out(request.clone(), options.stall_timeout));
    let get = attempt.prepare(http.get(url.clone()));
    let mut response = tokio::time::timeout(
        options.stall_timeout,
        attempt.send(get, url, true, options.max_time),
    )
    .await
    .map_err(|_| stalled())??;
    let status = response.status();
    if !status.is_success() {
        let retry_after = retry_after_header(response.headers());
        // Only the first bytes, and only while they come: an error page is
        // quoted, never held whole.
        let mut body = Vec::new();
        while body.len() <= BODY_SNIPPET_LEN {
            match tokio::time::timeout(options.stall_timeout, response.chunk()).await {
                Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        return Err(Failure::sent(Error::http(
            request.clone(),
            status.as_u16(),
            retry_after,
            body_snippet(&body),
        )));
    }
    let too_large = || Failure::sent(Error::too_large(request.clone(), options.max_bytes)).fatal();
    // A local failure (the disk): no retry helps.
    let local = |error: Error| Failure::unsent(error).fatal();
    if response
        .content_length()
        .is_some_and(|length| length > options.max_bytes)
    {
        return Err(too_large());
    }
    let mut part = PartFile::create_removing_parts_older_than(path, options.stale_parts_after)
        .await
        .map_err(local)?;
    let mut hasher = Sha256::new();
    let mut written: u64 = 0;
    while let Some(chunk) = tokio::time::timeout(options.stall_timeout, response.chunk())
        .await
        .map_err(|_| stalled())?
        .map_err(|source| attempt.transport_failure(source, options.max_time))?
    {
        written = written.saturating_add(chunk.len() as u64);
        if written > options.max_bytes {
            return Err(too_large());
        }
        hasher.update(&chunk);
        part.write(&chunk).await.map_err(local)?;
    }
    part.commit(options.overwrite).await.map_err(local)?;
    let sha256 = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    Ok((written, sha256))
}

/// Reads `fileUrlExpiredAt`: epoch milliseconds (or seconds), or RFC 3339
/// (`2026-11-29T18:00:00Z`, `...+02:00`). `None` for anything else: an
/// unreadable expiry does not stop a download, the file host will.
/// Whether a file URL that stops working at `at` has stopped by now.
pub(crate) fn has_expired(at: SystemTime) -> bool {
    SystemTime::now() >= at
}

pub(crate) fn parse_expiry(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        let number: u64 = text.parse().ok()?;
        // Before 5138 as seconds; from 1973 as milliseconds.
        let millis = if number < 100_000_000_000 {
            number.saturating_mul(1000)
        } else {
            number
        };
        // Past the year 9999 is no time: dropped, as an unreadable one is.
        return crate::started::from_epoch_millis(millis);
    }
    parse_rfc3339(text)
}

fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            if rest.len() != 6 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    // Days from the civil date (Howard Hinnant's algorithm).
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset;
    let seconds = u64::try_from(seconds).ok()?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn epoch(seconds: u64) -> Option<SystemTime> {
        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
    }

    #[test]
    fn expiries_in_every_shape_datasaur_might_send() {
        assert_eq!(parse_expiry("1764439200000"), epoch(1_764_439_200));
        assert_eq!(parse_expiry("1764439200"), epoch(1_764_439_200));
        assert_eq!(parse_expiry("2025-11-29T18:00:00Z"), epoch(1_764_439_200));
        assert_eq!(
            parse_expiry("2025-11-29T18:00:00.123Z"),
            epoch(1_764_439_200)
        );
        assert_eq!(
            parse_expiry("2025-11-29T20:00:00+02:00"),
            epoch(1_764_439_200)
        );
        for bad in [
            "",
            "soon",
            "2025-13-01T00:00:00Z",
            "99999999999999999999999",
            "2025-11-29T18:00:00",
        ] {
            assert_eq!(parse_expiry(bad), None, "{bad}");
        }
    }
}
