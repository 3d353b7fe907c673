//! `--state FILE`: what a command has started and finished, kept on disk so
//! that running it again resumes instead of starting work twice.
//!
//! The file is rewritten whole at each change (a temporary file beside it,
//! fsync, rename, fsync of the directory), so a crash leaves the previous
//! version or the new one, never a mix. A lock on `FILE.lock` (released by
//! the system when the process dies, `kill -9` included) refuses a second
//! run on the same file. Before a request that starts work is sent, its
//! intent is recorded (`starting`): a run that finds one left over knows the
//! work may have started, and says so instead of starting it again.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use datasaur::{SavedExport, SavedJob};
use serde::{Deserialize, Serialize};

/// The version of the state file this CLI writes and reads.
const VERSION: u32 = 1;

/// The largest state file read (a million exports fit in far less).
const MAX_BYTES: u64 = 256 * 1024 * 1024;

/// One export's progress, by the id it was started for (a project or team).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ExportEntry {
    /// The request that starts it is about to be sent (or was, and the
    /// process died before the answer was recorded).
    Starting {
        /// When the intent was recorded, in epoch milliseconds.
        since: u64,
    },
    /// Started; not delivered yet (or not known to be).
    Started { export: SavedExport, path: PathBuf },
    /// Delivered; its file not downloaded yet.
    Delivered { export: SavedExport, path: PathBuf },
    /// Downloaded whole.
    Downloaded {
        export: SavedExport,
        path: PathBuf,
        bytes: u64,
        sha256: String,
    },
    /// Failed on Datasaur's side; not started again.
    Failed {
        export: SavedExport,
        message: String,
    },
}

/// One job's wait, by job id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobEntry {
    /// Being waited on; `job.startedAt` is when a run first saw it.
    Waiting { job: SavedJob },
    /// Finished: `DELIVERED` or `FAILED`, as last seen.
    Finished { job: SavedJob, status: String },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Contents {
    version: u32,
    /// What the file is for (`export project --format JSON`, `job wait`):
    /// another command's state is refused, not merged.
    purpose: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    exports: BTreeMap<String, ExportEntry>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    jobs: BTreeMap<String, JobEntry>,
}

/// `path` with every symbolic link on the way to the file followed (the
/// file itself may not exist yet; its directory must).
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    let mut path = path.to_owned();
    // As many links as the system itself follows before giving up.
    for _ in 0..40 {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&path)?;
                path = match path.parent() {
                    Some(parent) => parent.join(target),
                    None => target,
                };
            }
            Ok(_) => return std::fs::canonicalize(&path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let name = path
                    .file_name()
                    .ok_or_else(|| std::io::Error::other("names a directory, not a file"))?;
                let parent = match path.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                return Ok(std::fs::canonicalize(parent)?.join(name));
            }
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("too many symbolic links"))
}

/// A state file, locked for this run.
pub struct StateFile {
    path: PathBuf,
    contents: Contents,
    /// Held for the run; the system releases it when the process ends.
    _lock: File,
}

impl StateFile {
    /// Locks and reads `path` (a missing file is an empty state) for a
    /// command of `purpose`.
    /// The path is resolved once, here (symbolic links followed, the
    /// directory made absolute): the lock and every rewrite then apply to
    /// the one real file, whatever name it was given by.
    pub fn open(path: &Path, purpose: &str) -> Result<StateFile, String> {
        let path = &resolve(path).map_err(|e| format!("--state {}: {e}", path.display()))?;
        let shown = path.display();
        let lock_path = sibling(path, ".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| format!("--state {shown}: cannot open {}: {e}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(format!(
                    "--state {shown} is in use by another datasaur (it holds {}); \
                     two runs on one state file would start work twice",
                    lock_path.display()
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!(
                    "--state {shown}: cannot lock {}: {e}",
                    lock_path.display()
                ));
            }
        }
        remove_stale_temps(path);
        let contents = match File::open(path) {
            Ok(file) => read(file, path)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Contents {
                version: VERSION,
                purpose: purpose.to_owned(),
                exports: BTreeMap::new(),
                jobs: BTreeMap::new(),
            },
            Err(e) => return Err(format!("--state {shown}: {e}")),
        };
        if contents.purpose != purpose {
            return Err(format!(
                "--state {shown} is the state of `datasaur {}`, not of `datasaur {purpose}`: \
                 use another file",
                contents.purpose
            ));
        }
        Ok(StateFile {
            path: path.to_owned(),
            contents,
            _lock: lock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn export(&self, subject: &str) -> Option<&ExportEntry> {
        self.contents.exports.get(subject)
    }

    pub fn job(&self, id: &str) -> Option<&JobEntry> {
        self.contents.jobs.get(id)
    }

    /// Sets `subject`'s entry and writes the file.
    pub fn set_export(&mut self, subject: &str, entry: ExportEntry) -> Result<(), String> {
        self.contents.exports.insert(subject.to_owned(), entry);
        self.save()
    }

    /// Sets `subject`'s entry without writing (the next write takes it).
    pub fn put_export(&mut self, subject: &str, entry: ExportEntry) {
        self.contents.exports.insert(subject.to_owned(), entry);
    }

    /// Forgets `subject` (its start was refused: nothing runs), without writing.
    pub fn forget_export(&mut self, subject: &str) {
        self.contents.exports.remove(subject);
    }

    /// Marks a waited-on job finished with `status` (without writing).
    pub fn finish_job(&mut self, id: &str, status: String) {
        if let Some(entry) = self.contents.jobs.get_mut(id)
            && let JobEntry::Waiting { job } = entry
        {
            *entry = JobEntry::Finished {
                job: job.clone(),
                status,
            };
        }
    }

    /// Sets job entries (without writing); [`StateFile::save`] writes them.
    pub fn put_job(&mut self, id: &str, entry: JobEntry) {
        self.contents.jobs.insert(id.to_owned(), entry);
    }

    /// Writes the whole state: a temporary file beside it, fsync, rename,
    /// fsync of the directory.
    pub fn save(&self) -> Result<(), String> {
        let shown = self.path.display();
        // Compact: the file is rewritten at each change.
        let text = serde_json::to_vec(&self.contents)
            .map_err(|e| format!("--state {shown}: cannot encode the state: {e}"))?;
        let temp = sibling(
            &self.path,
            &format!(".{}.{:x}.tmp", std::process::id(), nanos()),
        );
        let written = (|| -> std::io::Result<()> {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp)?;
            file.write_all(&text)?;
            file.write_all(b"\n")?;
            file.sync_all()?;
            std::fs::rename(&temp, &self.path)?;
            // The rename itself is durable only once the directory is.
            if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty())
                && let Ok(dir) = File::open(dir)
            {
                let _ = dir.sync_all();
            }
            Ok(())
        })();
        written.map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("--state {shown}: cannot write: {e}")
        })
    }
}

fn read(file: File, path: &Path) -> Result<Contents, String> {
    let shown = path.display();
    let mut text = Vec::new();
    file.take(MAX_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(|e| format!("--state {shown}: {e}"))?;
    if text.len() as u64 > MAX_BYTES {
        return Err(format!(
            "--state {shown} is over {MAX_BYTES} bytes: not a state file"
        ));
    }
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    let version: Version = serde_json::from_slice(&text).map_err(|e| {
        format!("--state {shown} is not a datasaur state file ({e}); move it away to start afresh")
    })?;
    if version.version != VERSION {
        return Err(format!(
            "--state {shown} is state format version {}; this datasaur reads version {VERSION}",
            version.version
        ));
    }
    serde_json::from_slice(&text).map_err(|e| {
        format!("--state {shown} is not a datasaur state file ({e}); move it away to start afresh")
    })
}

/// Removes temporary files a run killed while saving left beside `path`
/// (safe: the lock is ours, so no one else is writing one).
fn remove_stale_temps(path: &Path) {
    let Some(name) = path.file_name().and_then(|name| name.to_str()) else {
        return;
    };
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(file_name) = file_name.to_str() else {
            continue;
        };
        // Only the names `save` makes: NAME.<pid>.<hex nanos>.tmp.
        let ours = file_name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
            .and_then(|rest| rest.split_once('.'))
            .is_some_and(|(pid, nanos)| {
                !pid.is_empty()
                    && pid.bytes().all(|b| b.is_ascii_digit())
                    && !nanos.is_empty()
                    && nanos.bytes().all(|b| b.is_ascii_hexdigit())
            });
        if ours && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `path` with `suffix` added to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

fn nanos() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos()
}

/// Now, in epoch milliseconds.
pub fn now_millis() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis(),
    )
    .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("datasaur-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir.join("state.json")
    }

    #[test]
    fn a_state_file_is_written_whole_and_read_back() {
        let path = scratch("roundtrip");
        let mut state = StateFile::open(&path, "export project --format JSON").unwrap();
        state
            .set_export("p1", ExportEntry::Starting { since: 5 })
            .unwrap();
        drop(state);
        let state = StateFile::open(&path, "export project --format JSON").unwrap();
        assert!(matches!(
            state.export("p1"),
            Some(ExportEntry::Starting { since: 5 })
        ));
        let dir = path.parent().unwrap();
        let leftovers: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_save_is_removed_on_open() {
        let path = scratch("stale");
        let stale = path.with_file_name("state.json.4242.17af.tmp");
        std::fs::write(&stale, "half a state").unwrap();
        let other = path.with_file_name("other.json.1.2.tmp");
        std::fs::write(&other, "not ours").unwrap();
        let users = path.with_file_name("state.json.notes.tmp");
        std::fs::write(&users, "the user's").unwrap();
        let _state = StateFile::open(&path, "job wait").unwrap();
        assert!(!stale.exists());
        assert!(other.exists(), "only this state file's temporaries go");
        assert!(users.exists(), "only names a save makes go");
    }

    #[test]
    fn a_second_run_on_one_state_file_is_refused() {
        let path = scratch("lock");
        let first = StateFile::open(&path, "job wait").unwrap();
        let second = StateFile::open(&path, "job wait").err().unwrap();
        assert!(second.contains("in use by another datasaur"), "{second}");
        drop(first);
        assert!(
            StateFile::open(&path, "job wait").is_ok(),
            "the lock goes with the run"
        );
    }

    #[test]
    fn another_commands_state_or_a_foreign_file_is_refused() {
        let path = scratch("purpose");
        StateFile::open(&path, "job wait").unwrap().save().unwrap();
        let error = StateFile::open(&path, "export project --format JSON")
            .err()
            .unwrap();
        assert!(
            error.contains("is the state of `datasaur job wait`"),
            "{error}"
        );
        std::fs::write(&path, "{\"version\": 9, \"purpose\": \"job wait\"}").unwrap();
        let error = StateFile::open(&path, "job wait").err().unwrap();
        assert!(error.contains("version 9"), "{error}");
        std::fs::write(&path, "not json").unwrap();
        let error = StateFile::open(&path, "job wait").err().unwrap();
        assert!(error.contains("not a datasaur state file"), "{error}");
    }
}
