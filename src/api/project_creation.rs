//! Creating projects and adding documents: `createProject` and
//! `addDocumentsToProject`, whose input types Datasaur has not published.
//! They cannot be generated (we write no SDL for unpublished types), so
//! their documents are the text Datasaur's samples send
//! (`graphql/unpublished/`), their variables JSON checked by
//! [`crate::NewProject`] and [`crate::NewDocuments`], and their answers
//! `{ name job { ...Job } }`, the `Job` selection the one every other
//! operation shares.

use serde::Deserialize;

use crate::saved::check_id;
use crate::transport::Refused;
use crate::{Client, Job, JobHandle, NewDocuments, NewProject, Operation, ProjectCreation};

/// `createProject`, as Datasaur's samples send it.
struct CreateProject;

impl Operation for CreateProject {
    type Variables = Input;
    type ResponseData = Answer;
    const OPERATION_NAME: &'static str = "CreateProjectMutation";
    const QUERY: &'static str = concat!(
        include_str!("../../graphql/unpublished/create_project.graphql"),
        include_str!("../../graphql/job.fragment.graphql")
    );
    const STARTS_WORK: bool = true;
}

/// `addDocumentsToProject`.
struct AddDocuments;

impl Operation for AddDocuments {
    type Variables = Input;
    type ResponseData = Answer;
    const OPERATION_NAME: &'static str = "AddDocumentsToProjectMutation";
    const QUERY: &'static str = concat!(
        include_str!("../../graphql/unpublished/add_documents_to_project.graphql"),
        include_str!("../../graphql/job.fragment.graphql")
    );
    const STARTS_WORK: bool = true;
}

#[derive(serde::Serialize)]
struct Input {
    input: serde_json::Value,
}

#[derive(Deserialize)]
struct Answer {
    result: Option<Started>,
}

#[derive(Deserialize)]
struct Started {
    name: Option<String>,
    job: Option<Job>,
}

impl Client {
    /// Creates a project (`createProject`) and returns its creation, whose
    /// wait gives the project's id.
    ///
    /// The project is checked before anything is sent
    /// ([`NewProject::input`]: a config error says what is wrong). A
    /// mutation: sent once, never again once it may have reached the
    /// server, since a repeat could make the project twice. After such a
    /// failure, look for the project by name ([`Client::projects`]) before
    /// creating it again, as the CLI's `project create --state` does.
    ///
    /// ```
    /// use datasaur::{NewProject, ProjectDocument, UploadSource};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut project = NewProject::new("Reviews").team_id("T1").kinds(["DOCUMENT_BASED"]);
    /// for upload in client.upload_all(["a.txt", "b.txt"].map(UploadSource::path), None).await {
    ///     let upload = upload?;
    ///     project = project.document(ProjectDocument::object_key(upload.name, upload.object_key));
    /// }
    /// let project = client.create_project(project).await?.wait(None).await?;
    /// println!("created {} ({})", project.name, project.id);
    /// # Ok(()) }
    /// ```
    pub async fn create_project(&self, project: NewProject) -> crate::Result<ProjectCreation> {
        let input = project.input()?;
        let (name, job) = self.start_with_name::<CreateProject>(input).await?;
        let name = name.unwrap_or_else(|| project.name().to_owned());
        tracing::info!(job.id = %job.id(), project.name = %name, "project creation started");
        Ok(ProjectCreation::started(name, job))
    }

    /// Adds documents to a project (`addDocumentsToProject`) and returns a
    /// handle on the job that adds them. The field naming the project is
    /// not public: pass it through ([`NewDocuments::field`]). Sent once, as
    /// [`Client::create_project`].
    ///
    /// ```
    /// use datasaur::{NewDocuments, ProjectDocument};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let add = NewDocuments::new([ProjectDocument::object_key("d.txt", "temp/upload-proxy/4.txt")])
    ///     .field("projectId", "P1");
    /// let job = client.add_documents(add).await?.wait(None).await?;
    /// println!("added ({})", job.status);
    /// # Ok(()) }
    /// ```
    pub async fn add_documents(&self, documents: NewDocuments) -> crate::Result<JobHandle> {
        let input = documents.input()?;
        let (_, job) = self.start_with_name::<AddDocuments>(input).await?;
        tracing::info!(job.id = %job.id(), "documents being added");
        Ok(job)
    }

    /// Sends `Q` once and reads its `{ name job }`, the job checked inside
    /// the request as every starter's.
    async fn start_with_name<Q: Operation<Variables = Input, ResponseData = Answer>>(
        &self,
        input: serde_json::Value,
    ) -> crate::Result<(Option<String>, JobHandle)> {
        let (name, job) = self
            .execute_then::<Q, _>(Input { input }, |data| {
                let started = data.result.ok_or_else(|| Refused {
                    path: "data.result",
                    message: "the answer is null: the server did not say which job, if any, it started".into(),
                })?;
                let job = started.job.ok_or_else(|| Refused {
                    path: "data.result.job",
                    message: "the answer has no job (null): the server did not say which job, if any, it started".into(),
                })?;
                check_id(&job.id).map_err(|why| Refused {
                    path: "data.result.job.id",
                    message: why.to_string(),
                })?;
                Ok((started.name, job))
            })
            .await?;
        Ok((
            name,
            JobHandle::started(self.clone(), Q::OPERATION_NAME, job),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_sent_are_the_samples_operations_with_the_shared_job_selection() {
        for query in [CreateProject::QUERY, AddDocuments::QUERY] {
            assert!(crate::operation::is_mutation(query));
            assert!(query.contains("job {\n      ...Job\n    }"));
            assert!(query.contains("fragment Job on Job {"));
        }
        assert!(CreateProject::QUERY.contains(
            "mutation CreateProjectMutation($input: LaunchProjectInput!) {\n  result: createProject(input: $input) {\n    name"
        ));
        assert!(AddDocuments::QUERY.contains("result: addDocumentsToProject(input: $input)"));
    }
}
