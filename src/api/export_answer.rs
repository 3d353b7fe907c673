//! What an export starter answers (`ExportRequestResult`, the same for
//! every export kind), checked as it is read.

use serde::Deserialize;

use crate::download::parse_expiry;
use crate::saved::{check_file_url, check_id, check_redirect};

/// `ExportRequestResult`, the same for every export kind, checked as it is
/// read: every value is one a saved export can hold (as a started job's id is).
/// An expiry that is no time (past the year 9999) is dropped: the file
/// host says when a URL has expired.
#[derive(Deserialize)]
#[serde(try_from = "RawExportRequestResult")]
pub(crate) struct ExportRequestResult {
    pub(crate) export_id: String,
    pub(crate) file_url: Option<url::Url>,
    pub(crate) file_url_expires_at: Option<std::time::SystemTime>,
    pub(crate) queued: Option<bool>,
    pub(crate) redirect: Option<String>,
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
            file_url_expires_at: raw.file_url_expired_at.as_deref().and_then(parse_expiry),
            queued: raw.queued,
            redirect: raw.redirect,
        })
    }
}
