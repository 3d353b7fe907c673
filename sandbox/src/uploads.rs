//! Uploads: `POST /api/static/proxy/upload`, Datasaur's upload proxy. A
//! multipart form whose field `file` holds the document, a bearer token; the
//! answer names the temporary object that `createProject` and
//! `addDocumentsToProject` documents refer to:
//! `{"objectKey": "temp/upload-proxy/<id>.<ext>"}`.
//!
//! The file is streamed through SHA-256 and dropped: the sandbox keeps only
//! each object's name, size and digest, so a test can upload gigabytes and
//! still check what arrived.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::sync::lock;

/// The path of Datasaur's upload proxy, under the upload base URL.
pub const UPLOAD_PATH: &str = "/api/static/proxy/upload";

/// How many uploaded objects the sandbox remembers; past it, the oldest
/// records go (their keys still answered at upload time).
const MAX_OBJECTS_KEPT: usize = 100_000;

/// The longest file name kept for an object (longer ones are cut).
pub(crate) const MAX_FILE_NAME_CHARS: usize = 255;

/// One object an upload created, as the sandbox keeps it.
///
/// ```
/// # async fn run(sandbox: datasaur_sandbox::Sandbox) {
/// for object in sandbox.uploads() {
///     println!("{} {} ({} bytes, sha256 {})", object.object_key, object.file_name, object.bytes, object.sha256);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadedObject {
    /// The key the upload answered (`temp/upload-proxy/<id>.<ext>`).
    pub object_key: String,
    /// The file name the multipart part gave (empty when it gave none; its
    /// first 255 characters).
    pub file_name: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// The file's SHA-256, lowercase hex.
    pub sha256: String,
}

#[derive(Default)]
pub(crate) struct UploadStore {
    objects: Mutex<Objects>,
}

#[derive(Default)]
struct Objects {
    next: u64,
    kept: HashMap<u64, UploadedObject>,
    /// The number of each kept object, by key.
    by_key: HashMap<String, u64>,
}

impl UploadStore {
    pub(crate) fn add(&self, object: UploadedObject) {
        let mut objects = lock(&self.objects);
        objects.next += 1;
        let number = objects.next;
        objects.by_key.insert(object.object_key.clone(), number);
        objects.kept.insert(number, object);
        if objects.kept.len() > MAX_OBJECTS_KEPT
            && let Some(gone) = objects.kept.remove(&(number - MAX_OBJECTS_KEPT as u64))
        {
            objects.by_key.remove(&gone.object_key);
        }
    }

    /// The object `key` names, if the upload proxy issued it (and it is
    /// still kept).
    pub(crate) fn get(&self, key: &str) -> Option<UploadedObject> {
        let objects = lock(&self.objects);
        let number = objects.by_key.get(key)?;
        objects.kept.get(number).cloned()
    }

    /// Every object kept, oldest first.
    pub(crate) fn list(&self) -> Vec<UploadedObject> {
        let objects = lock(&self.objects);
        let mut numbered: Vec<(&u64, &UploadedObject)> = objects.kept.iter().collect();
        numbered.sort_by_key(|(number, _)| **number);
        numbered
            .into_iter()
            .map(|(_, object)| object.clone())
            .collect()
    }
}
