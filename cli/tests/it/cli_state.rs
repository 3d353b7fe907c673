//! `--state FILE`: the CLI killed with SIGKILL at many points of an export
//! run (before and while the start requests are out, during the wait,
//! during the downloads), then run again on the same state file, against a
//! sandbox process that counts the exports of each project. Also the lock,
//! the explicit restart of work that may have started, and `job wait`.
#![cfg(unix)]

use crate::support::command::{scratch, text};
use crate::support::sandbox_process::{self, SandboxProcess};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

/// How many runs are killed; `DATASAUR_CRASH_RUNS` sets another number.
fn crash_runs() -> usize {
    std::env::var("DATASAUR_CRASH_RUNS")
        .ok()
        .and_then(|runs| runs.parse().ok())
        .unwrap_or(50)
}

/// Projects per run.
const PROJECTS: usize = 3;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A sandbox whose every GraphQL answer and every file takes a while, so
/// that a kill lands inside a start request or a download often.
fn slow_sandbox() -> SandboxProcess {
    let sandbox = sandbox_process::start(&[]);
    sandbox.arm_fault(serde_json::json!({"kind": "delay", "millis": 120, "fraction": 1.0}));
    sandbox.arm_fault(
        serde_json::json!({"kind": "delay", "millis": 250, "fraction": 1.0, "target": "download"}),
    );
    sandbox
}

fn export_args<'a>(projects: &'a [String], out: &'a Path, state: &'a Path) -> Vec<&'a str> {
    let mut args = vec!["export", "project"];
    args.extend(projects.iter().map(String::as_str));
    args.extend([
        "--format",
        "JSON",
        "--out",
        out.to_str().unwrap(),
        "--state",
        state.to_str().unwrap(),
        "--json",
    ]);
    args
}

/// Each entry's state, by project, as the file says.
fn states(state: &Path) -> BTreeMap<String, String> {
    entries(state)
        .into_iter()
        .map(|(project, entry)| (project, entry["state"].as_str().unwrap().to_owned()))
        .collect()
}

/// Each export's entry in a state file. A journal: a header, then one JSON
/// line per change (a crash may cut the last one short); later lines win.
fn entries(state: &Path) -> BTreeMap<String, Value> {
    let Ok(text) = std::fs::read_to_string(state) else {
        return BTreeMap::new();
    };
    let mut entries = BTreeMap::new();
    let lines: Vec<&str> = text.lines().collect();
    for (index, line) in lines.iter().enumerate().skip(1) {
        let Ok(record) = serde_json::from_str::<Value>(line) else {
            assert_eq!(
                index + 1,
                lines.len(),
                "only the last line may be torn: {text}"
            );
            continue;
        };
        if let Some(project) = record["export"].as_str() {
            entries.insert(project.to_owned(), record["entry"].clone());
        } else if let Some(project) = record["forgetExport"].as_str() {
            entries.remove(project);
        }
    }
    entries
}

fn lines(output: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect()
}

/// Files a run left that are not whole results: partial downloads,
/// temporary state files.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".part") || name.ends_with(".tmp"))
        .collect()
}

/// One run: started, killed after `kill_after`, run again to the end.
/// Returns what the state file said right after the kill, and how many
/// projects the rerun reported as "may have started".
fn crash_and_rerun(
    sandbox: &SandboxProcess,
    run: usize,
    kill_after: Duration,
) -> (Vec<String>, usize) {
    let dir = scratch(&format!("cli-crash-{run}"));
    let out = dir.join("out");
    let state = dir.join("state.json");
    let projects: Vec<String> = (0..PROJECTS).map(|p| format!("crash{run}-p{p}")).collect();
    let args = export_args(&projects, &out, &state);
    let mut child = sandbox
        .command(&args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(kill_after);
    let _ = child.kill(); // SIGKILL: no handler runs
    let _ = child.wait();
    let after_kill: Vec<String> = states(&state).into_values().collect();

    let output = sandbox.command(&args).output().unwrap();
    let reported = lines(&output);
    let stats = sandbox.stats();
    let saved = entries(&state);
    let mut held = 0;
    for project in &projects {
        let line = reported
            .iter()
            .find(|line| line["projectId"] == project.as_str())
            .unwrap_or_else(|| panic!("run {run}: nothing said of {project}: {}", text(&output)));
        let count = stats["exportsStartedFor"][format!("project-{project}")]
            .as_u64()
            .unwrap_or(0);
        if line["reason"] == "may_have_started" {
            // Killed inside the window: said so, never started again.
            held += 1;
            assert!(count <= 1, "run {run}: {project} exported {count} times");
            assert!(
                line["message"]
                    .as_str()
                    .unwrap()
                    .contains("may have started"),
                "{line}"
            );
            continue;
        }
        assert_eq!(line["event"], "exported", "run {run}: {line}");
        assert_eq!(count, 1, "run {run}: {project} exported {count} times");
        let path = PathBuf::from(line["path"].as_str().unwrap());
        let bytes = std::fs::read(&path).unwrap();
        let sha = sha256_hex(&bytes);
        assert_eq!(line["sha256"], sha.as_str(), "run {run}: {project}");
        let entry = &saved[project.as_str()];
        assert_eq!(entry["state"], "downloaded");
        assert_eq!(entry["sha256"], sha.as_str());
        // Whole: the same bytes as the export's file, fetched afresh.
        let served = sandbox.fetch(entry["export"]["fileUrl"].as_str().unwrap());
        assert_eq!(
            sha256_hex(&served),
            sha,
            "run {run}: {project} is not whole"
        );
    }
    let expected = if held == 0 { 0 } else { 4 };
    assert_eq!(
        output.status.code(),
        Some(expected),
        "run {run}: {}",
        text(&output)
    );
    assert!(
        leftovers(&out).is_empty(),
        "run {run}: {:?}",
        leftovers(&out)
    );
    assert!(
        leftovers(&dir).is_empty(),
        "run {run}: {:?}",
        leftovers(&dir)
    );

    // Once more: nothing is started, and what landed is reported from the file.
    let again = sandbox.command(&args).output().unwrap();
    assert_eq!(
        again.status.code(),
        Some(expected),
        "run {run}: {}",
        text(&again)
    );
    let counts_now = sandbox.stats();
    for project in &projects {
        let key = format!("project-{project}");
        assert_eq!(
            counts_now["exportsStartedFor"][&key], stats["exportsStartedFor"][&key],
            "run {run}: a third run started {project} again"
        );
    }
    (after_kill, held)
}

#[test]
fn killed_runs_resume_and_export_each_project_exactly_once() {
    let sandbox = slow_sandbox();
    let runs = crash_runs();
    // Kill points spread over the whole run (about 5 s: three starts of
    // 120 ms, a 3 s export, three downloads of 250 ms), with some jitter,
    // several runs at once.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let points: Vec<Duration> = (0..runs)
        .map(|run| {
            let spread = 5200 * run as u64 / runs.max(1) as u64;
            Duration::from_millis(spread + next() % 100)
        })
        .collect();
    let mut phases: BTreeMap<String, usize> = BTreeMap::new();
    let mut held_back = 0;
    let indexed: Vec<(usize, Duration)> = points.iter().copied().enumerate().collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = indexed
            .chunks(runs.div_ceil(6).max(1))
            .map(|chunk| {
                let sandbox = &sandbox;
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&(run, kill_after)| crash_and_rerun(sandbox, run, kill_after))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            let results = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            for (after_kill, held) in results {
                held_back += held;
                let phase = if after_kill.is_empty() {
                    "nothing recorded".to_owned()
                } else {
                    let mut kinds = after_kill.clone();
                    kinds.sort();
                    kinds.dedup();
                    kinds.join("+")
                };
                *phases.entry(phase).or_default() += 1;
            }
        }
    });
    // Which points the kills hit, for the record (`--nocapture` shows it).
    eprintln!(
        "{runs} runs killed; state right after each kill: {phases:?}; \
         {held_back} projects reported as may have started"
    );
    let unfinished = phases
        .iter()
        .filter(|(phase, _)| phase.as_str() != "downloaded")
        .map(|(_, n)| n)
        .sum::<usize>();
    assert!(unfinished > 0, "no kill landed before the end: {phases:?}");
}

#[test]
fn a_second_run_on_a_state_file_in_use_is_refused() {
    let sandbox = sandbox_process::start(&[]);
    let dir = scratch("cli-state-lock");
    let (out, state) = (dir.join("out"), dir.join("state.json"));
    let projects = vec!["locked-p".to_owned()];
    let args = export_args(&projects, &out, &state);
    let mut first = sandbox
        .command(&args)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The first run holds the lock from its start (the export takes 3 s).
    std::thread::sleep(Duration::from_millis(700));
    let second = sandbox.command(&args).output().unwrap();
    assert_eq!(second.status.code(), Some(3), "{}", text(&second));
    assert!(
        text(&second).contains("in use by another datasaur"),
        "{}",
        text(&second)
    );
    assert!(first.wait().unwrap().success());
    assert_eq!(sandbox.stats()["exportsStartedFor"]["project-locked-p"], 1);
}

#[test]
fn work_that_may_have_started_is_started_again_only_when_asked() {
    let sandbox = sandbox_process::start(&[]);
    let dir = scratch("cli-state-restart");
    let (out, state) = (dir.join("out"), dir.join("state.json"));
    // As a run killed right after sending the request leaves it.
    std::fs::write(
        &state,
        r#"{"version": 1, "purpose": "export project --format JSON",
            "exports": {"maybe-p": {"state": "starting", "since": 1796280000000}}}"#,
    )
    .unwrap();
    let projects = vec!["maybe-p".to_owned()];
    let args = export_args(&projects, &out, &state);
    let held = sandbox.command(&args).output().unwrap();
    assert_eq!(held.status.code(), Some(4), "{}", text(&held));
    let line = &lines(&held)[0];
    assert_eq!(line["reason"], "may_have_started");
    assert!(
        line["message"]
            .as_str()
            .unwrap()
            .contains("--restart-may-have-started")
    );
    assert!(sandbox.stats()["exportsStartedFor"]["project-maybe-p"].is_null());
    let mut asked = args.clone();
    asked.push("--restart-may-have-started");
    let restarted = sandbox.command(&asked).output().unwrap();
    assert_eq!(restarted.status.code(), Some(0), "{}", text(&restarted));
    assert_eq!(lines(&restarted)[0]["event"], "exported");
    assert_eq!(sandbox.stats()["exportsStartedFor"]["project-maybe-p"], 1);
    // Another command's state file is refused before anything starts.
    let other = sandbox
        .command(&[
            "job",
            "wait",
            "--state",
            state.to_str().unwrap(),
            "AutoLabelQueue:1",
        ])
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(3), "{}", text(&other));
    assert!(text(&other).contains("is the state of `datasaur export project --format JSON`"));
}

#[test]
fn job_wait_with_a_state_file_resumes_and_reports_finished_jobs_from_it() {
    let sandbox = sandbox_process::start(&[]);
    let job = sandbox.create_job(serde_json::json!({"queuedFor": 0, "runningFor": 2500}));
    let dir = scratch("cli-state-job");
    let state = dir.join("jobs.json");
    let state_arg = state.to_str().unwrap();
    let first = sandbox
        .command(&[
            "job",
            "wait",
            "--state",
            state_arg,
            "--timeout",
            "1s",
            "--json",
            &job,
        ])
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(2), "timed out: {}", text(&first));
    assert!(
        std::fs::read_to_string(&state)
            .unwrap()
            .contains("\"waiting\"")
    );
    let second = sandbox
        .command(&["job", "wait", "--state", state_arg, "--json", &job])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let summary = lines(&second).last().cloned().unwrap();
    assert_eq!(
        (summary["delivered"].as_u64(), summary["fromState"].as_u64()),
        (Some(1), Some(0))
    );
    assert!(
        std::fs::read_to_string(&state)
            .unwrap()
            .contains("\"finished\"")
    );
    let polls = sandbox.stats()["jobIdsRequested"].clone();
    let third = sandbox
        .command(&["job", "wait", "--state", state_arg, "--json", &job])
        .output()
        .unwrap();
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
    // All from the state file: the same events, marked, and a summary.
    let reported = lines(&third);
    assert_eq!(reported[0]["event"], "delivered", "{reported:?}");
    assert_eq!(reported[0]["jobId"], job.as_str());
    assert_eq!(reported[0]["fromState"], true);
    let summary = reported.last().unwrap();
    assert_eq!(summary["event"], "summary", "{reported:?}");
    assert_eq!(
        (summary["delivered"].as_u64(), summary["fromState"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        sandbox.stats()["jobIdsRequested"],
        polls,
        "a finished job is not polled"
    );
    // Some from the state file, some waited on now: both counted.
    let other = sandbox.create_job(serde_json::json!({"queuedFor": 0, "runningFor": 0}));
    let mixed = sandbox
        .command(&["job", "wait", "--state", state_arg, "--json", &job, &other])
        .output()
        .unwrap();
    assert_eq!(mixed.status.code(), Some(0), "{}", text(&mixed));
    let reported = lines(&mixed);
    assert!(
        reported.iter().all(|line| line["event"].is_string()),
        "{reported:?}"
    );
    let summary = reported.last().unwrap();
    assert_eq!(summary["event"], "summary", "{reported:?}");
    assert_eq!(
        (summary["delivered"].as_u64(), summary["fromState"].as_u64()),
        (Some(2), Some(1))
    );
}

#[test]
fn a_missing_file_is_fetched_again_and_a_changed_one_is_not_overwritten() {
    let sandbox = sandbox_process::start(&[]);
    let dir = scratch("cli-state-files");
    let (out, state) = (dir.join("out"), dir.join("state.json"));
    let projects = vec!["files-a".to_owned(), "files-b".to_owned()];
    let args = export_args(&projects, &out, &state);
    let first = sandbox.command(&args).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let original = std::fs::read(out.join("files-a.zip")).unwrap();
    std::fs::remove_file(out.join("files-a.zip")).unwrap();
    let again = sandbox.command(&args).output().unwrap();
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(
        std::fs::read(out.join("files-a.zip")).unwrap(),
        original,
        "fetched again, whole"
    );
    let reported = lines(&again);
    let b = reported
        .iter()
        .find(|line| line["projectId"] == "files-b")
        .unwrap();
    assert_eq!(b["fromState"], true, "{b}");
    assert_eq!(
        sandbox.stats()["exportsStarted"],
        2,
        "nothing started again"
    );
    // A file someone changed is theirs: kept, unless --overwrite.
    std::fs::write(out.join("files-b.zip"), b"edited").unwrap();
    let kept = sandbox.command(&args).output().unwrap();
    assert_eq!(kept.status.code(), Some(3), "{}", text(&kept));
    assert!(text(&kept).contains("--overwrite"), "{}", text(&kept));
    assert_eq!(std::fs::read(out.join("files-b.zip")).unwrap(), b"edited");
}

#[test]
fn text_from_a_state_file_reaches_the_terminal_escaped() {
    let sandbox = sandbox_process::start(&[]);
    let dir = scratch("cli-state-hostile");
    let state = dir.join("jobs.json");
    std::fs::write(
        &state,
        r#"{"version": 1, "purpose": "job wait", "jobs": {"j1": {"state": "finished",
            "status": "\u001b[2J\u001b]0;owned\u0007DELIVERED",
            "job": {"type": "job", "version": 1, "id": "j1"}}}}"#,
    )
    .unwrap();
    let output = sandbox
        .command(&["job", "wait", "--state", state.to_str().unwrap(), "j1"])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("finished in an earlier run"), "{shown}");
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
}

#[test]
fn a_blank_or_endless_job_id_never_reaches_a_state_file() {
    let sandbox = sandbox_process::start(&[]);
    let job = sandbox.create_job(serde_json::json!({"queuedFor": 0, "runningFor": 0}));
    let dir = scratch("cli-state-blank-id");
    let state = dir.join("jobs.json");
    let state_arg = state.to_str().unwrap();
    let long = "j".repeat(2000);
    for bad in ["", "   ", long.as_str()] {
        let output = sandbox
            .command(&["job", "wait", "--state", state_arg, "--json", &job, bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "{}", text(&output));
        assert!(text(&output).contains("job id 2"), "{}", text(&output));
    }
    // The file (never written by the refused runs) serves the good id.
    let output = sandbox
        .command(&["job", "wait", "--state", state_arg, "--json", &job])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let again = sandbox
        .command(&["job", "wait", "--state", state_arg, "--json", &job])
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "the state reads back: {}",
        text(&again)
    );
}

#[test]
fn a_state_file_named_through_a_link_is_one_file_with_one_lock() {
    let sandbox = sandbox_process::start(&[]);
    let slow = sandbox.create_job(serde_json::json!({"queuedFor": 0, "runningFor": 4000}));
    let dir = scratch("cli-state-link");
    let real = dir.join("real.json");
    let link = dir.join("link.json");
    std::os::unix::fs::symlink("real.json", &link).unwrap();
    // A run through the real name holds the lock...
    let mut first = sandbox
        .command(&[
            "job",
            "wait",
            "--state",
            real.to_str().unwrap(),
            "--json",
            &slow,
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(800));
    // ...so a run through the link is refused: one file, one lock.
    let second = sandbox
        .command(&[
            "job",
            "wait",
            "--state",
            link.to_str().unwrap(),
            "--json",
            &slow,
        ])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(3), "{}", text(&second));
    assert!(text(&second).contains("in use"), "{}", text(&second));
    assert_eq!(first.wait().unwrap().code(), Some(0));
    // A run through the link writes the real file and keeps the link.
    let third = sandbox
        .command(&[
            "job",
            "wait",
            "--state",
            link.to_str().unwrap(),
            "--json",
            &slow,
        ])
        .output()
        .unwrap();
    assert_eq!(third.status.code(), Some(0), "{}", text(&third));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().contains("finished"));
    assert!(!dir.join("link.json.lock").exists());
}

#[test]
fn an_answer_with_data_and_an_error_is_remembered_as_may_have_started() {
    // The export ran (its data came back) though an error came with it: the
    // intent stays in the state file, and nothing is sent twice.
    let (url, requests) = crate::support::fixed_server::fixed_server(
        r#"{"data":{"export":{"exportId":"ExportQueue:1","fileUrl":null,"queued":true}},
            "errors":[{"message":"Unauthorized","path":["export","redirect"],
                       "extensions":{"type":"AuthenticationError"}}]}"#,
    );
    let dir = scratch("cli-state-partial");
    let state = dir.join("state.json");
    let output = crate::support::fixed_server::datasaur_at(
        &url,
        &[
            "export",
            "project",
            "P1",
            "--format",
            "JSON",
            "--no-wait",
            "--state",
            state.to_str().unwrap(),
        ],
    );
    assert_ne!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("may have started"),
        "{}",
        text(&output)
    );
    assert_eq!(requests.load(std::sync::atomic::Ordering::SeqCst), 1);
    let states = states(&state);
    assert_eq!(
        states.get("P1").map(String::as_str),
        Some("starting"),
        "{states:?}"
    );
}
