//! Starting the exports of a run, one per id, each intent on disk before
//! its request (with `--state`), and what came of each start.

use std::collections::HashMap;
use std::path::Path;

use datasaur::{Client, Export};

use super::kind::Kind;
use super::lines::say_unrecorded;
use super::plan::{Tracked, file_stem};
use crate::exit::Exit;
use crate::failure;
use crate::state_file::{ExportEntry, StateFile};
use crate::text::terminal_safe;

/// What the starts of a run came to.
pub(super) struct Started {
    /// Every export to wait on: those resumed, then those started now.
    pub(super) exports: Vec<Tracked>,
    /// Ids whose answer repeated an export id already given for another:
    /// `(id, export id, the other id)`.
    pub(super) repeated: Vec<(String, String, String)>,
    /// How many started now.
    pub(super) count: usize,
    /// The worst outcome of the starts.
    pub(super) exit: Exit,
    /// Whether the run must stop here: the state file could not record a
    /// start, so nothing more is done that it could not remember.
    pub(super) stop: bool,
}

/// Starts the export of each id in `to_start` in turn, after `resumed`. A
/// start that fails ends the starts (the ones after it are not sent, and
/// said so); the exports started before it are kept for the wait.
pub(super) async fn start_all(
    client: &Client,
    kind: &Kind,
    to_start: &[String],
    out: &Path,
    mut state: Option<&mut StateFile>,
    resumed: Vec<Tracked>,
) -> Started {
    let mut started = Started {
        exports: resumed,
        repeated: Vec::new(),
        count: 0,
        exit: Exit::Success,
        stop: false,
    };
    let mut seen: HashMap<String, String> = started
        .exports
        .iter()
        .map(|tracked| (tracked.export.id().to_owned(), tracked.subject.clone()))
        .collect();
    // The answer of the last start, not yet on disk: it goes with the next
    // intent (one write per export, not two), or after the loop.
    let mut unrecorded: Option<(String, String)> = None;
    for (index, project) in to_start.iter().enumerate() {
        // The intent goes to disk before the request: if this process dies
        // while the request is out, the next run knows it may have started.
        if let Some(state) = state.as_deref_mut() {
            let since = crate::state_file::now_millis();
            if let Err(message) = state.set_export(project, ExportEntry::Starting { since }) {
                eprintln!(
                    "error: {message}; the export of {} was not started",
                    terminal_safe(project)
                );
                say_unrecorded(unrecorded.as_ref());
                started.exit = started.exit.max(Exit::Other);
                started.stop = true;
                return started;
            }
            unrecorded = None;
        }
        match kind.start(client, project).await {
            Ok(export) => {
                let path = out.join(format!("{}.zip", file_stem(project)));
                if let Some(recorded) = accept(
                    &mut started,
                    &mut seen,
                    state.as_deref_mut(),
                    project,
                    export,
                    path,
                ) {
                    unrecorded = Some(recorded);
                }
            }
            Err(error) => {
                refused(
                    state.as_deref_mut(),
                    kind,
                    project,
                    &error,
                    &to_start[index + 1..],
                );
                started.exit = started.exit.max(Exit::for_error(&error));
                break;
            }
        }
    }
    if let Some(state) = state
        && let Err(message) = state.save()
    {
        eprintln!("error: {message}");
        say_unrecorded(unrecorded.as_ref());
        started.exit = started.exit.max(Exit::Other);
        started.stop = true;
    }
    started
}

/// Takes an export the server started: tracked for the wait, or, if its id
/// was already given for another id, an error of its own (never merged).
/// Returns `(id, export id)` when its answer is queued for the state file.
fn accept(
    started: &mut Started,
    seen: &mut HashMap<String, String>,
    state: Option<&mut StateFile>,
    project: &str,
    export: Export,
    path: std::path::PathBuf,
) -> Option<(String, String)> {
    if let Some(first) = seen.get(export.id()) {
        if let Some(state) = state {
            let message = format!("export id {} was already given for {first}", export.id());
            let entry = ExportEntry::Failed {
                export: export.saved(),
                message,
            };
            state.put_export(project, entry);
        }
        let repeated = (project.to_owned(), export.id().to_owned(), first.clone());
        started.repeated.push(repeated);
        return None;
    }
    started.count += 1;
    let recorded = state.map(|state| {
        let entry = ExportEntry::Started {
            export: export.saved(),
            path: path.clone(),
        };
        state.put_export(project, entry);
        (project.to_owned(), export.id().to_owned())
    });
    seen.insert(export.id().to_owned(), project.to_owned());
    started.exports.push(Tracked {
        subject: project.to_owned(),
        export,
        path,
        delivered: false,
        owns_path: false,
    });
    recorded
}

/// Says why `project`'s export did not start, and records it: refused
/// before it ran, it is forgotten; otherwise its intent stays, and the next
/// run says "may have started".
fn refused(
    state: Option<&mut StateFile>,
    kind: &Kind,
    project: &str,
    error: &datasaur::Error,
    after: &[String],
) {
    if let Some(state) = state {
        if error.may_have_started_work() {
            eprintln!(
                "error: the export of {} may have started; it is recorded as such in the state file",
                terminal_safe(project)
            );
        } else {
            state.forget_export(project);
        }
    }
    failure::print(error);
    if !after.is_empty() {
        eprintln!(
            "error: {} more {} not started after that failure",
            after.len(),
            kind.noun()
        );
    }
}
