//! `datasaur project create`: upload files, create a project of them, wait
//! for its id. With `--state FILE` a re-run never creates it twice: the
//! intent is on disk before the request, then its job; a run that finds a
//! creation that may have reached Datasaur looks the project up by name
//! (as Datasaur's own robosaur does) instead of creating it again.

use std::path::PathBuf;

use clap::Args;
use datasaur::operations::get_projects::GetProjectsFilterInput;
use datasaur::{Client, NewProject, ProjectCreation, ProjectDocument, WaitError};
use futures::TryStreamExt;

use super::documents::{self, Planned};
use crate::connection::ConnectionArgs;
use crate::event::Event;
use crate::exit::Exit;
use crate::failure::chain;
use crate::local_file::read_text;
use crate::state_file::{ProjectEntry, ProjectKey, StateFile, now_millis};
use crate::text::terminal_safe;

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// The project's name.
    #[arg(long, value_name = "NAME")]
    name: String,
    /// The team it belongs to.
    #[arg(long, value_name = "ID")]
    team: Option<String>,
    /// Its kinds (`DOCUMENT_BASED`, `TOKEN_BASED`, `ROW_BASED`, `BBOX_BASED`), comma-separated.
    #[arg(long, value_name = "KIND", value_delimiter = ',')]
    kinds: Vec<String>,
    /// Its purpose (`LABELING`, `VALIDATION`, `LABELER_TEST`).
    #[arg(long, value_name = "PURPOSE")]
    purpose: Option<String>,
    /// The rest of the project's settings: the project wizard's "View
    /// Script" payload (JSON), passed through.
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Keep the creation's progress in FILE: run again after a crash and
    /// the project is found (by its job, or by name), never made twice.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Create the project even though an earlier run may have created it
    /// and it cannot be found by name (check in Datasaur first).
    #[arg(long, requires = "state")]
    restart_may_have_started: bool,
    /// Check the files, names, sizes and the 100-document limit, print the
    /// plan, and send nothing.
    #[arg(long)]
    dry_run: bool,
    /// JSON lines: `uploaded` / `upload_failed` per file, then
    /// `project_created` (or `project_failed`; `project_plan` for `--dry-run`).
    #[arg(long)]
    json: bool,
    /// The files, one document each, named by their file names.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub const CREATE_HELP: &str = "\
Example (against `datasaur sandbox`):
  datasaur project create --url http://127.0.0.1:4000 --token <TOKEN> \\
      --name 'Reviews 2026-12' --team T1 --state reviews.state a.txt b.txt c.txt

Uploads the files (8 at once), creates the project (createProject, as
Datasaur's samples send it), waits for its job and prints
`<project id><TAB><name>`. Nothing is sent before every file is checked
(`--dry-run` stops there). With --state, a run that died after sending the
request resumes: the project is found by its job or by its name, never
created twice; if it cannot be found, it is reported (exit 4) and created
again only with --restart-may-have-started.
Exit codes: 0 created, 1 its job failed, 2 the wait ran out, 3 usage,
credentials or a file problem, 4 anything else (an upload failed, a creation
that may have happened and cannot be found).";

/// What the state file is for.
const PURPOSE: &str = "project create";

pub async fn run(args: CreateArgs) -> Exit {
    let planned = match documents::plan(&args.files) {
        Ok(planned) => planned,
        Err(problems) => {
            documents::say_problems(&problems);
            return Exit::UsageOrAuth;
        }
    };
    let project = match new_project(&args, &planned) {
        Ok(project) => project,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    if args.dry_run {
        return print_plan(&args, &planned);
    }
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    let mut state = match &args.state {
        Some(path) => match StateFile::open(path, PURPOSE) {
            Ok(state) => Some(state),
            Err(message) => {
                eprintln!("error: {message}");
                return Exit::UsageOrAuth;
            }
        },
        None => None,
    };
    let run = Run {
        args: &args,
        client: &client,
        key: ProjectKey::new(args.team.as_deref(), &args.name),
    };
    if let Some(state) = state.as_mut()
        && let Some(exit) = run.resume(state).await
    {
        return exit;
    }
    run.create(project, &planned, state.as_mut()).await
}

/// The project as it will be sent (documents named, keys not known yet),
/// checked by the library before anything is sent.
fn new_project(args: &CreateArgs, planned: &[Planned]) -> Result<NewProject, String> {
    let mut project = NewProject::new(&args.name);
    if let Some(team) = &args.team {
        project = project.team_id(team);
    }
    if !args.kinds.is_empty() {
        project = project.kinds(args.kinds.iter().cloned());
    }
    if let Some(purpose) = &args.purpose {
        project = project.purpose(purpose);
    }
    if let Some(path) = &args.settings {
        let shown = terminal_safe(&path.to_string_lossy()).into_owned();
        let text = read_text(path).map_err(|e| format!("--settings {shown}: {e}"))?;
        let settings: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| format!("--settings {shown}: not JSON: {e}"))?;
        project = project.settings(settings);
    }
    // Placeholders stand for the keys the uploads will give: the check
    // covers names, the count and the settings' own documents.
    let placeholders = planned
        .iter()
        .map(|file| ProjectDocument::object_key(&file.name, "not uploaded yet"));
    project
        .clone()
        .documents(placeholders)
        .input()
        .map_err(|error| error.to_string())?;
    Ok(project)
}

fn print_plan(args: &CreateArgs, planned: &[Planned]) -> Exit {
    let bytes = planned.iter().map(|file| file.bytes).sum();
    let files = documents::shown_paths(planned);
    if args.json {
        Event::ProjectPlan {
            name: &args.name,
            files: files.iter().map(String::as_str).collect(),
            documents: planned.len(),
            bytes,
        }
        .print();
    } else {
        println!(
            "would upload {} files ({bytes} bytes) and create project {:?} of them; nothing was sent",
            planned.len(),
            terminal_safe(&args.name)
        );
        for (file, shown) in planned.iter().zip(&files) {
            println!(
                "  {shown}\t{} bytes\tdocument {:?}",
                file.bytes,
                terminal_safe(&file.name)
            );
        }
    }
    Exit::Success
}

struct Run<'a> {
    args: &'a CreateArgs,
    client: &'a Client,
    /// The project's entry in a state file: its team and name.
    key: ProjectKey,
}

impl Run<'_> {
    /// What a state file says of this project, acted on: `None` when the
    /// project is to be created now.
    async fn resume(&self, state: &mut StateFile) -> Option<Exit> {
        let name = self.args.name.as_str();
        match state.project(&self.key).cloned()? {
            ProjectEntry::Created { project_id } => Some(self.created(&project_id, None, true)),
            ProjectEntry::Started { job } => {
                let creation = ProjectCreation::resumed(self.client.resume_job(job), name);
                Some(self.wait(creation, state).await)
            }
            ProjectEntry::Starting { since } => match self.find_by_name().await {
                Ok(Some(id)) => Some(self.record_found(state, &id)),
                Ok(None) if self.args.restart_may_have_started => None,
                Ok(None) => Some(self.failed(
                    "may_have_started",
                    format!(
                        "the creation of project {:?} may have reached Datasaur (its request was \
                         being sent at {} ms since the epoch when the run that sent it stopped), \
                         and no project of that name is listed yet; it is not created again: \
                         check in Datasaur, then rerun with --restart-may-have-started to create it",
                        terminal_safe(name),
                        since
                    ),
                    Exit::Other,
                )),
                Err(exit) => Some(exit),
            },
            // A failed job made no project; one of that name found anyway wins.
            ProjectEntry::Failed { .. } => match self.find_by_name().await {
                Ok(Some(id)) => Some(self.record_found(state, &id)),
                Ok(None) => None,
                Err(exit) => Some(exit),
            },
        }
    }

    /// Uploads the files, records the intent, creates the project, waits.
    async fn create(
        &self,
        project: NewProject,
        planned: &[Planned],
        mut state: Option<&mut StateFile>,
    ) -> Exit {
        let name = self.args.name.as_str();
        let documents = match documents::upload(self.client, planned, self.args.json).await {
            Ok(documents) => documents,
            Err(failed) => {
                return self.failed(
                    "upload_failed",
                    format!(
                        "{failed} of {} files could not be uploaded; project {:?} was not created",
                        planned.len(),
                        terminal_safe(name)
                    ),
                    Exit::Other,
                );
            }
        };
        // The intent goes to disk before the request: if this process dies
        // while the request is out, the next run knows it may have started.
        if let Some(state) = state.as_deref_mut()
            && let Err(message) = state.set_project(
                &self.key,
                ProjectEntry::Starting {
                    since: now_millis(),
                },
            )
        {
            return self.failed(
                "error",
                format!("{message}; project not created"),
                Exit::Other,
            );
        }
        let creation = match self
            .client
            .create_project(project.documents(documents))
            .await
        {
            Ok(creation) => creation,
            Err(error) => {
                let may_have = error.may_have_started_work();
                if let Some(state) = state.as_deref_mut()
                    && !may_have
                    && let Err(message) = state.forget_project(&self.key)
                {
                    eprintln!("error: {message}");
                }
                let reason = if may_have {
                    "may_have_started"
                } else {
                    "error"
                };
                let mut message = format!(
                    "creating project {:?}: {}",
                    terminal_safe(name),
                    chain(&error)
                );
                if may_have && state.is_some() {
                    message.push_str(
                        "; it may have been created: run again with the same --state to find it",
                    );
                }
                return self.failed(reason, message, Exit::for_error(&error));
            }
        };
        if let Some(state) = state.as_deref_mut() {
            let entry = ProjectEntry::Started {
                job: creation.job().saved(),
            };
            if let Err(message) = state.set_project(&self.key, entry) {
                eprintln!(
                    "error: {message}; the creation (job {}) is not recorded",
                    creation.job().id()
                );
            }
        }
        match state {
            Some(state) => self.wait(creation, state).await,
            None => {
                let result = creation.wait(None).await;
                self.report(&creation, result, None)
            }
        }
    }

    /// Waits on the creation and records how it ended.
    async fn wait(&self, creation: ProjectCreation, state: &mut StateFile) -> Exit {
        let result = creation.wait(None).await;
        self.report(&creation, result, Some(state))
    }

    fn report(
        &self,
        creation: &ProjectCreation,
        result: Result<datasaur::CreatedProject, WaitError>,
        state: Option<&mut StateFile>,
    ) -> Exit {
        let name = self.args.name.as_str();
        match result {
            Ok(project) => {
                if let Some(state) = state
                    && let Err(message) = state.set_project(
                        &self.key,
                        ProjectEntry::Created {
                            project_id: project.id.clone(),
                        },
                    )
                {
                    eprintln!("error: {message}");
                }
                self.created(&project.id, Some(creation.job().id()), false)
            }
            Err(error) => {
                let exit = Exit::for_wait_error(&error);
                let message = format!(
                    "creating project {:?}: {}",
                    terminal_safe(name),
                    chain(&error)
                );
                if let (WaitError::Failed { .. }, Some(state)) = (&error, state)
                    && let Err(problem) = state.set_project(
                        &self.key,
                        ProjectEntry::Failed {
                            message: message.clone(),
                        },
                    )
                {
                    eprintln!("error: {problem}");
                }
                let reason = if matches!(error, WaitError::Failed { .. }) {
                    "failed"
                } else {
                    "error"
                };
                self.failed(reason, message, exit)
            }
        }
    }

    /// The id of the one project of this name (of the team, if given);
    /// `None` when there is none; several is an error.
    async fn find_by_name(&self) -> Result<Option<String>, Exit> {
        let name = self.args.name.as_str();
        let mut filter = GetProjectsFilterInput::new().keyword(name);
        if let Some(team) = &self.args.team {
            filter = filter.team_id(team);
        }
        let listed: Vec<datasaur::Project> = match self.client.projects(filter).try_collect().await
        {
            Ok(listed) => listed,
            Err(error) => {
                let message = format!(
                    "looking for project {:?} by name: {}",
                    terminal_safe(name),
                    chain(&error)
                );
                return Err(self.failed("error", message, Exit::for_error(&error)));
            }
        };
        let mut named = listed.into_iter().filter(|project| project.name == name);
        match (named.next(), named.next()) {
            (None, _) => Ok(None),
            (Some(project), None) => Ok(Some(project.id)),
            (Some(_), Some(_)) => Err(self.failed(
                "ambiguous",
                format!(
                    "several projects are named {:?}: the state file cannot tell which this run made",
                    terminal_safe(name)
                ),
                Exit::Other,
            )),
        }
    }

    fn record_found(&self, state: &mut StateFile, id: &str) -> Exit {
        let entry = ProjectEntry::Created {
            project_id: id.to_owned(),
        };
        if let Err(message) = state.set_project(&self.key, entry) {
            eprintln!("error: {message}");
        }
        self.created(id, None, true)
    }

    fn created(&self, project_id: &str, job_id: Option<&str>, from_state: bool) -> Exit {
        if self.args.json {
            Event::ProjectCreated {
                project_id,
                name: &self.args.name,
                job_id,
                from_state,
            }
            .print();
        } else {
            println!(
                "{}\t{}",
                terminal_safe(project_id),
                terminal_safe(&self.args.name)
            );
        }
        Exit::Success
    }

    fn failed(&self, reason: &str, message: String, exit: Exit) -> Exit {
        if self.args.json {
            Event::ProjectFailed {
                name: &self.args.name,
                reason,
                message,
            }
            .print();
        } else {
            eprintln!("error: {message}");
        }
        exit
    }
}
