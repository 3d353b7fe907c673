//! The bytes of an export's file: a zip archive laid out as Datasaur's
//! exports are (a folder per project, or team, or document; in it a folder
//! per role, `REVIEW` and `ROOT-<labeler>`; in those a file per document),
//! each file in the format asked (JSON, CSV, TSV; anything else as text).
//! The same export always gives the same bytes (fixed timestamps, no
//! compression), so a test can compare SHA-256s.

use std::io::Write;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Documents per role folder.
const DOCUMENTS: usize = 2;

/// The role folders of each subject, as Datasaur's sample exports show them.
const ROLES: [&str; 2] = ["REVIEW", "ROOT-labeler-1"];

/// What an export holds: one folder per subject (`project-<id>`,
/// `team-<id>`, `document-<id>`), in `format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ExportContent {
    pub subjects: Vec<String>,
    pub format: String,
    /// The documents of the subjects whose documents the sandbox knows (a
    /// project made by `createProject`), by subject folder; the others
    /// hold generic ones.
    pub documents: std::collections::BTreeMap<String, Vec<String>>,
}

impl ExportContent {
    /// A folder `<kind>-<id>` per id, in `format`. An id is a client's
    /// text: every byte but letters, digits, `-`, `_` and `.` is written
    /// `%XX`, so a name is one folder (no `../`, no `/`), two ids are never
    /// one folder, and no quote or separator reaches a document.
    pub(crate) fn of<'a>(kind: &str, ids: impl IntoIterator<Item = &'a str>, format: &str) -> Self {
        ExportContent {
            subjects: ids
                .into_iter()
                .map(|id| format!("{kind}-{}", folder_name(id)))
                .collect(),
            format: format.to_owned(),
            documents: Default::default(),
        }
    }

    /// The same, with subject `<kind>-<id>`'s documents named `names`
    /// (each a client's text, written as one safe file name).
    pub(crate) fn with_documents(mut self, kind: &str, id: &str, names: Vec<String>) -> Self {
        self.documents
            .insert(format!("{kind}-{}", folder_name(id)), names);
        self
    }
}

/// `id` as one safe folder name, one to one.
fn folder_name(id: &str) -> String {
    let mut name = String::with_capacity(id.len());
    for byte in id.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

/// The archive of `content`, its documents together about `size` bytes.
pub(crate) fn archive(content: &ExportContent, size: usize) -> Vec<u8> {
    write_archive(content, size).unwrap_or_default()
}

fn write_archive(content: &ExportContent, size: usize) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let subjects: Vec<&str> = if content.subjects.is_empty() {
        vec!["export"]
    } else {
        content.subjects.iter().map(String::as_str).collect()
    };
    let files: usize = subjects
        .iter()
        .map(|subject| content.documents.get(*subject).map_or(DOCUMENTS, Vec::len) * ROLES.len())
        .sum();
    let per_file = size / files.max(1);
    let format = Format::of(&content.format);
    let generic: Vec<String> = (1..=DOCUMENTS)
        .map(|number| format!("document-{number}"))
        .collect();
    for subject in &subjects {
        let documents: Vec<String> = match content.documents.get(*subject) {
            Some(names) => names.iter().map(|name| folder_name(name)).collect(),
            None => generic.clone(),
        };
        for role in ROLES {
            for document in &documents {
                zip.start_file(
                    format!("{subject}/{role}/{document}.{}", format.extension()),
                    options,
                )?;
                zip.write_all(&format.document(subject, role, document, per_file))?;
            }
        }
    }
    Ok(zip.finish()?.into_inner())
}

/// The formats whose files look like what they are; the rest are text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Json,
    Csv,
    Tsv,
    Text,
}

impl Format {
    fn of(name: &str) -> Format {
        match name.to_ascii_uppercase().as_str() {
            name if name.contains("JSON") => Format::Json,
            "CSV" => Format::Csv,
            "TSV" => Format::Tsv,
            _ => Format::Text,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Tsv => "tsv",
            Format::Text => "txt",
        }
    }

    /// One document's file, rows added until it is at least `size` bytes.
    fn document(self, subject: &str, role: &str, document: &str, size: usize) -> Vec<u8> {
        let row = |n: usize| {
            let label = ["PER", "ORG", "LOC", "O"][n % 4];
            (format!("line {n} of {document} in {subject}"), label)
        };
        let mut out = String::new();
        match self {
            Format::Json => {
                // Every text through serde_json: a subject is a client's text.
                let head = serde_json::json!({"name": document, "subject": subject, "role": role});
                let head = head.to_string();
                out.push_str(&head[..head.len() - 1]);
                out.push_str(",\"rows\":[");
                let mut n = 0;
                while out.len() < size || n == 0 {
                    let (text, label) = row(n);
                    if n > 0 {
                        out.push(',');
                    }
                    out.push_str(&serde_json::json!({"text": text, "label": label}).to_string());
                    n += 1;
                }
                out.push_str("]}");
            }
            Format::Csv | Format::Tsv | Format::Text => {
                let separator = match self {
                    Format::Csv => ',',
                    _ => '\t',
                };
                out.push_str(&format!("text{separator}label\n"));
                let mut n = 0;
                while out.len() < size || n == 0 {
                    let (text, label) = row(n);
                    out.push_str(&format!("{text}{separator}{label}\n"));
                    n += 1;
                }
            }
        }
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::{ExportContent, archive};

    #[test]
    fn client_ids_make_one_safe_folder_each_and_valid_documents() {
        let content = ExportContent::of("project", ["../../etc", "a\"b,c", "a/b", "a_b"], "JSON");
        assert_eq!(
            content.subjects,
            [
                "project-..%2F..%2Fetc",
                "project-a%22b%2Cc",
                "project-a%2Fb",
                "project-a_b"
            ]
        );
        let bytes = archive(&content, 2_000);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        for index in 0..zip.len() {
            let mut file = zip.by_index(index).unwrap();
            let name = file.name().unwrap().into_owned();
            assert!(file.enclosed_name().is_some(), "{name} stays inside");
            assert_eq!(name.matches('/').count(), 2, "{name}");
            let mut text = String::new();
            std::io::Read::read_to_string(&mut file, &mut text).unwrap();
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{name} is not JSON: {e}"));
        }
    }

    #[test]
    fn the_same_export_gives_the_same_bytes() {
        let content = ExportContent::of("project", ["a"], "JSON");
        let first = archive(&content, 10_000);
        assert!(first.starts_with(b"PK\x03\x04"), "a zip archive");
        assert!(first.len() >= 10_000);
        assert_eq!(first, archive(&content, 10_000));
        let other = ExportContent {
            format: "CSV".into(),
            ..content
        };
        assert_ne!(first, archive(&other, 10_000));
    }

    #[test]
    fn a_project_whose_documents_are_known_holds_them_under_safe_names() {
        let names = vec!["a.txt".to_owned(), "../b".to_owned()];
        let content =
            ExportContent::of("project", ["p/1"], "JSON").with_documents("project", "p/1", names);
        let bytes = archive(&content, 1000);
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut files: Vec<String> = (0..zip.len())
            .map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned())
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "project-p%2F1/REVIEW/..%2Fb.json",
                "project-p%2F1/REVIEW/a.txt.json",
                "project-p%2F1/ROOT-labeler-1/..%2Fb.json",
                "project-p%2F1/ROOT-labeler-1/a.txt.json",
            ]
        );
    }
}
