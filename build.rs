//! Generates one Rust module per operation in `graphql/` into
//! `$OUT_DIR/operations.rs`, checked against `graphql/schema.graphql`, with
//! the same generator users call from their own build scripts
//! (`datasaur-codegen`). A bad operation fails the build, naming its file,
//! line and name.
//!
//! The shared selections (`graphql/*.fragment.graphql`) are read into this
//! crate's own types, which read them bounded and checked; the build checks
//! that each type has a field for every field its fragment selects.

fn main() -> Result<(), datasaur_codegen::Error> {
    datasaur_codegen::Generator::new("graphql/schema.graphql", "graphql")
        .inside_datasaur()
        .shared_type("Job", "crate::Job")
        .shared_type("ExportResult", "crate::operations::ExportRequestResult")
        .shared_type("ExportStatus", "crate::ExportStatus")
        .run_in_build_script("operations.rs")
}
