//! Every job and export starter end to end against the sandbox: started
//! once, waited on through its handle, its result (or file) collected; a
//! handle from an id alone (`Client::job`) waits the same way; and a start
//! whose answer is lost is never sent again.

use crate::support::files::scratch;
use crate::support::sandbox::SandboxClient;

use std::time::Duration;

use datasaur::operations::{
    collect_dataset, export_chart, export_custom_report, export_label_accuracy_chart,
    export_team_overview, export_test_project_result, get_data_programming_predictions,
    run_automation,
};
use datasaur::{Export, JobHandle, JobStatus, RetryPolicy};
use datasaur_sandbox::{Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use serde_json::json;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// A sandbox whose jobs end delivered with a result, so a test sees it arrive.
async fn sandbox() -> Sandbox {
    let script = JobScript::delivered(secs(1), secs(3))
        .with_result(Some("result-1".into()), json!({"tables": 2}));
    Sandbox::start(SandboxConfig::default().default_script(script))
        .await
        .unwrap()
}

/// Waits on a started job and checks what every starter promises: one
/// request for the start, the job delivered with the scripted result.
async fn assert_job_delivered(
    sandbox: &Sandbox,
    handle: JobHandle,
    operation: &str,
    id_prefix: &str,
) {
    assert!(
        handle.id().starts_with(id_prefix),
        "{operation}: {}",
        handle.id()
    );
    let started = handle
        .job()
        .expect("a starter keeps the job it was answered");
    assert_eq!(started.status, JobStatus::Queued, "{operation}");
    let job = handle.wait(None).await.unwrap();
    assert_eq!(job.status, JobStatus::Delivered, "{operation}");
    assert_eq!(job.result_id.as_deref(), Some("result-1"), "{operation}");
    assert_eq!(job.result, Some(json!({"tables": 2})), "{operation}");
    let stats = sandbox.stats();
    assert_eq!(stats.operation(operation), 1, "{operation} sent once");
    assert_eq!(stats.jobs_started, 1, "{operation}");
}

#[tokio::test(start_paused = true)]
async fn calculate_agreement_tables_starts_a_job_to_wait_on() {
    let sandbox = sandbox().await;
    let handle = sandbox
        .client()
        .calculate_agreement_tables("HvdyIL2iwZn")
        .await
        .unwrap();
    assert_job_delivered(
        &sandbox,
        handle,
        "CalculateAgreementTables",
        "AgreementQueue:",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn run_automation_starts_a_job_to_wait_on() {
    let sandbox = sandbox().await;
    let handle = sandbox
        .client()
        .run_automation(
            "automation-1",
            run_automation::AutomationType::ProjectCreation,
        )
        .await
        .unwrap();
    assert_job_delivered(&sandbox, handle, "RunAutomation", "AutomationQueue:").await;
}

#[tokio::test(start_paused = true)]
async fn collect_dataset_starts_a_job_to_wait_on() {
    let sandbox = sandbox().await;
    let handle = sandbox
        .client()
        .collect_dataset(collect_dataset::CollectDatasetInput::new(
            "setting-1",
            "team-1",
            3,
        ))
        .await
        .unwrap();
    assert_job_delivered(&sandbox, handle, "CollectDataset", "CollectDatasetQueue:").await;
}

#[tokio::test(start_paused = true)]
async fn data_programming_predictions_starts_a_job_to_wait_on() {
    use get_data_programming_predictions::{
        DocumentForPredictionInput, GetDataProgrammingPredictionsInput,
    };
    let sandbox = sandbox().await;
    let input = GetDataProgrammingPredictionsInput::new(
        "dp-1",
        [DocumentForPredictionInput::new("doc-1", 99, 0)],
    )
    .labeling_function_ids(["lf-1", "lf-2"]);
    let handle = sandbox
        .client()
        .data_programming_predictions(input)
        .await
        .unwrap();
    assert_job_delivered(
        &sandbox,
        handle,
        "GetDataProgrammingPredictions",
        "DataProgrammingQueue:",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_handle_from_an_id_waits_like_a_started_one() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(2), secs(5)));
    let client = sandbox.client();
    let handle = client.job(id.clone());
    assert_eq!(handle.id(), id);
    assert!(handle.job().is_none(), "nothing was fetched yet");
    assert_eq!(
        sandbox.stats().graphql_requests,
        0,
        "making a handle sends nothing"
    );
    assert_eq!(handle.refresh().await.unwrap().status, JobStatus::Queued);
    let job = handle.wait(None).await.unwrap();
    assert_eq!(job.status, JobStatus::Delivered);
    assert!(handle.clone().into_job().is_none());

    let unknown = client
        .job("AutoLabelQueue:nobody")
        .refresh()
        .await
        .unwrap_err();
    assert!(unknown.is_job_not_found(), "{unknown}");
}

/// Waits on a started export, downloads it and checks its bytes, and that
/// the start was sent once.
async fn assert_export_downloads(sandbox: &Sandbox, export: Export, operation: &str) {
    assert!(export.id().starts_with("ExportQueue:"), "{operation}");
    assert!(export.file_url().is_some(), "{operation}: a file to fetch");
    let dir = scratch(&format!("starters-{operation}"));
    let file = export
        .wait_and_download_to(dir.join("export.zip"), None, Default::default())
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(dir.join("export.zip")).unwrap(),
        sandbox.export_file(export.id()).unwrap(),
        "{operation}"
    );
    assert!(file.bytes > 64 * 1024, "{operation}: {} bytes", file.bytes);
    let stats = sandbox.stats();
    assert_eq!(stats.operation(operation), 1, "{operation} sent once");
    assert_eq!(stats.exports_started, 1, "{operation}");
}

#[tokio::test(start_paused = true)]
async fn export_team_overview_downloads() {
    use export_team_overview::{ExportTeamOverviewInput, GqlExportMethod};
    let sandbox = sandbox().await;
    let export = sandbox
        .client()
        .export_team_overview(ExportTeamOverviewInput::new(
            GqlExportMethod::FileStorage,
            "team-1",
        ))
        .await
        .unwrap();
    assert_export_downloads(&sandbox, export, "ExportTeamOverview").await;
}

#[tokio::test(start_paused = true)]
async fn export_team_iaa_downloads() {
    let sandbox = sandbox().await;
    let export = sandbox
        .client()
        .export_team_iaa("team-1", ["p-1", "p-2"], ["signature-1"])
        .await
        .unwrap();
    assert_export_downloads(&sandbox, export, "ExportTeamIaa").await;
}

#[tokio::test(start_paused = true)]
async fn export_chart_downloads() {
    use export_chart::{AnalyticsDashboardQueryInput, AnalyticsLabelType, ExportChartMethod};
    let sandbox = sandbox().await;
    let dashboard = AnalyticsDashboardQueryInput::new("team-1")
        .project_id("HvdyIL2iwZn")
        .label_type(AnalyticsLabelType::TokenOrRowBased);
    let export = sandbox
        .client()
        .export_chart("chart-7", dashboard, ExportChartMethod::FileStorage)
        .await
        .unwrap();
    assert_export_downloads(&sandbox, export, "ExportChart").await;
}

#[tokio::test(start_paused = true)]
async fn export_label_accuracy_chart_downloads() {
    let sandbox = sandbox().await;
    let dashboard = export_label_accuracy_chart::AnalyticsDashboardQueryInput::new("team-1");
    let export = sandbox
        .client()
        .export_label_accuracy_chart("chart-3", dashboard, None)
        .await
        .unwrap();
    assert_export_downloads(&sandbox, export, "ExportLabelAccuracyChart").await;
}

#[tokio::test(start_paused = true)]
async fn export_custom_report_downloads() {
    use export_custom_report::{
        CustomReportBuilderInput, CustomReportClientSegment, CustomReportFilter,
        CustomReportFilterColumn, CustomReportFilterStrategy, CustomReportMetric,
    };
    let sandbox = sandbox().await;
    let report = CustomReportBuilderInput::new(
        "metrics-group-1",
        [
            CustomReportMetric::TotalLabelsApplied,
            CustomReportMetric::TimeSpent,
        ],
        [CustomReportClientSegment::User],
    )
    .filters([CustomReportFilter::new(
        CustomReportFilterColumn::ProjectName,
        CustomReportFilterStrategy::Contains,
        "NER",
    )]);
    let export = sandbox
        .client()
        .export_custom_report("team-1", report)
        .await
        .unwrap();
    assert_export_downloads(&sandbox, export, "ExportCustomReport").await;
}

#[tokio::test(start_paused = true)]
async fn export_test_project_result_downloads() {
    use export_test_project_result::{ExportTestProjectResultInput, GqlExportMethod};
    let sandbox = sandbox().await;
    let export = sandbox
        .client()
        .export_test_project_result(ExportTestProjectResultInput::new(
            GqlExportMethod::FileStorage,
            "HvdyIL2iwZn",
        ))
        .await
        .unwrap();
    assert_export_downloads(&sandbox, export, "ExportTestProjectResult").await;
}

/// Each new starter, its answer lost after the work started (a gateway's
/// 502): the call fails, and is not sent again, so the work runs once.
#[tokio::test(start_paused = true)]
async fn a_start_whose_answer_is_lost_is_never_repeated() {
    let sandbox = sandbox().await;
    // Retries on: only the work-starting rule can stop a second send.
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default())
        .build()
        .unwrap();
    let lost = || Fault::next(1, FaultKind::StatusAfterRunning { status: 502 });

    sandbox.inject_fault(lost());
    let err = client.calculate_agreement_tables("p").await.unwrap_err();
    assert_eq!(err.http_status(), Some(502), "{err}");
    assert!(err.may_have_started_work(), "a lost answer: {err}");
    sandbox.inject_fault(lost());
    let err = client
        .data_programming_predictions(
            get_data_programming_predictions::GetDataProgrammingPredictionsInput::new(
                "dp-1",
                [] as [get_data_programming_predictions::DocumentForPredictionInput; 0],
            ),
        )
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(502), "{err}");
    sandbox.inject_fault(lost());
    let err = client
        .export_team_iaa("team-1", [] as [&str; 0], [] as [&str; 0])
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(502), "{err}");

    let stats = sandbox.stats();
    assert_eq!(stats.operation("CalculateAgreementTables"), 1);
    assert_eq!(stats.operation("GetDataProgrammingPredictions"), 1);
    assert_eq!(stats.operation("ExportTeamIaa"), 1);
    assert_eq!(stats.jobs_started, 2, "each job started once");
    assert_eq!(stats.exports_started, 1, "the export started once");
}

/// What `Error::may_have_started_work` says of failures that cannot have
/// started anything: a request the server refused, one never sent.
#[tokio::test]
async fn a_start_refused_or_never_sent_has_not_started_work() {
    let sandbox = sandbox().await;
    let wrong_token = datasaur::Client::builder()
        .base_url(sandbox.base_url())
        .access_token("not-a-token")
        .build()
        .unwrap();
    let refused = wrong_token
        .calculate_agreement_tables("p")
        .await
        .unwrap_err();
    assert!(refused.is_unauthorized(), "{refused}");
    assert!(!refused.may_have_started_work(), "{refused}");
    let nowhere = datasaur::Client::builder()
        .base_url("http://127.0.0.1:9")
        .access_token("t")
        .build()
        .unwrap();
    let unsent = nowhere.calculate_agreement_tables("p").await.unwrap_err();
    assert!(!unsent.may_have_started_work(), "{unsent}");
    assert_eq!(sandbox.stats().jobs_started, 0);
}

/// A script per operation: only the auto-labeling of a run fails; the
/// agreement tables started beside it, and a second project's auto-labeling
/// (a rule for one subject), are delivered.
#[tokio::test(start_paused = true)]
async fn a_script_per_operation_fails_only_the_auto_labeling() {
    use datasaur::operations::auto_label_token_based_project::{
        AutoLabelProjectOptionsInput, AutoLabelTokenBasedProjectInput, TargetApiInput,
    };
    use datasaur_sandbox::ScriptRule;
    let input = |project: &str| {
        AutoLabelTokenBasedProjectInput::new(
            "labeler@example.com",
            AutoLabelProjectOptionsInput::new(5),
            project,
            TargetApiInput::new("https://model.example.com/predict", "model-key"),
        )
    };
    let config = SandboxConfig::default()
        .default_script(JobScript::delivered(secs(1), secs(3)))
        .script_for(
            ScriptRule::new(
                "autoLabelTokenBasedProject",
                JobScript::failed(secs(1), secs(2), "model timed out"),
            )
            .subject("project-failing"),
        );
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = sandbox.client();
    let failing = client
        .auto_label_token_based_project(input("project-failing"))
        .await
        .unwrap();
    let other_project = client
        .auto_label_token_based_project(input("project-fine"))
        .await
        .unwrap();
    let tables = client
        .calculate_agreement_tables("project-failing")
        .await
        .unwrap();
    let error = failing.wait(None).await.unwrap_err();
    let datasaur::WaitError::Failed { job, .. } = &error else {
        panic!("the auto-labeling fails: {error:?}");
    };
    assert_eq!(job.errors[0].stack, "model timed out");
    assert_eq!(
        other_project.wait(None).await.unwrap().status,
        JobStatus::Delivered
    );
    assert_eq!(
        tables.wait(None).await.unwrap().status,
        JobStatus::Delivered
    );

    // Added while running, by the request's operation name: every
    // auto-labeling now fails, until the added rules are cleared.
    assert!(sandbox.script_for(ScriptRule::new(
        "AutoLabelTokenBasedProject",
        JobScript::failed(secs(0), secs(1), "quota exceeded"),
    )));
    let now_failing = client
        .auto_label_token_based_project(input("project-fine"))
        .await
        .unwrap();
    assert!(now_failing.wait(None).await.is_err());
    sandbox.clear_scripts();
    let fine_again = client
        .auto_label_token_based_project(input("project-fine"))
        .await
        .unwrap();
    assert_eq!(
        fine_again.wait(None).await.unwrap().status,
        JobStatus::Delivered
    );
}
