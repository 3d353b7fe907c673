//! `datasaur job get|wait` and `datasaur demo`: the real binary against a
//! sandbox child process; output and exit codes.
#![cfg(unix)]

use std::process::{Command, Output};

use serde_json::{Value, json};

const DOCUMENTED_JOB_ID: &str = "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637";

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_lines(output: &Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[test]
fn job_get_prints_a_table_and_flags_unknown_ids() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let output = sandbox.run(&["job", "get", DOCUMENTED_JOB_ID, "AutoLabelQueue:unknown"]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn job_get_json_prints_one_object_per_job() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let failed = sandbox.create_job(json!({"outcome": {"status": "FAILED", "errors": [{"id": "e1", "stack": "Error: boom\n  at x", "args": {"file": "a.txt"}}]}, "queuedFor": 0, "runningFor": 0}));
    let output = sandbox.run(&[
        "job",
        "get",
        "--json",
        DOCUMENTED_JOB_ID,
        &failed,
        "AutoLabelQueue:unknown",
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    // The same line kinds as `job wait --json`: every line names its event.
    insta::assert_json_snapshot!(json_lines(&output), {"[].job.createdAt" => "[timestamp]", "[].job.updatedAt" => "[timestamp]"});
}

#[test]
fn job_wait_json_streams_ndjson_and_exits_0_when_delivered() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let id = sandbox.create_job(json!({"queuedFor": 1500, "runningFor": 0, "outcome": {"status": "DELIVERED", "resultId": "r-1", "result": {"labels": 3}}}));
    let output = sandbox.run(&["job", "wait", "--json", &id]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    insta::assert_json_snapshot!(json_lines(&output), {"[].job.createdAt" => "[timestamp]", "[].job.updatedAt" => "[timestamp]", "[].totalMs" => "[duration]"});
}

#[test]
fn job_wait_plain_lines_and_exit_1_when_a_job_failed() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let delivered = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 0}));
    let failed = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 0, "outcome": {"status": "FAILED", "errors": [{"id": "e", "stack": "model timed out"}]}}));
    let output = sandbox.run(&["job", "wait", &delivered, &failed]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let mut lines: Vec<String> = stdout(&output).lines().map(str::to_owned).collect();
    // Piped output ends with the summary too (the CI-log case).
    let summary = lines.pop().unwrap_or_default();
    assert!(
        summary.starts_with("1 delivered, 1 failed, 0 timed out, 0 not found in "),
        "{summary}"
    );
    lines.sort();
    assert_eq!(
        lines,
        vec![
            format!("{delivered}  DELIVERED  100%"),
            format!("{failed}  FAILED  model timed out")
        ]
    );
}

#[test]
fn job_wait_times_out_with_exit_2() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let id = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 3_600_000}));
    let output = sandbox.run(&[
        "job",
        "wait",
        "--json",
        "--timeout",
        "1500ms",
        "--interval",
        "500ms",
        &id,
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let lines = json_lines(&output);
    let (summary, jobs) = lines.split_last().unwrap();
    assert_eq!(summary["event"], "summary", "the summary is the last line");
    assert_eq!(summary["timedOut"], 1);
    assert_eq!(summary["delivered"], 0);
    assert!(summary["totalMs"].as_u64().unwrap() >= 1500);
    let last = jobs.last().unwrap();
    assert_eq!(last["event"], "timed_out");
    assert_eq!(last["jobId"], id.as_str());
    let elapsed = last["elapsedMs"].as_u64().unwrap();
    assert!((1500..2000).contains(&elapsed), "{elapsed}");
    assert_eq!(last["polls"], 3);
    assert_eq!(last["lastSeen"]["status"], "IN_PROGRESS");
}

#[test]
fn a_zero_timeout_checks_once_and_a_short_wait_reports_unknown_ids() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let running = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 3_600_000}));
    let output = sandbox.run(&[
        "job",
        "wait",
        "--json",
        "--timeout",
        "0s",
        DOCUMENTED_JOB_ID,
        &running,
        "AutoLabelQueue:nobody",
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", stderr(&output));
    let lines = json_lines(&output);
    let (summary, events) = lines.split_last().unwrap();
    assert_eq!(summary["delivered"], 1, "{lines:?}");
    assert_eq!(summary["timedOut"], 1, "{lines:?}");
    assert_eq!(summary["notFound"], 1, "{lines:?}");
    let timed_out = events
        .iter()
        .find(|event| event["event"] == "timed_out")
        .unwrap();
    assert_eq!(timed_out["polls"], 1, "checked once: {timed_out}");
    assert!(summary["totalMs"].as_u64().unwrap() < 1000, "{summary}");

    // A wait shorter than the not-found grace (10 s) learns the id is unknown.
    let output = sandbox.run(&["job", "wait", "--timeout", "2s", "AutoLabelQueue:nobody"]);
    assert!(
        stdout(&output).contains("NOT FOUND") && !stdout(&output).contains("TIMED OUT"),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[test]
fn missing_or_refused_credentials_exit_3_without_printing_the_token() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let missing = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["job", "get", DOCUMENTED_JOB_ID, "--url", &sandbox.base_url])
        .env_remove("DATASAUR_ACCESS_TOKEN")
        .env_remove("DATASAUR_CLIENT_ID")
        .env_remove("DATASAUR_CLIENT_SECRET")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(3));
    assert!(
        stderr(&missing).contains("no credentials: pass --token (or DATASAUR_ACCESS_TOKEN)"),
        "{}",
        stderr(&missing)
    );

    let refused = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args([
            "-vv",
            "job",
            "wait",
            DOCUMENTED_JOB_ID,
            "--url",
            &sandbox.base_url,
            "--token",
            "wrong-token-12345",
        ])
        .env_remove("DATASAUR_ACCESS_TOKEN")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(3), "{}", stderr(&refused));
    let everything = format!("{}{}", stdout(&refused), stderr(&refused));
    assert!(everything.contains("credentials refused"), "{everything}");
    assert!(
        !everything.contains("wrong-token-12345"),
        "the token leaked: {everything}"
    );
}

#[test]
fn client_credentials_from_the_environment_work_and_stay_secret() {
    let sandbox = crate::support::sandbox_process::start(&[
        "--client-id",
        "cli-id",
        "--client-secret",
        "cli-secret-5555",
    ]);
    let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args([
            "-vv",
            "job",
            "get",
            DOCUMENTED_JOB_ID,
            "--url",
            &sandbox.base_url,
        ])
        .env_remove("DATASAUR_ACCESS_TOKEN")
        .env("DATASAUR_CLIENT_ID", "cli-id")
        .env("DATASAUR_CLIENT_SECRET", "cli-secret-5555")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("DELIVERED"));
    assert!(!format!("{}{}", stdout(&output), stderr(&output)).contains("cli-secret-5555"));

    let refused = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args([
            "job",
            "get",
            DOCUMENTED_JOB_ID,
            "--url",
            &sandbox.base_url,
            "--client-id",
            "cli-id",
            "--client-secret",
            "nope-6666",
        ])
        .env_remove("DATASAUR_ACCESS_TOKEN")
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(3));
    assert!(
        stderr(&refused).contains("client credentials refused"),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains("nope-6666"));
}

#[test]
fn help_documents_exit_codes_and_hides_the_token_value() {
    let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["job", "wait", "--help"])
        .env("DATASAUR_ACCESS_TOKEN", "secret-from-env-999")
        .output()
        .unwrap();
    let help = stdout(&output);
    assert!(help.contains("2  some wait timed out"), "{help}");
    assert!(help.contains("DATASAUR_ACCESS_TOKEN"), "{help}");
    assert!(!help.contains("secret-from-env-999"), "{help}");
}

#[test]
fn demo_runs_offline_and_delivers() {
    let started = std::time::Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(
        text.contains("AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637  DELIVERED  0%"),
        "{text}"
    );
    assert!(text.contains("\"status\": \"DELIVERED\""), "{text}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_job_with_half_a_million_errors_is_shown_with_the_first_hundred_and_a_count() {
    use crate::support::fixed_server::{datasaur_at, fixed_server};
    let errors: Vec<String> = (0..500_000)
        .map(|n| format!(r#"{{"id":"e{n}","stack":"Error: row {n}","args":null}}"#))
        .collect();
    let job = format!(
        r#"{{"id":"J","status":"FAILED","progress":100,"errors":[{}],"resultId":null,"result":null,"createdAt":"1","updatedAt":"2","additionalData":null}}"#,
        errors.join(",")
    );
    // One body answers getJob and getJobs alike: each reads its own key.
    let (url, _) = fixed_server(format!(r#"{{"data":{{"job":{job},"jobs":[{job}]}}}}"#));

    let waited = datasaur_at(&url, &["job", "wait", "J"]);
    let shown = String::from_utf8_lossy(&waited.stdout);
    assert!(
        shown.contains("J  FAILED  Error: row 0 (and 499999 more)"),
        "{shown}"
    );

    let got = datasaur_at(&url, &["job", "get", "--json", "J"]);
    let line: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(line["job"]["errors"].as_array().unwrap().len(), 100);
    assert_eq!(line["job"]["errorsOmitted"], 499_900);
}

#[test]
fn bars_end_where_their_job_stood_and_results_reach_a_redirected_stdout() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let delivered = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 0}));
    let failing = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 3000, "outcome": {"status": "FAILED", "errors": [{"id": "e", "stack": "model crashed"}]}}));
    let slow = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 40_000}));
    let log = crate::support::command::scratch("cli-job-bars").join("log.txt");
    let mut command = Command::new(env!("CARGO_BIN_EXE_datasaur"));
    command
        .args(["job", "wait", "--timeout", "4s", "--interval", "500ms"])
        .args([&delivered, &failing, &slow])
        .env("DATASAUR_URL", &sandbox.base_url)
        .env("DATASAUR_ACCESS_TOKEN", &sandbox.token)
        .env_remove("RUST_LOG");
    // `job wait ... > log.txt` from a terminal: bars on the terminal, results in the file.
    let run =
        crate::support::pty::run_on_terminal(command, Some(std::fs::File::create(&log).unwrap()));
    assert_eq!(run.status.code(), Some(2), "{}", run.screen);

    let delivered_bar = run.last_line_with(&delivered);
    assert!(
        delivered_bar.contains("100%") && delivered_bar.contains("DELIVERED"),
        "{delivered_bar}"
    );
    let failed_bar = run.last_line_with(&failing);
    assert!(
        failed_bar.contains("FAILED")
            && !failed_bar.contains("100%")
            && !failed_bar.contains("=====]"),
        "a failed job's bar stays where it was: {failed_bar}"
    );
    let slow_bar = run.last_line_with(&slow);
    assert!(
        slow_bar.contains("TIMED OUT") && !slow_bar.contains("100%"),
        "a timed-out job's bar stays where it was: {slow_bar}"
    );
    // Durations as people read them, not Debug's nanoseconds.
    assert!(slow_bar.contains("after 4."), "{slow_bar}");
    assert!(
        !run.screen.contains("µs") && !run.screen.contains("ns "),
        "{}",
        run.screen
    );
    assert!(
        run.screen
            .contains("1 delivered, 1 failed, 1 timed out, 0 not found in 4."),
        "the summary is on the terminal: {}",
        run.screen
    );

    let written = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), 4, "{written}");
    assert!(
        lines.contains(&format!("{delivered}  DELIVERED  100%").as_str()),
        "{written}"
    );
    assert!(
        lines.contains(&format!("{failing}  FAILED  model crashed").as_str()),
        "{written}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with(&format!("{slow}  TIMED OUT"))),
        "{written}"
    );
    assert!(
        lines[3].starts_with("1 delivered, 1 failed, 1 timed out"),
        "{written}"
    );
}

#[test]
fn verbose_shows_each_status_change_and_json_logs_parse() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    // Long enough that the first poll, however slow the start, sees it running.
    let job = sandbox.create_job(serde_json::json!({"queuedFor": 0, "runningFor": 4000}));
    let output = sandbox
        .command(&["-v", "job", "wait", &job])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::command::text(&output)
    );
    let log = String::from_utf8_lossy(&output.stderr);
    let changes: Vec<&str> = log
        .lines()
        .filter(|line| line.contains("job status changed"))
        .collect();
    assert!(changes.iter().all(|line| line.contains(&job)), "{log}");
    assert!(
        changes.iter().any(|line| line.contains("IN_PROGRESS")),
        "{log}"
    );
    assert!(
        changes.iter().any(|line| line.contains("DELIVERED")),
        "{log}"
    );
    assert!(!log.contains(&sandbox.token), "no token in the log");
    let json = sandbox
        .command(&["-v", "--log-format", "json", "job", "wait", &job])
        .output()
        .unwrap();
    assert_eq!(
        json.status.code(),
        Some(0),
        "{}",
        crate::support::command::text(&json)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&json.stderr)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line["fields"]["message"] == "job status changed"
                && line["fields"]["job.id"] == job.as_str()),
        "{lines:?}"
    );
}
