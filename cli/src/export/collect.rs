//! Waiting on the exports of a run and downloading each file as soon as
//! its export is delivered, while the others are still waited on.

use std::time::Duration;

use datasaur::{DownloadOptions, JobUpdate, WaitError, WaitOptions};
use futures::StreamExt;

use super::lines::{print_exported, reason_of};
use super::plan::Tracked;
use crate::event::{Event, Subject};
use crate::exit::Exit;
use crate::failure::chain;
use crate::report::{Mode, Reporter};
use crate::state_file::{ExportEntry, StateFile};
use crate::text::terminal_safe;

/// Waits on every export (each at its own age, all through the client's
/// one engine), downloads each file as soon as its export is delivered,
/// records each step in the state file if there is one.
#[allow(clippy::too_many_arguments)] // one caller; a struct would only rename them
pub(super) async fn wait_and_download(
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
                let exit = downloaded(state.as_deref_mut(), tracked, outcome, id_key, json);
                worst = worst.max(exit);
            }
            else => break,
        }
    }
    reporter.finish();
    worst.max(reporter.exit())
}

/// Records and reports how a download ended; the exit code it is worth.
fn downloaded(
    state: Option<&mut StateFile>,
    tracked: &Tracked,
    outcome: datasaur::Result<datasaur::Download>,
    id_key: &str,
    json: bool,
) -> Exit {
    let subject = Subject {
        key: id_key,
        id: &tracked.subject,
    };
    match outcome {
        Ok(file) => {
            let mut exit = Exit::Success;
            if let Some(state) = state {
                let entry = ExportEntry::Downloaded {
                    export: tracked.export.saved(),
                    path: tracked.path.clone(),
                    bytes: file.bytes,
                    sha256: file.sha256.clone(),
                };
                if let Err(message) = state.set_export(&tracked.subject, entry) {
                    exit = Exit::Other;
                    eprintln!("error: {message}");
                }
            }
            print_exported(&Event::exported(subject, tracked.export.id(), &file), json);
            exit
        }
        Err(error) => {
            if !json {
                eprintln!("error: {}", chain(&error));
            }
            let event = Event::ExportFailed {
                subject,
                export_id: tracked.export.id(),
                reason: "download_failed",
                message: chain(&error),
            };
            print_exported(&event, json);
            Exit::Other
        }
    }
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
