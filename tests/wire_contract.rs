//! The exact request body of every operation the crate sends: the wire
//! contract with Datasaur. A change here is a change of what goes on the wire.

mod common;

use common::{client_for, job_json, request_bodies};
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
        .auto_label_token_based_project(auto_label::AutoLabelTokenBasedProjectInput {
            labeler_email: "demo@datasaur.ai".into(),
            options: auto_label::AutoLabelProjectOptionsInput {
                number_of_files_per_request: 0,
                service_provider: Some(auto_label::GqlAutoLabelServiceProvider::Custom),
            },
            project_id: "HvdyIL2iwZn".into(),
            role: None,
            target_api: auto_label::TargetApiInput {
                endpoint: "https://custom-model.api.com/predict".into(),
                secret_key: "secret".into(),
            },
        })
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
        ["HvdyIL2iwZn"],
        "labels",
        "JSON",
        GqlExportMethod::FileStorage,
    )
    .role(Role::Reviewer)
    .included_comment_types([ExportCommentType::Comment]);
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
    .webhook("https://hooks.example/datasaur", "hook-secret");
    let export = client_for(&server).export_document(input).await.unwrap();
    assert!(export.file_url().is_none());
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}

#[tokio::test]
async fn get_export_delivery_status_request_body() {
    let server =
        server_answering(json!({"status": {"deliveryStatus": "IN_PROGRESS", "errors": []}})).await;
    let status = client_for(&server)
        .export_status("ExportQueue:3")
        .await
        .unwrap();
    assert_eq!(status.status, datasaur::JobStatus::InProgress);
    insta::assert_json_snapshot!(request_bodies(&server).await[0]);
}
