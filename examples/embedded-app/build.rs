//! The app's own operations, generated the way the datasaur crate generates
//! its own. This app uses only what the datasaur crate uses, so it takes the
//! schema bundled with the generator; an app that needs more of Datasaur's
//! schema pulls it (`datasaur schema pull --format sdl --out
//! graphql/schema.graphql`) and uses `Generator::new("graphql/schema.graphql", "graphql")`.

fn main() -> Result<(), datasaur_codegen::Error> {
    datasaur_codegen::Generator::with_bundled_schema("graphql")
        .run_in_build_script("datasaur_operations.rs")
}
