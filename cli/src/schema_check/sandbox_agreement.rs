//! The sandbox serves exactly the schema the client is generated against:
//! its introspected schema and `graphql/schema.graphql` agree type by type,
//! field by field, both ways.

use super::{SchemaModel, subset_problems};
use datasaur::operations::SCHEMA_SDL;
use datasaur_sandbox::{Sandbox, SandboxConfig};

const INTROSPECTION_QUERY: &str = r#"
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      kind name
      fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } }
      inputFields { ...InputValue }
      enumValues(includeDeprecated: true) { name }
    }
  }
}
fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
"#;

#[tokio::test]
async fn sandbox_schema_and_sdl_agree_both_ways() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(sandbox.graphql_url())
        .bearer_auth(sandbox.token())
        .json(&serde_json::json!({"query": INTROSPECTION_QUERY}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut served =
        SchemaModel::from_introspection_json(&answer.to_string(), "the sandbox").unwrap();
    // Introspection's own types are not part of either schema.
    served.types.retain(|name, _| !name.starts_with("__"));
    let sdl = SchemaModel::from_sdl(SCHEMA_SDL, "graphql/schema.graphql").unwrap();

    assert!(
        sdl.types.len() >= 10,
        "the SDL parsed into {} types",
        sdl.types.len()
    );
    let missing_in_sandbox = subset_problems(&sdl, &served, "the sandbox");
    assert!(missing_in_sandbox.is_empty(), "{missing_in_sandbox:#?}");
    let missing_in_sdl = subset_problems(&served, &sdl, "graphql/schema.graphql");
    assert!(missing_in_sdl.is_empty(), "{missing_in_sdl:#?}");
    sandbox.shutdown().await;
}
