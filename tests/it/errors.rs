//! Every way an answer can be bad becomes one typed, readable `Error`.

use crate::support::mock::{TOKEN, answer, client_for, shown};
use datasaur::{Error, ErrorKind};
use serde_json::json;
use std::time::Duration;
use wiremock::{MockServer, ResponseTemplate};

async fn get_job_error(response: ResponseTemplate) -> Error {
    let server = MockServer::start().await;
    answer(&server, response).await;
    let error = client_for(&server)
        .get_job("AutoLabelQueue:1")
        .await
        .unwrap_err();
    assert!(
        !format!("{error} {error:?}").contains(TOKEN),
        "the token leaked: {error:?}"
    );
    error
}

#[tokio::test]
async fn graphql_errors_are_all_kept_and_partial_data_discarded() {
    let error = get_job_error(ResponseTemplate::new(200).set_body_json(json!({
        "data": {"job": {"id": "AutoLabelQueue:1"}},
        "errors": [
            {"message": "Job is locked", "path": ["job"], "locations": [{"line": 2, "column": 3}],
             "extensions": {"type": "ForbiddenError", "code": "FORBIDDEN"}},
            {"message": "Second problem", "path": ["job", "status"]}
        ]
    })))
    .await;
    assert_eq!(error.kind(), ErrorKind::GraphQL, "{error:?}");
    let errors = error.graphql_errors().expect("GraphQL errors");
    assert_eq!(error.operation(), Some("GetJob"));
    let host = error.host().unwrap();
    assert!(host.starts_with("127.0.0.1:"), "{host}");
    assert_eq!(
        error.request_id().map(str::len),
        Some(32),
        "the x-request-id sent"
    );
    assert!(error.partial_data_discarded());
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0].error_type(), Some("ForbiddenError"));
    assert_eq!(errors[1].path, Some(vec![json!("job"), json!("status")]));
    assert!(!error.is_transient());
    insta::assert_snapshot!(shown(&error), @"GetJob to [host]: 2 GraphQL error(s): Job is locked");
}

#[tokio::test]
async fn graphql_errors_win_over_ill_typed_partial_data() {
    // A null in a non-null field next to an error must not become a decode error.
    let error = get_job_error(ResponseTemplate::new(200).set_body_json(json!({
        "data": {"job": {"id": null}},
        "errors": [{"message": "boom"}]
    })))
    .await;
    assert!(
        error.kind() == ErrorKind::GraphQL && error.partial_data_discarded(),
        "{error:?}"
    );
}

#[tokio::test]
async fn unauthorized_graphql_error_by_message() {
    let error = get_job_error(ResponseTemplate::new(200).set_body_json(json!({
        "data": null,
        "errors": [{"message": "Unauthorized"}]
    })))
    .await;
    assert!(
        error.is_unauthorized() && error.to_string().ends_with(": credentials refused"),
        "{error:?}"
    );
}

#[tokio::test]
async fn unauthorized_graphql_error_by_extension_type() {
    let error = get_job_error(ResponseTemplate::new(200).set_body_json(json!({
        "errors": [{"message": "Token expired", "extensions": {"type": "AuthenticationError"}}]
    })))
    .await;
    assert!(
        error.is_unauthorized()
            && error
                .to_string()
                .ends_with("credentials refused: Token expired"),
        "{error:?}"
    );
    insta::assert_snapshot!(shown(&error), @"GetJob to [host]: credentials refused: Token expired");
}

#[tokio::test]
async fn http_401_is_unauthorized_whatever_the_body() {
    let error =
        get_job_error(ResponseTemplate::new(401).set_body_string("<html>nope</html>")).await;
    assert!(
        error.is_unauthorized() && error.to_string().ends_with("credentials refused: HTTP 401"),
        "{error:?}"
    );
    assert!(!error.is_transient());
}

#[tokio::test]
async fn http_500_with_html_keeps_status_and_the_start_of_the_body() {
    let page = format!(
        "<html><body><h1>Internal Server Error</h1>{}</body></html>",
        "x".repeat(5000)
    );
    let error = get_job_error(ResponseTemplate::new(500).set_body_string(page)).await;
    assert_eq!(error.http_status(), Some(500), "{error:?}");
    let body_snippet = error.body_snippet().unwrap();
    assert!(body_snippet.starts_with("<html><body><h1>Internal Server Error</h1>"));
    assert!(
        body_snippet.len() < 600,
        "the snippet is bounded: {} bytes",
        body_snippet.len()
    );
    assert!(
        !error.is_transient(),
        "500 may mean the request ran: not transient"
    );
}

#[tokio::test]
async fn http_503_with_retry_after_is_transient() {
    let error = get_job_error(
        ResponseTemplate::new(503)
            .insert_header("retry-after", "7")
            .set_body_string("busy"),
    )
    .await;
    assert!(
        error.http_status() == Some(503) && error.retry_after() == Some(Duration::from_secs(7)),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_with_the_body() {
    let error =
        get_job_error(ResponseTemplate::new(200).set_body_string("{\"data\": {\"job\": nul")).await;
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert_eq!(error.operation(), Some("GetJob"));
    assert_eq!(error.body_snippet(), Some("{\"data\": {\"job\": nul"));
    assert!(
        error.is_transient(),
        "a body cut short may come whole next time"
    );
}

#[tokio::test]
async fn not_json_at_all_is_a_decode_error() {
    let error =
        get_job_error(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>")).await;
    insta::assert_snapshot!(shown(&error), @r#"GetJob to [host]: could not decode the answer at `(body)`: expected value at line 1 column 1; body starts "<html>maintenance</html>""#);
}

#[tokio::test]
async fn wrong_shape_names_the_path_to_the_bad_field() {
    let error = get_job_error(ResponseTemplate::new(200).set_body_json(json!({
        "data": {"job": {"id": "j", "status": "QUEUED", "progress": "half", "errors": [],
                         "createdAt": "1", "updatedAt": "2"}}
    })))
    .await;
    assert_eq!(error.decode_path(), Some("data.job.progress"), "{error:?}");
    assert!(!error.is_transient());
}

#[tokio::test]
async fn an_answer_without_data_or_errors_is_a_decode_error() {
    let error =
        get_job_error(ResponseTemplate::new(200).set_body_json(json!({"extensions": {}}))).await;
    assert!(error.decode_path() == Some("data"), "{error:?}");
}
