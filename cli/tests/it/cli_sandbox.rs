//! `datasaur sandbox` as a child process: serves the documentation's cURL
//! body and stops on SIGINT within a second.
#![cfg(unix)]

use std::process::Command;
use std::time::{Duration, Instant};

const DOCUMENTED_GET_JOB_BODY: &str = r#"{"operationName": "GetJobQuery", "variables": {"jobId": "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637"}, "query": "query GetJobQuery($jobId: String!) { result: getJob(jobId: $jobId) { id status progress } }"}"#;

#[test]
fn serves_the_documented_curl_body_and_stops_on_sigint() {
    let mut sandbox = crate::support::sandbox_process::start(&[]);
    let answer = sandbox.graphql(&sandbox.token, DOCUMENTED_GET_JOB_BODY);
    assert_eq!(
        answer["data"]["result"],
        serde_json::json!({"id": "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637", "status": "DELIVERED", "progress": 0})
    );

    let pid = sandbox.child.id().to_string();
    let sent = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(status) = sandbox.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(1),
            "still running 1 s after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_fixed_access_token_works() {
    let sandbox = crate::support::sandbox_process::start(&["--access-token", "ci-token"]);
    let answer = sandbox.graphql("ci-token", DOCUMENTED_GET_JOB_BODY);
    assert_eq!(answer["data"]["result"]["status"], "DELIVERED");
}

#[test]
fn a_port_in_use_is_a_clear_error_not_a_panic() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["sandbox", "--addr", &addr])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `datasaur sandbox --schema` with Datasaur's production schema (read at
/// test time from `../shared`, never copied here): a `getProjects` query the
/// sandbox does not implement answers schema-valid data, and
/// `launchTextProjectAsync`, a user's project-creating mutation, returns a
/// real job that `datasaur job wait` waits on.
#[test]
fn a_pulled_schema_is_served_and_its_jobs_are_real() {
    let schema = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/datasaur/graphql.schema.json");
    assert!(
        schema.exists(),
        "this test reads Datasaur's production schema at {}",
        schema.display()
    );
    let sandbox = crate::support::sandbox_process::start(&["--schema", schema.to_str().unwrap()]);
    // A query the sandbox does not implement: generated, schema-valid values.
    let teams = sandbox.graphql(
        &sandbox.token,
        r#"{"query": "query T { getAllTeams { id name members { id } } }"}"#,
    );
    let nodes = teams["data"]["getAllTeams"]
        .as_array()
        .unwrap_or_else(|| panic!("a list of teams: {teams}"));
    assert!(!nodes.is_empty(), "{teams}");
    assert!(
        nodes
            .iter()
            .all(|node| node["id"].is_string() && node["name"].is_string())
    );
    // One it implements, by name, in the user's schema too: no project yet.
    let projects = sandbox.graphql(
        &sandbox.token,
        r#"{"query": "query P($input: GetProjectsPaginatedInput!) { getProjects(input: $input) { totalCount pageInfo { nextCursor } nodes { id name createdDate } } }", "variables": {"input": {"page": {"skip": 0, "take": 10}}}}"#,
    );
    assert_eq!(
        projects["data"]["getProjects"]["totalCount"], 0,
        "{projects}"
    );

    let launched = sandbox.graphql(
        &sandbox.token,
        r#"{"query": "mutation L($input: LaunchTextProjectInput!) { launchTextProjectAsync(input: $input) { name job { id status } } }", "variables": {"input": {"name": "Reviews", "documentSettings": {}}}}"#,
    );
    let job_id = launched["data"]["launchTextProjectAsync"]["job"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{launched}"))
        .to_owned();
    assert!(
        job_id.starts_with("LaunchTextProjectAsyncQueue:"),
        "{job_id}"
    );
    let output = sandbox.run(&["job", "wait", "--timeout", "30s", &job_id]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::command::text(&output)
    );
}

/// `--job-duration`, `--job-outcome` and `--script-for`: a restart or
/// failure test needs no server of its own. Only the auto-labeling fails;
/// the agreement tables started beside it are delivered, after the
/// duration asked.
#[test]
fn flags_script_the_jobs_per_operation() {
    let failing = r#"AutoLabelTokenBasedProject={"queuedFor":0,"runningFor":300,"outcome":{"status":"FAILED","errors":[{"id":"e1","stack":"model timed out"}]}}"#;
    let sandbox = crate::support::sandbox_process::start(&[
        "--job-duration",
        "300ms",
        "--script-for",
        failing,
    ]);
    let start = |body: &str| -> String {
        let answer = sandbox.graphql(&sandbox.token, body);
        answer["data"]["job"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("a job: {answer}"))
            .to_owned()
    };
    let labeling = start(
        r#"{"operationName": "AutoLabelTokenBasedProject", "variables": {}, "query": "mutation AutoLabelTokenBasedProject { job: autoLabelTokenBasedProject(input: {labelerEmail: \"a@b.c\", options: {numberOfFilesPerRequest: 1}, projectId: \"P1\", targetAPI: {endpoint: \"https://model.example\", secretKey: \"k\"}}) { id } }"}"#,
    );
    let tables = start(
        r#"{"operationName": "Tables", "variables": {}, "query": "mutation Tables { job: calculateAgreementTables(projectId: \"P1\") { id } }"}"#,
    );
    let started = Instant::now();
    let output = sandbox.run(&["job", "wait", &labeling, &tables]);
    assert_eq!(output.status.code(), Some(1), "one job failed: {output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("{labeling}  FAILED  model timed out")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{tables}  DELIVERED  100%")),
        "{stdout}"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "the duration asked"
    );

    // Bad values are refused by name, before anything listens.
    for (flag, value, says) in [
        ("--job-outcome", "done", "failed:MESSAGE"),
        ("--script-for", "NoScript", "OPERATION=SCRIPT"),
        ("--job-duration", "forever", "--job-duration"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
            .args(["sandbox", flag, value])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(3), "bad usage: {flag} {value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{flag} {value}: {stderr}");
    }
}

/// `datasaur project list` over 250 projects of a sandbox serving pages of
/// 100 (`--page-size`): every project, once, in order.
#[test]
fn project_list_prints_every_project_over_every_page() {
    let sandbox = crate::support::sandbox_process::start(&["--page-size", "100"]);
    let url = format!("{}/_sandbox/projects", sandbox.base_url);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ids: Vec<String> = runtime.block_on(async {
        let http = reqwest::Client::new();
        let mut ids = Vec::new();
        for n in 0..250 {
            let answer: serde_json::Value = http
                .post(&url)
                .json(&serde_json::json!({"name": format!("project {n}"), "teamId": "T1"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            ids.push(answer["id"].as_str().unwrap().to_owned());
        }
        ids
    });
    let output = sandbox.run(&["project", "list", "--json"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 250);
    assert!(lines.iter().all(|line| line["event"] == "project"));
    let listed: Vec<&str> = lines
        .iter()
        .map(|line| line["projectId"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(lines[249]["name"], "project 249");

    let plain = sandbox.run(&["project", "list", "--team", "T2"]);
    assert_eq!(plain.status.code(), Some(0));
    assert!(plain.stdout.is_empty(), "no project of team T2");
}
