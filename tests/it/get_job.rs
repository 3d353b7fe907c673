//! `Client::get_job` over HTTP against a mock Datasaur.

use crate::support::mock::{TOKEN, answer, client_for, job_json, request_bodies};
use datasaur::{ErrorKind, JobStatus};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn delivered_job_is_decoded_into_the_domain_type() {
    let server = MockServer::start().await;
    let mut job = job_json("AutoLabelQueue:1", "DELIVERED", 100);
    job["resultId"] = json!("result-7");
    job["result"] = json!({"labels": 12, "files": ["a.txt"]});
    job["additionalData"] = json!({"automationActivityId": "activity-3"});
    job["errors"] = json!([{"id": "e1", "stack": "warning only", "args": {"line": 4}}]);
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"data": {"job": job}})),
    )
    .await;

    let job = client_for(&server)
        .get_job("AutoLabelQueue:1")
        .await
        .unwrap();
    assert!(job.is_delivered() && job.is_finished() && !job.is_failed());
    insta::assert_debug_snapshot!(job);
}

#[tokio::test]
async fn null_job_is_job_not_found() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"data": {"job": null}})),
    )
    .await;

    let error = client_for(&server)
        .get_job("AutoLabelQueue:missing")
        .await
        .unwrap_err();
    assert!(error.is_job_not_found() && error.job_id() == Some("AutoLabelQueue:missing"));
    insta::assert_snapshot!(error, @r#"job "AutoLabelQueue:missing" not found"#);
}

#[tokio::test]
async fn unknown_status_decodes_to_unknown_and_is_unfinished() {
    let server = MockServer::start().await;
    let job = job_json("AutoLabelQueue:1", "PAUSED_FOR_REVIEW", 40);
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(json!({"data": {"job": job}})),
    )
    .await;

    let job = client_for(&server)
        .get_job("AutoLabelQueue:1")
        .await
        .unwrap();
    assert_eq!(job.status, JobStatus::Unknown("PAUSED_FOR_REVIEW".into()));
    assert!(!job.is_finished());
    assert_eq!(job.progress, 40);
}

#[tokio::test]
async fn sends_bearer_token_user_agent_and_operation_name() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .and(query_param("graphql", "GetJob"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header(
            "user-agent",
            concat!("datasaur-rs/", env!("CARGO_PKG_VERSION")),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"job": job_json("j", "QUEUED", 0)}})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let job = client_for(&server).get_job("j").await.unwrap();
    assert_eq!(job.status, JobStatus::Queued);
    assert_eq!(
        request_bodies(&server).await[0]["variables"],
        json!({"jobId": "j"})
    );
}

#[tokio::test]
async fn self_hosted_base_path_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/datasaur/graphql"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"job": job_json("j", "NONE", 0)}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = datasaur::Client::builder()
        .base_url(format!("{}/datasaur", server.uri()))
        .build()
        .unwrap();
    assert_eq!(client.get_job("j").await.unwrap().status, JobStatus::None);
}

#[tokio::test]
async fn slow_answer_is_a_timeout_error() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": {"job": null}}))
            .set_delay(std::time::Duration::from_secs(5)),
    )
    .await;
    let client = datasaur::Client::builder()
        .base_url(server.uri())
        .timeout(std::time::Duration::from_millis(100))
        .retry_policy(datasaur::RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.get_job("j").await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(error.is_transient());
}

#[tokio::test]
async fn connection_refused_is_a_transport_error() {
    // Bind then drop a listener: nothing answers on that port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = datasaur::Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(datasaur::RetryPolicy::disabled())
        .build()
        .unwrap();
    let error = client.get_job("j").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert!(error.is_transient());
}
