//! One generated file from a schema and a directory of operations: the
//! files read and checked, the shared `types` module, each operation
//! through the engine, its impls of `datasaur::Operation` and (for an
//! answer of one field) `datasaur::SingleField`, and the lists of documents
//! and of operations that start work.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use graphql_parser::query::{Definition, OperationDefinition, Selection, TypeCondition};
use heck::ToUpperCamelCase;

use crate::documents::{Document, borrowed_fragments, gather_fragments, spread_written_out};
use crate::schema::{self, Kind, SchemaTypes};
use crate::validate::{SharedFragment, Usage, check_document};
use crate::{DATASAUR_SCHEMA_SDL, Error, Generator, STARTS_WORK_MARK, engine, error, types};

/// Where answers of a shared selection are read into.
enum Target {
    /// A type the user named ([`Generator::shared_type`]).
    Mapped(String),
    /// The struct the engine wrote in the first operation that selects it.
    Owned { module: String },
}

pub(crate) fn generate(generator: &Generator, schema_file: &Path) -> Result<String, Error> {
    let schema_name = generator.schema.display().to_string();
    let schema_text = std::fs::read_to_string(schema_file)
        .map_err(|e| error(format!("reading {schema_name}: {e}")))?;
    let is_json = schema_file.extension().is_some_and(|ext| ext == "json");
    let model = schema::read(&schema_text, is_json, &schema_name)?;

    let documents = generator.read_documents()?;
    let fragments = gather_fragments(&documents)?;
    let mut usage = Usage::default();
    for document in &documents {
        check_document(
            &document.ast,
            &document.shown,
            &model,
            &fragments,
            &mut usage,
        )?;
    }
    for (fragment, _) in &generator.shared_types {
        if !fragments.contains_key(fragment) {
            return Err(error(format!(
                "shared_type(\"{fragment}\", ..): no fragment `{fragment}` in {}",
                generator.operations.display()
            )));
        }
    }

    let mut targets: BTreeMap<String, Target> = generator
        .shared_types
        .iter()
        .map(|(fragment, rust)| (fragment.clone(), Target::Mapped(rust.clone())))
        .collect();
    let extern_enums: Vec<String> = model.enums.keys().cloned().collect();
    let mut operation_code = String::new();
    let mut starts_work = Vec::new();
    let mut fragment_uses = String::new();
    for document in &documents {
        let named = document.operations()?;
        if named.is_empty() {
            continue;
        }
        let sent = document.sent_text(&fragments);
        let shared = document
            .single_spread()
            .filter(|name| is_shared(name, &fragments, &documents))
            .and_then(|name| Some((name, fragments.get(name)?)));
        let (engine_text, response_type, owns) = match shared {
            Some((name, fragment)) => match targets.get(name) {
                Some(target) => {
                    let written = spread_written_out(&document.ast, fragment.definition);
                    let text = format!("{written}{}", borrowed_fragments(&written, &fragments));
                    (text, Some(target_path(name, target)), None)
                }
                // The first to select it: the engine writes the fragment's
                // struct here, named as the fragment.
                None => (sent.clone(), Some(name.to_owned()), Some(name)),
            },
            None => (sent.clone(), None, None),
        };
        let request = engine::Request {
            text: &engine_text,
            schema_file,
            file: &document.shown,
            scalars: &generator.paths.scalars,
            extern_enums: extern_enums.clone(),
            response_type: response_type.as_deref(),
        };
        let mut operations = engine::generate(&request, &schema_name)?;
        if operations.len() != named.len() {
            return Err(error(format!(
                "{}: graphql_client_codegen wrote {} operations for {}",
                document.shown.display(),
                operations.len(),
                named.len()
            )));
        }
        let _ = writeln!(operation_code, "\n// from {}", document.shown.display());
        for operation in &mut operations {
            let Some(this) = named
                .iter()
                .find(|n| n.name.to_upper_camel_case() == operation.name)
            else {
                return Err(error(format!(
                    "{}: graphql_client_codegen wrote `{}`, an operation the file does not name",
                    document.shown.display(),
                    operation.name
                )));
            };
            let (inputs, enums) = reached_by_variables(&document.ast, &this.name, &model);
            operation.share_inputs(&inputs, &enums, &document.shown)?;
            if let Some(fragment) = owns {
                if !operation.defined_types().contains(fragment) {
                    return Err(error(format!(
                        "{}: graphql_client_codegen wrote no struct `{fragment}` for the fragment (datasaur-codegen reads its {} output)",
                        document.shown.display(),
                        engine::ENGINE_VERSION
                    )));
                }
                let module = operation.module.ident.to_string();
                let _ = writeln!(
                    fragment_uses,
                    "/// The answer of fragment `{fragment}`, shared by every operation that selects it.\npub use {module}::{fragment};"
                );
                targets.insert(fragment.to_owned(), Target::Owned { module });
            }
            let file = syn::File {
                shebang: None,
                attrs: Vec::new(),
                items: vec![
                    syn::Item::Struct(operation.item.clone()),
                    syn::Item::Mod(quiet(operation.module.clone())?),
                ],
            };
            operation_code.push_str(&prettyplease::unparse(&file));
            let starts = this.mutation || document.marked;
            if starts {
                starts_work.push(operation.name.clone());
            }
            let module = &operation.module.ident;
            let _ = writeln!(
                operation_code,
                "impl {} for {} {{\n    type Variables = {module}::Variables;\n    type ResponseData = {module}::ResponseData;\n    const OPERATION_NAME: &'static str = {module}::OPERATION_NAME;\n    const QUERY: &'static str = {sent:?};\n    const STARTS_WORK: bool = {starts};\n}}",
                generator.paths.operation_trait, operation.name
            );
            if let [(field, ty)] = &operation.response_fields(&document.shown)?[..] {
                let ty = engine::from_outside(ty, module, &operation.defined_types());
                let _ = writeln!(
                    operation_code,
                    "impl {} for {} {{\n    type Field = {ty};\n    fn into_field(data: Self::ResponseData) -> Self::Field {{\n        data.{field}\n    }}\n}}",
                    generator.paths.single_field_trait, operation.name
                );
            }
        }
    }

    let mut generated = format!(
        "// @generated by datasaur-codegen from {} against {}\n\
         #[allow(unused_imports)]\nuse {};\n\
         // Every module reaches the shared enums and inputs through `use super::*`.\n\
         #[allow(unused_imports)]\nuse self::types::*;\n\
         /// An export's delivery status has a job status's values.\n\
         #[allow(dead_code)]\ntype ExportDeliveryStatus = JobStatus;\n\
         // The Rust normalization names `ID` variables `Id`.\n\
         #[allow(dead_code)]\ntype Id = String;\n",
        generator.operations.display(),
        schema_name,
        generator.paths.job_status,
    );
    generated.push_str(&types_module(generator, &model, usage)?);
    generated.push_str(&fragment_uses);
    generated.push_str(&mapped_checks(generator, &fragments));
    generated.push_str(&operation_code);
    generated.push_str("\n/// Every operation document, as sent: `(file, text)`.\n#[allow(dead_code)]\npub const OPERATION_DOCUMENTS: &[(&str, &str)] = &[\n");
    for document in documents.iter().filter(|d| !d.is_fragments_only()) {
        let _ = writeln!(
            generated,
            "    ({:?}, {:?}),",
            document.shown.display().to_string(),
            document.sent_text(&fragments)
        );
    }
    generated.push_str("];\n");
    let _ = writeln!(
        generated,
        "\n/// Operations that start work (mutations, and queries marked `{STARTS_WORK_MARK}`):\n/// never sent again once they may have reached the server.\n#[allow(dead_code)]\npub const STARTS_WORK: &[&str] = &{starts_work:?};"
    );
    Ok(generated)
}

/// Whether `name` is a fragment of a file that holds only fragments.
fn is_shared(
    name: &str,
    fragments: &BTreeMap<String, SharedFragment<'_>>,
    documents: &[Document],
) -> bool {
    fragments.get(name).is_some_and(|fragment| {
        documents
            .iter()
            .any(|document| document.shown == fragment.file && document.is_fragments_only())
    })
}

fn target_path(fragment: &str, target: &Target) -> String {
    match target {
        Target::Mapped(rust) => rust.clone(),
        Target::Owned { module } => format!("super::{module}::{fragment}"),
    }
}

/// The Rust names of the input objects, and of the enums, the variables of
/// `operation` reach.
fn reached_by_variables(
    document: &graphql_parser::query::Document<'static, String>,
    operation: &str,
    model: &SchemaTypes,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let variables = document
        .definitions
        .iter()
        .find_map(|definition| match definition {
            Definition::Operation(OperationDefinition::Query(query))
                if query.name.as_deref() == Some(operation) =>
            {
                Some(&query.variable_definitions)
            }
            Definition::Operation(OperationDefinition::Mutation(mutation))
                if mutation.name.as_deref() == Some(operation) =>
            {
                Some(&mutation.variable_definitions)
            }
            _ => None,
        });
    let roots = variables
        .into_iter()
        .flatten()
        .map(|variable| named_type(&variable.var_type).to_owned());
    let reached = types::closure(model, roots);
    let of_kind = |kind: Kind| {
        reached
            .iter()
            .filter(|name| model.kinds.get(*name) == Some(&kind))
            .map(|name| types::rust_type_name(name))
            .collect()
    };
    (of_kind(Kind::Input), of_kind(Kind::Enum))
}

fn named_type<'a>(ty: &'a graphql_parser::query::Type<'static, String>) -> &'a str {
    use graphql_parser::query::Type;
    match ty {
        Type::NamedType(name) => name,
        Type::ListType(inner) | Type::NonNullType(inner) => named_type(inner),
    }
}

/// What the engine emits for every operation is not all used by each one:
/// no warnings in the user's build for it.
fn quiet(mut module: syn::ItemMod) -> Result<syn::ItemMod, Error> {
    let quiet: syn::ItemMod =
        syn::parse_str("#[allow(unused_imports, dead_code, clippy::all)] mod m {}")
            .map_err(|e| error(e.to_string()))?;
    module.attrs.extend(quiet.attrs);
    Ok(module)
}

/// The shared enums and inputs: every one of the schema for the `datasaur`
/// crate (users' operations share them), those used for a user's crate,
/// re-exported from `datasaur` where both schemas agree.
fn types_module(generator: &Generator, model: &SchemaTypes, usage: Usage) -> Result<String, Error> {
    let (define, reuse) = if generator.paths.inside_datasaur {
        let all = model.enums.keys().chain(model.inputs.keys()).cloned();
        (types::closure(model, all), BTreeSet::new())
    } else {
        let used = types::closure(model, usage.types);
        let bundled = schema::read(DATASAUR_SCHEMA_SDL, false, "the bundled schema")?;
        let reuse = types::reusable(&used, model, &bundled);
        (used.difference(&reuse).cloned().collect(), reuse)
    };
    let paths = types::Paths {
        job_status: &generator.paths.job_status,
        scalars: &generator.paths.scalars,
        datasaur_types: &generator.paths.datasaur_types,
    };
    let module = types::module(model, &define, &reuse, &paths);
    let file = syn::parse_file(&module)
        .map_err(|e| error(format!("the shared types do not parse: {e}")))?;
    Ok(format!("\n{}", prettyplease::unparse(&file)))
}

/// For each mapped shared type, a check the compiler runs: the type has a
/// field for each field its fragment selects.
fn mapped_checks(
    generator: &Generator,
    fragments: &BTreeMap<String, SharedFragment<'_>>,
) -> String {
    let mut out = String::new();
    for (name, rust) in &generator.shared_types {
        let Some(fragment) = fragments.get(name) else {
            continue;
        };
        let TypeCondition::On(on) = &fragment.definition.type_condition;
        let fields: Vec<String> = fragment
            .definition
            .selection_set
            .items
            .iter()
            .filter_map(|item| match item {
                Selection::Field(field) if field.name != "__typename" => {
                    let key = field.alias.as_deref().unwrap_or(&field.name);
                    Some(format!("&value.{}", types::rust_field_name(key)))
                }
                _ => None,
            })
            .collect();
        let _ = writeln!(
            out,
            "\n/// `{rust}` holds every field fragment `{name}` (on `{on}`, in {}) selects.\n#[allow(dead_code)]\nconst _: fn(&{rust}) = |value| {{\n    let _ = ({},);\n}};",
            fragment.file.display(),
            fields.join(", ")
        );
    }
    out
}
