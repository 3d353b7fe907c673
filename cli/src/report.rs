//! Shows waits as they happen: progress bars on a terminal, plain lines
//! otherwise, NDJSON with `--json`. Also tallies outcomes into an exit code.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::Duration;

use datasaur::{Error, Job, JobUpdate, WaitError};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::exit::Exit;

/// More jobs than this get one overall bar instead of a bar each.
const MAX_BARS: usize = 20;

pub enum Mode {
    Json,
    Bars,
    Lines,
}

impl Mode {
    pub fn detect(json: bool) -> Mode {
        if json {
            Mode::Json
        } else if std::io::stderr().is_terminal() {
            Mode::Bars
        } else {
            Mode::Lines
        }
    }
}

pub struct Reporter {
    mode: Mode,
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    overall: Option<ProgressBar>,
    worst: Exit,
}

impl Reporter {
    pub fn new(mode: Mode, ids: &[String]) -> Reporter {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let mut bars = HashMap::new();
        let mut overall = None;
        if matches!(mode, Mode::Bars) {
            if ids.len() <= MAX_BARS {
                let width = ids.iter().map(String::len).max().unwrap_or(0).min(60);
                let style = ProgressStyle::with_template(&format!(
                    "{{prefix:{width}}} [{{bar:30.cyan/blue}}] {{pos:>3}}% {{msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                for id in ids {
                    let bar = multi.add(
                        ProgressBar::new(100)
                            .with_style(style.clone())
                            .with_prefix(id.clone()),
                    );
                    bar.set_message("waiting");
                    bar.enable_steady_tick(Duration::from_millis(200));
                    bars.insert(id.clone(), bar);
                }
            } else {
                let style = ProgressStyle::with_template(
                    "[{bar:40.cyan/blue}] {pos}/{len} jobs finished {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
                overall = Some(multi.add(ProgressBar::new(ids.len() as u64).with_style(style)));
            }
        }
        Reporter {
            mode,
            multi,
            bars,
            overall,
            worst: Exit::Success,
        }
    }

    pub fn update(&mut self, update: &JobUpdate) {
        match update {
            JobUpdate::Progress(job) => self.progress(job),
            JobUpdate::Finished(result) => self.finished(result),
            _ => {}
        }
    }

    fn progress(&self, job: &Job) {
        match self.mode {
            Mode::Json => println!("{}", json!({"event": "progress", "job": job})),
            Mode::Lines => println!("{}  {}  {}%", job.id, job.status, job.progress),
            Mode::Bars => {
                if let Some(bar) = self.bars.get(&job.id) {
                    bar.set_position(job.progress.clamp(0, 100) as u64);
                    bar.set_message(job.status.to_string());
                }
            }
        }
    }

    fn finished(&mut self, result: &Result<Job, WaitError>) {
        self.worst = self.worst.max(exit_for(result));
        let (id, event, line) = describe(result);
        match self.mode {
            Mode::Json => println!("{event}"),
            Mode::Lines => println!("{line}"),
            Mode::Bars => {
                if let Some(bar) = self.bars.get(&id) {
                    if let Ok(job) = result {
                        bar.set_position(job.progress.clamp(0, 100) as u64);
                    }
                    bar.finish_with_message(line.trim_start_matches(id.as_str()).trim().to_owned());
                } else if let Some(overall) = &self.overall {
                    overall.inc(1);
                    if result.is_err() {
                        let _ = self.multi.println(&line);
                    }
                }
            }
        }
    }

    /// The exit code for everything reported so far.
    pub fn exit(&self) -> Exit {
        self.worst
    }

    pub fn finish(&self) {
        if let Some(overall) = &self.overall {
            overall.finish();
        }
    }
}

/// The exit code one outcome calls for.
pub fn exit_for(result: &Result<Job, WaitError>) -> Exit {
    match result {
        Ok(_) => Exit::Success,
        Err(WaitError::Failed { .. }) => Exit::JobFailed,
        Err(WaitError::TimedOut { .. }) => Exit::TimedOut,
        Err(WaitError::Poll { source, .. })
            if matches!(**source, Error::Unauthorized { .. } | Error::Config { .. }) =>
        {
            Exit::UsageOrAuth
        }
        Err(_) => Exit::Other,
    }
}

/// The id, the NDJSON event and the plain line for a finished job.
fn describe(result: &Result<Job, WaitError>) -> (String, serde_json::Value, String) {
    match result {
        Ok(job) => (
            job.id.clone(),
            json!({"event": "delivered", "job": job}),
            format!("{}  DELIVERED  {}%", job.id, job.progress),
        ),
        Err(WaitError::Failed { job }) => (
            job.id.clone(),
            json!({"event": "failed", "job": job}),
            format!("{}  FAILED  {}", job.id, job.error_summary()),
        ),
        Err(
            error @ WaitError::TimedOut {
                job_id,
                elapsed,
                polls,
                last_seen,
                ..
            },
        ) => (
            job_id.clone(),
            json!({"event": "timed_out", "jobId": job_id, "elapsedMs": elapsed.as_millis() as u64,
                   "polls": polls, "lastSeen": last_seen, "message": error.to_string()}),
            format!("{job_id}  TIMED OUT  {error}"),
        ),
        Err(error @ WaitError::NotFound { job_id, .. }) => (
            job_id.clone(),
            json!({"event": "not_found", "jobId": job_id, "message": error.to_string()}),
            format!("{job_id}  NOT FOUND"),
        ),
        Err(error) => {
            let request_id = match error {
                WaitError::Poll { source, .. } => source.request_id(),
                _ => None,
            };
            let suffix = request_id
                .map(|id| format!(" (request id {id})"))
                .unwrap_or_default();
            (
                error.job_id().to_owned(),
                json!({"event": "error", "jobId": error.job_id(), "message": error.to_string(), "requestId": request_id}),
                format!("{}  ERROR  {error}{suffix}", error.job_id()),
            )
        }
    }
}
