//! [`Project`]: what a listing says of a project.

/// A project, as `getProjects` lists it.
///
/// ```
/// # use futures::StreamExt;
/// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
/// let mut projects = std::pin::pin!(client.projects(None));
/// while let Some(project) = projects.next().await {
///     let project = project?;
///     println!("{} {} (created {})", project.id, project.name, project.created_date);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Project {
    /// The project's id (what exports and agreement tables take).
    pub id: String,
    /// Its name, as given when it was created.
    pub name: String,
    /// When it was created, as Datasaur writes it.
    pub created_date: String,
    /// When it last changed, as Datasaur writes it.
    pub updated_date: String,
    /// Whether it is archived, when the server says.
    pub is_archived: Option<bool>,
}
