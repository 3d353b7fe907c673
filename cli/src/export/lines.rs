//! What a run of `export` says: held-back ids, exports that landed or
//! not, and the one export whose start is not recorded. Every `--json`
//! line is an [`Event`].

use std::time::Duration;

use datasaur::WaitError;

use super::kind::Kind;
use super::plan::Held;
use crate::event::Event;
use crate::exit::Exit;
use crate::text::terminal_safe;

/// Says which export started without its answer reaching the state file
/// (the next run will call it "may have started").
pub(super) fn say_unrecorded(unrecorded: Option<&(String, String)>) {
    if let Some((subject, export_id)) = unrecorded {
        eprintln!(
            "error: export {} of {} started but is not recorded",
            terminal_safe(export_id),
            terminal_safe(subject)
        );
    }
}

/// Says why each held-back id is not exported by this run.
pub(super) fn report_held(held: &[(String, Held)], kind: &Kind, json: bool) -> Exit {
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

pub(super) fn print_exported(event: &Event<'_>, json: bool) {
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

pub(super) fn reason_of(error: &WaitError) -> &'static str {
    match error {
        WaitError::Failed { .. } => "failed",
        WaitError::TimedOut { .. } => "timed_out",
        WaitError::NotFound { .. } => "not_found",
        _ => "error",
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
}
