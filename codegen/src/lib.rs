#![doc = include_str!("../README.md")]

mod documents;
mod engine;
mod generate;
mod schema;
mod types;
mod validate;

use std::path::{Path, PathBuf};

/// A line in an operation file that says a call starts work, so that it is
/// never repeated once it may have reached the server.
pub const STARTS_WORK_MARK: &str = "# datasaur: starts-work";

/// The SDL of the part of Datasaur's API the `datasaur` crate uses: a
/// starting point for your own `graphql/schema.graphql`.
pub const DATASAUR_SCHEMA_SDL: &str = include_str!("../schema.graphql");

/// The bundled schema as a file of this package, for graphql_client_codegen,
/// which reads schemas from files.
const BUNDLED_SCHEMA_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");

/// Generates the operations of one directory against one schema.
#[derive(Debug, Clone)]
pub struct Generator {
    schema: PathBuf,
    /// The schema is [`DATASAUR_SCHEMA_SDL`], not a file of the user's.
    bundled: bool,
    operations: PathBuf,
    paths: Paths,
    /// Fragment name -> the Rust type answers of that selection use.
    shared_types: Vec<(String, String)>,
}

/// Where the generated code finds the `datasaur` crate's items.
#[derive(Debug, Clone)]
struct Paths {
    job_status: String,
    scalars: String,
    operation_trait: String,
    single_field_trait: String,
    datasaur_types: String,
    inside_datasaur: bool,
}

/// Why generation failed; its `Display` names the file, the line and the
/// name that is wrong, and so does its `Debug`, which a `main` returning
/// `Result` prints.
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
                job_status: "::datasaur::JobStatus".into(),
                scalars: "::datasaur::operations::scalars".into(),
                operation_trait: "::datasaur::Operation".into(),
                single_field_trait: "::datasaur::SingleField".into(),
                datasaur_types: "::datasaur::operations::types".into(),
                inside_datasaur: false,
            },
            shared_types: Vec::new(),
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
            ..Generator::new("the bundled Datasaur schema", operations)
        }
    }

    /// Answers whose one field selects exactly `...fragment` (a fragment of
    /// a file that holds only fragments) are read into `rust_type`, one
    /// type of yours for every such operation, instead of a struct the
    /// generator writes. The type must deserialize from the fragment's
    /// JSON, and have a field (`snake_case`, visible to the generated code)
    /// for each field the fragment selects: the build checks that.
    ///
    /// Without it, the first operation (in file order) that selects the
    /// fragment this way defines its struct, and the others use that one.
    ///
    /// ```no_run
    /// // build.rs: every `{ ...Job }` answer is read into your own `Job`.
    /// fn main() -> Result<(), datasaur_codegen::Error> {
    ///     datasaur_codegen::Generator::new("graphql/schema.graphql", "graphql")
    ///         .shared_type("Job", "crate::model::Job")
    ///         .run_in_build_script("datasaur_operations.rs")
    /// }
    /// ```
    #[must_use]
    pub fn shared_type(
        mut self,
        fragment: impl Into<String>,
        rust_type: impl Into<String>,
    ) -> Self {
        self.shared_types.push((fragment.into(), rust_type.into()));
        self
    }

    /// For the `datasaur` crate itself, which names its items through `crate::`.
    #[doc(hidden)]
    pub fn inside_datasaur(mut self) -> Self {
        self.paths = Paths {
            job_status: "crate::JobStatus".into(),
            scalars: "crate::operations::scalars".into(),
            operation_trait: "crate::Operation".into(),
            single_field_trait: "crate::SingleField".into(),
            datasaur_types: "crate::operations::types".into(),
            inside_datasaur: true,
        };
        self
    }

    /// The schema file graphql_client_codegen reads: the user's, or the
    /// bundled SDL as this package ships it.
    fn schema_file(&self) -> Result<PathBuf, Error> {
        if !self.bundled {
            return Ok(self.schema.clone());
        }
        let packaged = PathBuf::from(BUNDLED_SCHEMA_FILE);
        if packaged.is_file() {
            return Ok(packaged);
        }
        // A build without this package's sources beside it (rare): the
        // text, written once where a build script's output goes.
        let dir = std::env::var_os("OUT_DIR")
            .map(PathBuf::from)
            .ok_or_else(|| {
                error(format!(
                    "{BUNDLED_SCHEMA_FILE} is missing and OUT_DIR is not set"
                ))
            })?;
        let out = dir.join("datasaur.schema.graphql");
        std::fs::write(&out, DATASAUR_SCHEMA_SDL)
            .map_err(|e| error(format!("writing {}: {e}", out.display())))?;
        Ok(out)
    }

    /// The generated Rust source.
    pub fn generate(&self) -> Result<String, Error> {
        let schema_file = self.schema_file()?;
        generate::generate(self, &schema_file)
    }

    /// Generates and writes to `out`.
    pub fn write_to(&self, out: &Path) -> Result<(), Error> {
        let generated = self.generate()?;
        std::fs::write(out, generated).map_err(|e| error(format!("writing {}: {e}", out.display())))
    }

    /// For `build.rs`: paths relative to the crate (cargo runs build
    /// scripts there), output to `$OUT_DIR/<file_name>`, a rerun when
    /// anything in the operations directory or the schema changes. A
    /// failure is printed as cargo's build error (`cargo::error=`, naming
    /// the file, the line and the name) and returned; nothing exits the
    /// process.
    pub fn run_in_build_script(self, file_name: &str) -> Result<(), Error> {
        let outcome = self.try_run_in_build_script(file_name);
        if let Err(failure) = &outcome {
            for line in failure.to_string().lines() {
                println!("cargo::error={line}");
            }
        }
        outcome
    }

    fn try_run_in_build_script(self, file_name: &str) -> Result<(), Error> {
        println!("cargo:rerun-if-changed={}", self.operations.display());
        if !self.bundled {
            println!("cargo:rerun-if-changed={}", self.schema.display());
        }
        let generated = self.generate()?;
        let out = PathBuf::from(env("OUT_DIR")?).join(file_name);
        std::fs::write(&out, generated)
            .map_err(|e| error(format!("writing {}: {e}", out.display())))
    }

    /// The operation documents as they are sent, `(file, text)`: each
    /// operation file's text (its comment lines left out), then the
    /// definitions of the fragments it spreads from other files; files of
    /// fragments only are not listed. What `datasaur schema check` checks
    /// against a server's schema.
    ///
    /// ```no_run
    /// let documents = datasaur_codegen::Generator::new("graphql/schema.graphql", "graphql")
    ///     .documents()?;
    /// for (file, text) in documents {
    ///     println!("{file}: {} bytes sent", text.len());
    /// }
    /// # Ok::<(), datasaur_codegen::Error>(())
    /// ```
    pub fn documents(&self) -> Result<Vec<(String, String)>, Error> {
        let documents = self.read_documents()?;
        let fragments = documents::gather_fragments(&documents)?;
        Ok(documents
            .iter()
            .filter(|document| !document.is_fragments_only())
            .map(|document| {
                (
                    document.shown.display().to_string(),
                    document.sent_text(&fragments),
                )
            })
            .collect())
    }

    /// Every operation file, read and parsed; named as under the
    /// operations directory as given.
    fn read_documents(&self) -> Result<Vec<documents::Document>, Error> {
        let mut read = Vec::new();
        for path in self.operation_files()? {
            let shown = path
                .file_name()
                .map_or_else(|| path.clone(), |name| self.operations.join(name));
            read.push(documents::Document::read(&path, shown)?);
        }
        Ok(read)
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

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| error(format!("cargo did not set {name}")))
}

#[cfg(test)]
mod tests;
