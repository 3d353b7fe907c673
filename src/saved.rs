//! The saved form of a [`JobHandle`](crate::JobHandle) or an [`Export`](crate::Export): small, versioned
//! JSON (or any serde format) that another process reads back with
//! [`crate::Client::resume_job`] / [`crate::Client::resume_export`] to go on waiting.
//!
//! What is in it, and why: the id; the operation that started the work; when
//! it started (wall clock), so that a resumed wait polls at the job's real age
//! and can count `max_wait` from the original start; the wait options the
//! handle was given; for an export, the file URL and when it expires. Nothing
//! of the client: no token, no base URL. An export's file URL is, until it
//! expires, a link anyone can download that one file with (a presigned URL):
//! keep a saved export as you would keep the file.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use url::Url;

use crate::started::{epoch_millis, from_epoch_millis};
use crate::{PollBackoff, WaitOptions};

/// The version of the saved form this crate writes, and the newest it reads.
/// A new version is made only for a change an older reader would misread;
/// fields added with a default keep the version.
pub const SAVED_FORMAT_VERSION: u32 = 1;

/// The longest id taken back (Datasaur's job ids are under 100 characters).
const MAX_ID_LEN: usize = 1024;
/// The longest operation name taken back.
const MAX_OPERATION_LEN: usize = 256;
/// The longest URL taken back (presigned URLs run to a few kilobytes).
const MAX_URL_LEN: usize = 16 * 1024;

/// A [`JobHandle`](crate::JobHandle), saved: serialize it, store it anywhere, and give it back
/// to [`crate::Client::resume_job`] in this process or another. Reading one checks
/// it: an unknown version, an empty or oversized id, a bad time are serde
/// errors that say what was wrong.
///
/// ```
/// # async fn run(client: datasaur::Client, handle: datasaur::JobHandle) -> Result<(), Box<dyn std::error::Error>> {
/// let text = serde_json::to_string(&handle.saved())?;
/// // ... the process restarts ...
/// let saved: datasaur::SavedJob = serde_json::from_str(&text)?;
/// let job = client.resume_job(saved).wait(None).await?;
/// # Ok(()) }
/// ```
///
/// The JSON form (`startedAt` and `fileUrlExpiresAt` are milliseconds since
/// the Unix epoch, as Datasaur writes times; durations are milliseconds):
///
/// ```
/// let saved: datasaur::SavedJob = serde_json::from_str(r#"{
///     "type": "job", "version": 1, "id": "AutoLabelQueue:1",
///     "operation": "AutoLabelTokenBasedProject", "startedAt": 1764745200000,
///     "wait": {"maxWaitMs": 7200000, "maxWaitFromStart": true}
/// }"#).unwrap();
/// assert_eq!(saved.id(), "AutoLabelQueue:1");
/// assert!(saved.wait_options().unwrap().get_max_wait_from_start());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawJob", into = "RawJob")]
pub struct SavedJob {
    pub(crate) id: String,
    pub(crate) operation: Option<String>,
    pub(crate) started_at: Option<SystemTime>,
    pub(crate) wait: Option<WaitOptions>,
}

/// An [`Export`](crate::Export), saved: as [`SavedJob`], with the file URL, its expiry,
/// and what else Datasaur answered when the export started. Resume it with
/// [`crate::Client::resume_export`].
///
/// ```
/// let saved: datasaur::SavedExport = serde_json::from_str(r#"{
///     "type": "export", "version": 1, "id": "ExportQueue:7",
///     "operation": "ExportTextProject", "startedAt": 1764745200000,
///     "fileUrl": "https://files.example.com/export-7.zip", "fileUrlExpiresAt": 1764748800000
/// }"#).unwrap();
/// assert_eq!(saved.file_url().unwrap().host_str(), Some("files.example.com"));
/// // A URL that is not http(s) is refused when read, not when downloaded.
/// assert!(serde_json::from_str::<datasaur::SavedExport>(
///     r#"{"type": "export", "version": 1, "id": "e", "fileUrl": "file:///etc/passwd"}"#
/// ).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawExport", into = "RawExport")]
pub struct SavedExport {
    pub(crate) job: SavedJob,
    pub(crate) file_url: Option<Url>,
    pub(crate) file_url_expires_at: Option<SystemTime>,
    pub(crate) redirect: Option<String>,
    pub(crate) queued: Option<bool>,
}

impl SavedJob {
    /// The job id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The operation that started the work (`AutoLabelTokenBasedProject`,
    /// ...); `None` for a handle made from an id ([`crate::Client::job`]).
    pub fn operation(&self) -> Option<&str> {
        self.operation.as_deref()
    }

    /// When the work started, as the process that started it saw it;
    /// `None` when no start was known.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.started_at
    }

    /// The wait options the handle was given
    /// ([`crate::JobHandle::with_wait_options`]); `None` for the client's defaults.
    pub fn wait_options(&self) -> Option<&WaitOptions> {
        self.wait.as_ref()
    }
}

impl SavedExport {
    /// The export id (its job id).
    pub fn id(&self) -> &str {
        self.job.id()
    }

    /// The operation that started the export (`ExportTextProject`, ...).
    pub fn operation(&self) -> Option<&str> {
        self.job.operation()
    }

    /// When the export started; `None` when no start was known.
    pub fn started_at(&self) -> Option<SystemTime> {
        self.job.started_at()
    }

    /// The wait options the export was given; `None` for the client's defaults.
    pub fn wait_options(&self) -> Option<&WaitOptions> {
        self.job.wait_options()
    }

    /// Where the file will be (method `FILE_STORAGE`).
    pub fn file_url(&self) -> Option<&Url> {
        self.file_url.as_ref()
    }

    /// When the file URL stops working, if Datasaur said.
    pub fn file_url_expires_at(&self) -> Option<SystemTime> {
        self.file_url_expires_at
    }
}

// The wire form. Kept apart from the public types so that what is written
// is documented here, field by field, and every value read is checked.

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    Job,
    Export,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawJob {
    #[serde(rename = "type")]
    kind: Kind,
    version: u32,
    id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    started_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    wait: Option<RawWait>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawExport {
    #[serde(flatten)]
    job: RawJob,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    file_url_expires_at: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    queued: Option<bool>,
}

/// [`WaitOptions`] in milliseconds; a field left out takes its default.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawWait {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_wait_ms: Option<u64>,
    #[serde(default)]
    max_wait_from_start: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_polls: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not_found_grace_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    poll_failure_limit_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backoff: Option<RawBackoff>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawBackoff {
    initial_ms: u64,
    multiplier: f64,
    max_ms: u64,
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl From<&WaitOptions> for RawWait {
    fn from(options: &WaitOptions) -> Self {
        let backoff = options.get_backoff();
        RawWait {
            max_wait_ms: Some(millis(options.get_max_wait())),
            max_wait_from_start: options.get_max_wait_from_start(),
            max_polls: options.get_max_polls(),
            not_found_grace_ms: Some(millis(options.get_not_found_grace())),
            poll_failure_limit_ms: Some(millis(options.get_poll_failure_limit())),
            backoff: Some(RawBackoff {
                initial_ms: millis(backoff.initial()),
                multiplier: backoff.multiplier(),
                max_ms: millis(backoff.max()),
            }),
        }
    }
}

impl From<RawWait> for WaitOptions {
    fn from(raw: RawWait) -> Self {
        let mut options = WaitOptions::default().max_wait_from_start(raw.max_wait_from_start);
        if let Some(ms) = raw.max_wait_ms {
            options = options.max_wait(Duration::from_millis(ms));
        }
        if let Some(polls) = raw.max_polls {
            options = options.max_polls(polls);
        }
        if let Some(ms) = raw.not_found_grace_ms {
            options = options.not_found_grace(Duration::from_millis(ms));
        }
        if let Some(ms) = raw.poll_failure_limit_ms {
            options = options.poll_failure_limit(Duration::from_millis(ms));
        }
        if let Some(backoff) = raw.backoff {
            // `PollBackoff::new` keeps the floors (500 ms, a multiplier of
            // at least 1): a saved file cannot make a wait hammer the server.
            options = options.backoff(PollBackoff::new(
                Duration::from_millis(backoff.initial_ms),
                backoff.multiplier,
                Duration::from_millis(backoff.max_ms),
            ));
        }
        options
    }
}

impl From<SavedJob> for RawJob {
    fn from(saved: SavedJob) -> Self {
        RawJob {
            kind: Kind::Job,
            version: SAVED_FORMAT_VERSION,
            id: saved.id,
            operation: saved.operation,
            started_at: saved.started_at.map(epoch_millis),
            wait: saved.wait.as_ref().map(RawWait::from),
        }
    }
}

impl TryFrom<RawJob> for SavedJob {
    type Error = String;

    fn try_from(raw: RawJob) -> Result<Self, String> {
        if !matches!(raw.kind, Kind::Job) {
            return Err("a saved export, not a saved job (read it as a SavedExport)".into());
        }
        saved_job(raw)
    }
}

// The rules a saved form holds its values to. They are checked where a
// value enters (an export's answer, an id a caller gives), not only where a
// saved form is read: what this crate writes, it can read back.

/// Whether `id` can be a saved job's or export's id: not blank, at most 1 KiB.
pub fn check_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err("the id is empty".into());
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!(
            "the id is {} bytes long; at most {MAX_ID_LEN} are taken",
            id.len()
        ));
    }
    Ok(())
}

/// A file URL that can be saved: http(s), at most [`MAX_URL_LEN`] bytes.
pub(crate) fn check_file_url(text: &str) -> Result<Url, String> {
    if text.len() > MAX_URL_LEN {
        return Err(format!(
            "fileUrl is {} bytes long; at most {MAX_URL_LEN} are taken",
            text.len()
        ));
    }
    let url = Url::parse(text).map_err(|e| format!("fileUrl is not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "fileUrl's scheme {:?} is not http(s)",
            url.scheme()
        ));
    }
    Ok(url)
}

/// Whether a redirect can be saved: at most [`MAX_URL_LEN`] bytes.
pub(crate) fn check_redirect(redirect: Option<&str>) -> Result<(), String> {
    if redirect.is_some_and(|r| r.len() > MAX_URL_LEN) {
        return Err(format!("redirect is longer than {MAX_URL_LEN} bytes"));
    }
    Ok(())
}

/// The checks every saved form shares.
fn saved_job(raw: RawJob) -> Result<SavedJob, String> {
    if raw.version == 0 || raw.version > SAVED_FORMAT_VERSION {
        return Err(format!(
            "saved in format version {}; this datasaur reads versions 1 to {SAVED_FORMAT_VERSION}",
            raw.version
        ));
    }
    check_id(&raw.id)?;
    if let Some(operation) = &raw.operation
        && (operation.len() > MAX_OPERATION_LEN || operation.chars().any(char::is_control))
    {
        return Err("the operation is not an operation name".into());
    }
    let started_at = match raw.started_at {
        Some(ms) => {
            Some(from_epoch_millis(ms).ok_or_else(|| format!("startedAt {ms} is out of range"))?)
        }
        None => None,
    };
    Ok(SavedJob {
        id: raw.id,
        operation: raw.operation,
        started_at,
        wait: raw.wait.map(WaitOptions::from),
    })
}

impl From<SavedExport> for RawExport {
    fn from(saved: SavedExport) -> Self {
        let mut job = RawJob::from(saved.job);
        job.kind = Kind::Export;
        RawExport {
            job,
            file_url: saved.file_url.map(String::from),
            file_url_expires_at: saved.file_url_expires_at.map(epoch_millis),
            redirect: saved.redirect,
            queued: saved.queued,
        }
    }
}

impl TryFrom<RawExport> for SavedExport {
    type Error = String;

    fn try_from(raw: RawExport) -> Result<Self, String> {
        if !matches!(raw.job.kind, Kind::Export) {
            return Err("a saved job, not a saved export (read it as a SavedJob)".into());
        }
        let job = saved_job(raw.job)?;
        let file_url = raw.file_url.as_deref().map(check_file_url).transpose()?;
        let file_url_expires_at = match raw.file_url_expires_at {
            Some(ms) => Some(
                from_epoch_millis(ms)
                    .ok_or_else(|| format!("fileUrlExpiresAt {ms} is out of range"))?,
            ),
            None => None,
        };
        check_redirect(raw.redirect.as_deref())?;
        Ok(SavedExport {
            job,
            file_url,
            file_url_expires_at,
            redirect: raw.redirect,
            queued: raw.queued,
        })
    }
}
