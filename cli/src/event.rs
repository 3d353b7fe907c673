//! The `--json` output of every command: each line is one [`Event`],
//! serialized with an `event` field naming its kind (snake_case), ids as
//! `jobId`, `exportId`, `projectId`/`teamId` throughout, times in
//! milliseconds (`...Ms`), and a job as Datasaur sends it under `job`. An
//! event reported from a `--state` file is the same event with
//! `"fromState": true`. `cli/README.md` documents these lines as a stable
//! format: change them only with a CHANGELOG entry. No other file of the
//! CLI builds JSON output.

use std::path::Path;
use std::time::Duration;

use datasaur::{Job, WaitError};
use serde::Serialize;

use crate::failure::chain;

/// One line of `--json` output.
#[derive(Debug, Serialize)]
#[serde(
    tag = "event",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum Event<'a> {
    /// `job get`: a job that exists.
    Job { job_id: &'a str, job: &'a Job },
    /// `job get`, `job wait`: an id the server does not know.
    NotFound { job_id: &'a str, message: String },
    /// `job wait`: a job's status or progress changed.
    Progress { job_id: &'a str, job: &'a Job },
    /// `job wait`: a poll failed and will be tried again.
    PollFailed {
        job_id: &'a str,
        message: String,
        retry_in_ms: u64,
    },
    /// `job wait`: a job delivered (from this run, or from a state file
    /// without its `job`).
    Delivered {
        job_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        job: Option<&'a Job>,
        #[serde(skip_serializing_if = "is_false")]
        from_state: bool,
    },
    /// `job wait`: a job that ended otherwise than delivered (`FAILED`).
    Failed {
        job_id: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        job: Option<&'a Job>,
        /// The status a state file recorded.
        #[serde(skip_serializing_if = "Option::is_none")]
        status: Option<&'a str>,
        #[serde(skip_serializing_if = "is_false")]
        from_state: bool,
    },
    /// `job wait`: the wait ran out.
    TimedOut {
        job_id: &'a str,
        elapsed_ms: u64,
        polls: u32,
        last_seen: Option<&'a Job>,
        message: String,
    },
    /// `job wait`: polls failed in a way asking again would not fix.
    Error {
        job_id: &'a str,
        message: String,
        request_id: Option<&'a str>,
    },
    /// The last line of `job wait`: how the jobs ended, those a state file
    /// reported included (`fromState` says how many of them).
    Summary {
        delivered: u64,
        failed: u64,
        timed_out: u64,
        not_found: u64,
        errors: u64,
        from_state: u64,
        total_ms: u64,
    },
    /// `project list`: a project.
    Project { project_id: &'a str, name: &'a str },
    /// `project create --dry-run`: what would be sent.
    ProjectPlan {
        name: &'a str,
        files: Vec<&'a str>,
        documents: usize,
        bytes: u64,
    },
    /// `project create`: the project made (now, or by an earlier run that a
    /// state file remembers, or found by name after a run that died).
    ProjectCreated {
        project_id: &'a str,
        name: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        job_id: Option<&'a str>,
        #[serde(skip_serializing_if = "is_false")]
        from_state: bool,
    },
    /// `project create`, `project add-documents`: why it did not happen:
    /// `failed`, `upload_failed`, `may_have_started`, `ambiguous`, `error`.
    ProjectFailed {
        name: &'a str,
        reason: &'a str,
        message: String,
    },
    /// `project add-documents`: the documents added.
    DocumentsAdded {
        project_id: &'a str,
        job_id: &'a str,
        documents: usize,
    },
    /// `upload`: a file uploaded.
    Uploaded {
        file: &'a str,
        object_key: &'a str,
        bytes: u64,
        attempts: u32,
    },
    /// `upload`: a file that could not be uploaded.
    UploadFailed {
        file: &'a str,
        message: String,
        request_id: Option<&'a str>,
    },
    /// `upload`'s last line.
    UploadSummary {
        uploaded: usize,
        failed: usize,
        bytes: u64,
        total_ms: u64,
    },
    /// `export --no-wait`: an export started.
    ExportStarted {
        #[serde(flatten)]
        subject: Subject<'a>,
        export_id: &'a str,
        file_url: Option<&'a str>,
    },
    /// `export`: a file on disk whole (downloaded now, or by an earlier run
    /// that a state file remembers).
    Exported {
        #[serde(flatten)]
        subject: Subject<'a>,
        export_id: &'a str,
        path: &'a Path,
        bytes: u64,
        sha256: &'a str,
        #[serde(skip_serializing_if = "is_false")]
        from_state: bool,
    },
    /// `export`: an export whose file did not land, and why: `failed`,
    /// `timed_out`, `not_found`, `error`, `download_failed`,
    /// `duplicate_export_id` or `may_have_started`.
    ExportFailed {
        #[serde(flatten)]
        subject: Subject<'a>,
        /// Empty when no export id is known (`may_have_started`).
        export_id: &'a str,
        reason: &'a str,
        message: String,
    },
    /// `schema check`: the verdict and everything found.
    SchemaCheck {
        reference: &'a str,
        types_checked: usize,
        operations: Vec<OperationCheck<'a>>,
        changes: &'a [crate::schema::diff::Change],
        deprecated: &'a [crate::schema::usage::Deprecated],
        breaking: usize,
        ok: bool,
    },
    /// `schema usage`: what the operations use.
    SchemaUsage {
        usage: &'a crate::schema::usage::Usage,
    },
    /// `schema diff`: the classed changes.
    SchemaDiff {
        old: &'a Path,
        new: &'a Path,
        changes: &'a [crate::schema::diff::Change],
        breaking: usize,
    },
}

/// What an export line is about: `{"projectId": id}` or `{"teamId": id}`.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub key: &'a str,
    pub id: &'a str,
}

impl Serialize for Subject<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.key, self.id)?;
        map.end()
    }
}

/// One operation file of `schema check`.
#[derive(Debug, Serialize)]
pub struct OperationCheck<'a> {
    pub file: &'a str,
    pub valid: bool,
    pub error: Option<&'a str>,
}

fn is_false(value: &bool) -> bool {
    !value
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

impl Event<'_> {
    /// Prints the event as one JSON line on stdout.
    pub fn print(&self) {
        println!("{}", self.to_line());
    }

    /// The event as one JSON line.
    pub fn to_line(&self) -> String {
        // Our own types, with string keys: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl<'a> Event<'a> {
    /// `job wait`: how a job's wait ended.
    pub fn finished(result: &'a Result<Job, WaitError>) -> Event<'a> {
        match result {
            Ok(job) => Event::Delivered {
                job_id: &job.id,
                job: Some(job),
                from_state: false,
            },
            Err(WaitError::Failed { job, .. }) => Event::Failed {
                job_id: &job.id,
                job: Some(job),
                status: None,
                from_state: false,
            },
            Err(
                error @ WaitError::TimedOut {
                    job_id,
                    elapsed,
                    polls,
                    last_seen,
                    ..
                },
            ) => Event::TimedOut {
                job_id,
                elapsed_ms: millis(*elapsed),
                polls: *polls,
                last_seen: last_seen.as_deref(),
                message: error.to_string(),
            },
            Err(error @ WaitError::NotFound { job_id, .. }) => Event::NotFound {
                job_id,
                message: error.to_string(),
            },
            Err(error) => Event::Error {
                job_id: error.job_id(),
                message: chain(error),
                request_id: poll_request_id(error),
            },
        }
    }

    /// `job wait`: a poll failed and will be tried again.
    pub fn poll_failed(job_id: &'a str, error: &datasaur::Error, retry_in: Duration) -> Event<'a> {
        Event::PollFailed {
            job_id,
            message: chain(error),
            retry_in_ms: millis(retry_in),
        }
    }

    /// The last line of `job wait`.
    pub fn summary(tally: crate::tally::Tally, total: Duration) -> Event<'static> {
        Event::Summary {
            delivered: tally.delivered,
            failed: tally.failed,
            timed_out: tally.timed_out,
            not_found: tally.not_found,
            errors: tally.errors,
            from_state: tally.from_state,
            total_ms: millis(total),
        }
    }

    /// `upload`'s last line.
    pub fn upload_summary(
        uploaded: usize,
        failed: usize,
        bytes: u64,
        total: Duration,
    ) -> Event<'a> {
        Event::UploadSummary {
            uploaded,
            failed,
            bytes,
            total_ms: millis(total),
        }
    }

    /// `export`: a file downloaded whole now.
    pub fn exported(
        subject: Subject<'a>,
        export_id: &'a str,
        file: &'a datasaur::Download,
    ) -> Event<'a> {
        Event::Exported {
            subject,
            export_id,
            path: &file.path,
            bytes: file.bytes,
            sha256: &file.sha256,
            from_state: false,
        }
    }
}

/// The request id of the failed poll that ended a wait, if that is how it ended.
pub fn poll_request_id(error: &WaitError) -> Option<&str> {
    match error {
        WaitError::Poll { source, .. } => source.request_id(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each event, as a command prints it.
    fn one_of_each(job: &Job) -> Vec<Event<'_>> {
        let subject = Subject {
            key: "projectId",
            id: "p",
        };
        let usage = crate::schema::usage::Usage::default();
        vec![
            Event::Job { job_id: "j", job },
            Event::NotFound {
                job_id: "j",
                message: String::new(),
            },
            Event::Progress { job_id: "j", job },
            Event::PollFailed {
                job_id: "j",
                message: String::new(),
                retry_in_ms: 1,
            },
            Event::Delivered {
                job_id: "j",
                job: Some(job),
                from_state: true,
            },
            Event::Failed {
                job_id: "j",
                job: Some(job),
                status: Some("FAILED"),
                from_state: true,
            },
            Event::TimedOut {
                job_id: "j",
                elapsed_ms: 1,
                polls: 1,
                last_seen: None,
                message: String::new(),
            },
            Event::Error {
                job_id: "j",
                message: String::new(),
                request_id: None,
            },
            Event::summary(crate::tally::Tally::default(), Duration::ZERO),
            Event::Project {
                project_id: "p",
                name: "n",
            },
            Event::ProjectPlan {
                name: "n",
                files: vec!["f"],
                documents: 1,
                bytes: 1,
            },
            Event::ProjectCreated {
                project_id: "p",
                name: "n",
                job_id: Some("j"),
                from_state: true,
            },
            Event::ProjectFailed {
                name: "n",
                reason: "failed",
                message: String::new(),
            },
            Event::DocumentsAdded {
                project_id: "p",
                job_id: "j",
                documents: 1,
            },
            Event::Uploaded {
                file: "f",
                object_key: "k",
                bytes: 1,
                attempts: 1,
            },
            Event::UploadFailed {
                file: "f",
                message: String::new(),
                request_id: None,
            },
            Event::upload_summary(1, 0, 1, Duration::ZERO),
            Event::ExportStarted {
                subject,
                export_id: "e",
                file_url: None,
            },
            Event::Exported {
                subject,
                export_id: "e",
                path: Path::new("p.zip"),
                bytes: 1,
                sha256: "s",
                from_state: true,
            },
            Event::ExportFailed {
                subject,
                export_id: "e",
                reason: "failed",
                message: String::new(),
            },
            Event::SchemaCheck {
                reference: "r",
                types_checked: 1,
                operations: vec![],
                changes: &[],
                deprecated: &[],
                breaking: 0,
                ok: true,
            },
            Event::SchemaUsage {
                usage: Box::leak(Box::new(usage)),
            },
            Event::SchemaDiff {
                old: Path::new("a"),
                new: Path::new("b"),
                changes: &[],
                breaking: 0,
            },
        ]
    }

    /// `cli/README.md`'s `--json` table is the event type's: every event is a
    /// row, and every field an event prints is named in its row.
    #[test]
    fn the_readme_table_lists_every_event_and_its_fields() {
        let readme = include_str!("../README.md");
        let table: Vec<&str> = readme
            .lines()
            .skip_while(|line| !line.starts_with("| `event` | from | fields |"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .collect();
        let job = job("DELIVERED");
        let events = one_of_each(&job);
        assert_eq!(table.len(), events.len(), "one row per event");
        for event in &events {
            let line: serde_json::Value = serde_json::from_str(&event.to_line()).unwrap();
            let name = line["event"].as_str().unwrap();
            let row = table
                .iter()
                .find(|row| row.starts_with(&format!("| `{name}` |")))
                .unwrap_or_else(|| panic!("no README row for `{name}`"));
            for key in line
                .as_object()
                .unwrap()
                .keys()
                .filter(|key| *key != "event")
            {
                // The exports name a project or a team in one place.
                let key = if key == "projectId" && name.starts_with("export") {
                    "projectId` or `teamId"
                } else {
                    key
                };
                assert!(
                    row.contains(&format!("`{key}`")),
                    "`{name}` prints `{key}`: {row}"
                );
            }
        }
    }

    fn job(status: &str) -> Job {
        serde_json::from_str(&format!(
            r#"{{"id":"j1","status":"{status}","progress":100,"createdAt":"1","updatedAt":"2"}}"#
        ))
        .unwrap()
    }

    #[test]
    fn every_line_names_its_event_and_its_ids_in_camel_case() {
        let delivered = job("DELIVERED");
        let subject = Subject {
            key: "projectId",
            id: "p1",
        };
        let lines = [
            Event::Delivered {
                job_id: "j1",
                job: Some(&delivered),
                from_state: false,
            },
            Event::Delivered {
                job_id: "j1",
                job: None,
                from_state: true,
            },
            Event::ExportFailed {
                subject,
                export_id: "",
                reason: "may_have_started",
                message: "m".into(),
            },
            Event::summary(crate::tally::Tally::default(), Duration::from_millis(5)),
        ]
        .map(|event| serde_json::from_str::<serde_json::Value>(&event.to_line()).unwrap());
        assert_eq!(lines[0]["event"], "delivered");
        assert_eq!(lines[0]["jobId"], "j1");
        assert_eq!(lines[0]["job"]["status"], "DELIVERED");
        assert!(lines[0].get("fromState").is_none());
        assert_eq!(lines[1]["fromState"], true);
        assert!(lines[1].get("job").is_none());
        assert_eq!(lines[2]["event"], "export_failed");
        assert_eq!(lines[2]["projectId"], "p1");
        assert_eq!(lines[2]["exportId"], "");
        assert_eq!(lines[3]["event"], "summary");
        assert_eq!(lines[3]["totalMs"], 5);
        assert_eq!(lines[3]["fromState"], 0);
    }
}
