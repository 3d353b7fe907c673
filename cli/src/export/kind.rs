//! What an id on the command line of `export` names, and how its export
//! starts.

use datasaur::operations::export_team_overview::ExportTeamOverviewInput;
use datasaur::operations::export_test_project_result::ExportTestProjectResultInput;
use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{Client, Export};

use crate::event::Subject;

/// What an id on the command line names, and how its export starts.
pub(super) enum Kind {
    Project { format: String },
    TestProjectResult,
    TeamOverview,
    TeamIaa { projects: Vec<String> },
}

impl Kind {
    /// The key naming the id in `--json` lines.
    pub(super) fn id_key(&self) -> &'static str {
        match self {
            Kind::Project { .. } | Kind::TestProjectResult => "projectId",
            Kind::TeamOverview | Kind::TeamIaa { .. } => "teamId",
        }
    }

    /// What an export line of `id` is about.
    pub(super) fn subject<'a>(&self, id: &'a str) -> Subject<'a> {
        Subject {
            key: self.id_key(),
            id,
        }
    }

    /// What the id is, in messages.
    pub(super) fn noun(&self) -> &'static str {
        match self {
            Kind::Project { .. } | Kind::TestProjectResult => "project",
            Kind::TeamOverview | Kind::TeamIaa { .. } => "team",
        }
    }

    /// What a state file of this command is for: another command's, or
    /// this one's with other options, is refused.
    pub(super) fn purpose(&self) -> String {
        match self {
            Kind::Project { format } => format!("export project --format {format}"),
            Kind::TestProjectResult => "export test-project-result".to_owned(),
            Kind::TeamOverview => "export team-overview".to_owned(),
            Kind::TeamIaa { projects } => {
                let mut purpose = "export team-iaa".to_owned();
                for project in projects {
                    purpose.push_str(" --project ");
                    purpose.push_str(project);
                }
                purpose
            }
        }
    }

    /// Starts the export of `id` (a query that starts work: sent once).
    pub(super) async fn start(&self, client: &Client, id: &str) -> datasaur::Result<Export> {
        match self {
            Kind::Project { format } => {
                let input = ExportTextProjectInput::new(
                    id,
                    format.clone(),
                    GqlExportMethod::FileStorage,
                    [id],
                );
                client.export_project(input).await
            }
            Kind::TestProjectResult => {
                let input = ExportTestProjectResultInput::new(GqlExportMethod::FileStorage, id);
                client.export_test_project_result(input).await
            }
            Kind::TeamOverview => {
                let input = ExportTeamOverviewInput::new(GqlExportMethod::FileStorage, id);
                client.export_team_overview(input).await
            }
            Kind::TeamIaa { projects } => {
                client
                    .export_team_iaa(id, projects.iter().map(String::as_str), [] as [&str; 0])
                    .await
            }
        }
    }
}
