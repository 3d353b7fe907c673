//! `datasaur project`: list projects (`list.rs`), create one from files
//! (`create.rs`, re-runs made safe by `--state` and a look-up by name),
//! add documents to one (`add_documents.rs`). `documents.rs` checks the
//! files and uploads them, for both.

mod add_documents;
mod create;
mod documents;
mod list;

use clap::Subcommand;

use crate::exit::Exit;

#[derive(Debug, Subcommand)]
pub enum ProjectCommand {
    /// List projects, every page, one line each: id and name.
    #[command(after_help = list::LIST_HELP)]
    List(list::ListArgs),
    /// Upload files and create a project of them; wait and print its id.
    #[command(after_help = create::CREATE_HELP)]
    Create(create::CreateArgs),
    /// Upload files and add them to a project.
    #[command(after_help = add_documents::ADD_HELP)]
    AddDocuments(add_documents::AddArgs),
}

pub async fn run(command: ProjectCommand) -> Exit {
    match command {
        ProjectCommand::List(args) => list::run(args).await,
        ProjectCommand::Create(args) => create::run(args).await,
        ProjectCommand::AddDocuments(args) => add_documents::run(args).await,
    }
}
