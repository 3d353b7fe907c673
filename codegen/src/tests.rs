//! The generator's tests: output, sharing, and every bad input as an error.

use super::*;

/// A directory with the schema in it, removed when the test ends.
fn scratch(name: &str) -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix(&format!("datasaur-codegen-{name}-"))
        .tempdir()
        .unwrap();
    std::fs::write(dir.path().join("schema.graphql"), DATASAUR_SCHEMA_SDL).unwrap();
    dir
}

/// The bundled copy lives inside this package (so that it publishes);
/// `graphql/schema.graphql` of the workspace is the source of truth.
#[test]
fn the_bundled_schema_is_the_workspace_schema() {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphql/schema.graphql");
    if let Ok(source) = std::fs::read_to_string(&workspace) {
        assert_eq!(
            DATASAUR_SCHEMA_SDL, source,
            "codegen/schema.graphql differs from graphql/schema.graphql: the build (codegen/build.rs) copies it"
        );
    } else {
        // Built from the published package: the workspace is not there.
        assert!(DATASAUR_SCHEMA_SDL.contains("type Job"));
    }
}

#[test]
fn operations_get_the_trait_and_the_starts_work_record() {
    let scratch = scratch("ok");
    let dir = scratch.path();
    std::fs::write(
        dir.join("status.graphql"),
        "query JobState($id: String!) { job: getJob(jobId: $id) { id status } }",
    )
    .unwrap();
    std::fs::write(
        dir.join("export.graphql"),
        "# datasaur: starts-work\nquery StartExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }",
    )
    .unwrap();
    let code = Generator::new(dir.join("schema.graphql"), dir)
        .generate()
        .unwrap();
    assert!(
        code.contains(
            "impl ::datasaur::Operation for JobState {\n    type Variables = job_state::Variables;"
        ),
        "{code}"
    );
    assert!(code.contains(
        "const QUERY: &'static str = \"query JobState($id: String!) { job: getJob(jobId: $id) { id status } }\\n\";\n    const STARTS_WORK: bool = false;"
    ), "{code}");
    assert!(code.contains(
        "const QUERY: &'static str = \"query StartExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }\\n\";\n    const STARTS_WORK: bool = true;"
    ), "the mark is not sent: {code}");
    // An answer of one field: that field, by the trait.
    assert!(code.contains("impl ::datasaur::SingleField for JobState {\n    type Field = Option < job_state :: JobStateJob >;"), "{code}");
    assert!(
        !code.contains("graphql_client"),
        "graphql_client stays out of the output"
    );
    assert!(code.contains(r#"pub const STARTS_WORK: &[&str] = &["StartExport"];"#));
    assert!(!code.contains("query StartExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }\\n\", \"# datasaur"), "the mark is not sent");
}

#[test]
fn users_operations_share_datasaurs_types_where_the_schema_agrees() {
    let scratch = scratch("shared");
    let dir = scratch.path();
    std::fs::write(
        dir.join("export.graphql"),
        "query MyExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }",
    )
    .unwrap();
    let code = Generator::with_bundled_schema(dir).generate().unwrap();
    assert!(
        code.contains("pub use ::datasaur::operations::types::ExportTextProjectInput;"),
        "{code}"
    );
    assert!(code.contains("pub use ::datasaur::operations::types::GqlExportMethod;"));
    assert!(
        !code.contains("pub struct ExportTextProjectInput"),
        "{code}"
    );
    // A schema where the input has grown: the user's own type, and the
    // enums it reaches that did not change still shared.
    let grown = DATASAUR_SCHEMA_SDL.replace(
        "input ExportTextProjectInput {",
        "input ExportTextProjectInput {\n  newOption: Boolean",
    );
    std::fs::write(dir.join("schema.graphql"), grown).unwrap();
    let code = Generator::new(dir.join("schema.graphql"), dir)
        .generate()
        .unwrap();
    assert!(code.contains("pub struct ExportTextProjectInput"), "{code}");
    assert!(code.contains("pub new_option: Option<bool>"), "{code}");
    assert!(code.contains("pub use ::datasaur::operations::types::GqlExportMethod;"));
}

#[test]
fn a_bad_field_names_the_file_and_the_field() {
    let scratch = scratch("bad");
    let dir = scratch.path();
    std::fs::write(
        dir.join("status.graphql"),
        "query JobState($id: String!) { job: getJob(jobId: $id) { id colour } }",
    )
    .unwrap();
    let failure = Generator::new(dir.join("schema.graphql"), dir)
        .generate()
        .unwrap_err()
        .to_string();
    assert!(failure.contains("status.graphql"), "{failure}");
    assert!(failure.contains("colour"), "{failure}");
}

#[test]
fn a_bad_field_in_the_example_apps_operation_fails_naming_file_and_field() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/embedded-app/graphql");
    let scratch = scratch("example");
    let dir = scratch.path();
    // The app's operations, next to the bundled schema it is built against.
    for entry in std::fs::read_dir(&example).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let generator = Generator::new(dir.join("schema.graphql"), dir);
    generator
        .generate()
        .expect("the example's operations are valid");
    let query = dir.join("job_brief.fragment.graphql");
    let text = std::fs::read_to_string(&query)
        .unwrap()
        .replace("progress", "percentDone");
    std::fs::write(&query, text).unwrap();
    let failure = generator.generate().unwrap_err().to_string();
    assert!(failure.contains("job_brief.fragment.graphql"), "{failure}");
    assert!(failure.contains("percentDone"), "{failure}");
}

#[test]
fn unnamed_operations_and_bad_schemas_are_refused_clearly() {
    let scratch = scratch("unnamed");
    let dir = scratch.path();
    std::fs::write(dir.join("anon.graphql"), "{ getJob(jobId: \"x\") { id } }").unwrap();
    let failure = Generator::new(dir.join("schema.graphql"), dir)
        .generate()
        .unwrap_err()
        .to_string();
    assert!(failure.contains("needs a name"), "{failure}");
    std::fs::write(dir.join("schema.graphql"), "type {").unwrap();
    let failure = Generator::new(dir.join("schema.graphql"), dir)
        .generate()
        .unwrap_err()
        .to_string();
    assert!(failure.contains("invalid GraphQL SDL"), "{failure}");
}

/// The fields of the library's `Job` fragment, for users' schemas.
const JOB_FRAGMENT: &str =
    "fragment JobFields on Job { id status progress errors { id stack args } }";

#[test]
fn a_shared_fragment_gives_one_struct_for_every_operation_that_selects_it() {
    let scratch = scratch("fragment");
    let dir = scratch.path();
    std::fs::write(dir.join("job.fragment.graphql"), JOB_FRAGMENT).unwrap();
    std::fs::write(
        dir.join("a_state.graphql"),
        "query JobState($id: String!) { job: getJob(jobId: $id) { ...JobFields } }",
    )
    .unwrap();
    std::fs::write(
        dir.join("b_start.graphql"),
        "mutation StartLabels($input: AutoLabelTokenBasedProjectInput!) { job: autoLabelTokenBasedProject(input: $input) { ...JobFields } }",
    )
    .unwrap();
    std::fs::write(
        dir.join("c_many.graphql"),
        "query ManyJobs($ids: [String!]!) { jobs: getJobs(jobIds: $ids) { ...JobFields } }",
    )
    .unwrap();
    let code = Generator::new(dir.join("schema.graphql"), dir)
        .generate()
        .unwrap();
    // One struct for the fragment (and one for its errors), in the first
    // operation that selects it; the others' answers are that type.
    assert_eq!(code.matches("pub struct JobFields {").count(), 1, "{code}");
    assert_eq!(
        code.matches("pub struct JobFieldsErrors {").count(),
        1,
        "{code}"
    );
    assert!(code.contains("pub use job_state::JobFields;"), "{code}");
    assert!(
        code.contains("pub type StartLabelsJob = super::job_state::JobFields;"),
        "{code}"
    );
    assert!(
        code.contains("pub type ManyJobsJobs = super::job_state::JobFields;"),
        "{code}"
    );
    // What is sent is the document with the fragment after it.
    assert!(code.contains("const QUERY: &'static str = \"mutation StartLabels($input: AutoLabelTokenBasedProjectInput!) { job: autoLabelTokenBasedProject(input: $input) { ...JobFields } }\\n\\nfragment JobFields on Job {"), "{code}");
}

#[test]
fn a_mapped_fragment_is_read_into_the_named_type_and_checked_against_it() {
    let scratch = scratch("mapped");
    let dir = scratch.path();
    std::fs::write(dir.join("job.fragment.graphql"), JOB_FRAGMENT).unwrap();
    std::fs::write(
        dir.join("state.graphql"),
        "query JobState($id: String!) { job: getJob(jobId: $id) { ...JobFields } }",
    )
    .unwrap();
    let code = Generator::new(dir.join("schema.graphql"), dir)
        .shared_type("JobFields", "::datasaur::Job")
        .generate()
        .unwrap();
    assert!(!code.contains("pub struct JobFields"), "{code}");
    assert!(
        code.contains("pub type JobStateJob = ::datasaur::Job;"),
        "{code}"
    );
    assert!(
        code.contains("const _: fn(&::datasaur::Job) = |value| {\n    let _ = (&value.id, &value.status, &value.progress, &value.errors,);\n};"),
        "{code}"
    );
    let failure = Generator::new(dir.join("schema.graphql"), dir)
        .shared_type("NoSuchFragment", "::datasaur::Job")
        .generate()
        .unwrap_err()
        .to_string();
    assert!(
        failure.contains("no fragment `NoSuchFragment`"),
        "{failure}"
    );
}

/// The library's own operations (17): one `Job` shape (the library's), not a
/// struct per operation; one impl of `Operation` each.
#[test]
fn the_librarys_operations_share_one_job_type() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let graphql = root.join("graphql");
    if !graphql.is_dir() {
        return assert!(
            DATASAUR_SCHEMA_SDL.contains("type Job"),
            "built from the package"
        );
    }
    let code = Generator::new(graphql.join("schema.graphql"), &graphql)
        .inside_datasaur()
        .shared_type("Job", "crate::Job")
        .shared_type("ExportResult", "crate::operations::ExportRequestResult")
        .shared_type("ExportStatus", "crate::ExportStatus")
        .generate()
        .unwrap();
    assert_eq!(code.matches("impl crate::Operation for ").count(), 17);
    assert_eq!(
        code.matches(" = crate::Job;").count(),
        7,
        "seven operations answer a job"
    );
    assert_eq!(
        code.matches(" = crate::operations::ExportRequestResult;")
            .count(),
        8,
        "eight operations start an export"
    );
    let job_structs = code
        .lines()
        .filter(|line| line.trim_start().starts_with("pub struct") && line.contains("Job"))
        .filter(|line| !line.ends_with(';'))
        .count();
    assert_eq!(job_structs, 0, "no generated copy of a job: {code}");
}

#[test]
fn a_field_a_fragment_reads_removed_from_the_schema_fails_naming_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let graphql = root.join("graphql");
    if !graphql.is_dir() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    for entry in std::fs::read_dir(&graphql).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            continue; // `unpublished/`: not generated
        }
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    let schema = std::fs::read_to_string(dir.join("schema.graphql")).unwrap();
    let start = schema.find("type Job {").unwrap();
    let end = start + schema[start..].find('}').unwrap();
    let job = schema[start..end].replace("  progress: Int!\n", "");
    assert_ne!(job, schema[start..end], "Job.progress is in the schema");
    std::fs::write(
        dir.join("schema.graphql"),
        format!("{}{job}{}", &schema[..start], &schema[end..]),
    )
    .unwrap();
    let failure = Generator::new(dir.join("schema.graphql"), dir)
        .inside_datasaur()
        .shared_type("Job", "crate::Job")
        .generate()
        .unwrap_err()
        .to_string();
    assert!(failure.contains("job.fragment.graphql:"), "{failure}");
    assert!(
        failure.contains("`Job` has no field `progress`"),
        "{failure}"
    );
}

/// What a new user writes wrong: each an error naming the file, the line
/// and the name, never a panic.
#[test]
fn bad_operations_are_errors_with_file_line_and_name() {
    let cases = [
        (
            "mutation Create($input: LaunchProjectInput!) { createProject(input: $input) { name } }",
            "1:17: variable `$input` has type `LaunchProjectInput`, which the schema does not define",
        ),
        (
            "query JobState($id: String!) {\n  job: getJob(jobId: $id) {\n    id\n    colour\n  }\n}",
            "4:5: `Job` has no field `colour`",
        ),
        (
            "query JobState($id: String!) { job: getJob(jobId: $id) @cached { id } }",
            "unknown directive `@cached`",
        ),
        (
            "query JobState($id: String!) { job: getJob(jobId: $id) { id @include(when: true) } }",
            "`@include` needs an `if:` argument",
        ),
        (
            "query JobState($id: String!) { job: getJob(jobId: $id) { id ",
            "invalid GraphQL",
        ),
        (
            "query JobState { job: getJob(jobId: $id) { id } }",
            "variable `$id` is used but not declared",
        ),
        (
            "query JobState($id: String!) { job: getJob(jobId: $id) { ...Missing } }",
            "no fragment named `Missing`",
        ),
        (
            "query JobState($id: String!) { job: getJob(jobId: $id) }",
            "`Query.getJob` is a `Job`: select its fields",
        ),
        (
            "query JobState($id: Job!) { job: getJob(jobId: $id) { id } }",
            "an output type",
        ),
    ];
    for (text, expected) in cases {
        let scratch = scratch("bad-input");
        let dir = scratch.path();
        std::fs::write(dir.join("op.graphql"), text).unwrap();
        let failure = Generator::new(dir.join("schema.graphql"), dir)
            .generate()
            .unwrap_err()
            .to_string();
        assert!(failure.contains("op.graphql"), "{text}: {failure}");
        assert!(failure.contains(expected), "{text}: {failure}");
    }
}

/// The bundled schema is read where the package ships it: nothing is
/// written anywhere.
#[test]
fn the_bundled_schema_is_read_in_place() {
    let scratch = scratch("bundled");
    let dir = scratch.path();
    std::fs::remove_file(dir.join("schema.graphql")).unwrap();
    std::fs::write(
        dir.join("status.graphql"),
        "query JobState($id: String!) { job: getJob(jobId: $id) { id } }",
    )
    .unwrap();
    let generator = Generator::with_bundled_schema(dir);
    assert_eq!(
        generator.schema_file().unwrap(),
        Path::new(BUNDLED_SCHEMA_FILE)
    );
    let code = generator.generate().unwrap();
    assert!(
        code.contains("against the bundled Datasaur schema"),
        "{code}"
    );
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert_eq!(left.len(), 1, "only the operation file: {left:?}");
}
