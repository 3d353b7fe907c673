//! Shows waits as they happen: progress bars on a terminal, plain lines
//! otherwise, NDJSON with `--json`; a summary at the end. Also tallies
//! outcomes into an exit code.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use datasaur::__workspace::HumanDuration;
use datasaur::{Error, Job, JobStatus, JobUpdate, WaitError};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

use crate::event::Event;
use crate::exit::Exit;
use crate::failure::chain;
pub use crate::tally::Tally;
use crate::text::{shorten, terminal_safe};

/// More jobs than this get one overall bar instead of a bar each.
const MAX_BARS: usize = 20;
/// The widest an id is shown in a bar's prefix.
const MAX_PREFIX: usize = 60;

pub enum Mode {
    Json,
    Bars,
    Lines,
    /// Nothing shown as it happens (the caller prints its own results).
    Quiet,
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
    /// Whether results (a line per finished job, and the summary) go to
    /// stdout: without bars, or with bars while stdout is a file or pipe
    /// (`job wait ID > log.txt` from a terminal).
    results_to_stdout: bool,
    /// The look of a bar that ended without its job delivered.
    ended_badly: ProgressStyle,
    multi: MultiProgress,
    bars: HashMap<String, ProgressBar>,
    overall: Option<ProgressBar>,
    worst: Exit,
    tally: Tally,
    started: Instant,
}

impl Reporter {
    pub fn new(mode: Mode, ids: &[String]) -> Reporter {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let mut bars = HashMap::new();
        let mut overall = None;
        let mut ended_badly = ProgressStyle::default_bar();
        if matches!(mode, Mode::Bars) {
            if ids.len() <= MAX_BARS {
                let width = ids
                    .iter()
                    .map(|id| shorten(id, MAX_PREFIX).chars().count())
                    .max()
                    .unwrap_or(0);
                let style = ProgressStyle::with_template(&format!(
                    "{{prefix:{width}}} [{{bar:30.cyan/blue}}] {{pos:>3}}% {{elapsed:>4}}{{eta_if_moving}} {{msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("eta_if_moving", eta_if_moving)
                .with_key("elapsed", human_elapsed)
                .progress_chars("=> ");
                // Where the job stood when it failed or the wait gave up, in red.
                ended_badly = ProgressStyle::with_template(&format!(
                    "{{prefix:{width}}} [{{bar:30.red}}] {{pos:>3}}% {{elapsed:>4}} {{msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("elapsed", human_elapsed)
                .progress_chars("=> ");
                for id in ids {
                    let bar = multi.add(
                        ProgressBar::new(100)
                            .with_style(style.clone())
                            .with_prefix(shorten(id, MAX_PREFIX)),
                    );
                    bar.set_message("waiting");
                    bar.enable_steady_tick(Duration::from_millis(200));
                    bars.insert(id.clone(), bar);
                }
            } else {
                let style = ProgressStyle::with_template(
                    "[{bar:40.cyan/blue}] {pos}/{len} jobs finished {elapsed}{eta_if_moving} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("eta_if_moving", eta_if_moving)
                .with_key("elapsed", human_elapsed)
                .progress_chars("=> ");
                overall = Some(multi.add(ProgressBar::new(ids.len() as u64).with_style(style)));
            }
        }
        let results_to_stdout = match mode {
            Mode::Lines => true,
            Mode::Bars => !std::io::stdout().is_terminal(),
            Mode::Json | Mode::Quiet => false,
        };
        Reporter {
            mode,
            results_to_stdout,
            ended_badly,
            multi,
            bars,
            overall,
            worst: Exit::Success,
            tally: Tally::default(),
            started: Instant::now(),
        }
    }

    pub fn update(&mut self, update: &JobUpdate) {
        match update {
            JobUpdate::Progress(job) => self.progress(job),
            JobUpdate::Finished(result) => self.finished(result),
            JobUpdate::PollFailed {
                job_id,
                error,
                retry_in,
            } => self.poll_failed(job_id, error, *retry_in),
            _ => {}
        }
    }

    fn progress(&self, job: &Job) {
        match self.mode {
            Mode::Json => Event::Progress {
                job_id: &job.id,
                job,
            }
            .print(),
            Mode::Lines => println!(
                "{}  {}  {}%",
                terminal_safe(&job.id),
                terminal_safe(&job.status.to_string()),
                job.progress
            ),
            Mode::Quiet => {}
            Mode::Bars => {
                if let Some(bar) = self.bars.get(&job.id) {
                    // A queued job has no pace to estimate from.
                    if job.status == JobStatus::Queued {
                        bar.reset_eta();
                    }
                    bar.set_position(job.progress.clamp(0, 100) as u64);
                    bar.set_message(shorten(&job.status.to_string(), 40));
                }
            }
        }
    }

    fn poll_failed(&self, job_id: &str, error: &Error, retry_in: Duration) {
        let retry = HumanDuration(retry_in);
        match self.mode {
            Mode::Json => Event::poll_failed(job_id, error, retry_in).print(),
            Mode::Quiet => {}
            Mode::Lines => println!(
                "{}  RETRYING in {retry}  {}",
                terminal_safe(job_id),
                chain(error)
            ),
            Mode::Bars => {
                let message = format!("retrying in {retry}: {}", shorten(&chain(error), 80));
                if let Some(bar) = self.bars.get(job_id) {
                    bar.set_message(message);
                } else if let Some(overall) = &self.overall {
                    overall.set_message(message);
                }
            }
        }
    }

    fn finished(&mut self, result: &Result<Job, WaitError>) {
        self.worst = self.worst.max(Exit::for_wait(result));
        match result {
            Ok(_) => self.tally.delivered += 1,
            Err(WaitError::Failed { .. }) => self.tally.failed += 1,
            Err(WaitError::TimedOut { .. }) => self.tally.timed_out += 1,
            Err(WaitError::NotFound { .. }) => self.tally.not_found += 1,
            Err(_) => self.tally.errors += 1,
        }
        if matches!(self.mode, Mode::Json) {
            Event::finished(result).print();
        }
        if self.results_to_stdout {
            println!("{}", finished_line(result));
        }
        if matches!(self.mode, Mode::Bars) {
            let id = finished_id(result);
            let line = finished_line(result);
            if let Some(bar) = self.bars.get(id) {
                let shown = terminal_safe(id).into_owned();
                let message = line.trim_start_matches(shown.as_str()).trim().to_owned();
                match result {
                    Ok(job) => {
                        bar.set_position(job.progress.clamp(0, 100) as u64);
                        bar.finish_with_message(message);
                    }
                    // The bar stays where the job was last seen (a
                    // timeout at 11% is not a full bar), in red.
                    Err(_) => {
                        bar.set_style(self.ended_badly.clone());
                        bar.abandon_with_message(message);
                    }
                }
            } else if let Some(overall) = &self.overall {
                overall.inc(1);
                if result.is_err() {
                    let _ = self.multi.println(&line);
                }
            }
        }
    }

    /// Reports a job a state file says finished in an earlier run (not
    /// waited on now): the same event as a finish now, marked as such, and
    /// counted in the summary.
    pub fn finished_in_an_earlier_run(&mut self, id: &str, status: &str) {
        let delivered = status == "DELIVERED";
        self.tally.from_state += 1;
        if delivered {
            self.tally.delivered += 1;
        } else {
            self.tally.failed += 1;
            self.worst = self.worst.max(Exit::JobFailed);
        }
        let event = if delivered {
            Event::Delivered {
                job_id: id,
                job: None,
                from_state: true,
            }
        } else {
            Event::Failed {
                job_id: id,
                job: None,
                status: Some(status),
                from_state: true,
            }
        };
        match self.mode {
            Mode::Json => event.print(),
            Mode::Quiet => {}
            // From a file on disk: shown as any server text is.
            _ => println!(
                "{}  {}  (finished in an earlier run)",
                terminal_safe(id),
                terminal_safe(status)
            ),
        }
    }

    /// Raises the exit code to at least `exit` (a failure outside the waits).
    pub fn note_exit(&mut self, exit: Exit) {
        self.worst = self.worst.max(exit);
    }

    /// The exit code for everything reported so far.
    pub fn exit(&self) -> Exit {
        self.worst
    }

    /// Ends the display and prints the summary: the last NDJSON line with
    /// `--json`, the last line of the results on stdout when they go there,
    /// and a line on stderr when it is a terminal.
    pub fn finish(&self) {
        if let Some(overall) = &self.overall {
            overall.finish();
        }
        let total = self.started.elapsed();
        if matches!(self.mode, Mode::Json) {
            Event::summary(self.tally, total).print();
        }
        let line = summary_line(self.tally, total);
        if self.results_to_stdout {
            println!("{line}");
        }
        let shown_on_stdout = self.results_to_stdout && std::io::stdout().is_terminal();
        if std::io::stderr().is_terminal() && !shown_on_stdout {
            eprintln!("{line}");
        }
    }
}

/// `3 delivered, 1 failed, 0 timed out, 0 not found in 12s`.
pub fn summary_line(tally: Tally, total: Duration) -> String {
    let mut line = format!(
        "{} delivered, {} failed, {} timed out, {} not found",
        tally.delivered, tally.failed, tally.timed_out, tally.not_found
    );
    if tally.errors > 0 {
        line.push_str(&format!(", {} stopped by errors", tally.errors));
    }
    if tally.from_state > 0 {
        line.push_str(&format!(" ({} from the state file)", tally.from_state));
    }
    line.push_str(&format!(" in {}", HumanDuration(total)));
    line
}

/// The estimate of the time left, only while progress moves: nothing for a
/// queued job, a job at 0% or 100%, or a pace indicatif cannot tell.
fn eta_if_moving(state: &ProgressState, out: &mut dyn std::fmt::Write) {
    let (position, length) = (state.pos(), state.len().unwrap_or(0));
    if position == 0 || position >= length || state.per_sec() <= 0.0 {
        return;
    }
    let _ = write!(out, " eta {}", HumanDuration(state.eta()));
}

/// A finished bar's elapsed time, in the same units as every message.
fn human_elapsed(state: &ProgressState, out: &mut dyn std::fmt::Write) {
    let _ = write!(out, "{}", HumanDuration(state.elapsed()));
}

/// The id of a finished wait's job.
pub fn finished_id(result: &Result<Job, WaitError>) -> &str {
    match result {
        Ok(job) => &job.id,
        Err(error) => error.job_id(),
    }
}

/// The plain (terminal-safe) line for a finished job.
fn finished_line(result: &Result<Job, WaitError>) -> String {
    match result {
        Ok(job) => format!("{}  DELIVERED  {}%", terminal_safe(&job.id), job.progress),
        Err(WaitError::Failed { job, .. }) => format!(
            "{}  FAILED  {}",
            terminal_safe(&job.id),
            terminal_safe(&job.error_summary())
        ),
        Err(error @ WaitError::TimedOut { job_id, .. }) => {
            format!("{}  TIMED OUT  {}", terminal_safe(job_id), chain(error))
        }
        Err(WaitError::NotFound { job_id, .. }) => {
            format!("{}  NOT FOUND", terminal_safe(job_id))
        }
        Err(error) => {
            let suffix = crate::event::poll_request_id(error)
                .map(|id| format!(" (request id {id})"))
                .unwrap_or_default();
            format!(
                "{}  ERROR  {}{suffix}",
                terminal_safe(error.job_id()),
                chain(error)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_each_outcome_and_the_time() {
        let tally = Tally {
            delivered: 3,
            failed: 1,
            timed_out: 2,
            not_found: 0,
            errors: 1,
            from_state: 2,
        };
        assert_eq!(
            summary_line(tally, Duration::from_millis(72_500)),
            "3 delivered, 1 failed, 2 timed out, 0 not found, 1 stopped by errors (2 from the state file) in 1m12s"
        );
    }
}
