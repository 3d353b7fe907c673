//! Projects: every project of a listing, over every page of `getProjects`.

use futures::Stream;

use crate::operations::GetProjects;
use crate::operations::get_projects::{
    GetProjectsFilterInput, GetProjectsPaginatedInput, Variables,
};
use crate::{Client, Project};

impl Client {
    /// Every project the filter matches (`None`: every project the
    /// credentials see), over every page of `getProjects`, following
    /// `pageInfo.nextCursor` until the last; a page is asked for only when
    /// the stream reaches it. A filter names a team, a keyword or archived
    /// projects: `GetProjectsFilterInput::new().team_id("T1")`.
    ///
    /// ```
    /// use datasaur::operations::get_projects::GetProjectsFilterInput;
    /// use futures::TryStreamExt;
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let team: Vec<datasaur::Project> = client
    ///     .projects(GetProjectsFilterInput::new().team_id("T1"))
    ///     .try_collect()
    ///     .await?;
    /// println!("{} projects", team.len());
    /// # Ok(()) }
    /// ```
    pub fn projects(
        &self,
        filter: impl Into<Option<GetProjectsFilterInput>>,
    ) -> impl Stream<Item = crate::Result<Project>> + Send + 'static {
        let client = self.clone();
        let filter = filter.into();
        crate::pages(move |cursor| {
            let client = client.clone();
            let filter = filter.clone();
            async move {
                let mut input = GetProjectsPaginatedInput::new();
                if let Some(cursor) = cursor {
                    input = input.cursor(cursor);
                }
                if let Some(filter) = filter {
                    input = input.filter(filter);
                }
                let page = client
                    .execute::<GetProjects>(Variables { input })
                    .await?
                    .page;
                let projects = page
                    .nodes
                    .into_iter()
                    .map(|node| Project {
                        id: node.id,
                        name: node.name,
                        created_date: node.created_date,
                        updated_date: node.updated_date,
                        is_archived: node.is_archived,
                    })
                    .collect();
                Ok((projects, page.page_info.next_cursor))
            }
        })
    }
}
