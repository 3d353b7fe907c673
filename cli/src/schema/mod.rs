//! `datasaur schema pull|check|diff|print`: when Datasaur's schema moves,
//! pull it, see what broke, check it live.

pub mod check;
pub mod diff;
pub mod error;
pub mod introspection;
pub mod model;
pub mod usage;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Subcommand, ValueEnum};

use crate::connection::ConnectionArgs;
use crate::event::{Event, OperationCheck};
use crate::failure::chain;
use crate::schema::check::check;
use crate::schema::diff::{Scope, Severity, diff};
use crate::schema::error::SchemaCheckError;
use crate::text::{say, say_err};
use datasaur::__workspace::{PartFile, write_whole};

/// Exit code: nothing breaks.
const OK: u8 = 0;
/// Exit code: something breaks.
const BREAKS: u8 = 1;
/// Exit code: the reference is missing, unreadable or unreachable.
const NO_REFERENCE: u8 = 3;

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Introspect a live server (with the usual credentials) and write its
    /// schema: introspection JSON (as graphql_client reads it) or SDL.
    #[command(after_help = "Example (against `datasaur sandbox`):\n  \
        datasaur schema pull --url http://127.0.0.1:4000 --token <TOKEN> --out datasaur.schema.json\n\n\
        Exit codes: 0 written, 3 the server could not be introspected (nothing is written).")]
    Pull {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// Where to write (default: stdout). Written whole or not at all.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// What to write.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Check the built-in SDL and operations (or your app's, with
    /// --operations) against a server's schema: a file (JSON or SDL) or a
    /// URL, introspected live.
    ///
    /// Exit codes: 0 nothing breaks, 1 something breaks, 3 the reference is
    /// missing, unreadable or unreachable.
    #[command(
        after_help = "Examples:\n  datasaur schema check --against datasaur.schema.json\n  \
        datasaur schema check --against http://127.0.0.1:4000 --token <TOKEN> --json\n  \
        datasaur schema check --operations graphql/ --against datasaur.schema.json"
    )]
    Check {
        #[command(flatten)]
        connection: ConnectionArgs,
        /// The reference: introspection JSON (`.json`), SDL, or an http(s) URL.
        #[arg(long, value_name = "FILE|URL")]
        against: String,
        /// Check your app's operations instead of this crate's: every
        /// `*.graphql` in DIR but `schema.graphql`.
        #[arg(long, value_name = "DIR")]
        operations: Option<PathBuf>,
        /// The SDL those operations were generated against (default:
        /// DIR/schema.graphql if there, else the schema bundled with
        /// datasaur-codegen).
        #[arg(long, value_name = "SDL", requires = "operations")]
        schema: Option<PathBuf>,
        /// Count a deprecated field, argument or enum value that an
        /// operation uses as breaking (a warning by default).
        #[arg(long)]
        deny_deprecated: bool,
        /// A machine-readable report.
        #[arg(long)]
        json: bool,
    },
    /// Class the changes from one schema file to another (JSON or SDL):
    /// breaking, dangerous or safe.
    #[command(
        after_help = "Example:\n  datasaur schema diff graphql/schema.graphql datasaur.schema.json\n\n\
        Exit codes: 0 nothing breaks, 1 something breaks, 3 a file is missing or not a schema."
    )]
    Diff {
        /// The schema before.
        old: PathBuf,
        /// The schema after.
        new: PathBuf,
        /// Only the changes that touch what the operations in DIR use
        /// (every `*.graphql` but `schema.graphql`, read against OLD).
        #[arg(long, value_name = "DIR")]
        operations: Option<PathBuf>,
        /// A machine-readable report.
        #[arg(long)]
        json: bool,
    },
    /// List the types, fields and arguments the operations in DIR use (and
    /// which are deprecated), against the SDL they were generated with.
    #[command(after_help = "Example:\n  datasaur schema usage graphql/\n  \
        datasaur schema usage graphql/ --schema datasaur.schema.graphql --json")]
    Usage {
        /// The operations: every `*.graphql` in DIR but `schema.graphql`.
        dir: PathBuf,
        /// Their SDL (default: DIR/schema.graphql if there, else the bundled schema).
        #[arg(long, value_name = "SDL")]
        schema: Option<PathBuf>,
        /// A machine-readable report.
        #[arg(long)]
        json: bool,
    },
    /// Print the built-in SDL (`graphql/schema.graphql`).
    #[command(after_help = "Example:\n  datasaur schema print > schema.graphql")]
    Print,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Json,
    Sdl,
}

pub async fn run(command: SchemaCommand) -> ExitCode {
    ExitCode::from(match command {
        SchemaCommand::Print => {
            print!("{}", datasaur::operations::SCHEMA_SDL);
            OK
        }
        SchemaCommand::Pull {
            connection,
            out,
            format,
        } => pull(&connection, out.as_deref(), format).await,
        SchemaCommand::Check {
            connection,
            against,
            operations,
            schema,
            deny_deprecated,
            json,
        } => {
            let surface = match operations {
                Some(dir) => match Surface::of_app(&dir, schema.as_deref()) {
                    Ok(surface) => surface,
                    Err(message) => {
                        say_err!("cannot check: {message}; nothing was compared");
                        return ExitCode::from(NO_REFERENCE);
                    }
                },
                None => Surface::of_this_crate(),
            };
            check_command(&connection, &against, &surface, deny_deprecated, json).await
        }
        SchemaCommand::Diff {
            old,
            new,
            operations,
            json,
        } => diff_command(&old, &new, operations.as_deref(), json),
        SchemaCommand::Usage { dir, schema, json } => usage_command(&dir, schema.as_deref(), json),
    })
}

/// Introspects the server; the answer as `{"data": {"__schema": ...}}`.
async fn introspect(
    connection: &ConnectionArgs,
    url: Option<&str>,
) -> Result<serde_json::Value, String> {
    let client = connection.client_for(url)?;
    let data = client
        .execute_document(
            "IntrospectionQuery",
            introspection::QUERY,
            serde_json::Value::Object(serde_json::Map::new()),
            false,
        )
        .await
        .map_err(|error| chain(&error))?;
    // The shape `schema pull` writes: an introspection answer, `{"data": …}`.
    let answer = serde_json::Value::Object(serde_json::Map::from_iter([("data".to_owned(), data)]));
    introspection::schema_of(&answer)?;
    Ok(answer)
}

async fn pull(connection: &ConnectionArgs, out: Option<&Path>, format: Format) -> u8 {
    let answer = match introspect(connection, None).await {
        Ok(answer) => answer,
        Err(message) => {
            say_err!("error: cannot pull the schema: {message}; nothing was written");
            return NO_REFERENCE;
        }
    };
    // A schema is `__schema` with named, kinded types; anything else is
    // refused before a byte is written.
    if let Err(error) = crate::schema::model::from_introspection(&answer, "the answer") {
        say_err!("error: cannot pull the schema: {error}; nothing was written");
        return NO_REFERENCE;
    }
    let text = match format {
        Format::Json => match pretty_in_proportion(&answer) {
            Ok(text) => text,
            Err(message) => {
                say_err!("error: cannot pull the schema: {message}; nothing was written");
                return NO_REFERENCE;
            }
        },
        Format::Sdl => match introspection::schema_of(&answer) {
            Ok(schema) => introspection::to_sdl(schema),
            Err(message) => {
                say_err!("error: {message}");
                return NO_REFERENCE;
            }
        },
    };
    match out {
        None => {
            print!("{text}");
            OK
        }
        Some(path) => match write_whole(path, text.as_bytes(), true)
            .await
            .map_err(|error| format!("cannot write {}: {error}", path.display()))
        {
            Ok(()) => {
                say_err!("wrote {}", path.display());
                OK
            }
            Err(message) => {
                say_err!("error: {message}");
                NO_REFERENCE
            }
        },
    }
}

/// How much larger than the compact answer the pretty-printed file may be.
/// A real schema grows about 2×; deep nesting grows with the square of its
/// depth (a 1 MB answer of nested arrays became 124 MB).
const MAX_PRETTY_GROWTH: usize = 8;

/// The answer pretty-printed, unless that is out of proportion to it
/// (found while printing, so an oversized text is never held whole).
fn pretty_in_proportion(answer: &serde_json::Value) -> Result<String, String> {
    let compact = answer.to_string().len();
    let limit = compact.max(64 * 1024).saturating_mul(MAX_PRETTY_GROWTH);
    let mut out = Bounded {
        bytes: Vec::new(),
        limit,
        exceeded: false,
    };
    match serde_json::to_writer_pretty(&mut out, answer) {
        Ok(()) => String::from_utf8(out.bytes).map_err(|e| e.to_string()),
        Err(_) if out.exceeded => Err(format!(
            "the answer ({compact} bytes) would print as more than {limit} bytes \
             ({MAX_PRETTY_GROWTH}× its size): it is not an ordinary schema"
        )),
        Err(error) => Err(error.to_string()),
    }
}

/// A buffer that refuses to grow past `limit`.
struct Bounded {
    bytes: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len().saturating_add(data.len()) > self.limit {
            self.exceeded = true;
            self.bytes = Vec::new();
            return Err(std::io::ErrorKind::FileTooLarge.into());
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What is checked: an SDL and the operations generated against it.
struct Surface {
    sdl: String,
    operations: Vec<(String, String)>,
}

impl Surface {
    fn of_this_crate() -> Surface {
        Surface {
            sdl: datasaur::operations::SCHEMA_SDL.to_owned(),
            operations: datasaur::operations::OPERATION_DOCUMENTS
                .iter()
                .map(|(file, text)| ((*file).to_owned(), (*text).to_owned()))
                .collect(),
        }
    }

    /// An app's operations in `dir`, as its build sends them (the
    /// generator's own reading: each file with the fragments it spreads from
    /// other files; `schema.graphql` is the schema, never an operation), and
    /// its SDL.
    fn of_app(dir: &Path, schema: Option<&Path>) -> Result<Surface, String> {
        // The SDL's path only names it in the generator's messages here.
        let named = schema.map_or_else(|| dir.join("schema.graphql"), Path::to_path_buf);
        let operations = datasaur_codegen::Generator::new(named, dir)
            .documents()
            .map_err(|e| format!("--operations {}: {e}", dir.display()))?;
        if operations.is_empty() {
            return Err(format!(
                "--operations {}: no *.graphql operation there",
                dir.display()
            ));
        }
        let in_dir = dir.join("schema.graphql");
        let sdl = match schema {
            Some(path) => crate::local_file::read_text(path)
                .map_err(|e| format!("--schema {}: {e}", path.display()))?,
            None if in_dir.exists() => crate::local_file::read_text(&in_dir)
                .map_err(|e| format!("cannot read {}: {e}", in_dir.display()))?,
            None => datasaur::operations::SCHEMA_SDL.to_owned(),
        };
        Ok(Surface { sdl, operations })
    }
}

async fn check_command(
    connection: &ConnectionArgs,
    against: &str,
    surface: &Surface,
    deny_deprecated: bool,
    json: bool,
) -> u8 {
    let is_url = against.starts_with("http://") || against.starts_with("https://");
    // A URL is introspected into a temporary file: the operations are
    // validated against a file, as the build does.
    let (reference, _temp) = if is_url {
        let answer = match introspect(connection, Some(against)).await {
            Ok(answer) => answer,
            Err(message) => {
                say_err!("cannot check: {against}: {message}; nothing was compared");
                return NO_REFERENCE;
            }
        };
        // Exclusive, under an unpredictable name, removed when dropped.
        let written = async {
            let mut part = PartFile::scratch(&std::env::temp_dir(), "datasaur-check.json").await?;
            part.write(answer.to_string().as_bytes()).await?;
            part.sync().await?;
            Ok::<_, datasaur::Error>(part)
        };
        let part = match written.await {
            Ok(part) => part,
            Err(error) => {
                say_err!("cannot check: {error}");
                return NO_REFERENCE;
            }
        };
        (part.path().to_owned(), Some(part))
    } else {
        (PathBuf::from(against), None)
    };
    let operations: Vec<(&str, &str)> = surface
        .operations
        .iter()
        .map(|(file, text)| (file.as_str(), text.as_str()))
        .collect();
    let report = match check(&surface.sdl, &operations, &reference) {
        Ok(report) => report,
        Err(error @ SchemaCheckError::NotFound { .. }) => {
            say_err!("cannot check: {error}; nothing was compared");
            return NO_REFERENCE;
        }
        Err(error) => {
            say_err!("cannot check: {error}");
            return NO_REFERENCE;
        }
    };
    let breaking = report
        .changes
        .iter()
        .filter(|c| c.severity == Severity::Breaking)
        .count();
    let failing = report
        .operations
        .iter()
        .filter(|(_, error)| error.is_some())
        .count();
    let denied = deny_deprecated && !report.deprecated.is_empty();
    let verdict = if breaking == 0 && failing == 0 && report.is_ok() && !denied {
        OK
    } else {
        BREAKS
    };
    if json {
        let operations = report
            .operations
            .iter()
            .map(|(file, error)| OperationCheck {
                file,
                valid: error.is_none(),
                error: error.as_deref(),
            })
            .collect();
        Event::SchemaCheck {
            reference: against,
            types_checked: report.types_checked,
            operations,
            changes: &report.changes,
            deprecated: &report.deprecated,
            breaking,
            ok: verdict == OK,
        }
        .print();
    } else {
        for (file, error) in &report.operations {
            match error {
                None => say!("ok        {file}"),
                Some(message) => say!("BREAKS    {file}: {message}"),
            }
        }
        for change in &report.changes {
            say!("{change}");
        }
        for deprecated in &report.deprecated {
            let level = if deny_deprecated {
                "breaking "
            } else {
                "warning  "
            };
            say!(
                "{level} {} is deprecated{} (used by {})",
                deprecated.path,
                deprecated
                    .reason
                    .as_deref()
                    .map(|reason| format!(": {reason}"))
                    .unwrap_or_default(),
                deprecated.operation
            );
        }
        for problem in report
            .problems
            .iter()
            .filter(|p| !p.starts_with("operation "))
        {
            if !report
                .changes
                .iter()
                .any(|change| problem.contains(&change.path))
            {
                say!("mismatch  {problem}");
            }
        }
        say!("{against}: {report}");
    }
    verdict
}

/// `schema usage DIR`.
fn usage_command(dir: &Path, schema: Option<&Path>, json: bool) -> u8 {
    let surface = match Surface::of_app(dir, schema) {
        Ok(surface) => surface,
        Err(message) => {
            say_err!("error: {message}");
            return NO_REFERENCE;
        }
    };
    let Some(usage) = surface_usage(&surface, "the operations' SDL") else {
        return NO_REFERENCE;
    };
    if json {
        Event::SchemaUsage { usage: &usage }.print();
    } else {
        for (heading, items) in [
            ("types", &usage.types),
            ("fields", &usage.fields),
            ("arguments", &usage.arguments),
        ] {
            say!("{heading} ({}):", items.len());
            for item in items {
                say!("  {item}");
            }
        }
        for deprecated in &usage.deprecated {
            say!(
                "deprecated: {} ({}){}",
                deprecated.path,
                deprecated.operation,
                deprecated
                    .reason
                    .as_deref()
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            );
        }
    }
    OK
}

/// What `surface`'s operations use of its SDL; `None` (said why) when the
/// SDL is not a schema.
fn surface_usage(surface: &Surface, origin: &str) -> Option<crate::schema::usage::Usage> {
    let schema = match crate::schema::model::parse_sdl(&surface.sdl, origin) {
        Ok(schema) => schema,
        Err(error) => {
            say_err!("error: {error}");
            return None;
        }
    };
    let schema = schema.validate().unwrap_or_else(|with_errors| {
        apollo_compiler::validation::Valid::assume_valid(with_errors.partial)
    });
    let operations: Vec<(&str, &str)> = surface
        .operations
        .iter()
        .map(|(file, text)| (file.as_str(), text.as_str()))
        .collect();
    Some(crate::schema::usage::usage(&schema, &operations))
}

fn diff_command(old: &Path, new: &Path, operations: Option<&Path>, json: bool) -> u8 {
    let load = |path: &Path| {
        crate::schema::model::load(path).map_err(|error| {
            say_err!("cannot diff: {error}");
        })
    };
    let (Ok(old_model), Ok(new_model)) = (load(old), load(new)) else {
        return NO_REFERENCE;
    };
    let mut changes = diff(&old_model, &new_model, Scope::Everything);
    if let Some(dir) = operations {
        // What the operations use, read against the old schema.
        let old_sdl = old_model.to_string();
        let surface = match Surface::of_app(dir, None) {
            Ok(app) => Surface {
                sdl: old_sdl,
                operations: app.operations,
            },
            Err(message) => {
                say_err!("cannot diff: {message}");
                return NO_REFERENCE;
            }
        };
        let Some(usage) = surface_usage(&surface, "the old schema") else {
            return NO_REFERENCE;
        };
        changes.retain(|change| crate::schema::usage::touches(&usage, &change.path));
    }
    let breaking = changes
        .iter()
        .filter(|c| c.severity == Severity::Breaking)
        .count();
    if json {
        Event::SchemaDiff {
            old,
            new,
            changes: &changes,
            breaking,
        }
        .print();
    } else {
        for change in &changes {
            say!("{change}");
        }
        say!(
            "{} change(s): {breaking} breaking, {} dangerous, {} safe",
            changes.len(),
            changes
                .iter()
                .filter(|c| c.severity == Severity::Dangerous)
                .count(),
            changes
                .iter()
                .filter(|c| c.severity == Severity::Safe)
                .count()
        );
    }
    if breaking == 0 { OK } else { BREAKS }
}
