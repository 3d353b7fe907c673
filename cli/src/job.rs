//! `datasaur job get` and `datasaur job wait`.

use std::time::Duration;

use clap::{Args, Subcommand};
use datasaur::{Client, Error, Job, JobUpdate, PollBackoff, WaitError, WaitOptions};
use futures::StreamExt;

use crate::connection::ConnectionArgs;
use crate::exit::{EXIT_CODES_HELP, Exit};
use crate::report::{Mode, Reporter};
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
    #[command(
        after_help = "Exit codes: 0 every job found, 3 credentials missing or refused, 4 other errors (unknown job included)."
    )]
    Get {
        /// Job ids, e.g. AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// One JSON object per job, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Wait until jobs finish, with a progress bar per job.
    #[command(after_help = EXIT_CODES_HELP)]
    Wait {
        /// Job ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// Give up after this long (e.g. 90s, 30m, 2h).
        #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
        timeout: Duration,
        /// Poll at this fixed interval instead of the adaptive schedule
        /// (every second while young, then 5% of the job's age, at most 30 s).
        #[arg(long, value_parser = humantime::parse_duration)]
        interval: Option<Duration>,
        /// NDJSON: one line per progress change and per finished job.
        #[arg(long)]
        json: bool,
    },
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
        JobCommand::Get { ids, json } => get(&client, ids, json).await,
        JobCommand::Wait {
            ids,
            timeout,
            interval,
            json,
        } => {
            let mut options = WaitOptions::default().max_wait(timeout);
            if let Some(interval) = interval {
                options = options.backoff(PollBackoff::fixed(interval));
            }
            wait(&client, ids, options, json).await.0
        }
    }
}

async fn get(client: &Client, ids: Vec<String>, json: bool) -> Exit {
    let jobs = match client.get_jobs(&ids).await {
        Ok(jobs) => jobs,
        Err(error) => {
            eprintln!("error: {error}");
            if let Some(request_id) = error.request_id() {
                eprintln!("request id (quote it to Datasaur support): {request_id}");
            }
            return exit_for_error(&error);
        }
    };
    let rows: Vec<(String, Option<datasaur::Job>)> = ids.into_iter().zip(jobs).collect();
    if json {
        for (id, job) in &rows {
            match job {
                Some(job) => println!("{}", serde_json::json!(job)),
                None => println!("{}", serde_json::json!({"id": id, "notFound": true})),
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
            JobUpdate::Finished(Err(WaitError::Failed { job })) => finished.push(*job),
            _ => {}
        }
    }
    reporter.finish();
    (reporter.exit(), finished)
}

fn exit_for_error(error: &Error) -> Exit {
    match error {
        Error::Unauthorized { .. } | Error::Config { .. } => Exit::UsageOrAuth,
        _ => Exit::Other,
    }
}
