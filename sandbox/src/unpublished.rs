//! What the sandbox serves beyond a schema: `createProject` and
//! `addDocumentsToProject`, whose types Datasaur has not published
//! (`unpublished.graphql`, opaque input scalars). Each declaration is added
//! only where the schema lacks it, so a user's live schema keeps its own.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

/// The declarations, as SDL.
const UNPUBLISHED: &str = include_str!("unpublished.graphql");

/// `sdl` with what it lacks of [`UNPUBLISHED`] appended; unchanged when it
/// does not parse (the engine then says why) or has no `Mutation` (the
/// extension would have nothing to extend).
pub(crate) fn with_unpublished(sdl: &str) -> String {
    let Ok(schema) = async_graphql::parser::parse_schema(sdl) else {
        return sdl.to_owned();
    };
    let Ok(extension) = async_graphql::parser::parse_schema(UNPUBLISHED) else {
        return sdl.to_owned();
    };
    let mut types = HashSet::new();
    let mut fields: HashMap<String, HashSet<String>> = HashMap::new();
    for definition in &schema.definitions {
        if let TypeSystemDefinition::Type(ty) = definition {
            let name = ty.node.name.node.to_string();
            if let TypeKind::Object(object) = &ty.node.kind {
                let names = object.fields.iter().map(|f| f.node.name.node.to_string());
                fields.entry(name.clone()).or_default().extend(names);
            }
            types.insert(name);
        }
    }
    let Some(mutation) = fields.get("Mutation") else {
        return sdl.to_owned();
    };
    let mut out = sdl.to_owned();
    out.push_str("\n# Added by the sandbox (unpublished.graphql).\n");
    let mut added_fields = Vec::new();
    for definition in &extension.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.as_str();
        match &ty.kind {
            TypeKind::Object(object) if ty.extend => {
                for field in &object.fields {
                    let field = &field.node;
                    if !mutation.contains(field.name.node.as_str()) {
                        added_fields.push(format!("  {}", field_sdl(field)));
                    }
                }
            }
            _ if types.contains(name) => {}
            TypeKind::Scalar => out.push_str(&format!("scalar {name}\n")),
            TypeKind::Object(object) => {
                out.push_str(&format!("type {name} {{\n"));
                for field in &object.fields {
                    out.push_str(&format!("  {}\n", field_sdl(&field.node)));
                }
                out.push_str("}\n");
            }
            _ => {}
        }
    }
    if !added_fields.is_empty() {
        out.push_str(&format!(
            "extend type Mutation {{\n{}\n}}\n",
            added_fields.join("\n")
        ));
    }
    out
}

fn field_sdl(field: &async_graphql::parser::types::FieldDefinition) -> String {
    let arguments: Vec<String> = field
        .arguments
        .iter()
        .map(|argument| format!("{}: {}", argument.node.name.node, argument.node.ty.node))
        .collect();
    if arguments.is_empty() {
        format!("{}: {}", field.name.node, field.ty.node)
    } else {
        format!(
            "{}({}): {}",
            field.name.node,
            arguments.join(", "),
            field.ty.node
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_schema_lacks_is_added() {
        let ours = with_unpublished(
            "type Query { a: Int }\ntype Mutation { b: Int }\ntype Job { id: ID! }\n",
        );
        assert!(ours.contains("scalar LaunchProjectInput"));
        assert!(ours.contains("createProject(input: LaunchProjectInput!): SandboxProjectJob!"));
        let live = "type Query { a: Int }\ninput LaunchProjectInput { name: String! }\n\
                    type P { name: String! }\ntype Job { id: ID! }\n\
                    type Mutation { createProject(input: LaunchProjectInput!): P! }\n";
        let served = with_unpublished(live);
        assert!(!served.contains("scalar LaunchProjectInput"));
        assert!(!served.contains("createProject(input: LaunchProjectInput!): SandboxProjectJob!"));
        assert!(served.contains("addDocumentsToProject(input: AddDocumentsToProjectInput!)"));
        assert_eq!(
            with_unpublished("type Query { a: Int }"),
            "type Query { a: Int }"
        );
    }
}
