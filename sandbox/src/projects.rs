//! The projects a sandbox holds (made by `createProject`, or through its
//! handle, [`Sandbox::create_project`](crate::Sandbox::create_project)),
//! with their documents' names: `getProjects` lists them a page at a time,
//! following cursors as Datasaur's; `addDocumentsToProject` adds to them;
//! their exports hold their documents.

use std::sync::Mutex;

use crate::sync::lock;

/// Projects kept at most; past it, the oldest go.
const MAX_PROJECTS_KEPT: usize = 100_000;

/// Documents one project holds at most.
pub(crate) const MAX_DOCUMENTS_PER_PROJECT: usize = 10_000;

/// One project as the sandbox keeps it.
#[derive(Debug, Clone)]
pub(crate) struct ProjectRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) team_id: Option<String>,
    pub(crate) created: String,
    pub(crate) archived: bool,
    /// Its documents' names, in the order they were added.
    pub(crate) documents: Vec<String>,
}

/// What a listing asks for.
#[derive(Debug, Default)]
pub(crate) struct Filter {
    pub(crate) team_id: Option<String>,
    pub(crate) keyword: Option<String>,
    pub(crate) archived: Option<bool>,
}

impl Filter {
    fn matches(&self, project: &ProjectRecord) -> bool {
        self.team_id
            .as_deref()
            .is_none_or(|team| project.team_id.as_deref() == Some(team))
            && self
                .keyword
                .as_deref()
                .is_none_or(|keyword| project.name.contains(keyword))
            && self
                .archived
                .is_none_or(|archived| project.archived == archived)
    }
}

/// One page of a listing.
pub(crate) struct Page {
    pub(crate) projects: Vec<ProjectRecord>,
    pub(crate) next_cursor: Option<String>,
    pub(crate) total: usize,
}

#[derive(Default)]
pub(crate) struct ProjectStore {
    projects: Mutex<(u64, Vec<ProjectRecord>)>,
}

impl ProjectStore {
    /// Adds a project; returns its id.
    pub(crate) fn add(&self, name: &str, team_id: Option<&str>, created: String) -> String {
        self.add_with_documents(name, team_id, created, Vec::new())
    }

    /// Adds a project holding `documents`; returns its id.
    pub(crate) fn add_with_documents(
        &self,
        name: &str,
        team_id: Option<&str>,
        created: String,
        documents: Vec<String>,
    ) -> String {
        let mut projects = lock(&self.projects);
        let (count, list) = &mut *projects;
        *count += 1;
        let id = format!("project-{count:06}");
        list.push(ProjectRecord {
            id: id.clone(),
            name: name.to_owned(),
            team_id: team_id.map(str::to_owned),
            created,
            archived: false,
            documents,
        });
        if list.len() > MAX_PROJECTS_KEPT {
            list.remove(0);
        }
        id
    }

    /// Adds `documents` to project `id`, or says why not (no such project,
    /// a name it already holds, too many documents).
    pub(crate) fn add_documents(&self, id: &str, documents: &[String]) -> Result<(), String> {
        let mut projects = lock(&self.projects);
        let project = projects
            .1
            .iter_mut()
            .find(|project| project.id == id)
            .ok_or_else(|| format!("there is no project {id:?}"))?;
        if let Some(taken) = documents
            .iter()
            .find(|name| project.documents.contains(name))
        {
            return Err(format!(
                "project {id:?} already holds a document named {taken:?}"
            ));
        }
        if project.documents.len() + documents.len() > MAX_DOCUMENTS_PER_PROJECT {
            return Err(format!(
                "project {id:?} would hold more than {MAX_DOCUMENTS_PER_PROJECT} documents"
            ));
        }
        project.documents.extend(documents.iter().cloned());
        Ok(())
    }

    /// The names of project `id`'s documents, if there is such a project.
    pub(crate) fn documents_of(&self, id: &str) -> Option<Vec<String>> {
        lock(&self.projects)
            .1
            .iter()
            .find(|project| project.id == id)
            .map(|project| project.documents.clone())
    }

    /// The name of project `id`, if there is such a project.
    pub(crate) fn name_of(&self, id: &str) -> Option<String> {
        lock(&self.projects)
            .1
            .iter()
            .find(|project| project.id == id)
            .map(|project| project.name.clone())
    }

    /// The page of `size` projects matching `filter` after `cursor` (none:
    /// the first page). A cursor is opaque to clients; one the sandbox did
    /// not give is an error.
    pub(crate) fn page(
        &self,
        filter: &Filter,
        cursor: Option<&str>,
        size: usize,
    ) -> Result<Page, String> {
        let start = match cursor {
            None => 0,
            Some(cursor) => cursor
                .strip_prefix("after:")
                .and_then(|offset| offset.parse::<usize>().ok())
                .ok_or_else(|| "the cursor is not one this server gave".to_owned())?,
        };
        let projects = lock(&self.projects);
        let matching: Vec<&ProjectRecord> = projects
            .1
            .iter()
            .filter(|project| filter.matches(project))
            .collect();
        let end = start.saturating_add(size.max(1)).min(matching.len());
        let page: Vec<ProjectRecord> = matching
            .get(start.min(matching.len())..end)
            .unwrap_or_default()
            .iter()
            .map(|project| (*project).clone())
            .collect();
        Ok(Page {
            next_cursor: (end < matching.len()).then(|| format!("after:{end}")),
            total: matching.len(),
            projects: page,
        })
    }
}
