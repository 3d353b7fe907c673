//! # datasaur-codegen
//!
//! Generates typed Rust for GraphQL operations (`*.graphql` files) against a
//! Datasaur schema, the way the `datasaur` crate generates its own: call it
//! from your `build.rs`, `include!` the output, and run the operations with
//! `datasaur::Client::execute`.
//!
//! Conventions, the same as `datasaur`'s own operations:
//! - `JobStatus` (and `ExportDeliveryStatus`) is `datasaur::JobStatus`,
//!   forward compatible (`Unknown(..)` for values added later);
//! - the JSON scalars map to `serde_json::Value`;
//! - absent optional inputs are left out of the request, not sent as `null`;
//! - every operation implements `datasaur::Operation`, which records whether
//!   repeating it is safe: mutations, and queries marked with a line
//!   `# datasaur: starts-work` (an export is a query that starts work), are
//!   never sent again once they may have reached the server;
//! - a field the schema lacks fails the build, naming the file and the field.
//!
//! In `build.rs`'s `main`:
//!
//! ```no_run
//! fn main() -> Result<(), datasaur_codegen::Error> {
//!     datasaur_codegen::Generator::new("graphql/schema.graphql", "graphql")
//!         .run_in_build_script("datasaur_operations.rs")
//! }
//! ```
//!
//! ```text
//! // src/operations.rs
//! include!(concat!(env!("OUT_DIR"), "/datasaur_operations.rs"));
//! ```
//!
//! The schema is SDL (`.graphql`) or introspection JSON (`.json`); `datasaur
//! schema pull` writes either, and [`DATASAUR_SCHEMA_SDL`] is the part of
//! Datasaur's schema the `datasaur` crate itself uses.

mod schema;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use graphql_client_codegen::{
    CodegenMode, GraphQLClientCodegenOptions, generate_module_token_stream_from_string,
    normalization::Normalization,
};

/// A line in an operation file that says a call starts work, so that it is
/// never repeated once it may have reached the server.
pub const STARTS_WORK_MARK: &str = "# datasaur: starts-work";

/// The SDL of the part of Datasaur's API the `datasaur` crate uses: a
/// starting point for your own `graphql/schema.graphql`.
pub const DATASAUR_SCHEMA_SDL: &str = include_str!("../schema.graphql");

/// Generates the operations of one directory against one schema.
#[derive(Debug, Clone)]
pub struct Generator {
    schema: PathBuf,
    /// The schema is [`DATASAUR_SCHEMA_SDL`], not a file of the user's.
    bundled: bool,
    operations: PathBuf,
    paths: Paths,
}

/// Where the generated code finds the `datasaur` crate's items.
#[derive(Debug, Clone)]
struct Paths {
    crate_root: String,
    job_status: String,
    scalars: String,
    operation_trait: String,
    datasaur_types: String,
}

/// Why generation failed; its `Display` names the file (and the field), and
/// so does its `Debug`, which a `main` returning `Result` prints.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

fn error(message: impl Into<String>) -> Error {
    Error {
        message: message.into(),
    }
}

impl Generator {
    /// Operations in `operations` (every `*.graphql` file there but the
    /// schema itself) against `schema`; paths relative to the crate root
    /// when run in a build script.
    pub fn new(schema: impl Into<PathBuf>, operations: impl Into<PathBuf>) -> Self {
        Generator {
            schema: schema.into(),
            bundled: false,
            operations: operations.into(),
            paths: Paths {
                crate_root: "::datasaur".into(),
                job_status: "::datasaur::JobStatus".into(),
                scalars: "::datasaur::operations::scalars".into(),
                operation_trait: "::datasaur::Operation".into(),
                datasaur_types: "::datasaur::operations::types".into(),
            },
        }
    }

    /// Operations in `operations` against the part of Datasaur's schema the
    /// `datasaur` crate uses ([`DATASAUR_SCHEMA_SDL`]), for a crate with no
    /// schema file of its own yet. Chains like [`Generator::new`].
    ///
    /// ```no_run
    /// // build.rs
    /// fn main() -> Result<(), datasaur_codegen::Error> {
    ///     datasaur_codegen::Generator::with_bundled_schema("graphql")
    ///         .run_in_build_script("datasaur_operations.rs")
    /// }
    /// ```
    pub fn with_bundled_schema(operations: impl Into<PathBuf>) -> Self {
        Generator {
            bundled: true,
            ..Generator::new("datasaur.schema.graphql", operations)
        }
    }

    /// The schema file to read: the user's, or the bundled SDL written out
    /// (graphql_client reads a schema from a file), beside the output in a
    /// build script.
    fn schema_file(&self) -> Result<PathBuf, Error> {
        if !self.bundled {
            return Ok(self.schema.clone());
        }
        // One file per call: two generators of one process never write the
        // file another is reading.
        static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::var_os("OUT_DIR").map_or_else(std::env::temp_dir, PathBuf::from);
        let out = dir.join(format!(
            "datasaur-bundled-{}-{call}.schema.graphql",
            std::process::id()
        ));
        std::fs::write(&out, DATASAUR_SCHEMA_SDL)
            .map_err(|e| error(format!("writing {}: {e}", out.display())))?;
        Ok(out)
    }

    /// For the `datasaur` crate itself, which names its items through `crate::`.
    #[doc(hidden)]
    pub fn inside_datasaur(mut self) -> Self {
        self.paths = Paths {
            crate_root: "crate".into(),
            job_status: "crate::JobStatus".into(),
            scalars: "crate::operations::scalars".into(),
            operation_trait: "crate::Operation".into(),
            datasaur_types: "crate::operations::types".into(),
        };
        self
    }

    /// The generated Rust source.
    pub fn generate(&self) -> Result<String, Error> {
        let schema_file = self.schema_file()?;
        let generated = self.generate_against(&schema_file);
        if self.bundled {
            // The written-out bundled schema served this call only.
            let _ = std::fs::remove_file(&schema_file);
        }
        generated
    }

    fn generate_against(&self, schema_file: &Path) -> Result<String, Error> {
        let schema_text = read(schema_file)?;
        let is_json = self.schema.extension().is_some_and(|ext| ext == "json");
        // Read first: graphql_client_codegen panics on unparsable SDL.
        let model = schema::read(&schema_text, is_json, &self.schema.display().to_string())?;
        // Rust name -> schema name of every type the shared module can hold.
        let shared: BTreeMap<String, String> = model
            .enums
            .keys()
            .chain(model.inputs.keys())
            .filter(|name| !types::EXTERN_ENUMS.contains(&name.as_str()))
            .map(|name| (types::rust_type_name(name), name.clone()))
            .collect();
        let mut used = BTreeSet::new();
        let mut generated = format!(
            "// @generated by datasaur-codegen from {} against {}\n\
             #[allow(unused_imports)]\nuse {};\n\
             /// An export's delivery status has a job status's values.\n\
             #[allow(dead_code)]\ntype ExportDeliveryStatus = JobStatus;\n\
             // The Rust normalization names `ID` variables `Id`.\n\
             #[allow(dead_code)]\ntype Id = String;\n",
            self.operations.display(),
            self.schema.display(),
            self.paths.job_status,
        );
        let mut operation_code = String::new();
        let mut documents = String::from(
            "\n/// Every operation document: `(file, text)`.\n#[allow(dead_code)]\npub const OPERATION_DOCUMENTS: &[(&str, &str)] = &[\n",
        );
        let mut starts_work = Vec::new();
        for path in self.operation_files()? {
            let source = read(&path)?;
            let _ = writeln!(
                documents,
                "    ({:?}, {:?}),",
                path.display().to_string(),
                source
            );
            let marked = source.lines().any(|line| line.trim() == STARTS_WORK_MARK);
            let operations = operations_in(&source, &path)?;
            // Comment lines (the mark among them) stay out of what is sent.
            let sent: String = source
                .lines()
                .filter(|line| !line.trim_start().starts_with('#'))
                .map(|line| format!("{line}\n"))
                .collect();
            let tokens =
                generate_module_token_stream_from_string(&sent, schema_file, self.options()?)
                    .map_err(|e| {
                        error(format!(
                            "{}: does not match {}: {e}",
                            path.display(),
                            self.schema.display()
                        ))
                    })?;
            let mut file: syn::File = syn::parse2(tokens).map_err(|e| {
                error(format!(
                    "{}: generated code does not parse: {e}",
                    path.display()
                ))
            })?;
            // What graphql_client emits for every operation is not all used
            // by each one: no warnings in the user's build for it.
            let quiet: syn::ItemMod =
                syn::parse_str("#[allow(unused_imports, dead_code, clippy::all)] mod m {}")
                    .map_err(|e| error(e.to_string()))?;
            // graphql_client's impl of its own trait goes: the operation
            // implements ours, which names its module.
            let mut modules = BTreeMap::new();
            file.items.retain(|item| match graphql_query_impl(item) {
                Some((operation, module)) => {
                    modules.insert(operation, module);
                    false
                }
                None => true,
            });
            for item in &mut file.items {
                if let syn::Item::Mod(module) = item {
                    module.attrs.extend(quiet.attrs.iter().cloned());
                    used.extend(share_types(module, &shared));
                }
            }
            let _ = writeln!(operation_code, "\n// from {}", path.display());
            operation_code.push_str(&prettyplease::unparse(&file));
            for (name, is_mutation) in operations {
                let repeat_unsafe = is_mutation || marked;
                if repeat_unsafe {
                    starts_work.push(name.clone());
                }
                let module = modules.get(&name).ok_or_else(|| {
                    error(format!("{}: no code generated for {name}", path.display()))
                })?;
                let _ = writeln!(
                    operation_code,
                    "impl {} for {name} {{\n    type Variables = {module}::Variables;\n    type ResponseData = {module}::ResponseData;\n    const OPERATION_NAME: &'static str = {module}::OPERATION_NAME;\n    const QUERY: &'static str = {module}::QUERY;\n    const STARTS_WORK: bool = {repeat_unsafe};\n}}",
                    self.paths.operation_trait
                );
            }
        }
        let (define, reuse) = if self.paths.crate_root == "crate" {
            // The datasaur crate defines every type of its schema, so that
            // users' operations can share them.
            let all = types::closure(&model, shared.values().cloned());
            (all, BTreeSet::new())
        } else {
            let used = types::closure(&model, used);
            let bundled = schema::read(DATASAUR_SCHEMA_SDL, false, "the bundled schema")?;
            let reuse = types::reusable(&used, &model, &bundled);
            (used.difference(&reuse).cloned().collect(), reuse)
        };
        let paths = types::Paths {
            job_status: &self.paths.job_status,
            scalars: &self.paths.scalars,
            datasaur_types: &self.paths.datasaur_types,
        };
        generated.push('\n');
        let types_module = types::module(&model, &define, &reuse, &paths);
        let types_file = syn::parse_file(&types_module)
            .map_err(|e| error(format!("the shared types do not parse: {e}")))?;
        generated.push_str(&prettyplease::unparse(&types_file));
        generated.push_str(&operation_code);
        documents.push_str("];\n");
        generated.push_str(&documents);
        let _ = writeln!(
            generated,
            "\n/// Operations that start work (mutations, and queries marked `{STARTS_WORK_MARK}`):\n/// never sent again once they may have reached the server.\n#[allow(dead_code)]\npub const STARTS_WORK: &[&str] = &{starts_work:?};"
        );
        Ok(generated)
    }

    /// Generates and writes to `out`.
    pub fn write_to(&self, out: &Path) -> Result<(), Error> {
        let generated = self.generate()?;
        std::fs::write(out, generated).map_err(|e| error(format!("writing {}: {e}", out.display())))
    }

    /// For `build.rs`: paths relative to the crate, output to
    /// `$OUT_DIR/<file_name>`, a rerun when anything in the operations
    /// directory or the schema changes. A failure is printed as cargo's
    /// build error (`cargo::error=`, naming the file and the field) and
    /// returned; nothing exits the process.
    pub fn run_in_build_script(self, file_name: &str) -> Result<(), Error> {
        let outcome = self.try_run_in_build_script(file_name);
        if let Err(failure) = &outcome {
            for line in failure.to_string().lines() {
                println!("cargo::error={line}");
            }
        }
        outcome
    }

    fn try_run_in_build_script(mut self, file_name: &str) -> Result<(), Error> {
        let root = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
        println!("cargo:rerun-if-changed={}", self.operations.display());
        if !self.bundled {
            println!("cargo:rerun-if-changed={}", self.schema.display());
        }
        // Relative paths in messages and in the generated comments, as a
        // user names them; absolute paths for reading.
        let (schema, operations) = (self.schema.clone(), self.operations.clone());
        if !self.bundled {
            self.schema = root.join(&schema);
        }
        self.operations = root.join(&operations);
        let generated = self.generate().map_err(|failure| {
            let text = failure.to_string();
            let text = text.replace(&format!("{}/", root.display()), "");
            error(text)
        })?;
        let generated = generated.replace(&format!("{}/", root.display()), "");
        let out = PathBuf::from(env("OUT_DIR")?).join(file_name);
        std::fs::write(&out, generated)
            .map_err(|e| error(format!("writing {}: {e}", out.display())))
    }

    fn options(&self) -> Result<GraphQLClientCodegenOptions, Error> {
        let mut options = GraphQLClientCodegenOptions::new(CodegenMode::Cli);
        options.set_normalization(Normalization::Rust);
        options.set_response_derives("Debug, Clone, PartialEq".into());
        options.set_variables_derives("Debug, Clone, PartialEq".into());
        options.set_custom_scalars_module(
            syn::parse_str(&self.paths.scalars).map_err(|e| error(e.to_string()))?,
        );
        options.set_skip_serializing_none(true);
        options.set_extern_enums(vec!["JobStatus".into(), "ExportDeliveryStatus".into()]);
        options.set_module_visibility(syn::parse_str("pub").map_err(|e| error(e.to_string()))?);
        Ok(options)
    }

    /// Every `*.graphql` file in the operations directory except the
    /// schema, sorted for reproducible output.
    fn operation_files(&self) -> Result<Vec<PathBuf>, Error> {
        let entries = std::fs::read_dir(&self.operations)
            .map_err(|e| error(format!("reading {}: {e}", self.operations.display())))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| error(e.to_string()))?.path();
            // A `schema.graphql` beside the operations is a schema, never an operation.
            let is_schema = path == self.schema
                || path
                    .file_name()
                    .is_some_and(|name| name == "schema.graphql");
            if path.extension().is_some_and(|ext| ext == "graphql") && !is_schema {
                files.push(path);
            }
        }
        files.sort();
        Ok(files)
    }
}

/// `impl graphql_client::GraphQLQuery for Operation { type Variables = module::Variables; .. }`:
/// the operation and its module.
fn graphql_query_impl(item: &syn::Item) -> Option<(String, String)> {
    let syn::Item::Impl(block) = item else {
        return None;
    };
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

/// Takes the schema enums and input objects graphql_client wrote into an
/// operation's module out of it, and brings in the shared ones instead;
/// returns their schema names.
fn share_types(module: &mut syn::ItemMod, shared: &BTreeMap<String, String>) -> Vec<String> {
    let Some((_, items)) = &mut module.content else {
        return Vec::new();
    };
    let named = |item: &syn::Item| -> Option<String> {
        let ident = match item {
            syn::Item::Enum(e) => e.ident.to_string(),
            syn::Item::Struct(s) => s.ident.to_string(),
            syn::Item::Impl(block) => match &*block.self_ty {
                syn::Type::Path(path) => path.path.segments.last()?.ident.to_string(),
                _ => return None,
            },
            _ => return None,
        };
        shared.contains_key(&ident).then_some(ident)
    };
    let mut moved = BTreeSet::new();
    items.retain(|item| match named(item) {
        Some(ident) => {
            moved.insert(ident);
            false
        }
        None => true,
    });
    if !moved.is_empty() {
        let names: Vec<&str> = moved.iter().map(String::as_str).collect();
        if let Ok(import) =
            syn::parse_str::<syn::Item>(&format!("pub use super::types::{{{}}};", names.join(", ")))
        {
            items.insert(0, import);
        }
    }
    moved
        .iter()
        .filter_map(|ident| shared.get(ident).cloned())
        .collect()
}

/// The operations of a document: name, and whether it is a mutation.
fn operations_in(source: &str, path: &Path) -> Result<Vec<(String, bool)>, Error> {
    use graphql_parser::query::{Definition, OperationDefinition};
    let document = graphql_parser::query::parse_query::<String>(source)
        .map_err(|e| error(format!("{}: invalid GraphQL: {e}", path.display())))?;
    let mut operations = Vec::new();
    for definition in document.definitions {
        let (name, mutation) = match definition {
            Definition::Operation(OperationDefinition::Query(query)) => (query.name, false),
            Definition::Operation(OperationDefinition::Mutation(mutation)) => (mutation.name, true),
            Definition::Operation(OperationDefinition::SelectionSet(_)) => (None, false),
            Definition::Operation(OperationDefinition::Subscription(_)) => {
                return Err(error(format!(
                    "{}: Datasaur has no subscriptions; only queries and mutations",
                    path.display()
                )));
            }
            Definition::Fragment(_) => continue,
        };
        let name = name.ok_or_else(|| {
            error(format!(
                "{}: an operation needs a name (`query Name {{ ... }}`)",
                path.display()
            ))
        })?;
        operations.push((to_rust_type_name(&name), mutation));
    }
    Ok(operations)
}

/// The struct name graphql_client generates for an operation.
fn to_rust_type_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|e| error(format!("reading {}: {e}", path.display())))
}

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| error(format!("cargo did not set {name}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A directory with the schema in it, removed when the test ends.
    fn scratch(name: &str) -> tempfile::TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("datasaur-codegen-{name}-"))
            .tempdir()
            .unwrap();
        std::fs::write(dir.path().join("schema.graphql"), DATASAUR_SCHEMA_SDL).unwrap();
        dir
    }

    /// The bundled copy lives inside this package (so that it publishes);
    /// `graphql/schema.graphql` of the workspace is the source of truth.
    #[test]
    fn the_bundled_schema_is_the_workspace_schema() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../graphql/schema.graphql");
        if let Ok(source) = std::fs::read_to_string(&workspace) {
            assert_eq!(
                DATASAUR_SCHEMA_SDL, source,
                "codegen/schema.graphql differs from graphql/schema.graphql: copy it over"
            );
        } else {
            // Built from the published package: the workspace is not there.
            assert!(DATASAUR_SCHEMA_SDL.contains("type Job"));
        }
    }

    #[test]
    fn operations_get_the_trait_and_the_starts_work_record() {
        let scratch = scratch("ok");
        let dir = scratch.path();
        std::fs::write(
            dir.join("status.graphql"),
            "query JobState($id: String!) { job: getJob(jobId: $id) { id status } }",
        )
        .unwrap();
        std::fs::write(
            dir.join("export.graphql"),
            "# datasaur: starts-work\nquery StartExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }",
        )
        .unwrap();
        let code = Generator::new(dir.join("schema.graphql"), dir)
            .generate()
            .unwrap();
        assert!(
            code.contains(
                "impl ::datasaur::Operation for JobState {\n    type Variables = job_state::Variables;"
            ),
            "{code}"
        );
        assert!(code.contains(
            "const QUERY: &'static str = job_state::QUERY;\n    const STARTS_WORK: bool = false;"
        ));
        assert!(code.contains(
            "const QUERY: &'static str = start_export::QUERY;\n    const STARTS_WORK: bool = true;"
        ));
        assert!(
            !code.contains("graphql_client"),
            "graphql_client stays out of the output"
        );
        assert!(code.contains(r#"pub const STARTS_WORK: &[&str] = &["StartExport"];"#));
        assert!(!code.contains("query StartExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }\\n\", \"# datasaur"), "the mark is not sent");
    }

    #[test]
    fn users_operations_share_datasaurs_types_where_the_schema_agrees() {
        let scratch = scratch("shared");
        let dir = scratch.path();
        std::fs::write(
            dir.join("export.graphql"),
            "query MyExport($input: ExportTextProjectInput!) { export: exportTextProject(input: $input) { exportId } }",
        )
        .unwrap();
        let code = Generator::with_bundled_schema(dir).generate().unwrap();
        assert!(
            code.contains("pub use ::datasaur::operations::types::ExportTextProjectInput;"),
            "{code}"
        );
        assert!(code.contains("pub use ::datasaur::operations::types::GqlExportMethod;"));
        assert!(
            !code.contains("pub struct ExportTextProjectInput"),
            "{code}"
        );
        // A schema where the input has grown: the user's own type, and the
        // enums it reaches that did not change still shared.
        let grown = DATASAUR_SCHEMA_SDL.replace(
            "input ExportTextProjectInput {",
            "input ExportTextProjectInput {\n  newOption: Boolean",
        );
        std::fs::write(dir.join("schema.graphql"), grown).unwrap();
        let code = Generator::new(dir.join("schema.graphql"), dir)
            .generate()
            .unwrap();
        assert!(code.contains("pub struct ExportTextProjectInput"), "{code}");
        assert!(code.contains("pub new_option: Option<bool>"), "{code}");
        assert!(code.contains("pub use ::datasaur::operations::types::GqlExportMethod;"));
    }

    #[test]
    fn a_bad_field_names_the_file_and_the_field() {
        let scratch = scratch("bad");
        let dir = scratch.path();
        std::fs::write(
            dir.join("status.graphql"),
            "query JobState($id: String!) { job: getJob(jobId: $id) { id colour } }",
        )
        .unwrap();
        let failure = Generator::new(dir.join("schema.graphql"), dir)
            .generate()
            .unwrap_err()
            .to_string();
        assert!(failure.contains("status.graphql"), "{failure}");
        assert!(failure.contains("colour"), "{failure}");
    }

    #[test]
    fn a_bad_field_in_the_example_apps_operation_fails_naming_file_and_field() {
        let example =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/embedded-app/graphql");
        let scratch = scratch("example");
        let dir = scratch.path();
        // The app's operations, next to the bundled schema it is built against.
        for entry in std::fs::read_dir(&example).unwrap() {
            let path = entry.unwrap().path();
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
        let generator = Generator::new(dir.join("schema.graphql"), dir);
        generator
            .generate()
            .expect("the example's operations are valid");
        let query = dir.join("job_state.graphql");
        let text = std::fs::read_to_string(&query)
            .unwrap()
            .replace("progress", "percentDone");
        std::fs::write(&query, text).unwrap();
        let failure = generator.generate().unwrap_err().to_string();
        assert!(failure.contains("job_state.graphql"), "{failure}");
        assert!(failure.contains("percentDone"), "{failure}");
    }

    #[test]
    fn unnamed_operations_and_bad_schemas_are_refused_clearly() {
        let scratch = scratch("unnamed");
        let dir = scratch.path();
        std::fs::write(dir.join("anon.graphql"), "{ getJob(jobId: \"x\") { id } }").unwrap();
        let failure = Generator::new(dir.join("schema.graphql"), dir)
            .generate()
            .unwrap_err()
            .to_string();
        assert!(failure.contains("needs a name"), "{failure}");
        std::fs::write(dir.join("schema.graphql"), "type {").unwrap();
        let failure = Generator::new(dir.join("schema.graphql"), dir)
            .generate()
            .unwrap_err()
            .to_string();
        assert!(failure.contains("invalid GraphQL SDL"), "{failure}");
    }
}
