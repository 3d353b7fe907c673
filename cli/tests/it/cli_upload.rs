//! `datasaur upload` end to end against a sandbox child process: object keys
//! printed in order, content whole on the server, failures reported per file
//! with the exit code, NDJSON.
#![cfg(unix)]

use crate::support::command::{scratch, text};

use serde_json::Value;
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn upload_prints_each_object_key_in_order() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let dir = scratch("cli-upload");
    let files: Vec<_> = (0..5)
        .map(|i| {
            let path = dir.join(format!("doc-{i}.txt"));
            std::fs::write(&path, format!("document {i}\n").repeat(1000 * (i + 1))).unwrap();
            path
        })
        .collect();
    let mut args = vec!["upload", "--concurrency", "3"];
    args.extend(files.iter().map(|path| path.to_str().unwrap()));
    let output = sandbox.run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    let objects = sandbox.uploads();
    for (line, path) in lines.iter().zip(&files) {
        let (key, file) = line.split_once('\t').expect("key TAB file");
        assert_eq!(file, path.to_str().unwrap());
        assert!(
            key.starts_with("temp/upload-proxy/") && key.ends_with(".txt"),
            "{key}"
        );
        let object = objects
            .as_array()
            .unwrap()
            .iter()
            .find(|object| object["objectKey"] == key)
            .expect("the server has it");
        assert_eq!(
            object["sha256"],
            sha256_hex(&std::fs::read(path).unwrap()).as_str()
        );
    }
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("uploaded 5 of 5 files"),
        "{}",
        text(&output)
    );
}

#[test]
fn upload_reports_a_failed_file_and_goes_on() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let dir = scratch("cli-upload-fail");
    let good = dir.join("good.csv");
    std::fs::write(&good, "a,b\n1,2\n").unwrap();
    let big = dir.join("big.bin");
    std::fs::write(&big, vec![0u8; 4096]).unwrap();
    let missing = dir.join("missing.txt");
    let output = sandbox.run(&[
        "upload",
        "--json",
        "--max-bytes",
        "1024",
        big.to_str().unwrap(),
        missing.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[0]["event"], "upload_failed");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .contains("over the upload limit of 1024 bytes"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["event"], "upload_failed");
    assert!(
        lines[1]["message"]
            .as_str()
            .unwrap()
            .contains("cannot read"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2]["event"], "uploaded");
    assert_eq!(lines[2]["bytes"], 8);
    assert_eq!(lines[3]["event"], "upload_summary");
    assert_eq!(lines[3]["uploaded"], 1);
    assert_eq!(lines[3]["failed"], 2);
    assert_eq!(sandbox.uploads().as_array().unwrap().len(), 1);
}

#[test]
fn upload_without_credentials_is_a_usage_error() {
    let output = crate::support::command::datasaur(&["upload", "x.txt"]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert!(
        text(&output).contains("no credentials"),
        "{}",
        text(&output)
    );
}
