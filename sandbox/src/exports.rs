//! The files of exports, kept by their URL key until the route that stands
//! in for the object store (`http/files.rs`) serves them.

use std::sync::Mutex;

use tokio::time::Instant;

use crate::export_archive::{ExportContent, archive};
use crate::retention::Retained;
use crate::sync::lock;

/// One export's file.
#[derive(Clone)]
pub(crate) struct ExportFile {
    pub(crate) export_id: String,
    pub(crate) expires_at: Option<Instant>,
    pub(crate) file_name: String,
    /// What the archive holds; its bytes are made when asked for (the same
    /// each time), so that many exports hold no memory.
    pub(crate) content: ExportContent,
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
    /// The file at URL key `key`, if it is kept.
    pub(crate) fn file(&self, key: &str) -> Option<ExportFile> {
        lock(&self.files).get(&key.to_owned()).cloned()
    }

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
pub(crate) fn safe_file_name(name: &str) -> String {
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
