//! `datasaur export project` end to end against a sandbox child process:
//! started, waited on, downloaded whole, reported.
#![cfg(unix)]

use crate::support::command::{scratch, text};

use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};

#[test]
fn export_project_waits_downloads_and_reports_each_file() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let dir = scratch("cli-export-json");
    let output = sandbox.run(&[
        "export",
        "project",
        "proj-a",
        "proj-b",
        "--format",
        "JSON",
        "--out",
        dir.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (line, project) in lines.iter().zip(["proj-a", "proj-b"]) {
        assert_eq!(line["projectId"], project);
        assert_eq!(line["status"], "delivered");
        let path = PathBuf::from(line["path"].as_str().unwrap());
        assert_eq!(path, dir.join(format!("{project}.zip")));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(line["bytes"], bytes.len());
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(line["sha256"], sha.as_str());
        let export_id = line["exportId"].as_str().unwrap();
        assert!(bytes.starts_with(format!("datasaur sandbox export {export_id}").as_bytes()));
    }

    // Run again: the files are kept, and the exit code says something went wrong.
    let again = sandbox.run(&[
        "export",
        "project",
        "proj-a",
        "--format",
        "JSON",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(4), "{}", text(&again));
    assert!(
        text(&again).contains("exists; not overwritten"),
        "{}",
        text(&again)
    );
}

#[test]
fn no_wait_prints_the_export_ids_and_exits() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let output = sandbox.run(&[
        "export",
        "project",
        "proj-a",
        "--format",
        "JSON",
        "--out",
        ".",
        "--no-wait",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.starts_with("proj-a  ExportQueue:"), "{stdout}");
}
