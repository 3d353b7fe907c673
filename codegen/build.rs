//! Keeps `schema.graphql`, the schema this package ships (the generator's
//! bundled schema, and the sandbox's), equal to the workspace's
//! `graphql/schema.graphql`, the one edited by hand: a schema change is one
//! edit. A published package has no workspace beside it and ships its copy
//! as it is.

use std::path::Path;

fn main() {
    let workspace = Path::new("../graphql/schema.graphql");
    println!("cargo:rerun-if-changed=../graphql/schema.graphql");
    println!("cargo:rerun-if-changed=schema.graphql");
    let Ok(source) = std::fs::read_to_string(workspace) else {
        return;
    };
    let shipped = Path::new("schema.graphql");
    if std::fs::read_to_string(shipped).ok().as_deref() == Some(source.as_str()) {
        return;
    }
    if let Err(error) = std::fs::write(shipped, source) {
        println!(
            "cargo::error=cannot update codegen/schema.graphql from graphql/schema.graphql: {error}"
        );
    }
}
