//! The sandbox serves exactly the schema the client is generated against:
//! its introspected schema and `graphql/schema.graphql` agree type by type,
//! field by field, both ways.

use super::subset_problems;
use crate::schema::model as schema_model;
use datasaur::operations::SCHEMA_SDL;
use datasaur_sandbox::{Sandbox, SandboxConfig};

#[tokio::test]
async fn sandbox_schema_and_sdl_agree_both_ways() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(sandbox.graphql_url())
        .bearer_auth(sandbox.token())
        .json(&std::collections::HashMap::from([(
            "query",
            crate::schema::introspection::QUERY,
        )]))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let served = schema_model::from_introspection(&answer, "the sandbox").unwrap();
    let sdl = schema_model::parse_sdl(SCHEMA_SDL, "graphql/schema.graphql").unwrap();

    let types = schema_model::own_types(&sdl).len();
    assert!(types >= 10, "the SDL parsed into {types} types");
    let missing_in_sandbox = subset_problems(&sdl, &served, "the sandbox");
    assert!(missing_in_sandbox.is_empty(), "{missing_in_sandbox:#?}");
    let missing_in_sdl = subset_problems(&served, &sdl, "graphql/schema.graphql");
    assert!(missing_in_sdl.is_empty(), "{missing_in_sdl:#?}");
    sandbox.shutdown().await;
}
