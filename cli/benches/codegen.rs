//! Code generation time for an operation against Datasaur's full production
//! schema (1.4 MB of introspection JSON), as `build.rs` and `schema check` do it.
//!
//! Run: `cargo bench -p datasaur-cli --bench codegen` (reads `../shared/datasaur/graphql.schema.json`,
//! or the file named by `DATASAUR_SCHEMA`). Target: under 100 ms.

use std::path::PathBuf;
use std::time::Instant;

use graphql_client_codegen::{
    CodegenMode, GraphQLClientCodegenOptions, generate_module_token_stream_from_string,
};

fn main() {
    let schema = std::env::var_os("DATASAUR_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            // The workspace sits beside `shared/`, wherever the bench runs from.
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../shared/datasaur/graphql.schema.json")
        });
    let Ok(metadata) = std::fs::metadata(&schema) else {
        println!(
            "codegen bench: {} not found; set DATASAUR_SCHEMA to an introspection file",
            schema.display()
        );
        return;
    };
    let operations = datasaur::operations::OPERATION_DOCUMENTS;
    let options = || {
        let mut options = GraphQLClientCodegenOptions::new(CodegenMode::Cli);
        options.set_response_derives("Debug, Clone, PartialEq".into());
        options
    };

    // The first call parses the schema (codegen caches it per path afterwards).
    let started = Instant::now();
    for (_, document) in operations {
        generate_module_token_stream_from_string(document, &schema, options()).expect("generates");
    }
    let cold = started.elapsed();

    let rounds = 20;
    let started = Instant::now();
    for _ in 0..rounds {
        for (_, document) in operations {
            generate_module_token_stream_from_string(document, &schema, options())
                .expect("generates");
        }
    }
    let warm = started.elapsed() / rounds;

    println!("| schema | operations | first run (parse + generate) | later runs (generate) |");
    println!("|---|---:|---:|---:|");
    println!(
        "| {} ({:.1} MB) | {} | {:.1} ms | {:.2} ms |",
        schema.file_name().unwrap_or_default().to_string_lossy(),
        metadata.len() as f64 / 1e6,
        operations.len(),
        cold.as_secs_f64() * 1e3,
        warm.as_secs_f64() * 1e3
    );
}
