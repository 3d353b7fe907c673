//! The files of a `project create` or `project add-documents`: checked
//! before anything is sent (each a readable regular file, names distinct,
//! at most 100), then uploaded 8 at once, each one's outcome reported.

use std::path::PathBuf;

use datasaur::{Client, NewProject, ProjectDocument, UploadOptions, UploadSource};

use crate::event::Event;
use crate::failure::chain;
use crate::text::terminal_safe;

/// A file checked for upload: its path, the document name (its file
/// name), its size.
pub struct Planned {
    pub path: PathBuf,
    pub name: String,
    pub bytes: u64,
}

/// The files, checked; or every problem found, one per line.
pub fn plan(files: &[PathBuf]) -> Result<Vec<Planned>, Vec<String>> {
    let max = NewProject::MAX_DOCUMENTS;
    let max_bytes = UploadOptions::default().get_max_bytes();
    let mut problems = Vec::new();
    if files.len() > max {
        problems.push(format!(
            "{} files: a project is created with at most {max} documents; create it with the \
             first {max}, then add the rest with `datasaur project add-documents`, {max} at a time",
            files.len()
        ));
    }
    let mut planned: Vec<Planned> = Vec::new();
    for path in files {
        let shown = terminal_safe(&path.to_string_lossy()).into_owned();
        let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
            problems.push(format!(
                "{shown}: its file name is not UTF-8 text (a document's name must be)"
            ));
            continue;
        };
        match std::fs::metadata(path) {
            Err(e) => problems.push(format!("{shown}: {e}")),
            Ok(meta) if !meta.is_file() => problems.push(format!("{shown}: not a regular file")),
            Ok(meta) if meta.len() > max_bytes => problems.push(format!(
                "{shown}: {} bytes; at most {max_bytes} are uploaded",
                meta.len()
            )),
            Ok(meta) => {
                if let Some(first) = planned.iter().find(|p| p.name == name) {
                    problems.push(format!(
                        "{shown} and {} are both named {:?}: a project's documents need distinct names",
                        terminal_safe(&first.path.to_string_lossy()),
                        terminal_safe(name)
                    ));
                    continue;
                }
                planned.push(Planned {
                    path: path.clone(),
                    name: name.to_owned(),
                    bytes: meta.len(),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(planned)
    } else {
        Err(problems)
    }
}

/// Uploads `planned` (8 at once), reporting each file; the documents, or
/// how many failed (each already reported).
pub async fn upload(
    client: &Client,
    planned: &[Planned],
    json: bool,
) -> Result<Vec<ProjectDocument>, usize> {
    let sources = planned.iter().map(|p| UploadSource::path(&p.path));
    let results = client.upload_all(sources, None).await;
    let mut documents = Vec::with_capacity(planned.len());
    let mut failed = 0;
    for (file, result) in planned.iter().zip(results) {
        let shown = terminal_safe(&file.path.to_string_lossy()).into_owned();
        match result {
            Ok(upload) => {
                if json {
                    Event::Uploaded {
                        file: &shown,
                        object_key: &upload.object_key,
                        bytes: upload.bytes,
                        attempts: upload.attempts,
                    }
                    .print();
                } else {
                    eprintln!("uploaded {shown} ({} bytes)", upload.bytes);
                }
                documents.push(ProjectDocument::object_key(&file.name, upload.object_key));
            }
            Err(error) => {
                failed += 1;
                if json {
                    Event::UploadFailed {
                        file: &shown,
                        message: chain(&error),
                        request_id: error.request_id(),
                    }
                    .print();
                } else {
                    eprintln!("error: {shown}: {}", chain(&error));
                }
            }
        }
    }
    if failed == 0 {
        Ok(documents)
    } else {
        Err(failed)
    }
}

/// Prints the problems `plan` found.
pub fn say_problems(problems: &[String]) {
    for problem in problems {
        eprintln!("error: {problem}");
    }
}

/// The files' names as shown.
pub fn shown_paths(planned: &[Planned]) -> Vec<String> {
    planned
        .iter()
        .map(|p| terminal_safe(&p.path.to_string_lossy()).into_owned())
        .collect()
}
