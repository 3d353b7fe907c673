//! The schema checker finds every kind of drift between our SDL/operations
//! and a reference schema.

use super::{SchemaCheckError, check, check_against};
use datasaur::operations::{OPERATION_DOCUMENTS, SCHEMA_SDL};

/// `text` in a file named after `name` (its extension says SDL or JSON),
/// removed when the test drops it.
fn write_reference(name: &str, text: &str) -> tempfile::TempPath {
    let suffix = format!("-{name}");
    let mut file = tempfile::Builder::new()
        .prefix("datasaur-schema-check-")
        .suffix(&suffix)
        .tempfile()
        .unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    file.into_temp_path()
}

/// Our SDL with one textual edit, as a stand-in for a server that drifted.
fn reference_with(name: &str, from: &str, to: &str) -> tempfile::TempPath {
    assert!(
        SCHEMA_SDL.contains(from),
        "fixture edit {from:?} no longer applies"
    );
    write_reference(name, &SCHEMA_SDL.replacen(from, to, 1))
}

#[test]
fn our_schema_matches_itself() {
    let reference = write_reference("same.graphql", SCHEMA_SDL);
    let report = check(SCHEMA_SDL, OPERATION_DOCUMENTS, &reference).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.operations_checked, OPERATION_DOCUMENTS.len());
    assert!(report.types_checked >= 10);
}

#[test]
fn a_field_of_another_type_is_reported() {
    let reference = reference_with("progress.graphql", "progress: Int!", "progress: Float!");
    let report = check(SCHEMA_SDL, &[], &reference).unwrap();
    assert_eq!(
        report.problems,
        vec![format!(
            "Job: `progress` is `Int!` here but `Float!` in {}",
            reference.display()
        )]
    );
}

#[test]
fn a_missing_field_is_reported_for_the_schema_and_the_operations() {
    let reference = reference_with("no-result-id.graphql", "  resultId: String\n", "");
    let report = check(SCHEMA_SDL, OPERATION_DOCUMENTS, &reference).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("Job: `resultId` missing in")),
        "{:?}",
        report.problems
    );
    let operation_problems: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.starts_with("operation "))
        .collect();
    let selecting = OPERATION_DOCUMENTS
        .iter()
        .filter(|(_, document)| document.contains("resultId"))
        .count();
    assert!(selecting >= 3);
    assert_eq!(
        operation_problems.len(),
        selecting,
        "{operation_problems:?}"
    );
    assert!(
        operation_problems[0].contains("type `Job` does not have a field `resultId`"),
        "{operation_problems:?}"
    );
}

#[test]
fn an_argument_of_another_type_is_reported() {
    let reference = reference_with(
        "arg.graphql",
        "getJob(jobId: String!)",
        "getJob(jobId: ID!)",
    );
    let report = check(SCHEMA_SDL, &[], &reference).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("Query.getJob: `jobId` is `String!` here but `ID!`")),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_missing_enum_value_is_reported() {
    let reference = reference_with("enum.graphql", "  IN_PROGRESS\n", "");
    let report = check(SCHEMA_SDL, &[], &reference).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("enum JobStatus: value IN_PROGRESS missing")),
        "{:?}",
        report.problems
    );
}

#[test]
fn a_required_input_field_we_omit_is_reported() {
    let reference = reference_with(
        "input.graphql",
        "  secretKey: String!\n",
        "  secretKey: String!\n  region: String!\n",
    );
    let report = check(SCHEMA_SDL, &[], &reference).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("TargetApiInput: required `region: String!`")),
        "{:?}",
        report.problems
    );
}

#[test]
fn an_operation_asking_for_an_unknown_field_is_reported() {
    let reference = write_reference("ops.graphql", SCHEMA_SDL);
    let bad = [(
        "bad.graphql",
        "query Bad($jobId: String!) { getJob(jobId: $jobId) { id notAField } }",
    )];
    let report = check(SCHEMA_SDL, &bad, &reference).unwrap();
    assert_eq!(
        report.problems,
        vec!["operation bad.graphql: type `Job` does not have a field `notAField`".to_owned()]
    );
}

#[test]
fn introspection_json_references_are_read() {
    let json = r#"{"data": {"__schema": {
        "queryType": {"name": "Query"}, "mutationType": null,
        "types": [
            {"kind": "OBJECT", "name": "Query", "fields": [
                {"name": "getJob", "args": [{"name": "jobId", "type": {"kind": "NON_NULL", "name": null, "ofType": {"kind": "SCALAR", "name": "String", "ofType": null}}, "defaultValue": null}],
                 "type": {"kind": "OBJECT", "name": "Job", "ofType": null}}
            ], "inputFields": null, "enumValues": null},
            {"kind": "OBJECT", "name": "Job", "fields": [
                {"name": "id", "args": [], "type": {"kind": "NON_NULL", "name": null, "ofType": {"kind": "SCALAR", "name": "String", "ofType": null}}}
            ], "inputFields": null, "enumValues": null}
        ]
    }}}"#;
    let reference = write_reference("tiny.json", json);
    let ours = "type Query { getJob(jobId: String!): Job }\ntype Job { id: String! status: Int }";
    let report = check(ours, &[], &reference).unwrap();
    assert_eq!(
        report.problems,
        vec![format!("Job: `status` missing in {}", reference.display())]
    );
}

#[test]
fn a_missing_reference_says_so() {
    let error = check_against("no/such/schema.json".as_ref()).unwrap_err();
    assert!(matches!(error, SchemaCheckError::NotFound { .. }));
    assert_eq!(
        error.to_string(),
        "reference schema no/such/schema.json not found"
    );
}

#[test]
fn a_reference_that_is_not_a_schema_says_so() {
    let reference = write_reference("not-a-schema.json", "{\"data\": {}}");
    let error = check_against(&reference).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("no __schema: not an introspection result"),
        "{error}"
    );
}

#[test]
fn operations_are_validated_by_the_specs_rules() {
    let reference = write_reference("spec.graphql", SCHEMA_SDL);
    let operations = [
        // Passes a field lookup, breaks the spec: a variable of the wrong type.
        (
            "wrong_variable.graphql",
            "query A($id: Int!) { getJob(jobId: $id) { id } }",
        ),
        ("missing_argument.graphql", "query B { getJob { id } }"),
        (
            "unknown_fragment.graphql",
            "query C { getJob(jobId: \"x\") { ...Missing } }",
        ),
        (
            "fine.graphql",
            "query D($id: String!) { getJob(jobId: $id) { id status } }",
        ),
    ];
    let report = check(SCHEMA_SDL, &operations, &reference).unwrap();
    let outcome = |file: &str| {
        report
            .operations
            .iter()
            .find(|(name, _)| name == file)
            .and_then(|(_, error)| error.clone())
    };
    let wrong = outcome("wrong_variable.graphql").expect("a type mismatch is reported");
    assert!(wrong.contains("Int") && wrong.contains("String"), "{wrong}");
    assert!(outcome("missing_argument.graphql").is_some_and(|e| e.contains("jobId")));
    assert!(outcome("unknown_fragment.graphql").is_some_and(|e| e.contains("Missing")));
    assert_eq!(outcome("fine.graphql"), None);
}

#[test]
fn introspected_types_without_members_are_read() {
    // `type Mutation {}` is not valid SDL: printing must leave the braces out.
    let json = r#"{"__schema": {
        "queryType": {"name": "Query"}, "mutationType": {"name": "Mutation"},
        "types": [
            {"kind": "OBJECT", "name": "Query", "fields": [
                {"name": "ping", "args": [], "type": {"kind": "SCALAR", "name": "String", "ofType": null}}
            ]},
            {"kind": "OBJECT", "name": "Mutation", "fields": []},
            {"kind": "ENUM", "name": "Nothing", "enumValues": []},
            {"kind": "INPUT_OBJECT", "name": "Empty", "inputFields": []}
        ]
    }}"#;
    let reference = write_reference("memberless.json", json);
    let ours = "type Query { ping: String }\ntype Mutation\nenum Nothing\ninput Empty";
    let report = check(ours, &[], &reference).unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.types_checked, 4);

    let lacking = "type Query { ping: String }\ntype Mutation { start: String }";
    let report = check(lacking, &[], &reference).unwrap();
    assert_eq!(
        report.problems,
        vec![format!(
            "Mutation: `start` missing in {}",
            reference.display()
        )]
    );
}
