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
use crate::exit::Exit;
use crate::failure::{self, chain};
use crate::ndjson;
use crate::report::{Mode, Reporter};
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
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    timeout: Duration,
    /// One JSON object per export: id, status, path, bytes, sha256.
    #[arg(long)]
    json: bool,
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

    /// What the id is, in messages.
    fn noun(&self) -> &'static str {
        match self {
            Kind::Project { .. } | Kind::TestProjectResult => "project",
            Kind::TeamOverview | Kind::TeamIaa { .. } => "team",
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
    } = common;
    // Everything that would make a result unsavable is checked before any
    // export starts: exports cannot be undone.
    let deadline = tokio::time::Instant::now() + timeout;
    let out = out.unwrap_or_default();
    if !no_wait {
        if let Err(error) = std::fs::create_dir_all(&out) {
            eprintln!("error: --out {}: {error}", out.display());
            return Exit::UsageOrAuth;
        }
        if let Err(message) = check_output_paths(&ids, kind.noun(), &out, overwrite) {
            eprintln!("error: {message}; no export was started");
            return Exit::UsageOrAuth;
        }
    }
    let mut exports = Vec::with_capacity(ids.len());
    let mut repeated = Vec::new();
    let mut seen: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for project in &ids {
        match kind.start(&client, project).await {
            Ok(export) => match seen.get(export.id()) {
                // Two projects cannot share one export: the second is an error
                // of its own, never silently merged into the first.
                Some(first) => {
                    repeated.push((project.clone(), export.id().to_owned(), first.clone()))
                }
                None => {
                    seen.insert(export.id().to_owned(), project.clone());
                    exports.push((project.clone(), export));
                }
            },
            Err(error) => {
                failure::print(&error);
                return Exit::for_error(&error);
            }
        }
    }
    let mut worst = Exit::Success;
    for (project, export_id, first) in &repeated {
        worst = Exit::Other;
        let noun = kind.noun();
        let message = format!(
            "the server answered export id {export_id} for {noun} {project}, already given for {noun} {first}"
        );
        if json {
            println!(
                "{}",
                ndjson::export_failed(
                    (kind.id_key(), project),
                    export_id,
                    "duplicate_export_id",
                    &message
                )
            );
        } else {
            eprintln!("error: {}", terminal_safe(&message));
        }
    }
    if no_wait {
        for (project, export) in &exports {
            if json {
                println!(
                    "{}",
                    ndjson::export_started(
                        (kind.id_key(), project),
                        export.id(),
                        export.file_url().map(|url| url.as_str())
                    )
                );
            } else {
                println!("{}  {}", terminal_safe(project), terminal_safe(export.id()));
            }
        }
        return worst;
    }
    let options = WaitOptions::default().max_wait(timeout);
    let downloaded = wait_and_download(
        &client,
        &exports,
        kind.id_key(),
        options,
        &out,
        overwrite,
        json,
        deadline,
    )
    .await;
    worst.max(downloaded)
}

/// Refuses, before anything starts, output names that collide (ids that
/// differ only in characters the file name replaces, in case, or past the
/// 100 characters kept) and, without `overwrite`, files already there.
fn check_output_paths(
    ids: &[String],
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
        if !overwrite && path.exists() {
            return Err(format!(
                "{} exists (pass --overwrite to replace it)",
                path.display()
            ));
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)] // one caller; a struct would only rename them
async fn wait_and_download(
    client: &Client,
    exports: &[(String, Export)],
    id_key: &str,
    options: WaitOptions,
    out: &Path,
    overwrite: bool,
    json: bool,
    deadline: tokio::time::Instant,
) -> Exit {
    let ids: Vec<String> = exports
        .iter()
        .map(|(_, export)| export.id().to_owned())
        .collect();
    // With --json, stdout holds only one object per export.
    let mut reporter = Reporter::new(
        if json {
            Mode::Quiet
        } else {
            Mode::detect(false)
        },
        &ids,
    );
    let mut outcomes = std::collections::HashMap::new();
    let mut updates = client.watch_jobs(ids, options);
    while let Some(update) = updates.next().await {
        reporter.update(&update);
        if let JobUpdate::Finished(result) = update {
            outcomes.insert(crate::report::finished_id(&result).to_owned(), result);
        }
    }
    reporter.finish();
    let mut worst = reporter.exit();
    let download = DownloadOptions::default().overwrite(overwrite);
    for (project, export) in exports {
        let Some(result) = outcomes.remove(export.id()) else {
            continue;
        };
        let path = out.join(format!("{}.zip", file_stem(project)));
        let line = match result {
            Ok(_) => {
                if !json {
                    eprintln!(
                        "downloading {} to {}",
                        terminal_safe(export.id()),
                        path.display()
                    );
                }
                // --timeout bounds the whole command, downloads included.
                let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
                match export
                    .download_to(&path, download.clone().max_time(remaining))
                    .await
                {
                    Ok(file) => ndjson::exported((id_key, project), export.id(), &file),
                    Err(error) => {
                        worst = worst.max(Exit::Other);
                        if !json {
                            eprintln!("error: {}", chain(&error));
                        }
                        ndjson::export_failed(
                            (id_key, project),
                            export.id(),
                            "download_failed",
                            &chain(&error),
                        )
                    }
                }
            }
            Err(error) => {
                worst = worst.max(Exit::for_wait_error(&error));
                ndjson::export_failed(
                    (id_key, project),
                    export.id(),
                    reason_of(&error),
                    &chain(&error),
                )
            }
        };
        if json {
            println!("{line}");
        } else if line["event"] == "exported" {
            println!(
                "{}  {}  {} bytes  sha256 {}",
                terminal_safe(export.id()),
                line["path"].as_str().unwrap_or_default(),
                line["bytes"],
                line["sha256"].as_str().unwrap_or_default()
            );
        }
    }
    worst
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
    fn project_ids_cannot_escape_the_directory() {
        assert_eq!(file_stem("../../etc/passwd"), "______etc_passwd");
        assert_eq!(file_stem("HvdyIL2iwZn"), "HvdyIL2iwZn");
        assert_eq!(file_stem(""), "export");
    }
}
