//! `datasaur export project | test-project-result | team-overview |
//! team-iaa`: start one export per id, wait on them (a bar each, as `job
//! wait`), download each file safely, say what landed where.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};
use datasaur::operations::export_team_overview::ExportTeamOverviewInput;
use datasaur::operations::export_test_project_result::ExportTestProjectResultInput;
use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{Client, DownloadOptions, Export, JobUpdate, WaitError, WaitOptions};
use futures::StreamExt;

use crate::connection::ConnectionArgs;
use crate::event::{Event, Subject};
use crate::exit::Exit;
use crate::failure::{self, chain};
use crate::report::{Mode, Reporter};
use crate::state_file::{ExportEntry, StateFile};
use crate::text::terminal_safe;

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

/// What an id on the command line names, and how its export starts.
enum Kind {
    Project { format: String },
    TestProjectResult,
    TeamOverview,
    TeamIaa { projects: Vec<String> },
}

impl Kind {
    /// The key naming the id in `--json` lines.
    fn id_key(&self) -> &'static str {
        match self {
            Kind::Project { .. } | Kind::TestProjectResult => "projectId",
            Kind::TeamOverview | Kind::TeamIaa { .. } => "teamId",
        }
    }

    /// What an export line of `id` is about.
    fn subject<'a>(&self, id: &'a str) -> Subject<'a> {
        Subject {
            key: self.id_key(),
            id,
        }
    }

    /// What the id is, in messages.
    fn noun(&self) -> &'static str {
        match self {
            Kind::Project { .. } | Kind::TestProjectResult => "project",
            Kind::TeamOverview | Kind::TeamIaa { .. } => "team",
        }
    }

    /// What a state file of this command is for: another command's, or
    /// this one's with other options, is refused.
    fn purpose(&self) -> String {
        match self {
            Kind::Project { format } => format!("export project --format {format}"),
            Kind::TestProjectResult => "export test-project-result".to_owned(),
            Kind::TeamOverview => "export team-overview".to_owned(),
            Kind::TeamIaa { projects } => {
                let mut purpose = "export team-iaa".to_owned();
                for project in projects {
                    purpose.push_str(" --project ");
                    purpose.push_str(project);
                }
                purpose
            }
        }
    }

    /// Starts the export of `id` (a query that starts work: sent once).
    async fn start(&self, client: &Client, id: &str) -> datasaur::Result<Export> {
        match self {
            Kind::Project { format } => {
                let input = ExportTextProjectInput::new(
                    id,
                    format.clone(),
                    GqlExportMethod::FileStorage,
                    [id],
                );
                client.export_project(input).await
            }
            Kind::TestProjectResult => {
                let input = ExportTestProjectResultInput::new(GqlExportMethod::FileStorage, id);
                client.export_test_project_result(input).await
            }
            Kind::TeamOverview => {
                let input = ExportTeamOverviewInput::new(GqlExportMethod::FileStorage, id);
                client.export_team_overview(input).await
            }
            Kind::TeamIaa { projects } => {
                client
                    .export_team_iaa(id, projects.iter().map(String::as_str), [] as [&str; 0])
                    .await
            }
        }
    }
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
    let CommonArgs {
        out,
        no_wait,
        overwrite,
        timeout,
        json,
        state,
        restart_may_have_started,
    } = common;
    // Everything that would make a result unsavable is checked before any
    // export starts: exports cannot be undone.
    let deadline = tokio::time::Instant::now() + timeout;
    let out = out.unwrap_or_default();
    let mut state = match state {
        Some(path) => match StateFile::open(&path, &kind.purpose()) {
            Ok(state) => Some(state),
            Err(message) => {
                eprintln!("error: {message}; no export was started");
                return Exit::UsageOrAuth;
            }
        },
        None => None,
    };
    let plan = match &state {
        Some(state) => Plan::from_state(&client, state, &ids, &out, restart_may_have_started),
        None => Plan::fresh(&ids),
    };
    if !no_wait {
        if let Err(error) = std::fs::create_dir_all(&out) {
            eprintln!("error: --out {}: {error}", out.display());
            return Exit::UsageOrAuth;
        }
        // Files the state says are this run's own (or whole already) are
        // not in the way; every other existing file is.
        let replaceable: std::collections::HashSet<&str> = plan
            .resumed
            .iter()
            .filter(|tracked| tracked.owns_path)
            .map(|tracked| tracked.subject.as_str())
            .chain(plan.done.iter().map(|(subject, _)| subject.as_str()))
            .collect();
        if let Err(message) = check_output_paths(&ids, &replaceable, kind.noun(), &out, overwrite) {
            eprintln!("error: {message}; no export was started");
            return Exit::UsageOrAuth;
        }
    }
    let Plan {
        to_start,
        resumed,
        done,
        held,
    } = plan;
    let mut worst = report_held(&held, &kind, json);
    let resumed_count = resumed.len();
    let mut exports: Vec<Tracked> = resumed;
    let mut repeated = Vec::new();
    let mut seen: std::collections::HashMap<String, String> = exports
        .iter()
        .map(|tracked| (tracked.export.id().to_owned(), tracked.subject.clone()))
        .collect();
    let mut started_count = 0;
    // The answer of the last start, not yet on disk: it goes with the next
    // intent (one write per export, not two), or after the loop.
    let mut unrecorded: Option<(String, String)> = None;
    for project in &to_start {
        let path = out.join(format!("{}.zip", file_stem(project)));
        // The intent goes to disk before the request: if this process dies
        // while the request is out, the next run knows it may have started.
        if let Some(state) = state.as_mut() {
            let since = crate::state_file::now_millis();
            if let Err(message) = state.set_export(project, ExportEntry::Starting { since }) {
                eprintln!(
                    "error: {message}; the export of {} was not started",
                    terminal_safe(project)
                );
                say_unrecorded(unrecorded.as_ref());
                return worst.max(Exit::Other);
            }
            unrecorded = None;
        }
        match kind.start(&client, project).await {
            Ok(export) => match seen.get(export.id()) {
                // Two projects cannot share one export: the second is an error
                // of its own, never silently merged into the first.
                Some(first) => {
                    if let Some(state) = state.as_mut() {
                        let message =
                            format!("export id {} was already given for {first}", export.id());
                        let entry = ExportEntry::Failed {
                            export: export.saved(),
                            message,
                        };
                        state.put_export(project, entry);
                    }
                    repeated.push((project.clone(), export.id().to_owned(), first.clone()))
                }
                None => {
                    started_count += 1;
                    if let Some(state) = state.as_mut() {
                        let entry = ExportEntry::Started {
                            export: export.saved(),
                            path: path.clone(),
                        };
                        state.put_export(project, entry);
                        unrecorded = Some((project.clone(), export.id().to_owned()));
                    }
                    seen.insert(export.id().to_owned(), project.clone());
                    exports.push(Tracked {
                        subject: project.clone(),
                        export,
                        path,
                        delivered: false,
                        owns_path: false,
                    });
                }
            },
            Err(error) => {
                if let Some(state) = state.as_mut() {
                    // Refused before it ran: nothing to remember. Otherwise
                    // the intent stays, and the next run says "may have started".
                    if !error.may_have_started_work() {
                        state.forget_export(project);
                    }
                    if error.may_have_started_work() {
                        eprintln!(
                            "error: the export of {} may have started; it is recorded as such in the state file",
                            terminal_safe(project)
                        );
                    }
                }
                failure::print(&error);
                // The exports started so far are still waited on and
                // downloaded; the ones after this are not started.
                worst = worst.max(Exit::for_error(&error));
                let unstarted = to_start
                    .iter()
                    .skip_while(|next| *next != project)
                    .skip(1)
                    .count();
                if unstarted > 0 {
                    eprintln!(
                        "error: {unstarted} more {} not started after that failure",
                        kind.noun()
                    );
                }
                break;
            }
        }
    }
    if let Some(state) = state.as_mut()
        && let Err(message) = state.save()
    {
        eprintln!("error: {message}");
        say_unrecorded(unrecorded.as_ref());
        return worst.max(Exit::Other);
    }
    for (project, export_id, first) in &repeated {
        worst = Exit::Other;
        let noun = kind.noun();
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
    for (project, file) in &done {
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
    if let Some(state) = &state
        && !json
    {
        eprintln!(
            "state {}: {started_count} started, {resumed_count} resumed, {} already downloaded, {} held back",
            state.path().display(),
            done.len(),
            held.len()
        );
    }
    if no_wait {
        for tracked in &exports {
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
        return worst;
    }
    if exports.is_empty() {
        return worst;
    }
    let options = WaitOptions::default().max_wait(timeout);
    let downloaded = wait_and_download(
        &exports,
        kind.id_key(),
        options,
        overwrite,
        json,
        deadline,
        state.as_mut(),
    )
    .await;
    worst.max(downloaded)
}

/// Says which export started without its answer reaching the state file
/// (the next run will call it "may have started").
fn say_unrecorded(unrecorded: Option<&(String, String)>) {
    if let Some((subject, export_id)) = unrecorded {
        eprintln!(
            "error: export {} of {} started but is not recorded",
            terminal_safe(export_id),
            terminal_safe(subject)
        );
    }
}

/// An export this run waits on and downloads: started now, or resumed.
struct Tracked {
    subject: String,
    export: Export,
    path: PathBuf,
    /// Known delivered already (a resumed export whose file is missing).
    delivered: bool,
    /// Whether a file at `path` is this export's own (written by an earlier
    /// run of the same state) and may be replaced without --overwrite.
    owns_path: bool,
}

/// A file a state file says is downloaded, checked on disk.
struct DoneFile {
    export_id: String,
    path: PathBuf,
    bytes: u64,
    sha256: String,
}

/// What a run does with each id: start it, resume it, report it done, or
/// hold it back (it may have started; it failed; its URL expired).
struct Plan {
    to_start: Vec<String>,
    resumed: Vec<Tracked>,
    done: Vec<(String, DoneFile)>,
    held: Vec<(String, Held)>,
}

/// Why an id is neither started nor resumed.
enum Held {
    MayHaveStarted { since: u64 },
    Failed { export_id: String, message: String },
    Expired { export_id: String },
}

impl Plan {
    fn fresh(ids: &[String]) -> Plan {
        Plan {
            to_start: ids.to_vec(),
            resumed: Vec::new(),
            done: Vec::new(),
            held: Vec::new(),
        }
    }

    fn from_state(
        client: &Client,
        state: &StateFile,
        ids: &[String],
        out: &Path,
        restart_may_have_started: bool,
    ) -> Plan {
        let mut plan = Plan::fresh(&[]);
        for id in ids {
            let path = out.join(format!("{}.zip", file_stem(id)));
            let resume = |saved: &datasaur::SavedExport, delivered: bool, owns_path: bool| {
                let export = client.resume_export(saved.clone());
                if delivered && export.file_url_expired() {
                    return Err(Held::Expired {
                        export_id: export.id().to_owned(),
                    });
                }
                Ok(Tracked {
                    subject: id.clone(),
                    export,
                    path: path.clone(),
                    delivered,
                    owns_path,
                })
            };
            let outcome = match state.export(id) {
                None => {
                    plan.to_start.push(id.clone());
                    continue;
                }
                Some(ExportEntry::Starting { .. }) if restart_may_have_started => {
                    plan.to_start.push(id.clone());
                    continue;
                }
                Some(ExportEntry::Starting { since }) => {
                    Err(Held::MayHaveStarted { since: *since })
                }
                // The path it was writing is its own to replace: a download
                // renamed into place just before the run died.
                Some(ExportEntry::Started {
                    export,
                    path: saved_path,
                }) => resume(export, false, *saved_path == path),
                Some(ExportEntry::Delivered {
                    export,
                    path: saved_path,
                }) => resume(export, true, *saved_path == path),
                Some(ExportEntry::Failed { export, message }) => Err(Held::Failed {
                    export_id: export.id().to_owned(),
                    message: message.clone(),
                }),
                Some(ExportEntry::Downloaded {
                    export,
                    path: saved_path,
                    bytes,
                    sha256,
                }) => {
                    match file_sha256(&path) {
                        Some(found) if *saved_path == path && found == *sha256 => {
                            let file = DoneFile {
                                export_id: export.id().to_owned(),
                                path: path.clone(),
                                bytes: *bytes,
                                sha256: sha256.clone(),
                            };
                            plan.done.push((id.clone(), file));
                            continue;
                        }
                        // Gone: fetched again while its URL holds. Changed
                        // by someone: replaced only with --overwrite.
                        found => resume(export, true, found.is_none()),
                    }
                }
            };
            match outcome {
                Ok(tracked) => plan.resumed.push(tracked),
                Err(held) => plan.held.push((id.clone(), held)),
            }
        }
        plan
    }
}

/// Says why each held-back id is not exported by this run.
fn report_held(held: &[(String, Held)], kind: &Kind, json: bool) -> Exit {
    let mut worst = Exit::Success;
    let noun = kind.noun();
    for (subject, reason) in held {
        let (export_id, event_reason, message, exit) = match reason {
            Held::MayHaveStarted { since } => (
                String::new(),
                "may_have_started",
                format!(
                    "the export of {noun} {subject} may have started (its request was being sent \
                     at {} when the run that sent it stopped, before the answer was recorded); \
                     Datasaur cannot list exports, so it is not started again: check in Datasaur, \
                     then rerun with --restart-may-have-started to start it anyway",
                    time_of(*since)
                ),
                Exit::Other,
            ),
            Held::Failed { export_id, message } => (
                export_id.clone(),
                "failed",
                format!("the export of {noun} {subject} failed in an earlier run: {message}"),
                Exit::JobFailed,
            ),
            Held::Expired { export_id } => (
                export_id.clone(),
                "expired",
                format!(
                    "the file of export {export_id} ({noun} {subject}) is no longer downloadable: \
                     its URL expired, and Datasaur cannot renew it; remove {subject} from the \
                     state file to start a new export"
                ),
                Exit::Other,
            ),
        };
        worst = worst.max(exit);
        if json {
            Event::ExportFailed {
                subject: kind.subject(subject),
                export_id: &export_id,
                reason: event_reason,
                message,
            }
            .print();
        } else {
            eprintln!("error: {}", terminal_safe(&message));
        }
    }
    worst
}

/// Epoch milliseconds as an RFC 3339 time; a value past the year 9999 (a
/// state file edited by hand) as the number, where formatting would panic.
fn time_of(millis: u64) -> String {
    const LAST_MILLIS: u64 = 253_402_300_799_999;
    if millis > LAST_MILLIS {
        return format!("{millis} ms after the Unix epoch");
    }
    humantime::format_rfc3339_seconds(std::time::UNIX_EPOCH + Duration::from_millis(millis))
        .to_string()
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

fn print_exported(event: &Event<'_>, json: bool) {
    if json {
        event.print();
    } else if let Event::Exported {
        export_id,
        path,
        bytes,
        sha256,
        ..
    } = event
    {
        println!(
            "{}  {}  {bytes} bytes  sha256 {sha256}",
            terminal_safe(export_id),
            terminal_safe(&path.display().to_string()),
        );
    }
}

/// Refuses, before anything starts, output names that collide (ids that
/// differ only in characters the file name replaces, in case, or past the
/// 100 characters kept) and, without `overwrite`, files already there.
fn check_output_paths(
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

/// Waits on every export (each at its own age, all through the client's
/// one engine), downloads each delivered file, records each step in the
/// state file if there is one.
#[allow(clippy::too_many_arguments)] // one caller; a struct would only rename them
async fn wait_and_download(
    exports: &[Tracked],
    id_key: &str,
    options: WaitOptions,
    overwrite: bool,
    json: bool,
    deadline: tokio::time::Instant,
    mut state: Option<&mut StateFile>,
) -> Exit {
    let waiting: Vec<&Tracked> = exports.iter().filter(|t| !t.delivered).collect();
    let ids: Vec<String> = waiting.iter().map(|t| t.export.id().to_owned()).collect();
    // With --json, stdout holds only one object per export.
    let mut reporter = Reporter::new(
        if json {
            Mode::Quiet
        } else {
            Mode::detect(false)
        },
        &ids,
    );
    let by_id: std::collections::HashMap<&str, &Tracked> =
        waiting.iter().map(|t| (t.export.id(), *t)).collect();
    let mut updates =
        futures::stream::select_all(waiting.iter().map(|t| t.export.watch(options.clone())));
    // Each export is downloaded as soon as it is delivered, while the others
    // are still waited on: one that never ends keeps no file waiting.
    let owns_outputs = state.is_some();
    let mut downloads = futures::stream::FuturesUnordered::new();
    for tracked in exports.iter().filter(|t| t.delivered) {
        downloads.push(download(tracked, overwrite, owns_outputs, json, deadline));
    }
    let mut worst = Exit::Success;
    let mut waits_over = false;
    loop {
        tokio::select! {
            update = updates.next(), if !waits_over => {
                let Some(update) = update else {
                    waits_over = true;
                    continue;
                };
                reporter.update(&update);
                let JobUpdate::Finished(result) = update else {
                    continue;
                };
                let id = crate::report::finished_id(&result).to_owned();
                let Some(tracked) = by_id.get(id.as_str()).copied() else {
                    continue;
                };
                record_wait(state.as_deref_mut(), tracked, &result);
                match result {
                    Ok(_) => downloads.push(download(tracked, overwrite, owns_outputs, json, deadline)),
                    Err(error) => {
                        worst = worst.max(Exit::for_wait_error(&error));
                        let event = Event::ExportFailed {
                            subject: Subject { key: id_key, id: &tracked.subject },
                            export_id: tracked.export.id(),
                            reason: reason_of(&error),
                            message: chain(&error),
                        };
                        print_exported(&event, json);
                    }
                }
            }
            Some((tracked, outcome)) = downloads.next(), if !downloads.is_empty() => {
                match outcome {
                    Ok(file) => {
                        if let Some(state) = state.as_deref_mut() {
                            let entry = ExportEntry::Downloaded {
                                export: tracked.export.saved(),
                                path: tracked.path.clone(),
                                bytes: file.bytes,
                                sha256: file.sha256.clone(),
                            };
                            if let Err(message) = state.set_export(&tracked.subject, entry) {
                                worst = worst.max(Exit::Other);
                                eprintln!("error: {message}");
                            }
                        }
                        print_exported(
                            &Event::exported(
                                Subject { key: id_key, id: &tracked.subject },
                                tracked.export.id(),
                                &file,
                            ),
                            json,
                        );
                    }
                    Err(error) => {
                        worst = worst.max(Exit::Other);
                        if !json {
                            eprintln!("error: {}", chain(&error));
                        }
                        let event = Event::ExportFailed {
                            subject: Subject { key: id_key, id: &tracked.subject },
                            export_id: tracked.export.id(),
                            reason: "download_failed",
                            message: chain(&error),
                        };
                        print_exported(&event, json);
                    }
                }
            }
            else => break,
        }
    }
    reporter.finish();
    worst.max(reporter.exit())
}

/// Records in the state file how an export's wait ended: delivered or
/// failed (a timeout, an unknown id or failing polls are waited on again
/// by the next run).
fn record_wait(
    state: Option<&mut StateFile>,
    tracked: &Tracked,
    result: &Result<datasaur::Job, WaitError>,
) {
    let Some(state) = state else {
        return;
    };
    let entry = match result {
        Ok(_) => ExportEntry::Delivered {
            export: tracked.export.saved(),
            path: tracked.path.clone(),
        },
        Err(error @ WaitError::Failed { .. }) => ExportEntry::Failed {
            export: tracked.export.saved(),
            message: chain(error),
        },
        Err(_) => return,
    };
    if let Err(message) = state.set_export(&tracked.subject, entry) {
        eprintln!("error: {message}");
    }
}

/// Downloads a delivered export's file, within what is left of --timeout.
async fn download(
    tracked: &Tracked,
    overwrite: bool,
    owns_outputs: bool,
    json: bool,
    deadline: tokio::time::Instant,
) -> (&Tracked, datasaur::Result<datasaur::Download>) {
    if !json {
        eprintln!(
            "downloading {} to {}",
            terminal_safe(tracked.export.id()),
            tracked.path.display()
        );
    }
    // --timeout bounds the whole command, downloads included. A resumed
    // export may replace its own file (a download that was renamed into
    // place before the state recorded it).
    let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
    let mut options = DownloadOptions::default()
        .max_time(remaining)
        .overwrite(overwrite || tracked.owns_path);
    // Under a state file's lock the run owns its outputs: the part a killed
    // run left is removed, however fresh.
    if owns_outputs {
        options = options.stale_parts_after(Duration::ZERO);
    }
    let outcome = tracked.export.download_to(&tracked.path, options).await;
    (tracked, outcome)
}

fn reason_of(error: &WaitError) -> &'static str {
    match error {
        WaitError::Failed { .. } => "failed",
        WaitError::TimedOut { .. } => "timed_out",
        WaitError::NotFound { .. } => "not_found",
        _ => "error",
    }
}

/// A project id as a file name: anything but letters, digits, `.`, `_`
/// and `-` becomes `_`, so no id can climb out of the directory.
fn file_stem(project: &str) -> String {
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
    fn any_recorded_time_is_shown_without_a_panic() {
        assert_eq!(time_of(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            time_of(u64::MAX),
            format!("{} ms after the Unix epoch", u64::MAX)
        );
        assert_eq!(time_of(253_402_300_799_999), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn project_ids_cannot_escape_the_directory() {
        assert_eq!(file_stem("../../etc/passwd"), "______etc_passwd");
        assert_eq!(file_stem("HvdyIL2iwZn"), "HvdyIL2iwZn");
        assert_eq!(file_stem(""), "export");
    }
}
