//! What an export starter answers (`ExportRequestResult`, the same for
//! every export kind), checked as it is read.

use serde::Deserialize;

use crate::download::parse_expiry;
use crate::saved::{check_file_url, check_id, check_redirect};

/// What an export starter answers (`ExportRequestResult`, the same for
/// every export kind), checked as it is read: every value is one a saved
/// export can hold (as a started job's id is). An expiry that is no time
/// (past the year 9999) is dropped: the file host says when a URL has
/// expired.
///
/// The generated export operations answer with it (fragment `ExportResult`
/// of `graphql/export_result.fragment.graphql`); the client's export
/// methods turn it into an [`Export`](crate::Export) to wait on and
/// download.
///
/// ```
/// let answer: datasaur::operations::ExportRequestResult =
///     serde_json::from_str(r#"{"exportId": "ExportQueue:1", "fileUrl": null,
///         "fileUrlExpiredAt": null, "queued": true, "redirect": null}"#).unwrap();
/// assert_eq!(answer.export_id(), "ExportQueue:1");
/// // An id no saved export could hold is refused as it is read.
/// assert!(serde_json::from_str::<datasaur::operations::ExportRequestResult>(
///     r#"{"exportId": "", "queued": true}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "RawExportRequestResult")]
#[non_exhaustive]
pub struct ExportRequestResult {
    pub(crate) export_id: String,
    pub(crate) file_url: Option<url::Url>,
    pub(crate) file_url_expired_at: Option<std::time::SystemTime>,
    pub(crate) queued: Option<bool>,
    pub(crate) redirect: Option<String>,
}

impl ExportRequestResult {
    /// The export's id, for `getExportDeliveryStatus`.
    pub fn export_id(&self) -> &str {
        &self.export_id
    }

    /// The file's URL, when the export is already written.
    pub fn file_url(&self) -> Option<&url::Url> {
        self.file_url.as_ref()
    }

    /// Whether the export was queued (its file comes later).
    pub fn queued(&self) -> Option<bool> {
        self.queued
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawExportRequestResult {
    export_id: String,
    file_url: Option<String>,
    file_url_expired_at: Option<String>,
    queued: Option<bool>,
    redirect: Option<String>,
}

impl TryFrom<RawExportRequestResult> for ExportRequestResult {
    type Error = String;

    fn try_from(raw: RawExportRequestResult) -> Result<Self, String> {
        check_id(&raw.export_id).map_err(|why| format!("exportId: {why}"))?;
        let file_url = raw
            .file_url
            .as_deref()
            .filter(|url| !url.is_empty())
            .map(check_file_url)
            .transpose()?;
        check_redirect(raw.redirect.as_deref())?;
        Ok(ExportRequestResult {
            export_id: raw.export_id,
            file_url,
            file_url_expired_at: raw.file_url_expired_at.as_deref().and_then(parse_expiry),
            queued: raw.queued,
            redirect: raw.redirect,
        })
    }
}
