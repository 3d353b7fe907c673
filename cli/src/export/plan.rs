//! What a run of `export` does with each id, decided before any export
//! starts: start it, resume it from the state file, report it done, or hold
//! it back; and the output paths, checked first.

use std::path::{Path, PathBuf};

use datasaur::{Client, Export};

use crate::state_file::{ExportEntry, StateFile};
use crate::text::terminal_safe;

/// An export this run waits on and downloads: started now, or resumed.
pub(super) struct Tracked {
    pub(super) subject: String,
    pub(super) export: Export,
    pub(super) path: PathBuf,
    /// Known delivered already (a resumed export whose file is missing).
    pub(super) delivered: bool,
    /// Whether a file at `path` is this export's own (written by an earlier
    /// run of the same state) and may be replaced without --overwrite.
    pub(super) owns_path: bool,
}

/// A file a state file says is downloaded, checked on disk.
pub(super) struct DoneFile {
    pub(super) export_id: String,
    pub(super) path: PathBuf,
    pub(super) bytes: u64,
    pub(super) sha256: String,
}

/// What a run does with each id: start it, resume it, report it done, or
/// hold it back (it may have started; it failed; its URL expired).
pub(super) struct Plan {
    pub(super) to_start: Vec<String>,
    pub(super) resumed: Vec<Tracked>,
    pub(super) done: Vec<(String, DoneFile)>,
    pub(super) held: Vec<(String, Held)>,
}

/// Why an id is neither started nor resumed.
pub(super) enum Held {
    MayHaveStarted { since: u64 },
    Failed { export_id: String, message: String },
    Expired { export_id: String },
}

impl Plan {
    pub(super) fn fresh(ids: &[String]) -> Plan {
        Plan {
            to_start: ids.to_vec(),
            resumed: Vec::new(),
            done: Vec::new(),
            held: Vec::new(),
        }
    }

    pub(super) fn from_state(
        client: &Client,
        state: &StateFile,
        ids: &[String],
        out: &Path,
        restart_may_have_started: bool,
    ) -> Plan {
        let mut plan = Plan::fresh(&[]);
        for id in ids {
            let path = out.join(format!("{}.zip", file_stem(id)));
            match state.export(id) {
                None => plan.to_start.push(id.clone()),
                Some(ExportEntry::Starting { .. }) if restart_may_have_started => {
                    plan.to_start.push(id.clone());
                }
                Some(entry) => plan.place(client, id, path, entry),
            }
        }
        plan
    }

    /// Where an id the state file knows goes: resumed, done, or held back.
    fn place(&mut self, client: &Client, id: &str, path: PathBuf, entry: &ExportEntry) {
        let resume = |saved: &datasaur::SavedExport, delivered: bool, owns_path: bool| {
            let export = client.resume_export(saved.clone());
            if delivered && export.file_url_expired() {
                return Err(Held::Expired {
                    export_id: export.id().to_owned(),
                });
            }
            Ok(Tracked {
                subject: id.to_owned(),
                export,
                path: path.clone(),
                delivered,
                owns_path,
            })
        };
        let outcome = match entry {
            ExportEntry::Starting { since } => Err(Held::MayHaveStarted { since: *since }),
            // The path it was writing is its own to replace: a download
            // renamed into place just before the run died.
            ExportEntry::Started {
                export,
                path: saved_path,
            } => resume(export, false, *saved_path == path),
            ExportEntry::Delivered {
                export,
                path: saved_path,
            } => resume(export, true, *saved_path == path),
            ExportEntry::Failed { export, message } => Err(Held::Failed {
                export_id: export.id().to_owned(),
                message: message.clone(),
            }),
            ExportEntry::Downloaded {
                export,
                path: saved_path,
                bytes,
                sha256,
            } => match file_sha256(&path) {
                Some(found) if *saved_path == path && found == *sha256 => {
                    let file = DoneFile {
                        export_id: export.id().to_owned(),
                        path: path.clone(),
                        bytes: *bytes,
                        sha256: sha256.clone(),
                    };
                    self.done.push((id.to_owned(), file));
                    return;
                }
                // Gone: fetched again while its URL holds. Changed by
                // someone: replaced only with --overwrite.
                found => resume(export, true, found.is_none()),
            },
        };
        match outcome {
            Ok(tracked) => self.resumed.push(tracked),
            Err(held) => self.held.push((id.to_owned(), held)),
        }
    }
}

/// Refuses, before anything starts, output names that collide (ids that
/// differ only in characters the file name replaces, in case, or past the
/// 100 characters kept) and, without `overwrite`, files already there.
pub(super) fn check_output_paths(
    ids: &[String],
    replaceable: &std::collections::HashSet<&str>,
    noun: &str,
    out: &Path,
    overwrite: bool,
) -> Result<(), String> {
    let mut names: std::collections::HashMap<String, &str> = std::collections::HashMap::new();
    for project in ids {
        let name = format!("{}.zip", file_stem(project));
        // Case-insensitive file systems (macOS, Windows) make A.zip a.zip.
        if let Some(other) = names.insert(name.to_lowercase(), project) {
            if other == project {
                return Err(format!("{noun} {} is given twice", terminal_safe(project)));
            }
            return Err(format!(
                "{noun}s {} and {} would both be saved as {}",
                terminal_safe(other),
                terminal_safe(project),
                out.join(&name).display()
            ));
        }
        let path = out.join(&name);
        // A resumed export's file is its own to write.
        if !overwrite && !replaceable.contains(project.as_str()) && path.exists() {
            return Err(format!(
                "{} exists (pass --overwrite to replace it)",
                path.display()
            ));
        }
    }
    Ok(())
}

/// The SHA-256 of the file at `path`, if it can be read.
fn file_sha256(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let mut file = std::fs::File::open(path).ok()?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).ok()?;
    Some(
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// A project id as a file name: anything but letters, digits, `.`, `_`
/// and `-` becomes `_`, so no id can climb out of the directory.
pub(super) fn file_stem(project: &str) -> String {
    let stem: String = project
        .chars()
        .take(100)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if stem.is_empty() {
        "export".to_owned()
    } else {
        stem
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids_cannot_escape_the_directory() {
        assert_eq!(file_stem("../../etc/passwd"), "______etc_passwd");
        assert_eq!(file_stem("HvdyIL2iwZn"), "HvdyIL2iwZn");
        assert_eq!(file_stem(""), "export");
    }
}
