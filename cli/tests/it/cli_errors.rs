//! What the command line says when a request fails: the cause and the host,
//! and a request id only for a request that may have reached the server.
#![cfg(unix)]

use std::process::{Command, Output};

use serde_json::json;

const JOB: &str = "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637";

/// Runs `datasaur job get JOB` against `url` with `token`; returns stderr
/// with the port and request id made stable for a snapshot.
fn job_get_error(url: &str, token: &str) -> (Output, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["job", "get", JOB, "--url", url, "--token", token])
        .env_remove("DATASAUR_ACCESS_TOKEN")
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let port = url.rsplit(':').next().unwrap_or_default();
    let mut stable = if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() {
        stderr.replace(&format!(":{port}"), ":[port]")
    } else {
        stderr
    };
    if let Some(start) = stable.find("request id (quote it to Datasaur support): ") {
        let end = stable[start..]
            .find('\n')
            .map_or(stable.len(), |n| start + n);
        stable.replace_range(
            start..end,
            "request id (quote it to Datasaur support): [request id]",
        );
    }
    (output, stable)
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn connection_refused_names_the_cause_and_the_host() {
    let port = free_port();
    let (output, stderr) = job_get_error(&format!("http://127.0.0.1:{port}"), "some-token-1");
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr.contains("127.0.0.1:[port]"), "{stderr}");
    assert!(
        stderr.to_lowercase().contains("connection refused"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("request id"),
        "never reached a server: {stderr}"
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_dns_failure_names_the_cause_and_the_host() {
    let (output, stderr) = job_get_error("https://datasaur.invalid", "some-token-1");
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr.contains("datasaur.invalid"), "{stderr}");
    assert!(stderr.contains("dns error"), "{stderr}");
    assert!(
        !stderr.contains("request id"),
        "never reached a server: {stderr}"
    );
    // The resolver's own words vary by machine: snapshot up to them.
    let stable = stderr
        .split("dns error")
        .next()
        .unwrap_or_default()
        .to_owned();
    insta::assert_snapshot!(stable);
}

#[test]
fn a_tls_failure_names_the_cause_and_the_host() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let https = sandbox.base_url.replace("http://", "https://");
    let (output, stderr) = job_get_error(&https, &sandbox.token);
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr.contains("127.0.0.1:[port]"), "{stderr}");
    assert!(
        stderr.contains("tls") || stderr.contains("TLS") || stderr.contains("corrupt message"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("request id"),
        "never reached a server: {stderr}"
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn a_503_that_runs_out_of_retries_names_the_status_and_quotes_the_request_id() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    sandbox.arm_fault(json!({"kind": "status", "status": 503, "remaining": 100}));
    let (output, stderr) = job_get_error(&sandbox.base_url, &sandbox.token);
    assert_eq!(output.status.code(), Some(4));
    assert!(stderr.contains("HTTP 503"), "{stderr}");
    assert!(
        stderr.contains("request id"),
        "it reached the server: {stderr}"
    );
    insta::assert_snapshot!(stderr);
}

#[test]
fn unauthorized_says_so_and_quotes_the_request_id() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let (output, stderr) = job_get_error(&sandbox.base_url, "not-a-valid-token-77");
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr.contains("credentials refused"), "{stderr}");
    assert!(!stderr.contains("not-a-valid-token-77"), "{stderr}");
    insta::assert_snapshot!(stderr);
}
