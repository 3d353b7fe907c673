//! Starting jobs: auto-labeling, agreement tables, automations, dataset
//! collection and data-programming predictions. Each returns a
//! [`crate::JobHandle`] to wait on through the client's engine.

use crate::Client;
use crate::operations::{
    AutoLabelTokenBasedProject, CalculateAgreementTables, CollectDataset,
    GetDataProgrammingPredictions, RunAutomation, auto_label_token_based_project,
    calculate_agreement_tables, collect_dataset, get_data_programming_predictions, run_automation,
};

impl Client {
    /// Starts auto-labeling of a token-based project and returns a handle
    /// on its job (wait, watch, refresh).
    ///
    /// A mutation: it is sent once and never retried once it may have
    /// reached the server, since a repeat could start the work twice.
    ///
    /// ```
    /// use datasaur::operations::auto_label_token_based_project::{
    ///     AutoLabelProjectOptionsInput, AutoLabelTokenBasedProjectInput, GqlAutoLabelServiceProvider,
    ///     TargetApiInput,
    /// };
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let input = AutoLabelTokenBasedProjectInput::new(
    ///     "demo@datasaur.ai",
    ///     AutoLabelProjectOptionsInput::new(0).service_provider(GqlAutoLabelServiceProvider::Custom),
    ///     "HvdyIL2iwZn",
    ///     TargetApiInput::new("https://custom-model.api.com/predict", "secret"),
    /// );
    /// let started = client.auto_label_token_based_project(input).await?;
    /// let job = started.wait(None).await?;
    /// println!("{} delivered", job.id);
    /// # Ok(()) }
    /// ```
    pub async fn auto_label_token_based_project(
        &self,
        input: auto_label_token_based_project::AutoLabelTokenBasedProjectInput,
    ) -> crate::Result<crate::JobHandle> {
        self.start_job::<AutoLabelTokenBasedProject>(auto_label_token_based_project::Variables {
            input,
        })
        .await
    }

    /// Starts calculating a project's inter-annotator agreement tables
    /// (`calculateAgreementTables`, a mutation: sent once).
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let started = client.calculate_agreement_tables("HvdyIL2iwZn").await?;
    /// let job = started.wait(None).await?;
    /// println!("agreement tables ready: {:?}", job.result);
    /// # Ok(()) }
    /// ```
    pub async fn calculate_agreement_tables(
        &self,
        project_id: impl Into<String>,
    ) -> crate::Result<crate::JobHandle> {
        self.start_job::<CalculateAgreementTables>(calculate_agreement_tables::Variables {
            project_id: project_id.into(),
        })
        .await
    }

    /// Runs an automation (`runAutomation`, a mutation: sent once).
    ///
    /// ```
    /// use datasaur::operations::run_automation::AutomationType;
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let started = client.run_automation("automation-1", AutomationType::ProjectCreation).await?;
    /// println!("automation job {}", started.id());
    /// # Ok(()) }
    /// ```
    pub async fn run_automation(
        &self,
        automation_id: impl Into<String>,
        kind: run_automation::AutomationType,
    ) -> crate::Result<crate::JobHandle> {
        self.start_job::<RunAutomation>(run_automation::Variables {
            automation_id: automation_id.into(),
            type_: kind,
        })
        .await
    }

    /// Starts collecting a dataset for an ML model setting (`collectDataset`,
    /// a mutation: sent once). The schema lets the server answer no job: that
    /// is an error ([`crate::Error::decode_path`] `data.job`), not retried.
    ///
    /// ```
    /// use datasaur::operations::collect_dataset::CollectDatasetInput;
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let started = client.collect_dataset(CollectDatasetInput::new("setting-1", "team-1", 3)).await?;
    /// started.wait(None).await?;
    /// # Ok(()) }
    /// ```
    pub async fn collect_dataset(
        &self,
        input: collect_dataset::CollectDatasetInput,
    ) -> crate::Result<crate::JobHandle> {
        self.start_job::<CollectDataset>(collect_dataset::Variables { input })
            .await
    }

    /// Starts predicting labels with a data-programming model
    /// (`getDataProgrammingPredictions`). A *query that starts work*: each
    /// call starts a new job, so it is never sent again once it may have
    /// reached the server.
    ///
    /// ```
    /// use datasaur::operations::get_data_programming_predictions::{
    ///     DocumentForPredictionInput, GetDataProgrammingPredictionsInput,
    /// };
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let input = GetDataProgrammingPredictionsInput::new(
    ///     "dp-1",
    ///     [DocumentForPredictionInput::new("doc-1", 99, 0)],
    /// );
    /// let job = client.data_programming_predictions(input).await?.wait(None).await?;
    /// println!("predictions: {:?}", job.result);
    /// # Ok(()) }
    /// ```
    pub async fn data_programming_predictions(
        &self,
        input: get_data_programming_predictions::GetDataProgrammingPredictionsInput,
    ) -> crate::Result<crate::JobHandle> {
        self.start_job::<GetDataProgrammingPredictions>(
            get_data_programming_predictions::Variables { input },
        )
        .await
    }
}
