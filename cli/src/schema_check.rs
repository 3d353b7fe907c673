//! Checks this crate's GraphQL surface (`graphql/schema.graphql` and every
//! operation) against a server's full schema, so that a schema that drifted
//! from Datasaur's is caught before a request fails in production.
//!
//! The reference is an introspection result (`.json`, as written by
//! `graphql-client introspect-schema`) or SDL (any other extension).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use graphql_client_codegen::{
    CodegenMode, GraphQLClientCodegenOptions, generate_module_token_stream_from_string,
};
use graphql_parser::schema::{Definition, TypeDefinition};

/// Why a check could not run at all (as opposed to finding mismatches).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaCheckError {
    /// The reference file does not exist.
    #[error("reference schema {} not found", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The reference file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a schema this checker understands.
    #[error("{origin} is not a valid GraphQL schema: {message}")]
    Invalid {
        /// Which file or text.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// The outcome of [`check_against`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CheckReport {
    /// How many types of ours were compared.
    pub types_checked: usize,
    /// How many operations were validated.
    pub operations_checked: usize,
    /// Every mismatch found; empty when the check passed.
    pub problems: Vec<String>,
    /// Each operation file, and why it no longer validates, if it does not.
    pub operations: Vec<(String, Option<String>)>,
    /// The differences that matter to this crate, classed.
    pub changes: Vec<crate::schema_diff::Change>,
}

impl CheckReport {
    /// Whether no problem was found.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the crate's own SDL and operations against the schema in `reference`.
#[cfg(test)]
pub fn check_against(reference: &Path) -> Result<CheckReport, SchemaCheckError> {
    check(
        datasaur::operations::SCHEMA_SDL,
        datasaur::operations::OPERATION_DOCUMENTS,
        reference,
    )
}

/// Checks `sdl` and `operations` (`(name, document)` pairs) against the schema
/// in `reference`: every type, field, argument, input field and enum value of
/// `sdl` must exist there with the same type, and every operation must
/// validate against it.
pub fn check(
    sdl: &str,
    operations: &[(&str, &str)],
    reference: &Path,
) -> Result<CheckReport, SchemaCheckError> {
    let ours = SchemaModel::from_sdl(sdl, "our SDL")?;
    let theirs = SchemaModel::load(reference)?;
    let origin = reference.display().to_string();
    let mut problems = subset_problems(&ours, &theirs, &origin);
    let spec_schema = spec_schema(reference)?;
    let mut results = Vec::new();
    for (name, document) in operations {
        // The spec's rules (apollo-compiler: variables, argument types,
        // required arguments, fragments), then the generator's own resolver.
        let outcome = validate_by_spec(&spec_schema, document, name)
            .and_then(|()| validate_operation(document, reference))
            .err();
        if let Some(message) = &outcome {
            problems.push(format!("operation {name}: {message}"));
        }
        results.push(((*name).to_owned(), outcome));
    }
    let changes = crate::schema_diff::diff(&ours, &theirs, crate::schema_diff::Scope::UsedByClient);
    Ok(CheckReport {
        types_checked: ours.types.len(),
        operations_checked: operations.len(),
        problems,
        operations: results,
        changes,
    })
}

/// The reference as a schema apollo-compiler validates against: SDL as is,
/// introspection JSON printed as SDL first. A reference that is itself not
/// valid by the spec is taken as it is (it is Datasaur's, not ours to fix).
fn spec_schema(
    reference: &Path,
) -> Result<apollo_compiler::validation::Valid<apollo_compiler::Schema>, SchemaCheckError> {
    let text = std::fs::read_to_string(reference).map_err(|source| SchemaCheckError::Read {
        path: reference.to_owned(),
        source,
    })?;
    let invalid = |message: String| SchemaCheckError::Invalid {
        origin: reference.display().to_string(),
        message,
    };
    let sdl = if reference.extension().is_some_and(|ext| ext == "json") {
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let schema = crate::introspection::schema_of(&json).map_err(invalid)?;
        crate::introspection::to_sdl(schema)
    } else {
        text
    };
    match apollo_compiler::Schema::parse_and_validate(sdl, reference) {
        Ok(schema) => Ok(schema),
        Err(with_errors) => Ok(apollo_compiler::validation::Valid::assume_valid(
            with_errors.partial,
        )),
    }
}

/// Validates one executable document by the GraphQL spec's rules.
fn validate_by_spec(
    schema: &apollo_compiler::validation::Valid<apollo_compiler::Schema>,
    document: &str,
    name: &str,
) -> Result<(), String> {
    apollo_compiler::ExecutableDocument::parse_and_validate(schema, document, name)
        .map(|_| ())
        .map_err(|with_errors| {
            with_errors
                .errors
                .iter()
                .map(|diagnostic| diagnostic.error.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        })
}

/// Validates one executable document against a schema file with the same
/// resolver the build uses.
fn validate_operation(document: &str, schema: &Path) -> Result<(), String> {
    let options = GraphQLClientCodegenOptions::new(CodegenMode::Cli);
    // The schema was parsed already, so codegen's own parse does not panic;
    // catch_unwind guards against any other panic inside the library.
    let outcome = std::panic::catch_unwind(|| {
        generate_module_token_stream_from_string(document, schema, options).map(|_| ())
    });
    match outcome {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the GraphQL code generator failed on this document".to_owned()),
    }
}

/// The parts of a schema that matter for compatibility, from SDL or introspection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaModel {
    /// Name of the query root type.
    pub query: Option<String>,
    /// Name of the mutation root type.
    pub mutation: Option<String>,
    /// Every named type, by name.
    pub types: BTreeMap<String, TypeModel>,
}

/// One named type.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TypeModel {
    /// `OBJECT`, `INPUT_OBJECT`, `ENUM`, `SCALAR`, `INTERFACE` or `UNION`.
    pub kind: String,
    /// Fields (objects, interfaces) or input fields (input objects).
    pub fields: BTreeMap<String, FieldModel>,
    /// Enum values.
    pub enum_values: BTreeSet<String>,
}

/// A field, argument or input field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldModel {
    /// The type as SDL writes it: `[String!]!`.
    pub type_ref: String,
    /// Whether an argument or input field has a default value.
    pub has_default: bool,
    /// Arguments, for fields.
    pub args: BTreeMap<String, FieldModel>,
}

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

impl SchemaModel {
    /// Reads a schema file: introspection JSON for `.json`, SDL otherwise.
    pub fn load(path: &Path) -> Result<Self, SchemaCheckError> {
        let text = std::fs::read_to_string(path).map_err(|source| {
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
            Self::from_introspection_json(&text, &origin)
        } else {
            Self::from_sdl(&text, &origin)
        }
    }

    /// Reads SDL.
    pub fn from_sdl(sdl: &str, origin: &str) -> Result<Self, SchemaCheckError> {
        let document = graphql_parser::schema::parse_schema::<String>(sdl).map_err(|e| {
            SchemaCheckError::Invalid {
                origin: origin.to_owned(),
                message: e.to_string(),
            }
        })?;
        let mut model = SchemaModel::default();
        let input_value = |value: &graphql_parser::schema::InputValue<'_, String>| FieldModel {
            type_ref: value.value_type.to_string(),
            has_default: value.default_value.is_some(),
            args: BTreeMap::new(),
        };
        for definition in document.definitions {
            match definition {
                Definition::SchemaDefinition(schema) => {
                    model.query = schema.query;
                    model.mutation = schema.mutation;
                }
                Definition::TypeDefinition(definition) => {
                    let (name, ty) = match definition {
                        TypeDefinition::Scalar(s) => (s.name, TypeModel::of_kind("SCALAR")),
                        TypeDefinition::Union(u) => (u.name, TypeModel::of_kind("UNION")),
                        TypeDefinition::Enum(e) => {
                            let mut ty = TypeModel::of_kind("ENUM");
                            ty.enum_values = e.values.into_iter().map(|v| v.name).collect();
                            (e.name, ty)
                        }
                        TypeDefinition::InputObject(i) => {
                            let mut ty = TypeModel::of_kind("INPUT_OBJECT");
                            ty.fields = i
                                .fields
                                .iter()
                                .map(|f| (f.name.clone(), input_value(f)))
                                .collect();
                            (i.name, ty)
                        }
                        TypeDefinition::Object(o) => {
                            (o.name, object_model("OBJECT", &o.fields, input_value))
                        }
                        TypeDefinition::Interface(i) => {
                            (i.name, object_model("INTERFACE", &i.fields, input_value))
                        }
                    };
                    model.types.insert(name, ty);
                }
                Definition::TypeExtension(_) | Definition::DirectiveDefinition(_) => {}
            }
        }
        // Without a `schema {}` block, the spec's default root names apply.
        if model.query.is_none() && model.types.contains_key("Query") {
            model.query = Some("Query".into());
        }
        if model.mutation.is_none() && model.types.contains_key("Mutation") {
            model.mutation = Some("Mutation".into());
        }
        Ok(model)
    }

    /// Reads an introspection result: `{"data": {"__schema": ...}}` or `{"__schema": ...}`.
    pub fn from_introspection_json(json: &str, origin: &str) -> Result<Self, SchemaCheckError> {
        let invalid = |message: String| SchemaCheckError::Invalid {
            origin: origin.to_owned(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| invalid(format!("not JSON: {e}")))?;
        let schema = value
            .pointer("/data/__schema")
            .or_else(|| value.get("__schema"))
            .ok_or_else(|| invalid("no `__schema` (expected an introspection result)".into()))?;
        let schema: introspection::Schema = serde_json::from_value(schema.clone())
            .map_err(|e| invalid(format!("unexpected introspection shape: {e}")))?;
        let input_value = |value: &introspection::InputValue| FieldModel {
            type_ref: value.type_ref.to_string(),
            has_default: value.default_value.is_some(),
            args: BTreeMap::new(),
        };
        let mut model = SchemaModel {
            query: schema.query_type.map(|t| t.name),
            mutation: schema.mutation_type.map(|t| t.name),
            types: BTreeMap::new(),
        };
        for ty in schema.types {
            let mut out = TypeModel::of_kind(&ty.kind);
            for field in ty.fields.unwrap_or_default() {
                let args = field
                    .args
                    .iter()
                    .map(|a| (a.name.clone(), input_value(a)))
                    .collect();
                out.fields.insert(
                    field.name,
                    FieldModel {
                        type_ref: field.type_ref.to_string(),
                        has_default: false,
                        args,
                    },
                );
            }
            for field in ty.input_fields.unwrap_or_default() {
                out.fields.insert(field.name.clone(), input_value(&field));
            }
            out.enum_values = ty
                .enum_values
                .unwrap_or_default()
                .into_iter()
                .map(|v| v.name)
                .collect();
            model.types.insert(ty.name, out);
        }
        Ok(model)
    }
}

impl TypeModel {
    fn of_kind(kind: &str) -> Self {
        TypeModel {
            kind: kind.to_owned(),
            ..TypeModel::default()
        }
    }
}

fn object_model(
    kind: &str,
    fields: &[graphql_parser::schema::Field<'_, String>],
    input_value: impl Fn(&graphql_parser::schema::InputValue<'_, String>) -> FieldModel,
) -> TypeModel {
    let mut ty = TypeModel::of_kind(kind);
    for field in fields {
        let args = field
            .arguments
            .iter()
            .map(|a| (a.name.clone(), input_value(a)))
            .collect();
        ty.fields.insert(
            field.name.clone(),
            FieldModel {
                type_ref: field.field_type.to_string(),
                has_default: false,
                args,
            },
        );
    }
    ty
}

/// Everything in `ours` that `theirs` lacks or types differently, and every
/// required argument or input field of `theirs` that `ours` omits.
pub fn subset_problems(ours: &SchemaModel, theirs: &SchemaModel, origin: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (root, ours_root, theirs_root) in [
        ("query", &ours.query, &theirs.query),
        ("mutation", &ours.mutation, &theirs.mutation),
    ] {
        if ours_root.is_some() && ours_root != theirs_root {
            problems.push(format!(
                "{root} root type is {ours_root:?} here but {theirs_root:?} in {origin}"
            ));
        }
    }
    for (name, ty) in &ours.types {
        if BUILT_IN_SCALARS.contains(&name.as_str()) {
            continue;
        }
        let Some(their_ty) = theirs.types.get(name) else {
            problems.push(format!("type {name}: missing in {origin}"));
            continue;
        };
        if ty.kind != their_ty.kind {
            problems.push(format!(
                "type {name}: is {} here but {} in {origin}",
                ty.kind, their_ty.kind
            ));
            continue;
        }
        for value in ty.enum_values.difference(&their_ty.enum_values) {
            problems.push(format!("enum {name}: value {value} missing in {origin}"));
        }
        compare_fields(
            name,
            &ty.fields,
            &their_ty.fields,
            ty.kind == "INPUT_OBJECT",
            origin,
            &mut problems,
        );
        for (field_name, field) in &ty.fields {
            if let Some(their_field) = their_ty.fields.get(field_name) {
                compare_fields(
                    &format!("{name}.{field_name}"),
                    &field.args,
                    &their_field.args,
                    true,
                    origin,
                    &mut problems,
                );
            }
        }
    }
    problems
}

/// Compares fields (or arguments). With `inputs`, a required entry of theirs
/// that ours omits is a problem too: a request built from ours would lack it.
fn compare_fields(
    owner: &str,
    ours: &BTreeMap<String, FieldModel>,
    theirs: &BTreeMap<String, FieldModel>,
    inputs: bool,
    origin: &str,
    problems: &mut Vec<String>,
) {
    for (name, field) in ours {
        match theirs.get(name) {
            None => problems.push(format!("{owner}: `{name}` missing in {origin}")),
            Some(their) if their.type_ref != field.type_ref => problems.push(format!(
                "{owner}: `{name}` is `{}` here but `{}` in {origin}",
                field.type_ref, their.type_ref
            )),
            Some(_) => {}
        }
    }
    if inputs {
        for (name, their) in theirs {
            let required = their.type_ref.ends_with('!') && !their.has_default;
            if required && !ours.contains_key(name) {
                problems.push(format!(
                    "{owner}: required `{name}: {}` of {origin} missing here",
                    their.type_ref
                ));
            }
        }
    }
}

/// Just enough of the introspection format.
mod introspection {
    use std::fmt;

    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct Schema {
        pub query_type: Option<Named>,
        pub mutation_type: Option<Named>,
        pub types: Vec<FullType>,
    }

    #[derive(Deserialize)]
    pub(super) struct Named {
        pub name: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct FullType {
        pub kind: String,
        pub name: String,
        pub fields: Option<Vec<Field>>,
        pub input_fields: Option<Vec<InputValue>>,
        pub enum_values: Option<Vec<Named>>,
    }

    #[derive(Deserialize)]
    pub(super) struct Field {
        pub name: String,
        #[serde(default)]
        pub args: Vec<InputValue>,
        #[serde(rename = "type")]
        pub type_ref: TypeRef,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct InputValue {
        pub name: String,
        #[serde(rename = "type")]
        pub type_ref: TypeRef,
        pub default_value: Option<String>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct TypeRef {
        pub kind: String,
        pub name: Option<String>,
        pub of_type: Option<Box<TypeRef>>,
    }

    impl fmt::Display for TypeRef {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match (self.kind.as_str(), &self.of_type) {
                ("NON_NULL", Some(inner)) => write!(f, "{inner}!"),
                ("LIST", Some(inner)) => write!(f, "[{inner}]"),
                _ => f.write_str(self.name.as_deref().unwrap_or("?")),
            }
        }
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} types and {} operations checked: {}",
            self.types_checked,
            self.operations_checked,
            if self.is_ok() {
                "all match".to_owned()
            } else {
                format!("{} problem(s)", self.problems.len())
            }
        )
    }
}

#[cfg(test)]
mod sandbox_agreement;
#[cfg(test)]
mod tests;
