//! `datasaur`: the command-line tool for Datasaur's job API.

mod connection;
mod demo;
mod exit;
mod job;
mod report;
mod sandbox;
mod schema;
mod schema_check;
mod table;

use std::process::ExitCode;

use clap::{ArgAction, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Drive Datasaur's job API from the command line.
#[derive(Debug, Parser)]
#[command(name = "datasaur", version, about)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the sandbox, run a job through the client and wait on it: no network, no account.
    Demo,
    /// Show and wait on jobs.
    Job(job::JobArgs),
    /// Serve a local Datasaur-compatible API (GraphQL, OAuth, job scripts) until Ctrl-C.
    Sandbox(sandbox::SandboxArgs),
    /// Work with the GraphQL schema this tool was built against.
    #[command(subcommand)]
    Schema(schema::SchemaCommand),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    match cli.command {
        Command::Demo => demo::run().await.into(),
        Command::Job(args) => job::run(args).await.into(),
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Schema(command) => schema::run(command),
    }
}

fn init_logging(verbose: u8, quiet: bool) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
