//! `datasaur project list`: every project the credentials see (of a team,
//! matching a keyword), over every page of `getProjects`.

use clap::Args;
use datasaur::operations::get_projects::GetProjectsFilterInput;
use futures::StreamExt;

use crate::connection::ConnectionArgs;
use crate::event::Event;
use crate::exit::Exit;
use crate::failure::chain;
use crate::text::terminal_safe;

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: ConnectionArgs,
    /// Only this team's projects.
    #[arg(long, value_name = "ID")]
    team: Option<String>,
    /// Only projects whose name holds this text.
    #[arg(long, value_name = "TEXT")]
    keyword: Option<String>,
    /// Only archived projects (`true`) or only the others (`false`).
    #[arg(long, value_name = "BOOL")]
    archived: Option<bool>,
    /// One JSON object per project: `{"event": "project", "projectId", "name"}`.
    #[arg(long)]
    json: bool,
}

pub const LIST_HELP: &str = "\
Example (against `datasaur sandbox`):
  datasaur project list --url http://127.0.0.1:4000 --token <TOKEN> --team T1

Prints `<project id><TAB><name>` for each project, in the server's order,
asking for each page as the listing reaches it.
Exit codes: 0 listed, 3 usage or credentials, 4 the listing failed (the
projects before the failure are printed).";

pub async fn run(args: ListArgs) -> Exit {
    let client = match args.connection.client() {
        Ok(client) => client,
        Err(message) => {
            eprintln!("error: {message}");
            return Exit::UsageOrAuth;
        }
    };
    let mut filter = GetProjectsFilterInput::new();
    if let Some(team) = args.team {
        filter = filter.team_id(team);
    }
    if let Some(keyword) = args.keyword {
        filter = filter.keyword(keyword);
    }
    if let Some(archived) = args.archived {
        filter = filter.is_archived(archived);
    }
    let mut projects = std::pin::pin!(client.projects(filter));
    while let Some(project) = projects.next().await {
        match project {
            Ok(project) if args.json => Event::Project {
                project_id: &project.id,
                name: &project.name,
            }
            .print(),
            Ok(project) => println!(
                "{}\t{}",
                terminal_safe(&project.id),
                terminal_safe(&project.name)
            ),
            Err(error) => {
                eprintln!("error: listing projects: {}", chain(&error));
                return if error.is_unauthorized() {
                    Exit::UsageOrAuth
                } else {
                    Exit::Other
                };
            }
        }
    }
    Exit::Success
}
