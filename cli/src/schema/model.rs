//! The one model of a GraphQL schema in this CLI: apollo-compiler's
//! [`Schema`], read from SDL or from an introspection result, and the few
//! views of it that `schema check` and `schema diff` compare.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use apollo_compiler::ast::{FieldDefinition, InputValueDefinition, OperationType, Type};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::{Node, Schema};

use crate::schema::error::SchemaCheckError;

/// How many parser messages an "invalid schema" error quotes.
const MESSAGES_QUOTED: usize = 3;

/// Reads a schema file: introspection JSON for `.json`, SDL otherwise.
pub fn load(path: &Path) -> Result<Schema, SchemaCheckError> {
    parse_sdl(&read_sdl(path)?, &path.display().to_string())
}

/// A schema file's SDL: SDL as it is, introspection JSON (`.json`) checked
/// for its shape and printed as SDL. Not parsed: its reader does that.
pub fn read_sdl(path: &Path) -> Result<String, SchemaCheckError> {
    let text = crate::local_file::read_text(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            SchemaCheckError::NotFound {
                path: path.to_owned(),
            }
        } else {
            SchemaCheckError::Read {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    let origin = path.display().to_string();
    if path.extension().is_some_and(|ext| ext == "json") {
        let answer: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(&origin, format!("not JSON: {e}")))?;
        introspection_sdl(&answer, &origin)
    } else {
        Ok(text)
    }
}

/// Reads an introspection result (`{"data": {"__schema"}}` or `{"__schema"}`).
pub fn from_introspection(
    answer: &serde_json::Value,
    origin: &str,
) -> Result<Schema, SchemaCheckError> {
    parse_sdl(&introspection_sdl(answer, origin)?, origin)
}

/// An introspection result, checked for its shape, as SDL.
fn introspection_sdl(answer: &serde_json::Value, origin: &str) -> Result<String, SchemaCheckError> {
    let schema = crate::schema::introspection::schema_of(answer)
        .map_err(|message| invalid(origin, message))?;
    crate::schema::introspection::check_shape(schema)
        .map_err(|message| invalid(origin, message))?;
    Ok(crate::schema::introspection::to_sdl(schema))
}

/// Reads SDL. Text that does not parse is refused; a schema that parses but
/// breaks the spec's rules is taken as it is, since a server's schema is
/// the server's to fix, and its comparable parts are still compared.
pub fn parse_sdl(sdl: &str, origin: &str) -> Result<Schema, SchemaCheckError> {
    let document = apollo_compiler::parser::Parser::new()
        .parse_ast(sdl, origin)
        .map_err(|with_errors| {
            let messages: Vec<String> = with_errors
                .errors
                .iter()
                .take(MESSAGES_QUOTED)
                .map(|diagnostic| diagnostic.error.to_string())
                .collect();
            invalid(origin, messages.join("; "))
        })?;
    Ok(document
        .to_schema()
        .unwrap_or_else(|with_errors| with_errors.partial))
}

fn invalid(origin: &str, message: String) -> SchemaCheckError {
    SchemaCheckError::Invalid {
        origin: origin.to_owned(),
        message,
    }
}

/// Each root (`query`, `mutation`) that `old` names and `new` names
/// otherwise or not at all: `(root, old's type, new's type)`.
pub fn changed_roots<'a>(
    old: &'a Schema,
    new: &'a Schema,
) -> Vec<(&'static str, Option<&'a str>, Option<&'a str>)> {
    let root =
        |schema: &'a Schema, operation| schema.root_operation(operation).map(|name| name.as_str());
    [
        ("query", OperationType::Query),
        ("mutation", OperationType::Mutation),
    ]
    .into_iter()
    .map(|(name, operation)| (name, root(old, operation), root(new, operation)))
    .filter(|(_, old, new)| old.is_some() && old != new)
    .collect()
}

/// The schema's own types (not the built-in scalars and introspection types), by name.
pub fn own_types(schema: &Schema) -> BTreeMap<&str, &ExtendedType> {
    schema
        .types
        .iter()
        .filter(|(_, ty)| !ty.is_built_in())
        .map(|(name, ty)| (name.as_str(), ty))
        .collect()
}

/// A type's kind as introspection names it: `OBJECT`, `INPUT_OBJECT`, ...
pub fn kind(ty: &ExtendedType) -> &'static str {
    match ty {
        ExtendedType::Scalar(_) => "SCALAR",
        ExtendedType::Object(_) => "OBJECT",
        ExtendedType::Interface(_) => "INTERFACE",
        ExtendedType::Union(_) => "UNION",
        ExtendedType::Enum(_) => "ENUM",
        ExtendedType::InputObject(_) => "INPUT_OBJECT",
    }
}

/// A field, argument or input field, as far as compatibility goes.
#[derive(Debug, Clone, Copy)]
pub struct Member<'a> {
    /// Its type, as SDL writes it when displayed: `[String!]!`.
    pub ty: &'a Type,
    /// Whether an argument or input field has a default value.
    pub has_default: bool,
    /// Its arguments (fields only).
    pub arguments: &'a [Node<InputValueDefinition>],
}

impl Member<'_> {
    /// Whether a request must send it: non-null without a default.
    pub fn is_required_input(&self) -> bool {
        self.ty.is_non_null() && !self.has_default
    }
}

/// The fields of an object or interface, or the input fields of an input object.
pub fn members(ty: &ExtendedType) -> BTreeMap<&str, Member<'_>> {
    match ty {
        ExtendedType::Object(object) => object
            .fields
            .iter()
            .map(|(name, definition)| (name.as_str(), field(definition)))
            .collect(),
        ExtendedType::Interface(interface) => interface
            .fields
            .iter()
            .map(|(name, definition)| (name.as_str(), field(definition)))
            .collect(),
        ExtendedType::InputObject(input) => input
            .fields
            .iter()
            .map(|(name, definition)| (name.as_str(), input_member(definition)))
            .collect(),
        ExtendedType::Scalar(_) | ExtendedType::Union(_) | ExtendedType::Enum(_) => BTreeMap::new(),
    }
}

/// A field's arguments, by name.
pub fn arguments<'a>(member: &Member<'a>) -> BTreeMap<&'a str, Member<'a>> {
    member
        .arguments
        .iter()
        .map(|argument| (argument.name.as_str(), input_member(argument)))
        .collect()
}

fn field(definition: &FieldDefinition) -> Member<'_> {
    Member {
        ty: &definition.ty,
        has_default: false,
        arguments: &definition.arguments,
    }
}

fn input_member(definition: &InputValueDefinition) -> Member<'_> {
    Member {
        ty: &definition.ty,
        has_default: definition.default_value.is_some(),
        arguments: &[],
    }
}

/// An enum's values; empty for any other kind.
pub fn enum_values(ty: &ExtendedType) -> BTreeSet<&str> {
    match ty {
        ExtendedType::Enum(enumeration) => enumeration
            .values
            .keys()
            .map(|name| name.as_str())
            .collect(),
        _ => BTreeSet::new(),
    }
}
