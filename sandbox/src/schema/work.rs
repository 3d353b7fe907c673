//! The fields that start a job: auto-labeling, agreement tables,
//! automations, dataset collection (mutations) and data-programming
//! predictions (a query that starts work). Each runs the configured default
//! script; the sandbox computes nothing, so inputs are validated by GraphQL
//! and otherwise unused.

use async_graphql::{Context, Enum, ID, InputObject, Object};

use super::context::state;
use super::jobs::{Job, start_job};

/// `getDataProgrammingPredictions`, merged into `Query`.
#[derive(Default)]
pub(crate) struct WorkQuery;

#[Object]
impl WorkQuery {
    /// Starts predicting labels for documents with a data-programming model (a query that starts work).
    #[allow(unused_variables)]
    async fn get_data_programming_predictions(
        &self,
        ctx: &Context<'_>,
        input: GetDataProgrammingPredictionsInput,
    ) -> Job {
        let state = state(ctx);
        start_job(
            state,
            "DataProgrammingQueue",
            state.scripts.for_field(ctx, &state.config.default_script),
        )
    }
}

/// The mutations that start a job.
#[derive(Default)]
pub(crate) struct WorkMutation;

#[Object]
impl WorkMutation {
    /// Starts auto-labeling of a token-based project; returns the job to poll.
    #[allow(unused_variables)]
    async fn auto_label_token_based_project(
        &self,
        ctx: &Context<'_>,
        input: AutoLabelTokenBasedProjectInput,
    ) -> Job {
        let state = state(ctx);
        start_job(
            state,
            "AutoLabelQueue",
            state.scripts.for_field(ctx, &state.config.default_script),
        )
    }

    /// Starts calculating a project's inter-annotator agreement tables; returns the job to poll.
    #[allow(unused_variables)]
    async fn calculate_agreement_tables(&self, ctx: &Context<'_>, project_id: ID) -> Job {
        let state = state(ctx);
        start_job(
            state,
            "AgreementQueue",
            state.scripts.for_field(ctx, &state.config.default_script),
        )
    }

    /// Starts an automation; returns the job to poll.
    #[allow(unused_variables)]
    async fn run_automation(
        &self,
        ctx: &Context<'_>,
        automation_id: ID,
        #[graphql(name = "type")] kind: AutomationType,
    ) -> Job {
        let state = state(ctx);
        start_job(
            state,
            "AutomationQueue",
            state.scripts.for_field(ctx, &state.config.default_script),
        )
    }

    /// Starts collecting a dataset for an ML model setting; returns the job to poll (or null).
    #[allow(unused_variables)]
    async fn collect_dataset(&self, ctx: &Context<'_>, input: CollectDatasetInput) -> Option<Job> {
        let state = state(ctx);
        Some(start_job(
            state,
            "CollectDatasetQueue",
            state.scripts.for_field(ctx, &state.config.default_script),
        ))
    }
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct AutoLabelTokenBasedProjectInput {
    labeler_email: String,
    options: AutoLabelProjectOptionsInput,
    project_id: ID,
    role: Option<Role>,
    #[graphql(name = "targetAPI")]
    target_api: TargetApiInput,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct AutoLabelProjectOptionsInput {
    number_of_files_per_request: i32,
    service_provider: Option<GqlAutoLabelServiceProvider>,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct TargetApiInput {
    endpoint: String,
    secret_key: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum Role {
    Labeler,
    Reviewer,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum GqlAutoLabelServiceProvider {
    AssistedLabeling,
    CorenlpNer,
    CorenlpPos,
    Custom,
    DistilbertOpiec,
    Huggingface,
    Nltk,
    SentimentAnalysis,
    Spacy,
    SparknlpNer,
    SparknlpPos,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum AutomationType {
    ProjectCreation,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct CollectDatasetInput {
    ml_model_setting_id: ID,
    team_id: ID,
    version: i32,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct GetDataProgrammingPredictionsInput {
    data_programming_id: ID,
    documents: Vec<DocumentForPredictionInput>,
    labeling_function_ids: Option<Vec<ID>>,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct DocumentForPredictionInput {
    document_id: String,
    line_index_end: i32,
    line_index_start: i32,
}
