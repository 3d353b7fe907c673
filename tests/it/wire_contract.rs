//! The exact request body of every operation the crate sends: the wire
//! contract with Datasaur. A change here is a change of what goes on the wire.

use crate::support::mock::{client_for, job_json, request_bodies};
use datasaur::operations::auto_label_token_based_project as auto_label;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn server_answering(data: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "data": data })))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn get_job_request_body() {
    let server = server_answering(json!({"job": job_json("AutoLabelQueue:1", "QUEUED", 0)})).await;
    client_for(&server)
        .get_job("AutoLabelQueue:1")
        .await
        .unwrap();
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn get_jobs_request_body() {
    let server = server_answering(json!({"jobs": [job_json("a", "QUEUED", 0), null]})).await;
    client_for(&server).get_jobs(&["a", "b"]).await.unwrap();
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn auto_label_token_based_project_request_body() {
    let server = server_answering(json!({"job": job_json("AutoLabelQueue:2", "QUEUED", 0)})).await;
    let job = client_for(&server)
        .auto_label_token_based_project(auto_label::AutoLabelTokenBasedProjectInput::new(
            "demo@datasaur.ai",
            auto_label::AutoLabelProjectOptionsInput::new(0)
                .service_provider(auto_label::GqlAutoLabelServiceProvider::Custom),
            "HvdyIL2iwZn",
            auto_label::TargetApiInput::new("https://custom-model.api.com/predict", "secret"),
        ))
        .await
        .unwrap();
    assert_eq!(job.id(), "AutoLabelQueue:2");
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_text_project_request_body() {
    use datasaur::operations::export_text_project::{
        ExportCommentType, ExportTextProjectInput, GqlExportMethod, Role,
    };
    let server = server_answering(json!({"export": {
        "exportId": "ExportQueue:1", "fileUrl": "https://files.example/e1.zip?X-Amz-Expires=21600",
        "fileUrlExpiredAt": "1764439200000", "queued": true, "redirect": null
    }}))
    .await;
    let input = ExportTextProjectInput::new(
        "labels",
        "JSON",
        GqlExportMethod::FileStorage,
        ["HvdyIL2iwZn"],
    )
    .role(Role::Reviewer)
    .included_comment_type([ExportCommentType::Comment]);
    let export = client_for(&server).export_project(input).await.unwrap();
    assert_eq!(export.id(), "ExportQueue:1");
    assert_eq!(
        export.file_url().map(|url| url.host_str()),
        Some(Some("files.example"))
    );
    assert!(export.file_url_expires_at().is_some());
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_text_project_document_request_body() {
    use datasaur::operations::export_text_project_document::{
        ExportTextProjectDocumentInput, GqlExportMethod,
    };
    let server = server_answering(json!({"export": {
        "exportId": "ExportQueue:2", "fileUrl": null, "fileUrlExpiredAt": null, "queued": true, "redirect": null
    }}))
    .await;
    let input = ExportTextProjectDocumentInput::new(
        "doc-1",
        "labels",
        "TSV",
        GqlExportMethod::CustomWebhook,
    )
    .url("https://hooks.example/datasaur")
    .secret("hook-secret");
    let export = client_for(&server).export_document(input).await.unwrap();
    assert!(export.file_url().is_none());
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn get_export_delivery_status_request_body() {
    let server = server_answering(json!({"status": {"status": "IN_PROGRESS", "errors": []}})).await;
    let status = client_for(&server)
        .export_status("ExportQueue:3")
        .await
        .unwrap();
    assert_eq!(status.status, datasaur::JobStatus::InProgress);
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

/// The answer every export starter is given here.
fn export_answer(id: &str) -> serde_json::Value {
    json!({"export": {
        "exportId": id, "fileUrl": "https://files.example/report.zip?X-Amz-Expires=21600",
        "fileUrlExpiredAt": "1764439200000", "queued": true, "redirect": null
    }})
}

#[tokio::test]
async fn calculate_agreement_tables_request_body() {
    let server = server_answering(json!({"job": job_json("AgreementQueue:1", "QUEUED", 0)})).await;
    let job = client_for(&server)
        .calculate_agreement_tables("HvdyIL2iwZn")
        .await
        .unwrap();
    assert_eq!(job.id(), "AgreementQueue:1");
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn run_automation_request_body() {
    use datasaur::operations::run_automation::AutomationType;
    let server = server_answering(json!({"job": job_json("AutomationQueue:1", "QUEUED", 0)})).await;
    let job = client_for(&server)
        .run_automation("automation-1", AutomationType::ProjectCreation)
        .await
        .unwrap();
    assert_eq!(job.id(), "AutomationQueue:1");
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn collect_dataset_request_body() {
    use datasaur::operations::collect_dataset::CollectDatasetInput;
    let server =
        server_answering(json!({"job": job_json("CollectDatasetQueue:1", "QUEUED", 0)})).await;
    let job = client_for(&server)
        .collect_dataset(CollectDatasetInput::new("setting-1", "team-1", 3))
        .await
        .unwrap();
    assert_eq!(job.id(), "CollectDatasetQueue:1");
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

/// `collectDataset` may answer `null`: an error naming where, never a retry.
#[tokio::test]
async fn collect_dataset_answering_no_job_is_an_error_sent_once() {
    use datasaur::operations::collect_dataset::CollectDatasetInput;
    let server = server_answering(json!({"job": null})).await;
    let err = client_for(&server)
        .collect_dataset(CollectDatasetInput::new("setting-1", "team-1", 3))
        .await
        .unwrap_err();
    assert_eq!(err.decode_path(), Some("data.job"), "{err}");
    assert!(err.to_string().contains("no job"), "{err}");
    assert_eq!(request_bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn get_data_programming_predictions_request_body() {
    use datasaur::operations::get_data_programming_predictions::{
        DocumentForPredictionInput, GetDataProgrammingPredictionsInput,
    };
    let server =
        server_answering(json!({"job": job_json("DataProgrammingQueue:1", "QUEUED", 0)})).await;
    let input = GetDataProgrammingPredictionsInput::new(
        "dp-1",
        [DocumentForPredictionInput::new("doc-1", 99, 0)],
    )
    .labeling_function_ids(["lf-1"]);
    let job = client_for(&server)
        .data_programming_predictions(input)
        .await
        .unwrap();
    assert_eq!(job.id(), "DataProgrammingQueue:1");
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_team_overview_request_body() {
    use datasaur::operations::export_team_overview::{ExportTeamOverviewInput, GqlExportMethod};
    let server = server_answering(export_answer("ExportQueue:11")).await;
    let input = ExportTeamOverviewInput::new(GqlExportMethod::CustomWebhook, "team-1")
        .url("https://hooks.example/datasaur")
        .secret("hook-secret");
    let export = client_for(&server)
        .export_team_overview(input)
        .await
        .unwrap();
    assert_eq!(export.id(), "ExportQueue:11");
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_team_iaa_request_body() {
    let server = server_answering(export_answer("ExportQueue:12")).await;
    let client = client_for(&server);
    client
        .export_team_iaa("team-1", ["p-1", "p-2"], ["signature-1"])
        .await
        .unwrap();
    // Empty lists are left out: the server's "every project, every label set".
    client
        .export_team_iaa("team-1", [] as [&str; 0], [] as [&str; 0])
        .await
        .unwrap();
    let bodies = request_bodies(&server).await;
    insta::assert_json_snapshot!(bodies[0]);
    assert_eq!(bodies[1]["variables"], json!({"teamId": "team-1"}));
}

#[tokio::test]
async fn export_chart_request_body() {
    use datasaur::operations::export_chart::{
        AnalyticsDashboardQueryInput, AnalyticsLabelType, ExportChartMethod,
    };
    let server = server_answering(export_answer("ExportQueue:13")).await;
    let dashboard = AnalyticsDashboardQueryInput::new("team-1")
        .project_id("HvdyIL2iwZn")
        .calendar_date("2026-11-30")
        .label_type(AnalyticsLabelType::DocumentBased);
    client_for(&server)
        .export_chart("chart-7", dashboard, ExportChartMethod::Email)
        .await
        .unwrap();
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_label_accuracy_chart_request_body() {
    use datasaur::operations::export_label_accuracy_chart::AnalyticsDashboardQueryInput;
    let server = server_answering(export_answer("ExportQueue:14")).await;
    let dashboard = AnalyticsDashboardQueryInput::new("team-1").label_set_filter(["labels-1"]);
    client_for(&server)
        .export_label_accuracy_chart("chart-3", dashboard, None)
        .await
        .unwrap();
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_custom_report_request_body() {
    use datasaur::operations::export_custom_report::{
        CustomReportBuilderInput, CustomReportClientSegment, CustomReportFilter,
        CustomReportFilterColumn, CustomReportFilterStrategy, CustomReportMetric,
    };
    let server = server_answering(export_answer("ExportQueue:15")).await;
    let report = CustomReportBuilderInput::new(
        "metrics-group-1",
        [CustomReportMetric::TotalLabelsApplied],
        [
            CustomReportClientSegment::User,
            CustomReportClientSegment::Date,
        ],
    )
    .filters([CustomReportFilter::new(
        CustomReportFilterColumn::Date,
        CustomReportFilterStrategy::Date,
        "2026-11-01",
    )]);
    client_for(&server)
        .export_custom_report("team-1", report)
        .await
        .unwrap();
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn export_test_project_result_request_body() {
    use datasaur::operations::export_test_project_result::{
        ExportTestProjectResultInput, ExternalFileStorageInput, GqlExportMethod,
    };
    let server = server_answering(export_answer("ExportQueue:16")).await;
    let input =
        ExportTestProjectResultInput::new(GqlExportMethod::ExternalFileStorage, "HvdyIL2iwZn")
            .external_file_storage_parameter(ExternalFileStorageInput::new(
                "AKIAEXAMPLE",
                "bucket",
                "exports/",
                "storage-secret",
            ));
    client_for(&server)
        .export_test_project_result(input)
        .await
        .unwrap();
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

/// One Rust type per schema enum and input object, whichever operation's
/// module names it: this compiles only if they are the same types.
#[test]
fn schema_types_are_shared_by_every_operation() {
    use datasaur::operations::{export_text_project, export_text_project_document, types};
    let method: export_text_project::GqlExportMethod =
        export_text_project_document::GqlExportMethod::FileStorage;
    let storage: export_text_project::ExternalFileStorageInput =
        export_text_project_document::ExternalFileStorageInput::new("AKIA", "bucket", "p/", "s");
    let input = types::ExportTextProjectInput::new("labels", "JSON", method, ["p"])
        .external_file_storage_parameter(storage);
    assert_eq!(input.method, types::GqlExportMethod::FileStorage);
}

/// Inputs that hold credentials never print them.
#[test]
fn input_debug_redacts_secrets() {
    use datasaur::operations::types;
    let shown = format!(
        "{:?} {:?} {:?}",
        types::TargetApiInput::new("https://model.example", "model-key-123"),
        types::ExternalFileStorageInput::new("AKIA", "bucket", "p/", "aws-secret-456"),
        types::ExportTextProjectInput::new(
            "l",
            "JSON",
            types::GqlExportMethod::CustomWebhook,
            ["p"]
        )
        .secret("hook-secret-789"),
    );
    for secret in ["model-key-123", "aws-secret-456", "hook-secret-789"] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("https://model.example"), "{shown}");
    assert!(shown.contains("[redacted]"), "{shown}");
}
