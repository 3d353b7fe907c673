//! Checks this crate's GraphQL surface (`graphql/schema.graphql` and every
//! operation) against a server's full schema, so that a schema that drifted
//! from Datasaur's is caught before a request fails in production.
//!
//! The reference is an introspection result (`.json`, as written by
//! `datasaur schema pull` or `graphql-client introspect-schema`) or SDL (any
//! other extension).

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;
use graphql_client_codegen::{
    CodegenMode, GraphQLClientCodegenOptions, generate_module_token_stream_from_string,
};

use crate::schema::error::SchemaCheckError;
use crate::schema::model::{self as schema_model, Member};

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
    pub changes: Vec<crate::schema::diff::Change>,
    /// What the operations use that the reference marks deprecated.
    pub deprecated: Vec<crate::schema::usage::Deprecated>,
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
    let ours = schema_model::parse_sdl(sdl, "our SDL")?;
    let theirs = schema_model::load(reference)?;
    let origin = reference.display().to_string();
    let mut problems = subset_problems(&ours, &theirs, &origin);
    let changes =
        crate::schema::diff::diff(&ours, &theirs, crate::schema::diff::Scope::UsedByClient);
    let types_checked = schema_model::own_types(&ours).len();
    // Validation is by the spec's rules; a reference that breaks them is
    // still Datasaur's, so it is taken as it is rather than refused.
    let theirs = theirs.validate().unwrap_or_else(|with_errors| {
        apollo_compiler::validation::Valid::assume_valid(with_errors.partial)
    });
    let mut results = Vec::new();
    for (name, document) in operations {
        // The spec's rules (apollo-compiler: variables, argument types,
        // required arguments, fragments), then the generator's own resolver.
        let outcome = validate_by_spec(&theirs, document, name)
            .and_then(|()| validate_operation(document, reference))
            .err();
        if let Some(message) = &outcome {
            problems.push(format!("operation {name}: {message}"));
        }
        results.push(((*name).to_owned(), outcome));
    }
    let deprecated = crate::schema::usage::usage(&theirs, operations).deprecated;
    Ok(CheckReport {
        types_checked,
        operations_checked: operations.len(),
        problems,
        operations: results,
        changes,
        deprecated,
    })
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

/// Everything in `ours` that `theirs` lacks or types differently, and every
/// required argument or input field of `theirs` that `ours` omits.
pub fn subset_problems(ours: &Schema, theirs: &Schema, origin: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (root, ours_root, theirs_root) in schema_model::changed_roots(ours, theirs) {
        problems.push(format!(
            "{root} root type is {ours_root:?} here but {theirs_root:?} in {origin}"
        ));
    }
    let their_types = schema_model::own_types(theirs);
    for (name, ty) in schema_model::own_types(ours) {
        let Some(their_ty) = their_types.get(name) else {
            problems.push(format!("type {name}: missing in {origin}"));
            continue;
        };
        let (kind, their_kind) = (schema_model::kind(ty), schema_model::kind(their_ty));
        if kind != their_kind {
            problems.push(format!(
                "type {name}: is {kind} here but {their_kind} in {origin}"
            ));
            continue;
        }
        for value in schema_model::enum_values(ty).difference(&schema_model::enum_values(their_ty))
        {
            problems.push(format!("enum {name}: value {value} missing in {origin}"));
        }
        let (fields, their_fields) = (schema_model::members(ty), schema_model::members(their_ty));
        compare_members(
            name,
            &fields,
            &their_fields,
            matches!(ty, ExtendedType::InputObject(_)),
            origin,
            &mut problems,
        );
        for (field_name, field) in &fields {
            if let Some(their_field) = their_fields.get(field_name) {
                compare_members(
                    &format!("{name}.{field_name}"),
                    &schema_model::arguments(field),
                    &schema_model::arguments(their_field),
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
fn compare_members(
    owner: &str,
    ours: &BTreeMap<&str, Member<'_>>,
    theirs: &BTreeMap<&str, Member<'_>>,
    inputs: bool,
    origin: &str,
    problems: &mut Vec<String>,
) {
    for (name, member) in ours {
        match theirs.get(name) {
            None => problems.push(format!("{owner}: `{name}` missing in {origin}")),
            Some(their) if their.ty != member.ty => problems.push(format!(
                "{owner}: `{name}` is `{}` here but `{}` in {origin}",
                member.ty, their.ty
            )),
            Some(_) => {}
        }
    }
    if inputs {
        for (name, their) in theirs {
            if their.is_required_input() && !ours.contains_key(name) {
                problems.push(format!(
                    "{owner}: required `{name}: {}` of {origin} missing here",
                    their.ty
                ));
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
mod tests;
