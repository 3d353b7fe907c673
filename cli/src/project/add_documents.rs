//! `datasaur project add-documents`: upload files and add them to a
//! project (`addDocumentsToProject`), waiting for its job.

use std::path::PathBuf;

use clap::Args;
use datasaur::NewDocuments;

use super::documents;
use crate::connection::ConnectionArgs;
use crate::event::Event;
use crate::exit::Exit;
use crate::failure::chain;
use crate::text::terminal_safe;

#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// The project's id.
    #[arg(long, value_name = "ID")]
    project: String,
    /// The input field that names the project (Datasaur has not published
    /// it: copy it from your live schema).
    #[arg(long, value_name = "FIELD", default_value = "projectId")]
    project_field: String,
    /// JSON lines: `uploaded` / `upload_failed` per file, then
    /// `documents_added` (or `project_failed`).
    #[arg(long)]
    json: bool,
    /// The files, one document each, named by their file names.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

pub const ADD_HELP: &str = "\
Example (against `datasaur sandbox`):
  datasaur project add-documents --url http://127.0.0.1:4000 --token <TOKEN> \\
      --project <PROJECT_ID> d.txt e.txt

Uploads the files (8 at once), adds them (addDocumentsToProject, sent once:
a repeat could add them twice), waits for its job and prints
`<project id><TAB><documents added>`. At most 100 files a call.
Exit codes: 0 added, 1 its job failed, 2 the wait ran out, 3 usage,
credentials or a file problem, 4 anything else.";

pub async fn run(args: AddArgs) -> Exit {
    let planned = match documents::plan(&args.files) {
        Ok(planned) => planned,
        Err(problems) => {
            documents::say_problems(&problems);
            return Exit::UsageOrAuth;
        }
    };
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    let failed = |reason: &str, message: String, exit: Exit| {
        if args.json {
            Event::ProjectFailed {
                name: &args.project,
                reason,
                message,
            }
            .print();
        } else {
            eprintln!("error: {message}");
        }
        exit
    };
    let uploaded = match documents::upload(&client, &planned, args.json).await {
        Ok(uploaded) => uploaded,
        Err(count) => {
            let message = format!(
                "{count} of {} files could not be uploaded; nothing was added",
                planned.len()
            );
            return failed("upload_failed", message, Exit::Other);
        }
    };
    let count = uploaded.len();
    let add = NewDocuments::new(uploaded).field(args.project_field.as_str(), args.project.as_str());
    let job = match client.add_documents(add).await {
        Ok(job) => job,
        Err(error) => {
            let reason = if error.may_have_started_work() {
                "may_have_started"
            } else {
                "error"
            };
            let message = format!(
                "adding documents to {}: {}",
                terminal_safe(&args.project),
                chain(&error)
            );
            return failed(reason, message, Exit::for_error(&error));
        }
    };
    match job.wait(None).await {
        Ok(_) => {
            if args.json {
                Event::DocumentsAdded {
                    project_id: &args.project,
                    job_id: job.id(),
                    documents: count,
                }
                .print();
            } else {
                println!("{}\t{count}", terminal_safe(&args.project));
            }
            Exit::Success
        }
        Err(error) => {
            let reason = if matches!(error, datasaur::WaitError::Failed { .. }) {
                "failed"
            } else {
                "error"
            };
            let message = format!(
                "adding documents to {}: {}",
                terminal_safe(&args.project),
                chain(&error)
            );
            failed(reason, message, Exit::for_wait_error(&error))
        }
    }
}
