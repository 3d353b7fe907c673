//! `datasaur export project | test-project-result | team-overview |
//! team-iaa`: start one export per id, wait on them (a bar each, as `job
//! wait`), download each file safely, say what landed where.

//!
//! The workflow, in steps a file each: `plan.rs` (what to do with each id,
//! and the output paths, checked before anything starts), `start.rs` (the
//! starts, each intent journaled first), `collect.rs` (the wait, and each
//! file downloaded once delivered), `lines.rs` (what the run says).

mod collect;
mod kind;
mod lines;
mod plan;
mod start;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use datasaur::{Client, WaitOptions};

use crate::connection::ConnectionArgs;
use crate::event::Event;
use crate::exit::Exit;
use crate::state_file::StateFile;
use crate::text::terminal_safe;
use kind::Kind;
use lines::{print_exported, report_held};
use plan::{DoneFile, Plan, Tracked, check_output_paths};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    #[command(subcommand)]
    command: ExportCommand,
}

#[derive(Debug, Subcommand)]
enum ExportCommand {
    /// Export projects (one export each), wait, and download the files.
    #[command(after_help = EXPORT_HELP)]
    Project {
        /// Project ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        /// The export format, as Datasaur names it (e.g. JSON, TSV, CONLL_2003).
        #[arg(long)]
        format: String,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Export test projects' results (one export each), wait, and download the files.
    #[command(after_help = EXPORT_HELP)]
    TestProjectResult {
        /// Project ids.
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Export teams' overviews (one export each), wait, and download the files.
    #[command(after_help = EXPORT_HELP)]
    TeamOverview {
        /// Team ids.
        #[arg(required = true, value_name = "TEAM_ID")]
        ids: Vec<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
    /// Export teams' inter-annotator agreement (one export each), wait, and download the files.
    #[command(after_help = EXPORT_HELP)]
    TeamIaa {
        /// Team ids.
        #[arg(required = true, value_name = "TEAM_ID")]
        ids: Vec<String>,
        /// Only this project (repeat for more; every project of the team by default).
        #[arg(long = "project", value_name = "PROJECT_ID")]
        projects: Vec<String>,
        #[command(flatten)]
        common: CommonArgs,
    },
}

/// What every export subcommand shares: where files go and how long to wait.
#[derive(Debug, Args)]
struct CommonArgs {
    /// The directory the files go to (`<id>.zip` each); made if missing.
    /// Not needed with --no-wait.
    #[arg(long, value_name = "DIR", required_unless_present = "no_wait")]
    out: Option<PathBuf>,
    /// Print the export ids and exit, without waiting or downloading.
    #[arg(long)]
    no_wait: bool,
    /// Replace files already in DIR (kept by default).
    #[arg(long)]
    overwrite: bool,
    /// Give up after this long, downloads included (e.g. 30m).
    #[arg(long, default_value = "1h", value_parser = crate::bounded::duration)]
    timeout: Duration,
    /// One JSON object per export: id, status, path, bytes, sha256.
    #[arg(long)]
    json: bool,
    /// Record each export in FILE as soon as it is known, and resume from
    /// it: run again with the same FILE after a crash or a timeout, and
    /// exports already started are waited on (not started again), files
    /// already downloaded are kept. Two runs on one FILE are refused.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// With --state: start again the exports whose start may have reached
    /// Datasaur without its answer being recorded (a crash at that moment).
    /// Datasaur cannot list exports: check first, or one may run twice.
    #[arg(long, requires = "state")]
    restart_may_have_started: bool,
}

const EXPORT_HELP: &str = "\
Examples (against `datasaur sandbox`):
  datasaur export project --url http://127.0.0.1:4000 --token <TOKEN> HvdyIL2iwZn --format JSON --out exports/
  datasaur export team-overview --out reports/ team-1
  datasaur export team-iaa --project HvdyIL2iwZn --out reports/ team-1

Files are written whole or not at all (a temporary file, renamed into place),
never over an existing file unless --overwrite. Exit codes as `job wait`:
0 all delivered and downloaded, 1 some export failed, 2 timed out,
3 usage or credentials, 4 other errors (a download that failed included);
130 on Ctrl-C, 143 on SIGTERM, with no temporary file left.";

pub async fn run(args: ExportArgs) -> Exit {
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    let (ids, kind, common) = match args.command {
        ExportCommand::Project {
            ids,
            format,
            common,
        } => (ids, Kind::Project { format }, common),
        ExportCommand::TestProjectResult { ids, common } => (ids, Kind::TestProjectResult, common),
        ExportCommand::TeamOverview { ids, common } => (ids, Kind::TeamOverview, common),
        ExportCommand::TeamIaa {
            ids,
            projects,
            common,
        } => (ids, Kind::TeamIaa { projects }, common),
    };
    // Everything that would make a result unsavable is checked before any
    // export starts: exports cannot be undone.
    let deadline = tokio::time::Instant::now() + common.timeout;
    match prepare(&client, &kind, &ids, &common) {
        Ok((state, plan)) => workflow(&client, &kind, &common, deadline, state, plan).await,
        Err(message) => {
            eprintln!("error: {message}; no export was started");
            Exit::UsageOrAuth
        }
    }
}

/// Opens the state file (if any), plans each id, and checks the output
/// directory and paths: why not, before anything is sent.
fn prepare(
    client: &Client,
    kind: &Kind,
    ids: &[String],
    settings: &CommonArgs,
) -> Result<(Option<StateFile>, Plan), String> {
    let out = settings.out.clone().unwrap_or_default();
    let state = match &settings.state {
        Some(path) => Some(StateFile::open(path, &kind.purpose())?),
        None => None,
    };
    let plan = match &state {
        Some(state) => {
            Plan::from_state(client, state, ids, &out, settings.restart_may_have_started)
        }
        None => Plan::fresh(ids),
    };
    if !settings.no_wait {
        std::fs::create_dir_all(&out).map_err(|e| format!("--out {}: {e}", out.display()))?;
        // Files the state says are this run's own (or whole already) are
        // not in the way; every other existing file is.
        let replaceable: std::collections::HashSet<&str> = plan
            .resumed
            .iter()
            .filter(|tracked| tracked.owns_path)
            .map(|tracked| tracked.subject.as_str())
            .chain(plan.done.iter().map(|(subject, _)| subject.as_str()))
            .collect();
        check_output_paths(ids, &replaceable, kind.noun(), &out, settings.overwrite)?;
    }
    Ok((state, plan))
}

/// The run itself, from a plan: the held-back ids said, the exports
/// started (journaled in `state`), the done ones reported, then (unless
/// `--no-wait`) every export waited on and its file downloaded.
async fn workflow(
    client: &Client,
    kind: &Kind,
    settings: &CommonArgs,
    deadline: tokio::time::Instant,
    mut state: Option<StateFile>,
    plan: Plan,
) -> Exit {
    let json = settings.json;
    let Plan {
        to_start,
        resumed,
        done,
        held,
    } = plan;
    let mut worst = report_held(&held, kind, json);
    let resumed_count = resumed.len();
    let out = settings.out.clone().unwrap_or_default();
    let started = start::start_all(client, kind, &to_start, &out, state.as_mut(), resumed).await;
    worst = worst.max(started.exit);
    if started.stop {
        return worst;
    }
    worst = worst.max(report_repeated(&started.repeated, kind, json));
    report_done(&done, kind, json);
    if let Some(state) = &state
        && !json
    {
        eprintln!(
            "state {}: {} started, {resumed_count} resumed, {} already downloaded, {} held back",
            state.path().display(),
            started.count,
            done.len(),
            held.len()
        );
    }
    if settings.no_wait {
        report_started(&started.exports, kind, json);
        return worst;
    }
    if started.exports.is_empty() {
        return worst;
    }
    let options = WaitOptions::default().max_wait(settings.timeout);
    let downloaded = collect::wait_and_download(
        &started.exports,
        kind.id_key(),
        options,
        settings.overwrite,
        json,
        deadline,
        state.as_mut(),
    )
    .await;
    worst.max(downloaded)
}

/// Says each id whose answer repeated another's export id.
fn report_repeated(repeated: &[(String, String, String)], kind: &Kind, json: bool) -> Exit {
    let noun = kind.noun();
    for (project, export_id, first) in repeated {
        let message = format!(
            "the server answered export id {export_id} for {noun} {project}, already given for {noun} {first}"
        );
        if json {
            Event::ExportFailed {
                subject: kind.subject(project),
                export_id,
                reason: "duplicate_export_id",
                message,
            }
            .print();
        } else {
            eprintln!("error: {}", terminal_safe(&message));
        }
    }
    if repeated.is_empty() {
        Exit::Success
    } else {
        Exit::Other
    }
}

/// Reports the files a state file says landed (checked on disk).
fn report_done(done: &[(String, DoneFile)], kind: &Kind, json: bool) {
    for (project, file) in done {
        let event = Event::Exported {
            subject: kind.subject(project),
            export_id: &file.export_id,
            path: &file.path,
            bytes: file.bytes,
            sha256: &file.sha256,
            from_state: true,
        };
        print_exported(&event, json);
    }
}

/// `--no-wait`: each export started (or resumed), by id.
fn report_started(exports: &[Tracked], kind: &Kind, json: bool) {
    for tracked in exports {
        let (project, export) = (&tracked.subject, &tracked.export);
        if json {
            Event::ExportStarted {
                subject: kind.subject(project),
                export_id: export.id(),
                file_url: export.file_url().map(|url| url.as_str()),
            }
            .print();
        } else {
            println!("{}  {}", terminal_safe(project), terminal_safe(export.id()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &std::path::Path) -> CommonArgs {
        CommonArgs {
            out: Some(dir.join("out")),
            no_wait: false,
            overwrite: false,
            timeout: Duration::from_secs(60),
            json: true,
            state: Some(dir.join("state.json")),
            restart_may_have_started: false,
        }
    }

    /// The workflow, in process: a plan, a journal, a client. A second run
    /// on the same journal starts nothing and downloads nothing again.
    #[tokio::test]
    async fn a_run_and_its_rerun_on_one_journal_export_each_project_once() {
        let (sandbox, client) = crate::test_support::sandbox_and_client().await;
        let scratch = crate::test_support::scratch("export-workflow");
        let dir = scratch.path();
        let kind = Kind::Project {
            format: "JSON".into(),
        };
        let ids = vec!["p1".to_owned(), "p2".to_owned()];
        let settings = settings(dir);
        for run in 0..2 {
            let (state, plan) = prepare(&client, &kind, &ids, &settings).unwrap();
            if run == 1 {
                assert!(plan.to_start.is_empty() && plan.resumed.is_empty());
                assert_eq!(plan.done.len(), 2, "both files are whole on disk");
            }
            let deadline = tokio::time::Instant::now() + settings.timeout;
            let exit = workflow(&client, &kind, &settings, deadline, state, plan).await;
            assert_eq!(exit, Exit::Success, "run {run}");
        }
        for id in &ids {
            let file = std::fs::read(dir.join("out").join(format!("{id}.zip"))).unwrap();
            assert!(file.starts_with(b"PK"), "{id}: a whole zip");
        }
        assert_eq!(sandbox.stats().exports_started, 2, "each started once");
    }
}
