//! [`ProjectCreation`]: a `createProject` job, whose wait gives the new
//! project ([`CreatedProject`]).

use crate::{Error, JobHandle, WaitError, WaitOptions};

/// A project being created: the name Datasaur answered and the job that
/// makes it. Its wait ends with the project's id (the job's `resultId`).
///
/// Save [`ProjectCreation::job`] (a [`JobHandle`] serializes) with the name
/// to survive a restart, and make it again with
/// [`ProjectCreation::resumed`].
///
/// ```
/// use datasaur::{NewProject, ProjectDocument};
///
/// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let creation = client
///     .create_project(NewProject::new("Reviews").document(ProjectDocument::object_key("a.txt", "temp/upload-proxy/1.txt")))
///     .await?;
/// let saved = serde_json::to_string(&creation.job().saved())?; // keep it, in case the process dies
/// let project = creation.wait(None).await?;
/// println!("{} is {}", project.name, project.id);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ProjectCreation {
    name: String,
    job: JobHandle,
}

/// A project made by `createProject`: its id and name.
///
/// ```
/// # fn show(project: datasaur::CreatedProject) {
/// println!("{}\t{}", project.id, project.name);
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CreatedProject {
    /// The project's id (what exports and [`crate::NewDocuments`] take).
    pub id: String,
    /// Its name.
    pub name: String,
}

impl ProjectCreation {
    pub(crate) fn started(name: String, job: JobHandle) -> Self {
        ProjectCreation { name, job }
    }

    /// A creation whose job was saved (by [`crate::Client::resume_job`]),
    /// and the project's name.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client, saved: datasaur::SavedJob) -> Result<(), Box<dyn std::error::Error>> {
    /// let creation = datasaur::ProjectCreation::resumed(client.resume_job(saved), "Reviews");
    /// let project = creation.wait(None).await?;
    /// # Ok(()) }
    /// ```
    pub fn resumed(job: JobHandle, name: impl Into<String>) -> Self {
        ProjectCreation {
            name: name.into(),
            job,
        }
    }

    /// The project's name, as the start call answered it.
    ///
    /// ```
    /// # fn show(creation: datasaur::ProjectCreation) {
    /// println!("creating {}", creation.name());
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The job that creates it (to save, watch or refresh).
    ///
    /// ```
    /// # fn show(creation: datasaur::ProjectCreation) {
    /// println!("job {}", creation.job().id());
    /// # }
    /// ```
    pub fn job(&self) -> &JobHandle {
        &self.job
    }

    /// Waits for the job (through the client's wait engine) and gives the
    /// project. A job delivered without a `resultId` is a
    /// [`WaitError::Poll`] with a decode error: the project may exist, but
    /// its id is unknown (find it by name with [`crate::Client::projects`]).
    ///
    /// ```
    /// # async fn run(creation: datasaur::ProjectCreation) -> Result<(), datasaur::WaitError> {
    /// let project = creation.wait(None).await?;
    /// println!("{}", project.id);
    /// # Ok(()) }
    /// ```
    pub async fn wait(
        &self,
        options: impl Into<Option<WaitOptions>>,
    ) -> Result<CreatedProject, WaitError> {
        let job = self.job.wait(options).await?;
        match job
            .result_id
            .filter(|id| crate::saved::check_id(id).is_ok())
        {
            Some(id) => Ok(CreatedProject {
                id,
                name: self.name.clone(),
            }),
            None => Err(WaitError::Poll {
                job_id: job.id.clone(),
                source: Error::no_project_id(&job.id, &self.name),
                failing_for: None,
            }),
        }
    }
}
