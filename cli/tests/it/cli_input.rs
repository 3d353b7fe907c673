//! Careless and hostile input to the command line: long and escaping text,
//! absurd flag values, many ids. No panic, usage errors exit 3.
#![cfg(unix)]

use crate::support::command::{datasaur, scratch, text};

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::json;

#[test]
fn bad_flag_values_are_usage_errors_with_exit_3() {
    for args in [
        &["job", "wait", "--timeout", "banana", "x"][..],
        &["job", "wait", "--interval", "0", "x"],
        &["job", "wait", "--interval", "1ns", "x"],
        &["job", "wait", "--timeout", "300000000000y", "x"],
        &[
            "export",
            "project",
            "--format",
            "JSON",
            "--timeout",
            "300000000000y",
            "--out",
            "d",
            "P1",
        ],
        &[
            "export",
            "project",
            "--format",
            "JSON",
            "--timeout",
            "11y",
            "--no-wait",
            "P1",
        ],
        &["sandbox", "--file-ready-after", "300000000000y"],
        &["job", "frobnicate"],
        &["sandbox", "--addr", "not-an-address"],
    ] {
        let output = datasaur(args);
        assert_eq!(output.status.code(), Some(3), "{args:?}: {}", text(&output));
        assert!(!text(&output).contains("panicked"), "{args:?}");
    }
    let output = datasaur(&["job", "wait", "--interval", "0", "x"]);
    assert!(
        text(&output).contains("at least 500ms"),
        "{}",
        text(&output)
    );
    assert_eq!(datasaur(&["--help"]).status.code(), Some(0));
    assert_eq!(datasaur(&["--version"]).status.code(), Some(0));
}

#[test]
fn a_sandbox_with_an_absurd_token_lifetime_starts() {
    let sandbox = crate::support::sandbox_process::start(&["--token-ttl", "18446744073709551615"]);
    let answer = sandbox.graphql(
        &sandbox.token,
        r#"{"query": "{ getJob(jobId: \"AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637\") { status } }"}"#,
    );
    assert_eq!(answer["data"]["getJob"]["status"], "DELIVERED");
}

#[test]
fn very_long_ids_are_shown_without_panicking() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let long = "x".repeat(70_000);
    let output = sandbox.run(&["job", "get", &long]);
    assert_eq!(output.status.code(), Some(4), "{}", text(&output));
    assert!(!text(&output).contains("panicked"));
    assert!(String::from_utf8_lossy(&output.stdout).contains("NOT FOUND"));
}

#[test]
fn escape_sequences_from_the_server_never_reach_the_terminal_raw() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let evil = "boom\u{1b}]0;pwned\u{7}\u{1b}[2J\rfake line";
    let failed = sandbox.create_job(json!({"queuedFor": 0, "runningFor": 0,
        "outcome": {"status": "FAILED", "errors": [{"id": "e", "stack": evil}]}}));
    for args in [&["job", "get", &failed][..], &["job", "wait", &failed]] {
        let output = sandbox.run(args);
        let shown = String::from_utf8_lossy(&output.stdout);
        assert!(
            !shown.contains('\u{1b}') && !shown.contains('\r'),
            "{args:?}: {shown:?}"
        );
        assert!(shown.contains("\\u{1b}"), "{args:?}: {shown}");
    }
    // --json stays exact.
    let output = sandbox.run(&["job", "get", "--json", &failed]);
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(line["job"]["errors"][0]["stack"], evil);
}

#[test]
fn ids_come_from_stdin_and_files_at_scale() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let ids: Vec<String> = (0..300)
        .map(|_| sandbox.create_job(json!({"queuedFor": 0, "runningFor": 0})))
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["job", "wait", "--json", "-"])
        .env("DATASAUR_URL", &sandbox.base_url)
        .env("DATASAUR_ACCESS_TOKEN", &sandbox.token)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let list = format!("# jobs\n{}\n\n", ids.join("\n"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let summary: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(summary["delivered"], 300);

    let file = std::env::temp_dir().join(format!("datasaur-ids-{}.txt", std::process::id()));
    std::fs::write(&file, &list).unwrap();
    let output = sandbox.run(&["job", "get", "--json", "--ids-from", file.to_str().unwrap()]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 300);
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let output = datasaur(&["completions", "bash"]);
    assert_eq!(output.status.code(), Some(0));
    let script = String::from_utf8_lossy(&output.stdout);
    assert!(script.contains("_datasaur()"), "{script}");
    assert!(script.contains("--timeout"), "the flags are completed");
    // bash itself accepts the script.
    let checked = Command::new("bash")
        .args(["-n", "-c", &script])
        .status()
        .expect("bash runs");
    assert!(checked.success());

    let man = datasaur(&["man"]);
    assert_eq!(man.status.code(), Some(0));
    let top = String::from_utf8_lossy(&man.stdout).into_owned();
    assert!(top.contains(".TH datasaur"));

    // Every page the top page refers to is generated by `man --dir`.
    let dir = scratch("cli-man-pages").join("man");
    let pages = datasaur(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(pages.status.code(), Some(0), "{}", text(&pages));
    let referred: Vec<String> = top
        .lines()
        .filter_map(|line| line.strip_suffix("(1)"))
        .map(|name| format!("{}.1", name.replace("\\-", "-")))
        .collect();
    assert!(referred.len() >= 5, "{top}");
    for name in referred.iter().chain([&"datasaur-job-wait.1".to_owned()]) {
        let page = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|error| panic!("{name} is referred to but not written: {error}"));
        assert!(page.starts_with(".ie") || page.contains(".TH"), "{name}");
    }
}

#[test]
fn every_command_help_has_a_pasteable_example() {
    for args in [
        &["job", "get", "--help"][..],
        &["job", "wait", "--help"],
        &["sandbox", "--help"],
        &["schema", "check", "--help"],
        &["demo", "--help"],
        &["completions", "--help"],
        &["export", "project", "--help"],
        &["job", "--help"],
        &["export", "--help"],
        &["schema", "--help"],
        &["man", "--help"],
    ] {
        let help = text(&datasaur(args));
        assert!(help.contains("Example"), "{args:?}: {help}");
    }
}

#[test]
fn binding_beyond_loopback_needs_consent_and_prints_a_usable_url() {
    let refused = datasaur(&["sandbox", "--addr", "0.0.0.0:0"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
    assert!(
        text(&refused).contains("--allow-remote"),
        "{}",
        text(&refused)
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args(["sandbox", "--addr", "0.0.0.0:0", "--allow-remote"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut export = None;
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line.unwrap();
        if line.starts_with("export DATASAUR_URL=") {
            export = Some(line);
            break;
        }
    }
    let export = export.expect("an export line");
    let mut url = None;
    let mut token = None;
    for pair in export.trim_start_matches("export ").split_whitespace() {
        if let Some(value) = pair.strip_prefix("DATASAUR_URL=") {
            url = Some(value.to_owned());
        }
        if let Some(value) = pair.strip_prefix("DATASAUR_ACCESS_TOKEN=") {
            token = Some(value.to_owned());
        }
    }
    let (url, token) = (url.unwrap(), token.unwrap());
    assert!(url.starts_with("http://127.0.0.1:"), "{export}");
    // The printed line works with our own CLI as is.
    let output = Command::new(env!("CARGO_BIN_EXE_datasaur"))
        .args([
            "job",
            "get",
            "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637",
        ])
        .env("DATASAUR_URL", &url)
        .env("DATASAUR_ACCESS_TOKEN", &token)
        .output()
        .unwrap();
    let _ = child.kill();
    let stderr = {
        let _ = child.wait();
        let mut text = String::new();
        if let Some(mut err) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
        }
        text
    };
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(stderr.contains("warning: listening on 0.0.0.0"), "{stderr}");
    assert!(stderr.contains("x-sandbox-control-token"), "{stderr}");
}

#[test]
fn connection_flags_have_their_own_heading() {
    for args in [
        &["job", "get", "--help"][..],
        &["export", "project", "--help"],
        &["schema", "pull", "--help"],
    ] {
        let help = text(&datasaur(args));
        let heading = help
            .find("Connection (flags, or the DATASAUR_* variables):")
            .unwrap_or_else(|| panic!("{args:?}: {help}"));
        for flag in ["--url", "--token", "--client-id", "--client-secret"] {
            let at = help.find(&format!("      {flag} ")).unwrap();
            assert!(
                at > heading,
                "{args:?}: {flag} is under the Connection heading"
            );
        }
        let options = help.find("Options:").unwrap();
        assert!(
            options < heading,
            "{args:?}: the command's own flags come first"
        );
    }
}

#[test]
fn connection_flags_may_come_before_the_subcommand() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let id = "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637";
    let url = format!("--url={}", sandbox.base_url);
    for args in [
        &["--token", &sandbox.token, &url, "job", "get", id][..],
        &[
            "-q",
            &url,
            "--token",
            &sandbox.token,
            "job",
            "wait",
            "--timeout",
            "30s",
            id,
        ],
        &[
            "--token",
            &sandbox.token,
            &url,
            "schema",
            "check",
            "--against",
            &sandbox.graphql_url,
        ],
    ] {
        let output = datasaur(args);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {}", text(&output));
    }
    // Where nothing connects, the flag is still refused.
    let refused = datasaur(&["--token", "t", "completions", "bash"]);
    assert_eq!(refused.status.code(), Some(3), "{}", text(&refused));
}

#[test]
fn logs_into_a_pipe_carry_no_colour_escapes() {
    let output = datasaur(&[
        "-vv",
        "--url",
        "http://127.0.0.1:9",
        "--token",
        "t",
        "job",
        "get",
        "x",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("DEBUG"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

#[test]
fn the_sandbox_listens_on_a_host_name() {
    let sandbox = crate::support::sandbox_process::start_at("localhost:0", &[]);
    assert!(
        sandbox.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        sandbox.base_url
    );
    let output = sandbox.run(&[
        "job",
        "get",
        "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}

#[test]
fn schema_text_from_a_file_reaches_the_terminal_escaped() {
    // A deprecation reason (and a type name) with escape sequences: shown
    // escaped by `schema usage` and `schema check`, exact in `--json`.
    let dir = scratch("cli-input-hostile-schema");
    std::fs::write(
        dir.join("schema.graphql"),
        "type Query { job: Job }\n\
         type Job { id: String progress: Int @deprecated(reason: \"\\u001b]0;pwned\\u0007\\u001b[2J\") }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("job.graphql"),
        "query JobState { job { id progress } }\n",
    )
    .unwrap();
    let output = datasaur(&["schema", "usage", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let shown = text(&output);
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("\\u{1b}]0;pwned"), "{shown}");
    let json = datasaur(&["schema", "usage", dir.to_str().unwrap(), "--json"]);
    let line: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        line["usage"]["deprecated"][0]["reason"],
        "\u{1b}]0;pwned\u{7}\u{1b}[2J"
    );
    // A schema whose text names a hostile type: the parser's message quotes
    // it escaped.
    let evil = dir.join("evil.graphql");
    std::fs::write(&evil, "type Query { job: J\u{1b}[2Job }\n").unwrap();
    let output = datasaur(&[
        "schema",
        "check",
        "--operations",
        dir.to_str().unwrap(),
        "--against",
        evil.to_str().unwrap(),
    ]);
    assert!(!text(&output).contains('\u{1b}'), "{:?}", text(&output));
}

#[cfg(unix)]
#[test]
fn a_schema_that_never_ends_is_refused_not_read_into_memory() {
    let dir = scratch("cli-input-endless-schema");
    std::os::unix::fs::symlink("/dev/zero", dir.join("schema.graphql")).unwrap();
    std::fs::write(dir.join("job.graphql"), "query JobState { job { id } }\n").unwrap();
    let output = datasaur(&["schema", "usage", dir.to_str().unwrap()]);
    assert_ne!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        text(&output).contains("larger than 64 MiB"),
        "{}",
        text(&output)
    );
    let ids = datasaur(&[
        "job",
        "wait",
        "--url",
        "http://127.0.0.1:9",
        "--token",
        "t",
        "--ids-from",
        "/dev/zero",
    ]);
    assert_eq!(ids.status.code(), Some(3), "{}", text(&ids));
    assert!(text(&ids).contains("larger than 64 MiB"), "{}", text(&ids));
}
