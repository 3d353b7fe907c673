//! `datasaur`: the command-line tool for Datasaur's job API.

mod sandbox;
mod schema;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Drive Datasaur's job API from the command line.
#[derive(Debug, Parser)]
#[command(name = "datasaur", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the GraphQL schema this tool was built against.
    #[command(subcommand)]
    Schema(schema::SchemaCommand),
    /// Serve a local Datasaur-compatible API (GraphQL, OAuth, job scripts) until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Schema(command) => schema::run(command),
        Command::Sandbox(args) => sandbox::run(args).await,
    }
}
