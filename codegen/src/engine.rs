//! The one place that drives graphql_client_codegen, the engine that turns
//! an operation into Rust: through its public options, and its output read
//! through the structure its 0.16 writes (per operation: a unit struct, a
//! module, an `impl graphql_client::GraphQLQuery`). Output of another shape
//! is an error naming the operation, never a silent difference; a test
//! pins the shape to the version in `Cargo.toml`.

use std::collections::BTreeSet;
use std::path::Path;

use graphql_client_codegen::normalization::Normalization;
use graphql_client_codegen::{
    CodegenMode, GraphQLClientCodegenOptions, generate_module_token_stream_from_string,
};

use crate::{Error, error};

/// The graphql_client_codegen release whose output shape this file reads.
pub(crate) const ENGINE_VERSION: &str = "0.16";

/// What to ask of the engine for one document.
pub(crate) struct Request<'a> {
    /// The document, as graphql_client_codegen is to read it.
    pub(crate) text: &'a str,
    pub(crate) schema_file: &'a Path,
    /// The operation file, for messages.
    pub(crate) file: &'a Path,
    /// Where generated modules find the custom scalars.
    pub(crate) scalars: &'a str,
    /// Schema enums defined outside the modules (all of them: the shared
    /// `types` module has them).
    pub(crate) extern_enums: Vec<String>,
    /// The Rust type of the answer's one field, when it is a shared selection.
    pub(crate) response_type: Option<&'a str>,
}

/// One operation as the engine wrote it.
pub(crate) struct Operation {
    /// The unit struct's name.
    pub(crate) name: String,
    pub(crate) item: syn::ItemStruct,
    /// Its module: `Variables`, `ResponseData`, `OPERATION_NAME`, `QUERY`.
    pub(crate) module: syn::ItemMod,
}

fn options(request: &Request<'_>) -> Result<GraphQLClientCodegenOptions, Error> {
    let mut options = GraphQLClientCodegenOptions::new(CodegenMode::Cli);
    options.set_normalization(Normalization::Rust);
    options.set_response_derives("Debug, Clone, PartialEq".into());
    options.set_variables_derives("Debug, Clone, PartialEq".into());
    options.set_custom_scalars_module(
        syn::parse_str(request.scalars)
            .map_err(|e| error(format!("`{}`: {e}", request.scalars)))?,
    );
    options.set_skip_serializing_none(true);
    options.set_extern_enums(request.extern_enums.clone());
    options.set_module_visibility(syn::parse_str("pub").map_err(|e| error(e.to_string()))?);
    if let Some(response_type) = request.response_type {
        options.set_custom_response_type(response_type.to_owned());
    }
    Ok(options)
}

/// Runs the engine on one document and reads what it wrote.
pub(crate) fn generate(request: &Request<'_>, schema_name: &str) -> Result<Vec<Operation>, Error> {
    let options = options(request)?;
    let file = request.file.display();
    // The checks before this one leave it nothing to panic on that we know
    // of; if it still does, the user gets a build error, not a crash.
    let outcome = std::panic::catch_unwind(|| {
        generate_module_token_stream_from_string(request.text, request.schema_file, options)
    });
    let tokens = match outcome {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(error(format!("{file}: does not match {schema_name}: {e}"))),
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("no message");
            return Err(error(format!(
                "{file}: graphql_client_codegen failed on this operation ({why}); \
                 please report it with the file to datasaur-codegen"
            )));
        }
    };
    let generated: syn::File = syn::parse2(tokens)
        .map_err(|e| unexpected(request.file, &format!("its output does not parse: {e}")))?;
    read(generated, request.file)
}

/// Output of a shape this file does not know.
fn unexpected(file: &Path, what: &str) -> Error {
    error(format!(
        "{}: graphql_client_codegen wrote code datasaur-codegen cannot read ({what}); \
         datasaur-codegen reads the output of graphql_client_codegen {ENGINE_VERSION}",
        file.display()
    ))
}

/// Per operation: `struct Op;`, `mod op { .. }`, and
/// `impl graphql_client::GraphQLQuery for Op { type Variables = op::Variables; .. }`,
/// which ties the struct to its module. That impl is not kept: the
/// operations implement `datasaur::Operation` instead.
fn read(generated: syn::File, file: &Path) -> Result<Vec<Operation>, Error> {
    let mut structs = Vec::new();
    let mut modules = Vec::new();
    let mut ties = Vec::new();
    for item in generated.items {
        match item {
            syn::Item::Struct(item) => structs.push(item),
            syn::Item::Mod(module) => modules.push(module),
            syn::Item::Impl(block) => {
                let tie = query_impl(&block).ok_or_else(|| {
                    unexpected(file, "an impl that is not graphql_client::GraphQLQuery")
                })?;
                ties.push(tie);
            }
            other => {
                let what = format!("an unexpected item: {}", kind(&other));
                return Err(unexpected(file, &what));
            }
        }
    }
    let mut operations = Vec::new();
    let mut seen = BTreeSet::new();
    for (name, module_name) in ties {
        let struct_at = structs.iter().position(|item| item.ident == name);
        let module_at = modules
            .iter()
            .position(|module| module.ident == module_name);
        let (Some(struct_at), Some(module_at)) = (struct_at, module_at) else {
            return Err(unexpected(
                file,
                &format!("no struct `{name}` with module `{module_name}`"),
            ));
        };
        if !seen.insert(name.clone()) {
            return Err(unexpected(file, &format!("`{name}` twice")));
        }
        operations.push(Operation {
            name,
            item: structs.remove(struct_at),
            module: modules.remove(module_at),
        });
    }
    if !structs.is_empty() || !modules.is_empty() {
        return Err(unexpected(file, "a struct or a module of no operation"));
    }
    Ok(operations)
}

/// The operation and its module, from its `GraphQLQuery` impl.
fn query_impl(block: &syn::ItemImpl) -> Option<(String, String)> {
    let (_, trait_path, _) = block.trait_.as_ref()?;
    if trait_path.segments.last()?.ident != "GraphQLQuery" {
        return None;
    }
    let syn::Type::Path(operation) = &*block.self_ty else {
        return None;
    };
    let operation = operation.path.segments.last()?.ident.to_string();
    let module = block.items.iter().find_map(|item| match item {
        syn::ImplItem::Type(ty) if ty.ident == "Variables" => match &ty.ty {
            syn::Type::Path(path) => Some(path.path.segments.first()?.ident.to_string()),
            _ => None,
        },
        _ => None,
    })?;
    Some((operation, module))
}

fn kind(item: &syn::Item) -> &'static str {
    match item {
        syn::Item::Const(_) => "a const",
        syn::Item::Enum(_) => "an enum",
        syn::Item::Fn(_) => "a function",
        syn::Item::Type(_) => "a type alias",
        syn::Item::Use(_) => "a use",
        _ => "another item",
    }
}

impl Operation {
    /// The items of its module.
    fn items(&self) -> &[syn::Item] {
        self.module
            .content
            .as_ref()
            .map_or(&[][..], |(_, items)| &items[..])
    }

    /// The answer's fields, `(name, type)`, from `struct ResponseData`.
    pub(crate) fn response_fields(&self, file: &Path) -> Result<Vec<(String, syn::Type)>, Error> {
        let data = self
            .items()
            .iter()
            .find_map(|item| match item {
                syn::Item::Struct(data) if data.ident == "ResponseData" => Some(data),
                _ => None,
            })
            .ok_or_else(|| unexpected(file, &format!("`{}` has no ResponseData", self.name)))?;
        Ok(data
            .fields
            .iter()
            .filter_map(|field| Some((field.ident.as_ref()?.to_string(), field.ty.clone())))
            .collect())
    }

    /// The names its module defines (structs, enums, type aliases).
    pub(crate) fn defined_types(&self) -> BTreeSet<String> {
        self.items()
            .iter()
            .filter_map(|item| match item {
                syn::Item::Struct(s) => Some(s.ident.to_string()),
                syn::Item::Enum(e) => Some(e.ident.to_string()),
                syn::Item::Type(t) => Some(t.ident.to_string()),
                _ => None,
            })
            .collect()
    }

    /// Takes the input objects `inputs` (Rust names) out of its module, with
    /// their impls, and brings in the shared ones instead, with the shared
    /// `enums` its variables reach (the engine writes none: they are
    /// extern): each input must be there, where graphql_client_codegen
    /// writes the inputs an operation's variables reach.
    pub(crate) fn share_inputs(
        &mut self,
        inputs: &BTreeSet<String>,
        enums: &BTreeSet<String>,
        file: &Path,
    ) -> Result<(), Error> {
        if inputs.is_empty() && enums.is_empty() {
            return Ok(());
        }
        let name = self.name.clone();
        let Some((_, items)) = &mut self.module.content else {
            return Err(unexpected(file, &format!("`{name}`'s module is empty")));
        };
        let named = |item: &syn::Item| -> Option<String> {
            let ident = match item {
                syn::Item::Enum(e) => e.ident.to_string(),
                syn::Item::Struct(s) => s.ident.to_string(),
                syn::Item::Type(t) => t.ident.to_string(),
                syn::Item::Impl(block) => match &*block.self_ty {
                    syn::Type::Path(path) => path.path.segments.last()?.ident.to_string(),
                    _ => return None,
                },
                _ => return None,
            };
            inputs.contains(&ident).then_some(ident)
        };
        let mut found = BTreeSet::new();
        items.retain(|item| match named(item) {
            Some(ident) => {
                found.insert(ident);
                false
            }
            None => true,
        });
        if let Some(missing) = inputs.difference(&found).next() {
            return Err(unexpected(
                file,
                &format!("no input `{missing}` in `{name}`'s module"),
            ));
        }
        let names: Vec<&str> = inputs.union(enums).map(String::as_str).collect();
        let import = syn::parse_str::<syn::Item>(&format!(
            "pub use super::types::{{{}}};",
            names.join(", ")
        ))
        .map_err(|e| error(e.to_string()))?;
        items.insert(0, import);
        Ok(())
    }
}

/// `ty`, named from outside the module `module`: each name the module
/// defines that starts a path gets the module in front
/// (`Option < GetJobJob >` becomes `Option < get_job :: GetJobJob >`).
pub(crate) fn from_outside(
    ty: &syn::Type,
    module: &syn::Ident,
    defined: &BTreeSet<String>,
) -> String {
    let text = quote::ToTokens::to_token_stream(ty).to_string();
    let mut previous = "";
    let mut out = Vec::new();
    for token in text.split(' ') {
        if previous != "::" && defined.contains(token) {
            out.push(format!("{module} :: {token}"));
        } else {
            out.push(token.to_owned());
        }
        previous = token;
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape `read` expects is the shape of the engine in Cargo.toml:
    /// a new release that changes it fails here first, by name.
    #[test]
    fn the_engine_writes_the_shape_this_file_reads() {
        let dir = tempfile::tempdir().unwrap();
        let schema = dir.path().join("schema.graphql");
        std::fs::write(
            &schema,
            "schema { query: Query }\ntype Query { job(id: String!): Job }\n\
             type Job { id: String! progress: Int! kind: Kind! }\n\
             enum Kind { A B }\ninput Filter { kind: Kind, inner: Inner }\ninput Inner { id: String }\n",
        )
        .unwrap();
        let text =
            "query JobState($id: String!, $filter: Filter) { job(id: $id) { id progress kind } }";
        let request = Request {
            text,
            schema_file: &schema,
            file: Path::new("job_state.graphql"),
            scalars: "crate::scalars",
            extern_enums: vec!["Kind".into()],
            response_type: None,
        };
        let mut operations = generate(&request, "schema.graphql").unwrap();
        assert_eq!(operations.len(), 1);
        let operation = &mut operations[0];
        assert_eq!(operation.name, "JobState");
        assert_eq!(operation.module.ident, "job_state");
        let fields = operation.response_fields(Path::new("x")).unwrap();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].0, "job");
        let defined = operation.defined_types();
        assert!(
            !defined.contains("Kind"),
            "an extern enum is not written: {defined:?}"
        );
        // The inputs the variables reach are written where they are taken out.
        operation
            .share_inputs(
                &BTreeSet::from(["Filter".into(), "Inner".into()]),
                &BTreeSet::from(["Kind".into()]),
                Path::new("x"),
            )
            .unwrap();
        assert!(!operation.defined_types().contains("Inner"));

        // A shared selection's type, by the public option.
        let request = Request {
            response_type: Some("crate::Job"),
            ..request
        };
        let operations = generate(&request, "schema.graphql").unwrap();
        let fields = operations[0].response_fields(Path::new("x")).unwrap();
        let ty = &fields[0].1;
        let outside = from_outside(
            ty,
            &operations[0].module.ident,
            &operations[0].defined_types(),
        );
        assert_eq!(outside, "Option < job_state :: JobStateJob >");
        let alias = operations[0]
            .items()
            .iter()
            .find_map(|item| match item {
                syn::Item::Type(alias) if alias.ident == "JobStateJob" => Some(alias),
                _ => None,
            })
            .expect("the alias of the custom response type");
        assert_eq!(
            quote::ToTokens::to_token_stream(&*alias.ty).to_string(),
            "crate :: Job"
        );
    }

    #[test]
    fn output_of_another_shape_names_the_file_and_the_version() {
        let file: syn::File = syn::parse_str("pub struct Op; const X: u8 = 1;").unwrap();
        let Err(failure) = read(file, Path::new("graphql/op.graphql")) else {
            panic!("read an unknown shape");
        };
        let failure = failure.to_string();
        assert!(failure.contains("graphql/op.graphql"), "{failure}");
        assert!(failure.contains(ENGINE_VERSION), "{failure}");
        let file: syn::File = syn::parse_str("pub struct Op; pub mod other {}").unwrap();
        assert!(read(file, Path::new("op.graphql")).is_err());
    }
}
