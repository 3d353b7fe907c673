//! `datasaur schema check`: is this build's schema a faithful subset of a server's?

use std::path::PathBuf;
use std::process::ExitCode;

use crate::schema_check::{SchemaCheckError, check_against};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Check the built-in SDL and operations against a server's schema.
    ///
    /// Exit codes: 0 everything matches, 1 mismatches found, 3 the reference
    /// file is missing or unreadable.
    #[command(after_help = "Example:\n  datasaur schema check --against datasaur.schema.json")]
    Check {
        /// The reference: introspection JSON (`.json`, e.g. from
        /// `graphql-client introspect-schema`) or SDL.
        #[arg(long, value_name = "FILE")]
        against: PathBuf,
    },
    /// Print the built-in SDL (`graphql/schema.graphql`).
    #[command(after_help = "Example:\n  datasaur schema print > schema.graphql")]
    Print,
}

pub fn run(command: SchemaCommand) -> ExitCode {
    match command {
        SchemaCommand::Print => {
            print!("{}", datasaur::operations::SCHEMA_SDL);
            ExitCode::SUCCESS
        }
        SchemaCommand::Check { against } => match check_against(&against) {
            Ok(report) if report.is_ok() => {
                println!("{}: {report}", against.display());
                ExitCode::SUCCESS
            }
            Ok(report) => {
                for problem in &report.problems {
                    eprintln!("mismatch: {problem}");
                }
                eprintln!("{}: {report}", against.display());
                ExitCode::from(1)
            }
            Err(error @ SchemaCheckError::NotFound { .. }) => {
                eprintln!("cannot check: {error}; nothing was compared");
                ExitCode::from(3)
            }
            Err(error) => {
                eprintln!("cannot check: {error}");
                ExitCode::from(3)
            }
        },
    }
}
