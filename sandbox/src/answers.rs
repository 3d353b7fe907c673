//! A GraphQL answer shaped as Datasaur's: a top-level `"extensions": {}`
//! (Datasaur's documented answer has one; async-graphql leaves an empty one
//! out), and an unknown root field's error saying what the sandbox serves.

use serde_json::{Map, Value};

/// The root fields the sandbox serves, for "unknown field" messages.
pub(crate) struct RootFields {
    query: Vec<String>,
    mutation: Vec<String>,
}

impl RootFields {
    /// Read from the schema's SDL.
    pub(crate) fn of(sdl: &str) -> RootFields {
        use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
        let mut roots = RootFields {
            query: Vec::new(),
            mutation: Vec::new(),
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            return roots;
        };
        for definition in document.definitions {
            let TypeSystemDefinition::Type(definition) = definition else {
                continue;
            };
            let definition = definition.node;
            let TypeKind::Object(object) = definition.kind else {
                continue;
            };
            let names = object
                .fields
                .into_iter()
                .map(|field| field.node.name.node.to_string())
                .filter(|name| !name.starts_with("__"));
            match definition.name.node.as_str() {
                "Query" => roots.query.extend(names),
                "Mutation" => roots.mutation.extend(names),
                _ => {}
            }
        }
        roots.query.sort();
        roots.mutation.sort();
        roots
    }
}

/// `response` (one answer or a batch) as JSON, shaped as Datasaur's.
pub(crate) fn shape(response: &async_graphql::BatchResponse, roots: &RootFields) -> Vec<u8> {
    let mut value = serde_json::to_value(response)
        .unwrap_or_else(|_| serde_json::json!({"errors": [{"message": "serialization failed"}]}));
    match &mut value {
        Value::Array(answers) => answers
            .iter_mut()
            .for_each(|answer| shape_one(answer, roots)),
        answer => shape_one(answer, roots),
    }
    serde_json::to_vec(&value).unwrap_or_default()
}

fn shape_one(answer: &mut Value, roots: &RootFields) {
    let Some(answer) = answer.as_object_mut() else {
        return;
    };
    answer
        .entry("extensions")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(errors) = answer.get_mut("errors").and_then(Value::as_array_mut) else {
        return;
    };
    for error in errors {
        let Some(message) = error.get_mut("message") else {
            continue;
        };
        let Some(text) = message.as_str() else {
            continue;
        };
        let served = if text.ends_with("on type \"Query\".") {
            &roots.query
        } else if text.ends_with("on type \"Mutation\".") {
            &roots.mutation
        } else {
            continue;
        };
        if text.starts_with("Unknown field") {
            let hint = format!(
                "{text} The sandbox serves only part of Datasaur's schema; here: {}.",
                served.join(", ")
            );
            *message = Value::String(hint);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{RootFields, shape_one};

    #[test]
    fn unknown_root_fields_name_what_is_served_and_extensions_are_there() {
        let roots = RootFields::of(
            "type Query { getJob(id: ID!): String b: Int }\ntype Mutation { start: String }",
        );
        let mut answer = serde_json::json!({"data": null, "errors": [
            {"message": "Unknown field \"getProjects\" on type \"Query\"."},
            {"message": "Unknown field \"x\" on type \"Job\"."}
        ]});
        shape_one(&mut answer, &roots);
        assert_eq!(answer["extensions"], serde_json::json!({}));
        assert_eq!(
            answer["errors"][0]["message"],
            "Unknown field \"getProjects\" on type \"Query\". The sandbox serves only part of Datasaur's schema; here: b, getJob."
        );
        assert_eq!(
            answer["errors"][1]["message"],
            "Unknown field \"x\" on type \"Job\"."
        );
    }
}
