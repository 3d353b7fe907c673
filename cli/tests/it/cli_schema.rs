//! `datasaur schema pull|check|diff` against a sandbox child process and
//! fixture schemas made in the test: pulled with either credential, checked
//! live, every change classed, bad input refused without writing anything.
#![cfg(unix)]

use crate::support::command::{datasaur, scratch, text};

use std::path::PathBuf;

/// Our SDL, from `datasaur schema print`.
fn our_sdl() -> String {
    String::from_utf8(datasaur(&["schema", "print"]).stdout).unwrap()
}

#[test]
fn pull_works_with_a_token_and_with_client_credentials() {
    let sandbox = crate::support::sandbox_process::start(&[
        "--client-id",
        "pull-id",
        "--client-secret",
        "pull-secret-1",
    ]);
    let dir = scratch("cli-schema-pull");
    let json_path = dir.join("schema.json");
    let with_token = datasaur(&[
        "schema",
        "pull",
        "--url",
        &sandbox.base_url,
        "--token",
        &sandbox.token,
        "--out",
        json_path.to_str().unwrap(),
    ]);
    assert_eq!(with_token.status.code(), Some(0), "{}", text(&with_token));
    let pulled: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert!(
        pulled["data"]["__schema"]["types"]
            .as_array()
            .is_some_and(|t| t.len() > 20)
    );

    let sdl_path = dir.join("schema.graphql");
    let with_oauth = datasaur(&[
        "schema",
        "pull",
        "--url",
        &sandbox.base_url,
        "--client-id",
        "pull-id",
        "--client-secret",
        "pull-secret-1",
        "--format",
        "sdl",
        "--out",
        sdl_path.to_str().unwrap(),
    ]);
    assert_eq!(with_oauth.status.code(), Some(0), "{}", text(&with_oauth));
    assert!(!text(&with_oauth).contains("pull-secret-1"));
    let sdl = std::fs::read_to_string(&sdl_path).unwrap();
    assert!(
        sdl.contains("type Job {") && sdl.contains("getJobs(jobIds: [String!]!): [Job]!"),
        "{sdl}"
    );

    // Both pulled forms check clean against our SDL, and diff to nothing breaking.
    for path in [&json_path, &sdl_path] {
        let check = datasaur(&["schema", "check", "--against", path.to_str().unwrap()]);
        assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    }
    let diff = datasaur(&[
        "schema",
        "diff",
        json_path.to_str().unwrap(),
        sdl_path.to_str().unwrap(),
    ]);
    assert_eq!(diff.status.code(), Some(0), "{}", text(&diff));
    // The same schema twice: no change at all, built-in scalars included
    // (introspection lists them, SDL does not).
    assert_eq!(
        String::from_utf8_lossy(&diff.stdout).trim(),
        "0 change(s): 0 breaking, 0 dangerous, 0 safe"
    );
    // `schema print` tells how to refresh with this tool, not another one.
    let printed = our_sdl();
    assert!(
        printed.contains("datasaur schema pull") && !printed.contains("graphql_client_cli"),
        "{printed}"
    );
    let ours = dir.join("ours.graphql");
    std::fs::write(&ours, printed).unwrap();
    let against_ours = datasaur(&[
        "schema",
        "diff",
        ours.to_str().unwrap(),
        json_path.to_str().unwrap(),
    ]);
    // The sandbox serves our schema and its declarations of Datasaur's
    // unpublished project calls, nothing else.
    assert_eq!(
        String::from_utf8_lossy(&against_ours.stdout).trim(),
        "safe      AddDocumentsToProjectInput: type added\n\
         safe      LaunchProjectInput: type added\n\
         safe      Mutation.addDocumentsToProject: added (SandboxProjectJob!)\n\
         safe      Mutation.createProject: added (SandboxProjectJob!)\n\
         safe      SandboxProjectJob: type added\n\
         5 change(s): 0 breaking, 0 dangerous, 5 safe",
        "{}",
        text(&against_ours)
    );
}

#[test]
fn check_against_a_live_url_reports_each_operation() {
    let sandbox = crate::support::sandbox_process::start(&[]);
    let output = datasaur(&[
        "schema",
        "check",
        "--against",
        &sandbox.graphql_url,
        "--token",
        &sandbox.token,
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], true);
    let operations = report["operations"].as_array().unwrap();
    assert!(operations.len() >= 6);
    assert!(operations.iter().all(|op| op["valid"] == true), "{report}");
}

#[test]
fn diff_classes_each_kind_of_change() {
    let dir = scratch("cli-schema-diff");
    let base = our_sdl();
    let old = dir.join("old.graphql");
    std::fs::write(&old, &base).unwrap();
    let cases = [
        (
            "field-removed",
            "  resultId: String\n",
            "",
            "breaking",
            "Job.resultId",
            "removed",
        ),
        (
            "type-changed",
            "  progress: Int!\n",
            "  progress: String!\n",
            "breaking",
            "Job.progress",
            "a different type",
        ),
        (
            "now-nullable",
            "  progress: Int!\n",
            "  progress: Int\n",
            "breaking",
            "Job.progress",
            "non-null to nullable",
        ),
        (
            "now-non-null",
            "  resultId: String\n",
            "  resultId: String!\n",
            "safe",
            "Job.resultId",
            "nullable to non-null",
        ),
        (
            "argument-required",
            "getExportDeliveryStatus(exportId: ID!)",
            "getExportDeliveryStatus(exportId: ID!, region: String!)",
            "breaking",
            "Query.getExportDeliveryStatus(region)",
            "required String! added",
        ),
        (
            "input-required",
            "  fileTransformerId: ID\n  filteredCabinetRole",
            "  fileTransformerId: ID!\n  filteredCabinetRole",
            "breaking",
            "ExportTextProjectInput.fileTransformerId",
            "optional to required",
        ),
        (
            "enum-value-added",
            "  QUEUED\n}",
            "  QUEUED\n  CANCELLED\n}",
            "safe",
            "JobStatus.CANCELLED",
            "enum value added",
        ),
    ];
    for (name, from, to, severity, path, how) in cases {
        assert!(
            base.contains(from),
            "{name}: fixture edit {from:?} no longer applies"
        );
        let new = dir.join(format!("{name}.graphql"));
        std::fs::write(&new, base.replacen(from, to, 1)).unwrap();
        let output = datasaur(&[
            "schema",
            "diff",
            old.to_str().unwrap(),
            new.to_str().unwrap(),
            "--json",
        ]);
        let report: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{name}: {}", text(&output)));
        let change = report["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|change| change["path"] == path)
            .unwrap_or_else(|| panic!("{name}: no change at {path}: {report}"));
        assert_eq!(change["severity"], severity, "{name}: {change}");
        assert!(
            change["message"].as_str().unwrap().contains(how),
            "{name}: {change}"
        );
        let expected_exit = if severity == "breaking" { 1 } else { 0 };
        assert_eq!(output.status.code(), Some(expected_exit), "{name}");
    }
}

#[test]
fn diff_classes_changes_made_to_the_reference_schema_too() {
    let reference =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasaur/graphql.schema.json");
    // The reference sits beside the workspace on CI and on developers'
    // machines; our own SDL stands in where it does not.
    let (old_text, from, to, ext) = match std::fs::read_to_string(&reference) {
        Ok(json) => (
            json,
            "\"name\": \"resultId\"",
            "\"name\": \"resultIdentifier\"",
            "json",
        ),
        Err(_) => (
            our_sdl(),
            "  resultId: String\n",
            "  resultIdentifier: String\n",
            "graphql",
        ),
    };
    assert!(old_text.contains(from));
    let dir = scratch("cli-schema-reference");
    let old = dir.join(format!("old.{ext}"));
    let new = dir.join(format!("new.{ext}"));
    std::fs::write(&old, &old_text).unwrap();
    std::fs::write(&new, old_text.replacen(from, to, 1)).unwrap();
    let output = datasaur(&[
        "schema",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let report = text(&output);
    assert!(
        report.contains("breaking  Job.resultId: removed"),
        "{report}"
    );
    assert!(
        report.contains("safe      Job.resultIdentifier: added"),
        "{report}"
    );
}

/// A server on loopback that answers every request with `status` and `body`.
fn fixed_server(status: &'static str, body: &str) -> String {
    crate::support::fixed_server::fixed_server_with_status(status, body).0
}

#[test]
fn bad_input_gets_a_message_and_exit_3_and_nothing_is_overwritten() {
    let dir = scratch("cli-schema-bad");
    let out = dir.join("schema.json");
    std::fs::write(&out, "precious").unwrap();
    let disabled = fixed_server(
        "200 OK",
        r#"{"errors":[{"message":"GraphQL introspection is not allowed here"}]}"#,
    );
    let unauthorized = fixed_server(
        "401 Unauthorized",
        r#"{"errors":[{"message":"Unauthorized"}]}"#,
    );
    let no_schema = fixed_server("200 OK", r#"{"data":{"other":true}}"#);
    let unreachable = format!("http://127.0.0.1:{}", {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    });
    for (url, expected) in [
        (&disabled, "introspection is not allowed"),
        (&unauthorized, "credentials refused"),
        (&no_schema, "no __schema"),
        (&unreachable, "Connection refused"),
    ] {
        let output = datasaur(&[
            "schema",
            "pull",
            "--url",
            url,
            "--token",
            "t-0123",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(3), "{url}: {}", text(&output));
        assert!(text(&output).contains(expected), "{url}: {}", text(&output));
        assert_eq!(std::fs::read_to_string(&out).unwrap(), "precious", "{url}");
    }
    let mut leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    leftovers.sort();
    assert_eq!(leftovers, ["schema.json"], "no temporary file left");

    let junk = dir.join("junk.json");
    std::fs::write(&junk, "this is neither JSON nor SDL").unwrap();
    let sdl_junk = dir.join("junk.graphql");
    std::fs::write(&sdl_junk, "type {{{").unwrap();
    for path in [&junk, &sdl_junk] {
        let check = datasaur(&["schema", "check", "--against", path.to_str().unwrap()]);
        assert_eq!(check.status.code(), Some(3), "{}", text(&check));
        assert!(
            text(&check).contains("not a valid GraphQL schema"),
            "{}",
            text(&check)
        );
        let diff = datasaur(&[
            "schema",
            "diff",
            path.to_str().unwrap(),
            path.to_str().unwrap(),
        ]);
        assert_eq!(diff.status.code(), Some(3), "{}", text(&diff));
    }
    let missing = datasaur(&["schema", "check", "--against", "/nonexistent/schema.json"]);
    assert_eq!(missing.status.code(), Some(3));
}

#[test]
fn an_answer_out_of_proportion_or_not_a_schema_is_never_written() {
    let dir = scratch("cli-schema-hostile");
    let out = dir.join("schema.json");
    // 8,000 arrays nested 100 deep beside one real type: about 1.6 MB
    // compact, over 100 times that pretty-printed.
    let nested = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let junk = vec![nested; 8_000].join(",");
    let deep = fixed_server(
        "200 OK",
        &format!(
            r#"{{"data":{{"__schema":{{"queryType":{{"name":"Query"}},"types":[{{"kind":"OBJECT","name":"Query","fields":[]}}],"junk":[{junk}]}}}}}}"#
        ),
    );
    let shapeless = fixed_server("200 OK", r#"{"data":{"__schema":{"types":[{"x":1}]}}}"#);
    for (url, expected) in [
        (deep, "not an ordinary schema"),
        (shapeless, "unexpected introspection shape"),
    ] {
        let pulled = datasaur(&[
            "schema",
            "pull",
            "--url",
            &url,
            "--token",
            "t",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(pulled.status.code(), Some(3), "{}", text(&pulled));
        assert!(text(&pulled).contains(expected), "{}", text(&pulled));
        assert!(
            text(&pulled).contains("nothing was written"),
            "{}",
            text(&pulled)
        );
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
        assert!(
            left.is_empty(),
            "nothing is left in the output folder: {left:?}"
        );
    }
}

/// `schema check --operations`: an app's own operations (the embedded app's)
/// against Datasaur's production schema (read at test time), against
/// fixtures made from it here, and against the sandbox by URL.
#[test]
fn check_operations_of_an_app_against_each_kind_of_change() {
    let reference =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasaur/graphql.schema.json");
    let production: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&reference)
            .unwrap_or_else(|e| panic!("this test reads {}: {e}", reference.display())),
    )
    .unwrap();
    let app = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/embedded-app/graphql");
    let app = app.to_str().unwrap();
    let check = |schema: &std::path::Path| {
        datasaur(&[
            "schema",
            "check",
            "--operations",
            app,
            "--against",
            schema.to_str().unwrap(),
            "--json",
        ])
    };
    let report = |output: &std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(output)))
    };
    let valid = |report: &serde_json::Value, file: &str| {
        report["operations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|op| op["file"].as_str().is_some_and(|f| f.ends_with(file)))
            .map(|op| op["valid"] == true)
            .unwrap_or_else(|| panic!("{file} in {report}"))
    };

    let passed = check(&reference);
    assert_eq!(passed.status.code(), Some(0), "{}", text(&passed));
    let passed = report(&passed);
    assert_eq!(
        passed["operations"].as_array().unwrap().len(),
        2,
        "{passed}"
    );

    // Fixtures: one change each to the production schema.
    let dir = scratch("cli-schema-operations");
    let edited = |name: &str, change: &dyn Fn(&mut serde_json::Value)| {
        let mut schema = production.clone();
        change(&mut schema);
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, schema.to_string()).unwrap();
        path
    };
    let type_named = |schema: &mut serde_json::Value, name: &str| -> serde_json::Value {
        let root = if schema.get("data").is_some() {
            &schema["data"]
        } else {
            &*schema
        };
        root["__schema"]["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|ty| ty["name"] == name)
            .cloned()
            .unwrap()
    };
    let replace_type = |schema: &mut serde_json::Value, replacement: serde_json::Value| {
        let root = if schema.get("data").is_some() {
            &mut schema["data"]
        } else {
            schema
        };
        let types = root["__schema"]["types"].as_array_mut().unwrap();
        let at = types
            .iter()
            .position(|ty| ty["name"] == replacement["name"])
            .unwrap();
        types[at] = replacement;
    };

    // A field the app selects, removed: both operations break, each reported
    // (they select it through the fragment `JobBrief` of another file).
    let removed = edited("removed-field", &|schema| {
        let mut job = type_named(schema, "Job");
        job["fields"]
            .as_array_mut()
            .unwrap()
            .retain(|field| field["name"] != "progress");
        replace_type(schema, job);
    });
    let output = check(&removed);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    let broke = report(&output);
    assert!(!valid(&broke, "job_state.graphql"), "{broke}");
    assert!(!valid(&broke, "start_labeling.graphql"), "{broke}");
    assert!(
        broke["operations"][0]["error"]
            .as_str()
            .is_some_and(|error| error.contains("progress")),
        "{broke}"
    );

    // An argument's type changed (getJob(jobId: String!) to ID!): breaking.
    let changed = edited("changed-argument", &|schema| {
        let mut query = type_named(schema, "Query");
        for field in query["fields"].as_array_mut().unwrap() {
            if field["name"] == "getJob" {
                field["args"][0]["type"] = serde_json::json!(
                    {"kind": "NON_NULL", "name": null, "ofType": {"kind": "SCALAR", "name": "ID", "ofType": null}}
                );
            }
        }
        replace_type(schema, query);
    });
    let output = check(&changed);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(!valid(&report(&output), "job_state.graphql"));

    // A new enum value: safe, listed, nothing breaks.
    let added = edited("added-enum-value", &|schema| {
        let mut status = type_named(schema, "JobStatus");
        status["enumValues"].as_array_mut().unwrap().push(serde_json::json!(
            {"name": "PAUSED", "description": null, "isDeprecated": false, "deprecationReason": null}
        ));
        replace_type(schema, status);
    });
    let output = check(&added);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let safe = report(&output);
    assert!(
        safe["changes"].to_string().contains("PAUSED"),
        "the new value is listed: {safe}"
    );

    // A field the app selects, deprecated: a warning with the server's
    // reason, or breaking with --deny-deprecated.
    let deprecated = edited("deprecated-field", &|schema| {
        let mut job = type_named(schema, "Job");
        for field in job["fields"].as_array_mut().unwrap() {
            if field["name"] == "progress" {
                field["isDeprecated"] = serde_json::json!(true);
                field["deprecationReason"] = serde_json::json!("Use `percent`.");
            }
        }
        replace_type(schema, job);
    });
    let output = check(&deprecated);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let warned = report(&output);
    assert_eq!(warned["deprecated"][0]["path"], "Job.progress", "{warned}");
    assert_eq!(warned["deprecated"][0]["reason"], "Use `percent`.");
    assert!(
        warned["deprecated"][0]["operation"]
            .as_str()
            .unwrap()
            .ends_with("job_state.graphql")
    );
    let denied = datasaur(&[
        "schema",
        "check",
        "--operations",
        app,
        "--against",
        deprecated.to_str().unwrap(),
        "--deny-deprecated",
    ]);
    assert_eq!(denied.status.code(), Some(1), "{}", text(&denied));
    assert!(
        text(&denied).contains("breaking  Job.progress is deprecated: Use `percent`."),
        "{}",
        text(&denied)
    );

    // `schema diff --operations`: of the removed field and an unrelated
    // removal, only what the app uses.
    let unrelated = edited("removed-two", &|schema| {
        let mut job = type_named(schema, "Job");
        job["fields"]
            .as_array_mut()
            .unwrap()
            .retain(|field| field["name"] != "progress");
        replace_type(schema, job);
        let mut query = type_named(schema, "Query");
        query["fields"]
            .as_array_mut()
            .unwrap()
            .retain(|field| field["name"] != "getProjects");
        replace_type(schema, query);
    });
    let everything = datasaur(&[
        "schema",
        "diff",
        reference.to_str().unwrap(),
        unrelated.to_str().unwrap(),
    ]);
    assert!(
        text(&everything).contains("Query.getProjects"),
        "{}",
        text(&everything)
    );
    let narrowed = datasaur(&[
        "schema",
        "diff",
        reference.to_str().unwrap(),
        unrelated.to_str().unwrap(),
        "--operations",
        app,
    ]);
    assert_eq!(narrowed.status.code(), Some(1), "{}", text(&narrowed));
    let narrowed = text(&narrowed);
    assert!(
        narrowed.contains("breaking  Job.progress: removed"),
        "{narrowed}"
    );
    assert!(!narrowed.contains("getProjects"), "{narrowed}");

    // `schema usage`: what the app's operations use.
    let usage = datasaur(&["schema", "usage", app, "--json"]);
    assert_eq!(usage.status.code(), Some(0), "{}", text(&usage));
    let usage: serde_json::Value = serde_json::from_slice(&usage.stdout).unwrap();
    let fields = usage["usage"]["fields"].as_array().unwrap();
    assert!(
        fields.contains(&serde_json::json!("Job.progress")),
        "{usage}"
    );
    assert!(
        fields.contains(&serde_json::json!("Query.getJob")),
        "{usage}"
    );
    assert!(
        usage["usage"]["arguments"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("Query.getJob(jobId)")),
        "{usage}"
    );
    assert!(
        usage["usage"]["types"]
            .as_array()
            .unwrap()
            .contains(&serde_json::json!("TargetApiInput")),
        "nested input types count: {usage}"
    );

    // Against the sandbox, by URL.
    let sandbox = crate::support::sandbox_process::start(&[]);
    let output = datasaur(&[
        "schema",
        "check",
        "--operations",
        app,
        "--against",
        &sandbox.graphql_url,
        "--token",
        &sandbox.token,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));

    // No operations there: a usage error, nothing compared.
    let empty = scratch("cli-schema-no-operations");
    let output = datasaur(&[
        "schema",
        "check",
        "--operations",
        empty.to_str().unwrap(),
        "--against",
        reference.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
}
