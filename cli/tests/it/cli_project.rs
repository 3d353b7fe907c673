//! `datasaur project create` and `add-documents` against a sandbox
//! process: files to an exported project; `--dry-run` refusing bad plans
//! without a request; re-runs after SIGKILL at several points, and after a
//! creation whose answer was lost, ending with exactly one project.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::command::{scratch, text};
use crate::support::sandbox_process::{self, SandboxProcess};

/// Writes `names` under `dir`; their paths.
fn files(dir: &Path, names: &[&str]) -> Vec<PathBuf> {
    names
        .iter()
        .map(|name| {
            let path = dir.join(name);
            std::fs::write(&path, format!("the text of {name}\n")).unwrap();
            path
        })
        .collect()
}

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

fn args<'a>(head: &[&'a str], paths: &'a [PathBuf]) -> Vec<&'a str> {
    let mut args = head.to_vec();
    args.extend(paths.iter().map(|path| path.to_str().unwrap()));
    args
}

/// The ids of the projects named exactly `name`, as `project list` prints them.
fn projects_named(sandbox: &SandboxProcess, name: &str) -> Vec<String> {
    let output = sandbox.run(&["project", "list", "--keyword", name, "--json"]);
    assert!(output.status.success(), "{}", text(&output));
    json_lines(&output)
        .into_iter()
        .filter(|line| line["name"] == name)
        .map(|line| line["projectId"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn files_become_a_project_then_more_documents_then_an_export_holding_all_five() {
    let sandbox = sandbox_process::start(&["--job-duration", "1s"]);
    let dir = scratch("cli-project-five");
    let first = files(&dir, &["a.txt", "b.txt", "c.txt"]);
    let created = sandbox.run(&args(
        &[
            "project", "create", "--name", "Reviews", "--team", "T1", "--json",
        ],
        &first,
    ));
    assert_eq!(created.status.code(), Some(0), "{}", text(&created));
    let lines = json_lines(&created);
    let uploaded: Vec<&Value> = lines
        .iter()
        .filter(|line| line["event"] == "uploaded")
        .collect();
    assert_eq!(uploaded.len(), 3, "one line per document: {lines:?}");
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "project_created", "{last}");
    assert_eq!(last["name"], "Reviews");
    let project = last["projectId"].as_str().unwrap().to_owned();

    let more = files(&dir, &["d.txt", "e.txt"]);
    let added = sandbox.run(&args(
        &["project", "add-documents", "--project", &project],
        &more,
    ));
    assert_eq!(added.status.code(), Some(0), "{}", text(&added));
    assert_eq!(
        String::from_utf8_lossy(&added.stdout).trim(),
        format!("{project}\t2")
    );

    let out = dir.join("out");
    let exported = sandbox.run(&[
        "export",
        "project",
        &project,
        "--format",
        "JSON",
        "--out",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(exported.status.code(), Some(0), "{}", text(&exported));
    let path = json_lines(&exported)[0]["path"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut reviewed: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().into_owned())
        .filter_map(|name| name.split_once("/REVIEW/").map(|(_, file)| file.to_owned()))
        .collect();
    reviewed.sort();
    assert_eq!(
        reviewed,
        [
            "a.txt.json",
            "b.txt.json",
            "c.txt.json",
            "d.txt.json",
            "e.txt.json"
        ]
    );
    assert_eq!(projects_named(&sandbox, "Reviews"), [project]);
}

#[test]
fn a_dry_run_refuses_a_bad_plan_naming_the_problem_and_sends_nothing() {
    let sandbox = sandbox_process::start(&[]);
    let dir = scratch("cli-project-dry-run");
    let names: Vec<String> = (0..101).map(|n| format!("{n}.txt")).collect();
    let many = files(&dir, &names.iter().map(String::as_str).collect::<Vec<_>>());
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    let twin = files(&other, &["1.txt"]);
    let missing = vec![dir.join("0.txt"), dir.join("missing.txt")];
    let same_name = vec![dir.join("1.txt"), twin[0].clone()];
    let cases: [(&[PathBuf], &str); 3] = [
        (
            &many,
            "101 files: a project is created with at most 100 documents",
        ),
        (&missing, "missing.txt"),
        (&same_name, "are both named \"1.txt\""),
    ];
    for (paths, expected) in cases {
        let output = sandbox.run(&args(
            &["project", "create", "--name", "P", "--dry-run"],
            paths,
        ));
        assert_eq!(output.status.code(), Some(3), "{}", text(&output));
        assert!(
            text(&output).contains(expected),
            "{expected:?} not in {}",
            text(&output)
        );
    }
    // Without --dry-run, the same refusal, before any request too.
    let output = sandbox.run(&args(&["project", "create", "--name", "P"], &missing));
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));

    // A good plan prints it, and still sends nothing.
    let good = &many[..3];
    let output = sandbox.run(&args(
        &["project", "create", "--name", "P", "--dry-run", "--json"],
        good,
    ));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let plan = &json_lines(&output)[0];
    assert_eq!(plan["event"], "project_plan");
    assert_eq!(plan["documents"], 3);

    let stats = sandbox.stats();
    assert_eq!(stats["graphqlRequests"], 0, "{stats}");
    assert_eq!(stats["uploadRequests"], 0, "{stats}");
}

/// One creation killed `after` the sandbox started its job (or, with
/// `None`, during the uploads), then run again to the end.
fn killed_then_rerun(
    sandbox: &SandboxProcess,
    dir: &Path,
    name: &str,
    after: Option<Duration>,
) -> std::process::Output {
    let paths = files(dir, &["a.txt", "b.txt", "c.txt"]);
    let state = dir.join("create.state");
    let head = [
        "project",
        "create",
        "--name",
        name,
        "--state",
        state.to_str().unwrap(),
        "--json",
    ];
    let command_args = args(&head, &paths);
    let jobs_before = sandbox.stats()["jobsStarted"].as_u64().unwrap();
    let uploads_before = sandbox.stats()["uploadRequests"].as_u64().unwrap();
    let mut child = sandbox
        .command(&command_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stats = sandbox.stats();
        let reached = match after {
            Some(_) => stats["jobsStarted"].as_u64().unwrap() > jobs_before,
            None => stats["uploadRequests"].as_u64().unwrap() > uploads_before,
        };
        if reached || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    std::thread::sleep(after.unwrap_or_default());
    let _ = child.kill(); // SIGKILL: no handler runs
    let _ = child.wait();
    sandbox.run(&command_args)
}

#[cfg(unix)]
#[test]
fn a_creation_killed_at_any_point_and_run_again_makes_exactly_one_project() {
    // Slow uploads and a job of 2 s, so the kills land in every phase.
    let sandbox = sandbox_process::start(&["--job-duration", "2s"]);
    sandbox.arm_fault(
        serde_json::json!({"kind": "delay", "millis": 100, "fraction": 1.0, "target": "upload"}),
    );
    let points = [
        None,
        Some(0),
        Some(5),
        Some(50),
        Some(400),
        Some(1200),
        Some(2500),
        Some(4000),
    ];
    for (run, point) in points.into_iter().enumerate() {
        let dir = scratch(&format!("cli-project-crash-{run}"));
        let name = format!("crash-{run}");
        let after = point.map(Duration::from_millis);
        let rerun = killed_then_rerun(&sandbox, &dir, &name, after);
        assert_eq!(
            rerun.status.code(),
            Some(0),
            "kill at {point:?}: {}",
            text(&rerun)
        );
        let last = json_lines(&rerun).pop().unwrap();
        assert_eq!(
            last["event"], "project_created",
            "kill at {point:?}: {last}"
        );
        let named = projects_named(&sandbox, &name);
        assert_eq!(named.len(), 1, "kill at {point:?}: {named:?}");
        assert_eq!(last["projectId"], named[0].as_str());
    }
    let stats = sandbox.stats();
    assert_eq!(
        stats["operations"]["CreateProjectMutation"].as_u64(),
        Some(points.len() as u64),
        "each project was asked for once: {stats}"
    );
}

#[test]
fn a_creation_whose_answer_was_lost_is_found_by_name_on_the_next_run() {
    let sandbox = sandbox_process::start(&["--job-duration", "1s"]);
    let dir = scratch("cli-project-lost-answer");
    let paths = files(&dir, &["a.txt"]);
    let state = dir.join("create.state");
    let head = [
        "project",
        "create",
        "--name",
        "Lost",
        "--state",
        state.to_str().unwrap(),
        "--json",
    ];
    let command_args = args(&head, &paths);
    // The next GraphQL request runs, and its answer is a 502.
    sandbox.arm_fault(
        serde_json::json!({"kind": "status_after_running", "status": 502, "remaining": 1}),
    );
    let first = sandbox.run(&command_args);
    assert_eq!(first.status.code(), Some(4), "{}", text(&first));
    let line = json_lines(&first).pop().unwrap();
    assert_eq!(line["reason"], "may_have_started", "{line}");
    let second = sandbox.run(&command_args);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let line = json_lines(&second).pop().unwrap();
    assert_eq!(line["event"], "project_created");
    assert_eq!(line["fromState"], true);
    assert_eq!(projects_named(&sandbox, "Lost").len(), 1);
    assert_eq!(sandbox.stats()["operations"]["CreateProjectMutation"], 1);
}

#[test]
fn a_creation_that_may_have_started_and_cannot_be_found_is_created_again_only_when_asked() {
    let sandbox = sandbox_process::start(&["--job-duration", "1s"]);
    let dir = scratch("cli-project-not-found");
    let paths = files(&dir, &["a.txt"]);
    let state = dir.join("create.state");
    std::fs::write(
        &state,
        "{\"version\":2,\"purpose\":\"project create\"}\n\
         {\"project\":\"Maybe\",\"entry\":{\"state\":\"starting\",\"since\":1796280000000}}\n",
    )
    .unwrap();
    let head = [
        "project",
        "create",
        "--name",
        "Maybe",
        "--state",
        state.to_str().unwrap(),
        "--json",
    ];
    let held = sandbox.run(&args(&head, &paths));
    assert_eq!(held.status.code(), Some(4), "{}", text(&held));
    let line = json_lines(&held).pop().unwrap();
    assert_eq!(line["reason"], "may_have_started");
    assert!(
        line["message"]
            .as_str()
            .unwrap()
            .contains("--restart-may-have-started"),
        "{line}"
    );
    assert_eq!(
        sandbox.stats()["operations"]["CreateProjectMutation"],
        Value::Null
    );

    let mut restart = head.to_vec();
    restart.push("--restart-may-have-started");
    let created = sandbox.run(&args(&restart, &paths));
    assert_eq!(created.status.code(), Some(0), "{}", text(&created));
    assert_eq!(projects_named(&sandbox, "Maybe").len(), 1);
}
