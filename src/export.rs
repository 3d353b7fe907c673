//! [`Export`]: an export that was started, to wait on and download.

use std::path::Path;
use std::time::SystemTime;

use futures::stream::BoxStream;
use url::Url;

use crate::download::{DownloadOptions, download, has_expired};
use crate::work::Work;
use crate::{
    Client, Download, Error, Job, JobError, JobStatus, JobUpdate, SavedExport, WaitError,
    WaitOptions,
};

/// An export Datasaur has started (`exportTextProject` or any other export
/// starter, such as [`Client::export_team_overview`]): its id (which is a
/// job id), and where its file will be, which Datasaur says before the file
/// exists.
///
/// ```no_run
/// use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
///
/// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
/// let input = ExportTextProjectInput::new("labels", "JSON", GqlExportMethod::FileStorage, ["HvdyIL2iwZn"]);
/// let export = client.export_project(input).await?;
/// // Wait through the client's wait engine, then download safely: one call.
/// let file = export.wait_and_download_to("labels.zip", None, Default::default()).await?;
/// println!("{} bytes, sha256 {}", file.bytes, file.sha256);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Export {
    client: Client,
    work: Work,
    file_url: Option<Url>,
    file_url_expires_at: Option<SystemTime>,
    redirect: Option<String>,
    queued: Option<bool>,
}

/// An export's state from `getExportDeliveryStatus`.
///
/// ```
/// # fn show(status: datasaur::ExportStatus) {
/// println!("{} ({} errors)", status.status, status.errors.len());
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(from = "RawExportStatus")]
#[non_exhaustive]
pub struct ExportStatus {
    /// The same five values as a job's.
    pub status: JobStatus,
    /// Why it failed, if it did: the first [`crate::Job::ERRORS_KEPT`].
    pub errors: Vec<JobError>,
    /// How many more errors the server reported than [`ExportStatus::errors`]
    /// holds (counted as the answer is read, never held).
    pub errors_omitted: u64,
}

/// `getExportDeliveryStatus`'s answer (fragment `ExportStatus`), its error
/// list read bounded as a job's is.
#[derive(serde::Deserialize)]
struct RawExportStatus {
    status: JobStatus,
    #[serde(default)]
    errors: Option<crate::job::KeptErrors>,
}

impl From<RawExportStatus> for ExportStatus {
    fn from(raw: RawExportStatus) -> Self {
        let errors = raw.errors.unwrap_or_default();
        ExportStatus {
            status: raw.status,
            errors: errors.kept,
            errors_omitted: errors.omitted,
        }
    }
}

impl Export {
    pub(crate) fn new(
        client: Client,
        operation: &'static str,
        started: crate::api::ExportRequestResult,
    ) -> Self {
        Export {
            client,
            work: Work::started_now(started.export_id, operation),
            file_url: started.file_url,
            file_url_expires_at: started.file_url_expired_at,
            redirect: started.redirect,
            queued: started.queued,
        }
    }

    /// An export read back from its saved form.
    pub(crate) fn resumed(client: Client, saved: SavedExport) -> Self {
        Export {
            client,
            work: Work::from(saved.job),
            file_url: saved.file_url,
            file_url_expires_at: saved.file_url_expires_at,
            redirect: saved.redirect,
            queued: saved.queued,
        }
    }

    /// The export id, which is also its job id.
    pub fn id(&self) -> &str {
        &self.work.id
    }

    /// The operation that started the export (`ExportTextProject`, ...);
    /// `None` for an export resumed from a saved form that did not say.
    pub fn operation(&self) -> Option<&str> {
        self.work.operation.as_deref()
    }

    /// When the export started (the wall-clock time its start was answered,
    /// or the saved time of a resumed export).
    pub fn started_at(&self) -> Option<SystemTime> {
        self.work.started_at()
    }

    /// The wait options this export's waits use when given `None` (instead
    /// of the client's), kept in its saved form.
    ///
    /// ```
    /// # fn run(export: datasaur::Export) {
    /// use std::time::Duration;
    /// use datasaur::WaitOptions;
    ///
    /// let export = export.with_wait_options(WaitOptions::default().max_wait(Duration::from_secs(600)));
    /// assert!(export.saved().wait_options().is_some());
    /// # }
    /// ```
    #[must_use]
    pub fn with_wait_options(mut self, options: WaitOptions) -> Self {
        self.work.wait_options = Some(options);
        self
    }

    /// The saved form of this export, to resume it later, here or in
    /// another process ([`Client::resume_export`]). `Export` also serializes
    /// to it directly.
    pub fn saved(&self) -> SavedExport {
        SavedExport {
            job: self.work.saved(),
            file_url: self.file_url.clone(),
            file_url_expires_at: self.file_url_expires_at,
            redirect: self.redirect.clone(),
            queued: self.queued,
        }
    }

    /// Whether the file URL has expired by now (`false` when Datasaur gave
    /// no expiry). An expired URL cannot be renewed: Datasaur has no call
    /// for it; only a new export makes a new file.
    pub fn file_url_expired(&self) -> bool {
        self.file_url_expires_at.is_some_and(has_expired)
    }

    /// Where the file will be (method `FILE_STORAGE`); it may answer 404
    /// until the export is uploaded.
    pub fn file_url(&self) -> Option<&Url> {
        self.file_url.as_ref()
    }

    /// When [`Export::file_url`] stops working, if Datasaur said (and said it
    /// in a form this crate reads: epoch milliseconds or RFC 3339).
    pub fn file_url_expires_at(&self) -> Option<SystemTime> {
        self.file_url_expires_at
    }

    /// Datasaur's `redirect` link (method `DOWNLOAD_REQUEST`).
    pub fn redirect(&self) -> Option<&str> {
        self.redirect.as_deref()
    }

    /// Whether Datasaur queued the export.
    pub fn queued(&self) -> Option<bool> {
        self.queued
    }

    /// Waits until the export's job is `DELIVERED`, through the client's
    /// wait engine (it shares requests with every other wait), polling at
    /// the export's age. `None` takes the export's own options
    /// ([`Export::with_wait_options`]), else the client's.
    pub async fn wait(&self, options: impl Into<Option<WaitOptions>>) -> Result<Job, WaitError> {
        self.work.wait(&self.client, options.into()).await
    }

    /// Each change of the export's job, then its end (options as [`Export::wait`]).
    pub fn watch(&self, options: impl Into<Option<WaitOptions>>) -> BoxStream<'static, JobUpdate> {
        self.work.watch(&self.client, options.into())
    }

    /// Asks `getExportDeliveryStatus` once.
    pub async fn status(&self) -> crate::Result<ExportStatus> {
        self.client.export_status(&self.work.id).await
    }

    /// Downloads the file to `path`, carefully: streamed to a temporary file
    /// in the same directory and renamed into place (no partial file
    /// survives any failure); an existing file is kept unless
    /// [`DownloadOptions::overwrite`]; 404 (the file is not uploaded yet),
    /// 5xx and cut connections are retried within
    /// [`DownloadOptions::max_time`]; Datasaur's `Authorization` header is
    /// never sent to the file host; an expired URL is
    /// [`crate::ErrorKind::FileUrlExpired`]. Returns the size and SHA-256.
    pub async fn download_to(
        &self,
        path: impl AsRef<Path>,
        options: DownloadOptions,
    ) -> crate::Result<Download> {
        let Some(url) = &self.file_url else {
            return Err(Error::no_file_url(&self.work.id));
        };
        download(
            &self.client,
            url,
            self.file_url_expires_at,
            path.as_ref(),
            &options,
        )
        .await
    }

    /// [`Export::wait`], then [`Export::download_to`]: from "export started"
    /// to "file on disk" in one call. A failed export is
    /// [`crate::ErrorKind::ExportFailed`].
    pub async fn wait_and_download_to(
        &self,
        path: impl AsRef<Path>,
        wait: impl Into<Option<WaitOptions>>,
        download: DownloadOptions,
    ) -> crate::Result<Download> {
        self.wait(wait)
            .await
            .map_err(|error| Error::export_failed(&self.work.id, error))?;
        self.download_to(path, download).await
    }
}

impl serde::Serialize for Export {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.saved().serialize(serializer)
    }
}

impl Client {
    /// A saved export, back in hand: wait and download as before. An export
    /// whose file URL expired meanwhile is reported as
    /// [`crate::ErrorKind::FileUrlExpired`] when downloaded: Datasaur has no
    /// call that renews an export's URL, and this crate never starts a new
    /// export on its own.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let text = std::fs::read_to_string("export.json")?;
    /// let export = client.resume_export(serde_json::from_str(&text)?);
    /// let file = export.wait_and_download_to("labels.zip", None, Default::default()).await?;
    /// # Ok(()) }
    /// ```
    pub fn resume_export(&self, saved: SavedExport) -> Export {
        Export::resumed(self.clone(), saved)
    }
}
