//! Exports of project data: starting one (projects, a document, a test
//! project's results) and asking where an export stands.

use crate::Client;
use crate::operations::{
    ExportTestProjectResult, ExportTextProject, ExportTextProjectDocument, GetExportDeliveryStatus,
    export_test_project_result, export_text_project, export_text_project_document,
    get_export_delivery_status,
};

impl Client {
    /// Starts an export of whole projects and returns its [`crate::Export`]
    /// handle (wait, download).
    ///
    /// `exportTextProject` is a *query that starts work*: each call starts a
    /// new export, so it is never sent again once it may have reached the
    /// server (marked `# datasaur: starts-work` in its `.graphql` file).
    ///
    /// ```
    /// use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let input = ExportTextProjectInput::new("labels", "JSON", GqlExportMethod::FileStorage, ["HvdyIL2iwZn"]);
    /// let export = client.export_project(input).await?;
    /// println!("export {} -> {:?}", export.id(), export.file_url());
    /// # Ok(()) }
    /// ```
    pub async fn export_project(
        &self,
        input: export_text_project::ExportTextProjectInput,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportTextProject>(export_text_project::Variables { input })
            .await
    }

    /// Starts an export of one document; see [`crate::Client::export_project`].
    ///
    /// ```
    /// use datasaur::operations::export_text_project_document::{ExportTextProjectDocumentInput, GqlExportMethod};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let input = ExportTextProjectDocumentInput::new("doc-1", "labels", "JSON", GqlExportMethod::FileStorage);
    /// let export = client.export_document(input).await?;
    /// println!("export {}", export.id());
    /// # Ok(()) }
    /// ```
    pub async fn export_document(
        &self,
        input: export_text_project_document::ExportTextProjectDocumentInput,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportTextProjectDocument>(export_text_project_document::Variables {
            input,
        })
        .await
    }

    /// Starts an export of a test project's results
    /// (`exportTestProjectResult`, a query that starts work: sent once).
    ///
    /// ```
    /// use datasaur::operations::export_test_project_result::{ExportTestProjectResultInput, GqlExportMethod};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let input = ExportTestProjectResultInput::new(GqlExportMethod::FileStorage, "HvdyIL2iwZn");
    /// let export = client.export_test_project_result(input).await?;
    /// println!("export {}", export.id());
    /// # Ok(()) }
    /// ```
    pub async fn export_test_project_result(
        &self,
        input: export_test_project_result::ExportTestProjectResultInput,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportTestProjectResult>(export_test_project_result::Variables {
            input,
        })
        .await
    }

    /// Where an export stands (`getExportDeliveryStatus`).
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let status = client.export_status("ExportQueue:1").await?;
    /// println!("{}", status.status);
    /// # Ok(()) }
    /// ```
    pub async fn export_status(&self, export_id: &str) -> crate::Result<crate::ExportStatus> {
        // Read straight into `ExportStatus` (fragment `ExportStatus`, its
        // errors bounded as they arrive).
        let data = self
            .execute::<GetExportDeliveryStatus>(get_export_delivery_status::Variables {
                export_id: export_id.to_owned(),
            })
            .await?;
        Ok(data.status)
    }
}
