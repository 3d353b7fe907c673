//! `datasaur job get` and `datasaur job wait`.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::{Args, Subcommand};
use datasaur::{Client, Job, JobUpdate, PollBackoff, WaitError, WaitOptions};
use futures::StreamExt;

use crate::connection::ConnectionArgs;
use crate::event::Event;
use crate::exit::Exit;
use crate::failure;
use crate::report::{Mode, Reporter};
use crate::state_file::{JobEntry, StateFile};
use crate::table;

#[derive(Debug, Args)]
pub struct JobArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(subcommand)]
    command: JobCommand,
}

#[derive(Debug, Subcommand)]
enum JobCommand {
    /// Show jobs: status, progress and errors.
    #[command(after_help = GET_HELP)]
    Get {
        /// Job ids, e.g. AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637;
        /// `-` reads ids from stdin, one per line.
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        /// Read job ids from this file, one per line (blank lines and `#` comments skipped).
        #[arg(long, value_name = "FILE")]
        ids_from: Option<PathBuf>,
        /// One JSON object per job, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Wait until jobs finish, with a progress bar per job.
    #[command(after_help = WAIT_HELP)]
    Wait {
        /// Job ids; `-` reads ids from stdin, one per line.
        #[arg(value_name = "ID")]
        ids: Vec<String>,
        /// Read job ids from this file, one per line (blank lines and `#` comments skipped).
        #[arg(long, value_name = "FILE")]
        ids_from: Option<PathBuf>,
        /// Give up after this long (e.g. 90s, 30m, 2h; at most 10 years); 0s checks each job once.
        #[arg(long, default_value = "1h", value_parser = crate::bounded::duration)]
        timeout: Duration,
        /// Poll at this fixed interval instead of the adaptive schedule
        /// (every second while young, then 5% of the job's age, at most 30 s).
        /// At least 500ms.
        #[arg(long, value_parser = parse_interval)]
        interval: Option<Duration>,
        /// NDJSON: one line per progress change and per finished job.
        #[arg(long)]
        json: bool,
        /// Record each job in FILE, and resume from it: run again with the
        /// same FILE, and jobs already finished are reported from it (not
        /// polled), the others are polled at their age since a run first saw
        /// them. Two runs on one FILE are refused.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
}

const GET_HELP: &str = "\
Example (against `datasaur sandbox`):
  datasaur job get --url http://127.0.0.1:4000 --token <TOKEN> AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637

Exit codes: 0 every job found, 3 usage error or credentials missing or refused, 4 other errors (unknown job included).";

const WAIT_HELP: &str = "\
Example (against `datasaur sandbox`):
  datasaur job wait --url http://127.0.0.1:4000 --token <TOKEN> --timeout 10m AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637
  cat ids.txt | datasaur job wait --json -

Exit codes:
  0  every job delivered
  1  some job failed
  2  some wait timed out
  3  usage error, or credentials missing or refused
  4  other errors (unknown job, server or network trouble)
  130, 143  stopped by Ctrl-C or SIGTERM
When jobs end differently, the highest code wins. A summary line ends the
output (stderr on a terminal; the last NDJSON line, `\"event\": \"summary\"`, with --json;
jobs a --state file says finished are reported and counted too, marked `\"fromState\": true`).";

fn parse_interval(text: &str) -> Result<Duration, String> {
    let interval = crate::bounded::duration(text)?;
    if interval < datasaur::MIN_POLL_INTERVAL {
        return Err(format!(
            "at least {} (polling faster only loads the server)",
            humantime::format_duration(datasaur::MIN_POLL_INTERVAL)
        ));
    }
    Ok(interval)
}

pub async fn run(args: JobArgs) -> Exit {
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    match args.command {
        JobCommand::Get {
            ids,
            ids_from,
            json,
        } => match collect_ids(ids, ids_from) {
            Ok(ids) => get(&client, ids, json).await,
            Err(message) => usage(&message),
        },
        JobCommand::Wait {
            ids,
            ids_from,
            timeout,
            interval,
            json,
            state,
        } => {
            let ids = match collect_ids(ids, ids_from) {
                Ok(ids) => ids,
                Err(message) => return usage(&message),
            };
            let mut options = WaitOptions::default().max_wait(timeout);
            if let Some(interval) = interval {
                options = options.backoff(PollBackoff::fixed(interval));
            }
            match state {
                Some(path) => wait_with_state(&client, ids, options, json, &path).await,
                None => wait(&client, ids, options, json).await.0,
            }
        }
    }
}

fn usage(message: &str) -> Exit {
    eprintln!("error: {message}");
    Exit::UsageOrAuth
}

/// The ids given: arguments (`-` for stdin) and `--ids-from`, in order,
/// without duplicates.
fn collect_ids(args: Vec<String>, from: Option<PathBuf>) -> Result<Vec<String>, String> {
    fn read(ids: &mut Vec<String>, text: &str) {
        ids.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned),
        );
    }
    let mut ids = Vec::new();
    if let Some(path) = from {
        let text = crate::local_file::read_text(&path)
            .map_err(|e| format!("cannot read ids from {}: {e}", path.display()))?;
        read(&mut ids, &text);
    }
    for arg in args {
        if arg == "-" {
            let text = crate::local_file::read_bounded(std::io::stdin())
                .map_err(|e| format!("cannot read ids from stdin: {e}"))?;
            read(&mut ids, &text);
        } else {
            ids.push(arg);
        }
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.is_empty() {
        return Err("no job ids given (pass IDs, `-` for stdin, or --ids-from FILE)".into());
    }
    Ok(ids)
}

/// An id a state file cannot hold (blank: an unset variable; over 1 KiB)
/// is a usage error before the file is opened: it would make the file
/// unreadable for every other job.
fn check_ids_for_state(ids: &[String]) -> Result<(), String> {
    for (index, id) in ids.iter().enumerate() {
        if let Err(why) = datasaur::__workspace::check_job_id(id) {
            return Err(format!(
                "job id {} ({}): {why}; a state file cannot hold it",
                index + 1,
                crate::text::shorten(id, 40)
            ));
        }
    }
    Ok(())
}

async fn get(client: &Client, ids: Vec<String>, json: bool) -> Exit {
    let jobs = match client.get_jobs(&ids).await {
        Ok(jobs) => jobs,
        Err(error) => {
            failure::print(&error);
            return Exit::for_error(&error);
        }
    };
    let rows: Vec<(String, Option<datasaur::Job>)> = ids.into_iter().zip(jobs).collect();
    if json {
        for (id, job) in &rows {
            match job {
                Some(job) => Event::Job { job_id: id, job }.print(),
                None => Event::NotFound {
                    job_id: id,
                    message: format!("job {id} not found"),
                }
                .print(),
            }
        }
    } else {
        print!("{}", table::render(&rows));
    }
    if rows.iter().any(|(_, job)| job.is_none()) {
        Exit::Other
    } else {
        Exit::Success
    }
}

/// Waits on `ids`, reporting as it goes; also used by the demo. Returns the
/// exit code and the jobs that finished (delivered or failed), as last seen.
pub async fn wait(
    client: &Client,
    ids: Vec<String>,
    options: WaitOptions,
    json: bool,
) -> (Exit, Vec<Job>) {
    let mut reporter = Reporter::new(Mode::detect(json), &ids);
    let mut finished = Vec::new();
    let mut updates = client.watch_jobs(ids, options);
    while let Some(update) = updates.next().await {
        reporter.update(&update);
        match update {
            JobUpdate::Finished(Ok(job)) => finished.push(job),
            JobUpdate::Finished(Err(WaitError::Failed { job, .. })) => finished.push(*job),
            _ => {}
        }
    }
    reporter.finish();
    (reporter.exit(), finished)
}

/// `job wait --state FILE`: jobs the file says finished are reported from
/// it; the others are waited on at their age since a run first saw them,
/// and each end is recorded as it comes.
async fn wait_with_state(
    client: &Client,
    ids: Vec<String>,
    options: WaitOptions,
    json: bool,
    path: &std::path::Path,
) -> Exit {
    if let Err(message) = check_ids_for_state(&ids) {
        return usage(&message);
    }
    let mut state = match StateFile::open(path, "job wait") {
        Ok(state) => state,
        Err(message) => return usage(&message),
    };
    let mut handles = Vec::new();
    let mut from_state: Vec<(String, String)> = Vec::new();
    for id in &ids {
        match state.job(id) {
            Some(JobEntry::Finished { status, .. }) => {
                from_state.push((id.clone(), status.clone()))
            }
            Some(JobEntry::Waiting { job }) => handles.push(client.resume_job(job.clone())),
            None => {
                // First seen now: that is the start this file knows.
                let handle = client.job(id.clone()).with_started_at(SystemTime::now());
                state.put_job(
                    id,
                    JobEntry::Waiting {
                        job: handle.saved(),
                    },
                );
                handles.push(handle);
            }
        }
    }
    if let Err(message) = state.save() {
        return usage(&message);
    }
    if !json {
        eprintln!(
            "state {}: {} to wait on, {} finished in an earlier run",
            path.display(),
            handles.len(),
            from_state.len()
        );
    }
    let waiting: Vec<String> = handles.iter().map(|h| h.id().to_owned()).collect();
    let mut reporter = Reporter::new(Mode::detect(json), &waiting);
    // Jobs a state file says finished: the same events, marked as such,
    // and counted in the summary.
    for (id, status) in &from_state {
        reporter.finished_in_an_earlier_run(id, status);
    }
    let mut updates = futures::stream::select_all(handles.iter().map(|h| h.watch(options.clone())));
    while let Some(update) = updates.next().await {
        reporter.update(&update);
        let finished = match &update {
            JobUpdate::Finished(Ok(job)) => Some(job),
            JobUpdate::Finished(Err(WaitError::Failed { job, .. })) => Some(&**job),
            _ => None,
        };
        if let Some(job) = finished {
            state.finish_job(&job.id, job.status.to_string());
            if let Err(message) = state.save() {
                eprintln!("error: {message}");
                reporter.note_exit(Exit::Other);
            }
        }
    }
    reporter.finish();
    reporter.exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The wait workflow in process: a client, ids, a journal. The second
    /// run reports the job from the journal and polls nothing.
    #[tokio::test]
    async fn a_wait_and_its_rerun_on_one_journal() {
        let (sandbox, client) = crate::test_support::sandbox_and_client().await;
        let id = sandbox.create_job(datasaur_sandbox::JobScript::delivered(
            std::time::Duration::ZERO,
            std::time::Duration::from_millis(300),
        ));
        let scratch = crate::test_support::scratch("wait-workflow");
        let dir = scratch.path();
        let path = dir.join("jobs.json");
        let options = WaitOptions::default().max_wait(std::time::Duration::from_secs(30));
        let first = wait_with_state(&client, vec![id.clone()], options.clone(), true, &path).await;
        assert_eq!(first, Exit::Success);
        let polled = sandbox.stats().job_ids_requested;
        let second = wait_with_state(&client, vec![id.clone()], options, true, &path).await;
        assert_eq!(second, Exit::Success);
        assert_eq!(
            sandbox.stats().job_ids_requested,
            polled,
            "nothing polled again"
        );
        let state = StateFile::open(&path, "job wait").unwrap();
        assert!(matches!(
            state.job(&id),
            Some(JobEntry::Finished { status, .. }) if status == "DELIVERED"
        ));
        drop(state);
    }
    use proptest::prelude::*;

    fn cases() -> u32 {
        std::env::var("DATASAUR_PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(256)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn duration_flags_never_panic_and_hold_their_bounds(
            text in prop_oneof![".{0,24}", "[0-9]{1,30}(ns|us|ms|s|m|h|d|w|M|y)", "[0-9]{1,12}[a-z]{1,3} [0-9]{1,12}[a-z]{1,3}"],
        ) {
            if let Ok(timeout) = crate::bounded::duration(&text) {
                prop_assert!(timeout <= crate::bounded::MAX_DURATION);
            }
            if let Ok(interval) = parse_interval(&text) {
                prop_assert!(interval >= datasaur::MIN_POLL_INTERVAL && interval <= crate::bounded::MAX_DURATION);
            }
        }
    }
}
