//! `--state FILE`: what a command has started and finished, kept on disk so
//! that running it again resumes instead of starting work twice.
//!
//! The file is a journal: a header line (`{"version":2,"purpose":…}`), then
//! one JSON line per change (an export's or a job's new entry, or an export
//! forgotten). A change is one appended line and an fsync, whatever the
//! file's size; the file is compacted (one line per entry, written whole
//! through the library's one writer: temporary file, fsync, rename, fsync
//! of the directory) when it is opened. A crash mid-append leaves a last
//! line without its newline, which the next open drops: that change is
//! lost, never the others. Version 1 files (one JSON object, rewritten at
//! each change) are read and compacted into version 2.
//!
//! A lock on `FILE.lock` (released by the system when the process dies,
//! `kill -9` included) refuses a second run on the same file. Before a
//! request that starts work is sent, its intent is recorded (`starting`): a
//! run that finds one left over knows the work may have started, and says
//! so instead of starting it again.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use datasaur::{SavedExport, SavedJob};
use serde::{Deserialize, Serialize};

/// The version of the state file this CLI writes (it reads 1 and 2).
const VERSION: u32 = 2;

/// The version that was one JSON object, rewritten whole at each change.
const VERSION_WHOLE: u32 = 1;

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

/// One project's creation (`project create`), by team (as given) and name.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ProjectEntry {
    /// The `createProject` request is about to be sent (or was, and the
    /// process died before the answer was recorded).
    Starting {
        /// When the intent was recorded, in epoch milliseconds.
        since: u64,
    },
    /// Started: its job is being waited on.
    Started { job: SavedJob },
    /// Made: its id.
    #[serde(rename_all = "camelCase")]
    Created { project_id: String },
    /// Its job failed on Datasaur's side.
    Failed { message: String },
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
    /// Only in journal form (version 2): written and read as records.
    #[serde(skip)]
    projects: BTreeMap<ProjectKey, ProjectEntry>,
}

/// A project is one name within one team: the same name created for two
/// teams from one state file is two projects.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ProjectKey {
    team: Option<String>,
    name: String,
}

impl ProjectKey {
    /// Project `name` of `team` (or of no team given).
    pub fn new(team: Option<&str>, name: &str) -> ProjectKey {
        ProjectKey {
            team: team.map(str::to_owned),
            name: name.to_owned(),
        }
    }
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

/// One line of the journal after its header.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum Record {
    Export {
        export: String,
        entry: ExportEntry,
    },
    Job {
        job: String,
        entry: JobEntry,
    },
    Project {
        project: String,
        /// The team given with `--team` (absent: none was).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
        entry: ProjectEntry,
    },
    #[serde(rename_all = "camelCase")]
    ForgetExport {
        forget_export: String,
    },
    #[serde(rename_all = "camelCase")]
    ForgetProject {
        forget_project: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        team: Option<String>,
    },
}

/// The journal's first line.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    version: u32,
    purpose: String,
}

/// A state file, locked for this run.
pub struct StateFile {
    path: PathBuf,
    contents: Contents,
    /// Changes made since the last [`StateFile::save`], as journal lines.
    pending: Vec<u8>,
    /// The file, open for appending, once it is in journal form on disk.
    journal: Option<File>,
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
        let (contents, exists) = match File::open(path) {
            Ok(file) => (read(file, path)?, true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (
                Contents {
                    version: VERSION,
                    purpose: purpose.to_owned(),
                    exports: BTreeMap::new(),
                    jobs: BTreeMap::new(),
                    projects: BTreeMap::new(),
                },
                false,
            ),
            Err(e) => return Err(format!("--state {shown}: {e}")),
        };
        if contents.purpose != purpose {
            return Err(format!(
                "--state {shown} is the state of `datasaur {}`, not of `datasaur {purpose}`: \
                 use another file",
                contents.purpose
            ));
        }
        let mut state = StateFile {
            path: path.to_owned(),
            contents,
            pending: Vec::new(),
            journal: None,
            _lock: lock,
        };
        // Compacted at open: each run starts from one line per entry.
        if exists {
            state.compact()?;
        }
        Ok(state)
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
        self.put_export(subject, entry);
        self.save()
    }

    /// Sets `subject`'s entry without writing (the next write takes it).
    pub fn put_export(&mut self, subject: &str, entry: ExportEntry) {
        self.record(&Record::Export {
            export: subject.to_owned(),
            entry: entry.clone(),
        });
        self.contents.exports.insert(subject.to_owned(), entry);
    }

    /// Forgets `subject` (its start was refused: nothing runs), without writing.
    pub fn forget_export(&mut self, subject: &str) {
        if self.contents.exports.remove(subject).is_some() {
            self.record(&Record::ForgetExport {
                forget_export: subject.to_owned(),
            });
        }
    }

    pub fn project(&self, key: &ProjectKey) -> Option<&ProjectEntry> {
        self.contents.projects.get(key)
    }

    /// Sets project `key`'s entry and writes the file.
    pub fn set_project(&mut self, key: &ProjectKey, entry: ProjectEntry) -> Result<(), String> {
        self.record(&Record::Project {
            project: key.name.clone(),
            team: key.team.clone(),
            entry: entry.clone(),
        });
        self.contents.projects.insert(key.clone(), entry);
        self.save()
    }

    /// Forgets project `key` (its creation was refused: nothing runs) and
    /// writes the file.
    pub fn forget_project(&mut self, key: &ProjectKey) -> Result<(), String> {
        if self.contents.projects.remove(key).is_some() {
            self.record(&Record::ForgetProject {
                forget_project: key.name.clone(),
                team: key.team.clone(),
            });
        }
        self.save()
    }

    /// Marks a waited-on job finished with `status` (without writing).
    pub fn finish_job(&mut self, id: &str, status: String) {
        if let Some(JobEntry::Waiting { job }) = self.contents.jobs.get(id) {
            let entry = JobEntry::Finished {
                job: job.clone(),
                status,
            };
            self.put_job(id, entry);
        }
    }

    /// Sets job entries (without writing); [`StateFile::save`] writes them.
    pub fn put_job(&mut self, id: &str, entry: JobEntry) {
        self.record(&Record::Job {
            job: id.to_owned(),
            entry: entry.clone(),
        });
        self.contents.jobs.insert(id.to_owned(), entry);
    }

    /// Queues one journal line.
    fn record(&mut self, record: &Record) {
        // Serializing our own types to JSON cannot fail (string keys only).
        let _ = write_line(&mut self.pending, record);
    }

    /// Makes the changes since the last save durable: one append and an
    /// fsync (the first save of a new file writes it whole instead).
    pub fn save(&mut self) -> Result<(), String> {
        let Some(journal) = self.journal.as_mut() else {
            return self.compact();
        };
        if self.pending.is_empty() {
            return Ok(());
        }
        let appended = journal
            .write_all(&self.pending)
            .and_then(|()| journal.sync_data());
        match appended {
            Ok(()) => {
                self.pending.clear();
                Ok(())
            }
            Err(e) => {
                // A part of the lines may be on disk: the next open drops a
                // torn last line; rewrite whole now so none is left torn.
                self.journal = None;
                self.compact()
                    .map_err(|again| format!("{again} (after an append failed: {e})"))
            }
        }
    }

    /// Writes the whole state, one line per entry, through the one writer
    /// (temporary file, fsync, rename, fsync of the directory), and opens
    /// it for appending.
    fn compact(&mut self) -> Result<(), String> {
        let shown = self.path.display();
        let mut text = Vec::new();
        let header = Header {
            version: VERSION,
            purpose: self.contents.purpose.clone(),
        };
        let encoded = (|| -> serde_json::Result<()> {
            write_line(&mut text, &header)?;
            for (subject, entry) in &self.contents.exports {
                let (export, entry) = (subject.clone(), entry.clone());
                write_line(&mut text, &Record::Export { export, entry })?;
            }
            for (id, entry) in &self.contents.jobs {
                let (job, entry) = (id.clone(), entry.clone());
                write_line(&mut text, &Record::Job { job, entry })?;
            }
            for (key, entry) in &self.contents.projects {
                let (project, team, entry) = (key.name.clone(), key.team.clone(), entry.clone());
                write_line(
                    &mut text,
                    &Record::Project {
                        project,
                        team,
                        entry,
                    },
                )?;
            }
            Ok(())
        })();
        encoded.map_err(|e| format!("--state {shown}: cannot encode the state: {e}"))?;
        datasaur::__workspace::write_whole_blocking(&self.path, &text, true)
            .map_err(|e| format!("--state {shown}: cannot write: {e}"))?;
        let journal = OpenOptions::new()
            .append(true)
            .open(&self.path)
            .map_err(|e| format!("--state {shown}: cannot open for appending: {e}"))?;
        self.journal = Some(journal);
        self.pending.clear();
        Ok(())
    }
}

/// `value` as one journal line: compact JSON and a newline.
fn write_line(out: &mut Vec<u8>, value: &impl Serialize) -> serde_json::Result<()> {
    serde_json::to_writer(&mut *out, value)?;
    out.push(b'\n');
    Ok(())
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
    let foreign = |e: &dyn std::fmt::Display| {
        format!("--state {shown} is not a datasaur state file ({e}); move it away to start afresh")
    };
    let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    #[derive(Deserialize)]
    struct Version {
        version: u32,
    }
    // Version 1 is one JSON object, possibly over several lines.
    let version = match serde_json::from_slice::<Version>(first_line) {
        Ok(version) => version.version,
        Err(_) => {
            serde_json::from_slice::<Version>(&text)
                .map_err(|e| foreign(&e))?
                .version
        }
    };
    match version {
        VERSION_WHOLE => serde_json::from_slice(&text).map_err(|e| foreign(&e)),
        VERSION => replay(&text).map_err(|e| foreign(&e)),
        other => Err(format!(
            "--state {shown} is state format version {other}; this datasaur reads versions \
             {VERSION_WHOLE} and {VERSION}"
        )),
    }
}

/// The state a journal's lines add up to. A last line without its newline
/// is an append a crash cut short: dropped (its change is lost, and only
/// its). Any other line that does not read is an error.
fn replay(text: &[u8]) -> Result<Contents, String> {
    let mut lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    let complete = text.ends_with(b"\n");
    if let Some(last) = lines.last()
        && last.is_empty()
    {
        lines.pop();
    }
    let mut lines = lines.into_iter().enumerate();
    let header: Header = match lines.next() {
        Some((_, line)) => serde_json::from_slice(line).map_err(|e| format!("line 1: {e}"))?,
        None => return Err("empty".into()),
    };
    let mut contents = Contents {
        version: header.version,
        purpose: header.purpose,
        exports: BTreeMap::new(),
        jobs: BTreeMap::new(),
        projects: BTreeMap::new(),
    };
    let count = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count();
    for (index, line) in lines {
        let record: Record = match serde_json::from_slice(line) {
            Ok(record) => record,
            Err(_) if index + 1 == count && !complete => break,
            Err(e) => return Err(format!("line {}: {e}", index + 1)),
        };
        match record {
            Record::Export { export, entry } => {
                contents.exports.insert(export, entry);
            }
            Record::Job { job, entry } => {
                contents.jobs.insert(job, entry);
            }
            Record::ForgetExport { forget_export } => {
                contents.exports.remove(&forget_export);
            }
            Record::Project {
                project,
                team,
                entry,
            } => {
                let key = ProjectKey {
                    team,
                    name: project,
                };
                contents.projects.insert(key, entry);
            }
            Record::ForgetProject {
                forget_project,
                team,
            } => {
                let key = ProjectKey {
                    team,
                    name: forget_project,
                };
                contents.projects.remove(&key);
            }
        }
    }
    Ok(contents)
}

/// Removes temporary files a run killed while saving left beside `path`
/// (safe: the lock is ours, so no one else is writing one).
fn remove_stale_temps(path: &Path) {
    // The one writer's temporaries (`.NAME.<hex>.part`): ours, under the lock.
    datasaur::__workspace::remove_stale_parts_blocking(path, std::time::Duration::ZERO);
    // Those of version 1's own writer: NAME.<pid>.<hex nanos>.tmp.
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

    /// `state.json` in a directory removed when the test ends.
    fn scratch(name: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::Builder::new()
            .prefix(&format!("datasaur-state-{name}-"))
            .tempdir()
            .unwrap();
        let path = dir.path().join("state.json");
        (dir, path)
    }

    #[test]
    fn a_state_file_is_written_whole_and_read_back() {
        let (_dir, path) = scratch("roundtrip");
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
    fn a_project_is_its_name_within_its_team() {
        let (_dir, path) = scratch("project-teams");
        let purpose = "project create";
        // A journal of the first release of `project create`: no team field.
        std::fs::write(
            &path,
            format!(
                "{{\"version\":{VERSION},\"purpose\":\"{purpose}\"}}\n\
                 {{\"project\":\"Reviews\",\"entry\":{{\"state\":\"created\",\"projectId\":\"p0\"}}}}\n"
            ),
        )
        .unwrap();
        let key = |team| ProjectKey::new(team, "Reviews");
        let mut state = StateFile::open(&path, purpose).unwrap();
        assert!(matches!(
            state.project(&key(None)),
            Some(ProjectEntry::Created { project_id }) if project_id == "p0"
        ));
        assert!(state.project(&key(Some("T1"))).is_none());
        let created = |id: &str| ProjectEntry::Created {
            project_id: id.into(),
        };
        state.set_project(&key(Some("T1")), created("p1")).unwrap();
        state.set_project(&key(Some("T2")), created("p2")).unwrap();
        state.forget_project(&key(None)).unwrap();
        drop(state);

        // Read back from the journal, then again after compaction.
        for _ in 0..2 {
            let state = StateFile::open(&path, purpose).unwrap();
            let id = |team| match state.project(&key(team)) {
                Some(ProjectEntry::Created { project_id }) => Some(project_id.clone()),
                _ => None,
            };
            assert_eq!(id(Some("T1")).as_deref(), Some("p1"));
            assert_eq!(id(Some("T2")).as_deref(), Some("p2"));
            assert_eq!(id(None), None);
        }
    }

    #[test]
    fn a_change_is_one_appended_line_and_the_file_is_compacted_at_open() {
        let (_dir, path) = scratch("journal");
        let mut state = StateFile::open(&path, "job wait").unwrap();
        state.save().unwrap();
        let lines = |path: &Path| std::fs::read_to_string(path).unwrap().lines().count();
        assert_eq!(lines(&path), 1, "the header");
        for n in 0..50 {
            let job: SavedJob =
                serde_json::from_str(&format!(r#"{{"type":"job","version":1,"id":"job-{n}"}}"#))
                    .unwrap();
            state.put_job(&format!("job-{n}"), JobEntry::Waiting { job: job.clone() });
            state.save().unwrap();
            state.finish_job(&format!("job-{n}"), "DELIVERED".into());
            state.save().unwrap();
        }
        assert_eq!(lines(&path), 101, "one line per change, nothing rewritten");
        drop(state);
        let state = StateFile::open(&path, "job wait").unwrap();
        assert_eq!(lines(&path), 51, "one line per entry after the open");
        assert!(matches!(
            state.job("job-7"),
            Some(JobEntry::Finished { status, .. }) if status == "DELIVERED"
        ));
    }

    #[test]
    fn an_append_cut_by_a_crash_loses_that_change_only() {
        let (_dir, path) = scratch("torn");
        let mut state = StateFile::open(&path, "export project --format JSON").unwrap();
        state
            .set_export("p1", ExportEntry::Starting { since: 1 })
            .unwrap();
        state
            .set_export("p2", ExportEntry::Starting { since: 2 })
            .unwrap();
        drop(state);
        let mut text = std::fs::read(&path).unwrap();
        text.extend_from_slice(br#"{"export":"p3","entry":{"state":"star"#);
        std::fs::write(&path, &text).unwrap();
        let state = StateFile::open(&path, "export project --format JSON").unwrap();
        assert!(state.export("p1").is_some() && state.export("p2").is_some());
        assert!(state.export("p3").is_none());
        drop(state);
        // A bad line that is not the last one is not a crash's: refused.
        let mut text = std::fs::read(&path).unwrap();
        text.extend_from_slice(b"garbage\n{\"forgetExport\":\"p1\"}\n");
        std::fs::write(&path, &text).unwrap();
        let error = StateFile::open(&path, "export project --format JSON")
            .err()
            .unwrap();
        assert!(error.contains("line 4"), "{error}");
    }

    #[test]
    fn a_version_1_file_is_read_and_rewritten_as_a_journal() {
        let (_dir, path) = scratch("v1");
        std::fs::write(
            &path,
            r#"{"version":1,"purpose":"export project --format JSON","exports":{"p1":{"state":"starting","since":5}}}"#,
        )
        .unwrap();
        let state = StateFile::open(&path, "export project --format JSON").unwrap();
        assert!(matches!(
            state.export("p1"),
            Some(ExportEntry::Starting { since: 5 })
        ));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(r#"{"version":2,"#), "{text}");
        assert_eq!(text.lines().count(), 2, "{text}");
    }

    #[test]
    fn a_temporary_file_left_by_a_killed_save_is_removed_on_open() {
        let (_dir, path) = scratch("stale");
        let stale = path.with_file_name("state.json.4242.17af.tmp");
        std::fs::write(&stale, "half a state").unwrap();
        let other = path.with_file_name("other.json.1.2.tmp");
        std::fs::write(&other, "not ours").unwrap();
        let users = path.with_file_name("state.json.notes.tmp");
        std::fs::write(&users, "the user's").unwrap();
        let part = path.with_file_name(".state.json.0123456789abcdef.part");
        std::fs::write(&part, "half a compaction").unwrap();
        let _state = StateFile::open(&path, "job wait").unwrap();
        assert!(!stale.exists());
        assert!(!part.exists(), "the one writer's temporaries too");
        assert!(other.exists(), "only this state file's temporaries go");
        assert!(users.exists(), "only names a save makes go");
    }

    #[test]
    fn a_second_run_on_one_state_file_is_refused() {
        let (_dir, path) = scratch("lock");
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
        let (_dir, path) = scratch("purpose");
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
