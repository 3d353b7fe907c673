//! The app's own operations, generated the way the datasaur crate generates
//! its own: against `graphql/schema.graphql` (pulled with `datasaur schema
//! pull --format sdl --out graphql/schema.graphql`, or started from `datasaur
//! schema print`).

fn main() {
    datasaur_codegen::Generator::new("graphql/schema.graphql", "graphql")
        .run_in_build_script("datasaur_operations.rs");
}
