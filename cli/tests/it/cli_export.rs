//! `datasaur export project` end to end against a sandbox child process:
//! started, waited on, downloaded whole, reported.
#![cfg(unix)]

use crate::support::command::{scratch, text};
use crate::support::fixed_server::{datasaur_at, fixed_server};

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
    let mut lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    // In the order the files landed: each is downloaded once delivered.
    lines.sort_by_key(|line| line["projectId"].to_string());
    for (line, project) in lines.iter().zip(["proj-a", "proj-b"]) {
        assert_eq!(line["projectId"], project);
        assert_eq!(line["event"], "exported");
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
        // A zip archive with the project's folder and its role folders.
        assert!(bytes.starts_with(b"PK\x03\x04"), "{export_id}: a zip");
        let folder = format!("project-{project}/REVIEW/document-1.json");
        assert!(
            bytes
                .windows(folder.len())
                .any(|window| window == folder.as_bytes()),
            "{export_id}: {folder}"
        );
    }

    // Run again: the file would be kept, so no export starts at all.
    let again = sandbox.run(&[
        "export",
        "project",
        "proj-a",
        "--format",
        "JSON",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(3), "{}", text(&again));
    assert!(
        text(&again).contains("exists (pass --overwrite to replace it); no export was started"),
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

    let json = sandbox.run(&[
        "export",
        "project",
        "proj-a",
        "--format",
        "JSON",
        "--no-wait",
        "--json",
    ]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json));
    let line: Value = serde_json::from_slice(&json.stdout).expect("one JSON line");
    assert_eq!(line["event"], "export_started", "{line}");
    assert_eq!(line["projectId"], "proj-a");
    assert!(
        line["exportId"]
            .as_str()
            .is_some_and(|id| id.starts_with("ExportQueue:"))
    );
}

#[test]
fn colliding_or_existing_output_names_are_refused_before_any_export_starts() {
    let (url, requests) = fixed_server("{}");
    let dir = scratch("cli-export-collide");
    let out = dir.to_str().unwrap();
    for projects in [
        vec!["a/b", "a_b"],
        vec!["Proj", "proj"],
        vec![&*"x".repeat(120), &*"x".repeat(101)],
        vec!["same", "same"],
    ] {
        let mut args = vec!["export", "project", "--format", "JSON"];
        args.extend(projects.iter().copied());
        args.extend(["--out", out]);
        let output = datasaur_at(&url, &args);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{projects:?}: {}",
            text(&output)
        );
        assert!(
            text(&output).contains("no export was started"),
            "{}",
            text(&output)
        );
    }
    std::fs::write(dir.join("kept.zip"), "precious").unwrap();
    let output = datasaur_at(
        &url,
        &[
            "export", "project", "--format", "JSON", "kept", "--out", out,
        ],
    );
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(text(&output).contains("--overwrite"), "{}", text(&output));
    assert_eq!(
        requests.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing was asked of the server"
    );
    // A missing --out folder is made.
    let fresh = dir.join("made/here");
    let output = datasaur_at(
        &url,
        &[
            "export",
            "project",
            "--format",
            "JSON",
            "p",
            "--out",
            fresh.to_str().unwrap(),
            "--timeout",
            "1s",
        ],
    );
    assert!(fresh.is_dir(), "{}", text(&output));
}

#[test]
fn an_export_id_answered_twice_is_an_error_for_the_second_project() {
    let (url, _) = fixed_server(
        r#"{"data":{"export":{"exportId":"ExportQueue:1","fileUrl":null,"fileUrlExpiredAt":null,"queued":true,"redirect":null}}}"#,
    );
    let output = datasaur_at(
        &url,
        &[
            "export",
            "project",
            "--format",
            "JSON",
            "first",
            "second",
            "--no-wait",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "every project is reported: {lines:?}");
    let second = lines
        .iter()
        .find(|line| line["projectId"] == "second")
        .unwrap();
    assert_eq!(second["event"], "export_failed");
    assert_eq!(second["reason"], "duplicate_export_id");
    assert!(
        second["message"]
            .as_str()
            .unwrap()
            .contains("already given for project first")
    );
    let first = lines
        .iter()
        .find(|line| line["projectId"] == "first")
        .unwrap();
    assert_eq!(first["exportId"], "ExportQueue:1");
}

/// A delivered export whose file is at `file_url`, answering
/// `exportTextProject` and `getJobs` alike.
fn export_answer(file_url: &str) -> String {
    let job = r#"{"id":"ExportQueue:1","status":"DELIVERED","progress":100,"errors":[],"resultId":null,"result":null,"createdAt":"1","updatedAt":"2","additionalData":null}"#;
    format!(
        r#"{{"data":{{"export":{{"exportId":"ExportQueue:1","fileUrl":"{file_url}","fileUrlExpiredAt":null,"queued":true,"redirect":null}},"jobs":[{job}]}}}}"#
    )
}

#[cfg(unix)]
#[test]
fn a_signal_mid_download_leaves_no_partial_file_and_exits_with_its_code() {
    use std::io::{Read, Write};
    // A file host that sends its headers, then a byte every 50 ms, forever.
    let host = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let file_url = format!("http://{}/file.zip", host.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in host.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let _ = stream.read(&mut [0u8; 4096]);
                let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100000000\r\n\r\n");
                while stream.write_all(b"x").is_ok() {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
            });
        }
    });
    let (url, _) = fixed_server(export_answer(&file_url));
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let dir = scratch(&format!("cli-export-signal-{signal}"));
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_datasaur"))
            .args(["export", "project", "--format", "JSON", "p", "--out"])
            .arg(&dir)
            .env("DATASAUR_URL", &url)
            .env("DATASAUR_ACCESS_TOKEN", "t")
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let names = || -> Vec<String> {
            std::fs::read_dir(&dir)
                .unwrap()
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        while !names().iter().any(|name| name.ends_with(".part")) {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the download never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let sent = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(code), "{}", text(&output));
        assert!(names().is_empty(), "left behind: {:?}", names());
    }
}

#[test]
fn timeout_bounds_the_download_too() {
    // A port nobody listens on: every download attempt fails, and is retried.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let file_url = format!("http://{}/file.zip", closed.local_addr().unwrap());
    drop(closed);
    let (url, _) = fixed_server(export_answer(&file_url));
    let dir = scratch("cli-export-timeout");
    let started = std::time::Instant::now();
    let output = datasaur_at(
        &url,
        &[
            "export",
            "project",
            "--format",
            "JSON",
            "p",
            "--out",
            dir.to_str().unwrap(),
            "--timeout",
            "3s",
        ],
    );
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(
        took < std::time::Duration::from_secs(20),
        "the download ran past --timeout: {took:?}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no partial file"
    );
}

/// The other export kinds share `export project`'s shape: one export per id,
/// waited on, downloaded to `<id>.zip`, reported with the id's own key.
#[test]
fn team_and_test_project_exports_download_each_file() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let dir = scratch("cli-export-kinds");
    let out = dir.to_str().unwrap();
    for (args, key, ids) in [
        (
            vec!["export", "team-overview", "team-1", "team-2"],
            "teamId",
            vec!["team-1", "team-2"],
        ),
        (
            vec!["export", "team-iaa", "--project", "p-1", "team-3"],
            "teamId",
            vec!["team-3"],
        ),
        (
            vec!["export", "test-project-result", "test-1"],
            "projectId",
            vec!["test-1"],
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--out", out, "--json"]);
        let output = sandbox.run(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", text(&output));
        let mut lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).expect("JSON lines"))
            .collect();
        assert_eq!(lines.len(), ids.len(), "{lines:?}");
        lines.sort_by_key(|line| line[key].to_string());
        for (line, id) in lines.iter().zip(&ids) {
            assert_eq!(line["event"], "exported", "{line}");
            assert_eq!(line[key], *id, "{line}");
            let path = PathBuf::from(line["path"].as_str().unwrap());
            assert_eq!(path, dir.join(format!("{id}.zip")));
            let bytes = std::fs::read(&path).unwrap();
            assert_eq!(line["bytes"], bytes.len());
        }
    }
}

/// A server scripted per project: `P1` starts an export that is delivered
/// at once, `SLOW` one that never ends, `BROKEN` is answered 502.
fn scripted_export_server() -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream);
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                let mut length = 0usize;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                    if let Some(value) = header.to_ascii_lowercase().strip_prefix("content-length:")
                    {
                        length = value.trim().parse().unwrap_or(0);
                    }
                }
                let mut body = vec![0u8; length];
                let _ = reader.read_exact(&mut body);
                let (status, content) = if request_line.starts_with("GET /files/") {
                    ("200 OK", "the file of P1".to_owned())
                } else {
                    let request: Value = serde_json::from_slice(&body).unwrap_or_default();
                    let text = request.to_string();
                    match request["operationName"].as_str() {
                        Some("ExportTextProject") if text.contains("BROKEN") => {
                            ("502 Bad Gateway", "gateway".to_owned())
                        }
                        Some("ExportTextProject") => {
                            let id = if text.contains("SLOW") {
                                "E-slow"
                            } else {
                                "E-p1"
                            };
                            let answer = serde_json::json!({"data": {"export": {
                                "exportId": id, "fileUrl": format!("http://{addr}/files/{id}.zip"),
                                "fileUrlExpiredAt": null, "queued": true, "redirect": null}}});
                            ("200 OK", answer.to_string())
                        }
                        Some("GetJobs") => {
                            let jobs: Vec<Value> = request["variables"]["jobIds"]
                                .as_array()
                                .cloned()
                                .unwrap_or_default()
                                .into_iter()
                                .map(|id| {
                                    let delivered = id == "E-p1";
                                    serde_json::json!({"id": id,
                                        "status": if delivered { "DELIVERED" } else { "IN_PROGRESS" },
                                        "progress": if delivered { 100 } else { 10 },
                                        "errors": [], "resultId": null, "result": null,
                                        "createdAt": "1", "updatedAt": "2", "additionalData": null})
                                })
                                .collect();
                            (
                                "200 OK",
                                serde_json::json!({"data": {"jobs": jobs}}).to_string(),
                            )
                        }
                        _ => ("400 Bad Request", "{}".to_owned()),
                    }
                };
                let mut stream = reader.into_inner();
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    content.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(content.as_bytes());
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_sibling_that_fails_to_start_drops_nothing_already_started() {
    let url = scripted_export_server();
    let dir = scratch("cli-export-sibling-fails");
    let output = datasaur_at(
        &url,
        &[
            "export",
            "project",
            "P1",
            "BROKEN",
            "P3",
            "--format",
            "JSON",
            "--out",
            dir.to_str().unwrap(),
            "--json",
            "--timeout",
            "20s",
        ],
    );
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let exported: Vec<&Value> = lines.iter().filter(|l| l["event"] == "exported").collect();
    assert_eq!(
        exported.len(),
        1,
        "P1 started before the failure: {lines:?}"
    );
    assert_eq!(exported[0]["projectId"], "P1");
    assert_eq!(
        std::fs::read(dir.join("P1.zip")).unwrap(),
        b"the file of P1"
    );
    assert!(
        text(&output).contains("1 more project not started"),
        "{}",
        text(&output)
    );
}

#[test]
fn a_delivered_export_is_downloaded_while_a_slow_one_is_still_waited_on() {
    let url = scripted_export_server();
    let dir = scratch("cli-export-one-slow");
    let started = std::time::Instant::now();
    let output = datasaur_at(
        &url,
        &[
            "export",
            "project",
            "SLOW",
            "P1",
            "--format",
            "JSON",
            "--out",
            dir.to_str().unwrap(),
            "--json",
            "--timeout",
            "4s",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "the slow one timed out: {}",
        text(&output)
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let p1 = lines
        .iter()
        .find(|l| l["projectId"] == "P1")
        .expect("a line for P1");
    assert_eq!(p1["event"], "exported", "{lines:?}");
    assert_eq!(
        std::fs::read(dir.join("P1.zip")).unwrap(),
        b"the file of P1"
    );
    let slow = lines.iter().find(|l| l["projectId"] == "SLOW").unwrap();
    assert_eq!(slow["reason"], "timed_out", "{slow}");
}
