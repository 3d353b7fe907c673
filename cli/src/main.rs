//! `datasaur`: the command-line tool for Datasaur's job API.

mod argv;
mod bounded;
mod completions;
mod connection;
mod demo;
mod event;
mod exit;
mod export;
mod failure;
mod interrupt;
mod job;
mod local_file;
mod project;
mod report;
mod sandbox;
mod schema;
mod state_file;
mod table;
mod tally;
#[cfg(test)]
mod test_support;
mod text;
mod upload;

use std::process::ExitCode;

use clap::{ArgAction, CommandFactory, Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use crate::exit::Exit;

/// Drive Datasaur's job API from the command line.
#[derive(Debug, Parser)]
#[command(
    name = "datasaur",
    version,
    about,
    after_help = "Try it offline: `datasaur sandbox` in one terminal, then in another:\n  \
                  export DATASAUR_URL=http://127.0.0.1:4000 DATASAUR_ACCESS_TOKEN=<the token it printed>\n  \
                  datasaur job get AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637"
)]
struct Cli {
    /// More log output on stderr (-v info, -vv debug); RUST_LOG overrides.
    #[arg(short, long, action = ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// How log lines on stderr look: `text`, or `json` (one JSON object a
    /// line: time, level, message, fields, and the spans around it).
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

/// The log lines' format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the sandbox, run a job through the client and wait on it: no network, no account.
    #[command(after_help = "Example:\n  datasaur demo")]
    Demo,
    /// Show and wait on jobs.
    #[command(after_help = "Examples:\n  \
                            datasaur job get AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637\n  \
                            datasaur job wait --timeout 30m --ids-from jobs.txt\n  \
                            datasaur --token <TOKEN> job wait --json <ID> | jq .")]
    Job(job::JobArgs),
    /// Projects: list them, create one from files, add documents.
    #[command(subcommand)]
    Project(project::ProjectCommand),
    /// Export projects and download the files.
    #[command(after_help = "Examples:\n  \
                            datasaur export project --format JSON --out exports/ <PROJECT_ID>\n  \
                            datasaur export project --format TSV --no-wait <PROJECT_ID> <PROJECT_ID>")]
    Export(export::ExportArgs),
    /// Upload files for project creation and print each one's object key.
    #[command(after_help = upload::UPLOAD_HELP)]
    Upload(upload::UploadArgs),
    /// Serve a local Datasaur-compatible API (GraphQL, OAuth, job scripts) until Ctrl-C.
    #[command(after_help = "Example:\n  datasaur sandbox --addr 127.0.0.1:4000\n  \
                            then: export DATASAUR_URL=http://127.0.0.1:4000 DATASAUR_ACCESS_TOKEN=<the token it prints>")]
    Sandbox(sandbox::SandboxArgs),
    /// Pull, check and diff Datasaur's GraphQL schema.
    #[command(
        subcommand,
        after_help = "Examples:\n  \
                      datasaur schema pull --out datasaur.schema.json\n  \
                      datasaur schema check --against datasaur.schema.json\n  \
                      datasaur schema diff graphql/schema.graphql datasaur.schema.json"
    )]
    Schema(schema::SchemaCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    #[command(after_help = completions::COMPLETIONS_HELP)]
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) to stdout, or write every page to a folder.
    #[command(after_help = completions::MAN_HELP)]
    Man(completions::ManArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse_from(argv::hoist_connection_flags(std::env::args_os().collect()))
    {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version are not failures; every usage error is exit 3,
            // as --help documents (clap's own code, 2, means "timed out" here).
            let _ = error.print();
            return if error.use_stderr() {
                Exit::UsageOrAuth.into()
            } else {
                Exit::Success.into()
            };
        }
    };
    init_logging(cli.verbose, cli.quiet, cli.log_format);
    match cli.command {
        Command::Demo => interrupt::unless_stopped(async { demo::run().await.into() }).await,
        Command::Job(args) => {
            interrupt::unless_stopped(async { job::run(args).await.into() }).await
        }
        Command::Export(args) => {
            interrupt::unless_stopped(async { export::run(args).await.into() }).await
        }
        Command::Project(command) => {
            interrupt::unless_stopped(async { project::run(command).await.into() }).await
        }
        Command::Upload(args) => {
            interrupt::unless_stopped(async { upload::run(args).await.into() }).await
        }
        // Stops on its own signal handling, shutting the server down.
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Schema(command) => interrupt::unless_stopped(schema::run(command)).await,
        Command::Completions(args) => completions::run(args, &mut Cli::command()),
        Command::Man(args) => completions::man(args, Cli::command()).await,
    }
}

fn init_logging(verbose: u8, quiet: bool, format: LogFormat) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Colour only for a person at a terminal: not into pipes and files
    // (`-vv 2>&1 | head`), nor when NO_COLOR is set (no-color.org).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr())
        && std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty());
    let lines = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => lines.with_ansi(colour).init(),
        LogFormat::Json => lines.json().with_current_span(true).init(),
    }
}
