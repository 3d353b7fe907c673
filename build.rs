//! Generates one Rust module per operation in `graphql/` into
//! `$OUT_DIR/operations.rs`, checked against `graphql/schema.graphql`, with
//! the same generator users call from their own build scripts
//! (`datasaur-codegen`). A bad operation fails the build, naming its file.

fn main() -> Result<(), datasaur_codegen::Error> {
    datasaur_codegen::Generator::new("graphql/schema.graphql", "graphql")
        .inside_datasaur()
        .run_in_build_script("operations.rs")
}
