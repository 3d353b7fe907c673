//! Hostile redirects: a token endpoint or a GraphQL endpoint that answers
//! 307 to another host must not get the client secret, the token or a
//! work-starting request re-sent there; the error names both hosts.

use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{Client, ErrorKind, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::mock::{TOKEN, job_json};

/// A server standing in for another host: it records whatever reaches it.
async fn elsewhere() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "stolen", "expires_in": 3600,
            "data": {"job": job_json("j", "DELIVERED", 100)}
        })))
        .mount(&server)
        .await;
    server
}

fn redirect_to(target: &MockServer, status: u16) -> ResponseTemplate {
    ResponseTemplate::new(status).insert_header("location", format!("{}/steal", target.uri()))
}

fn host(server: &MockServer) -> String {
    server.address().to_string()
}

#[tokio::test]
async fn a_token_endpoint_redirect_is_refused_and_the_secret_stays_home() {
    let thief = elsewhere().await;
    let datasaur = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(redirect_to(&thief, 307))
        .mount(&datasaur)
        .await;
    let client = Client::builder()
        .base_url(datasaur.uri())
        .client_credentials("client-id", "client-secret-XYZ")
        .build()
        .unwrap();
    let error = client.get_job("j").await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert_eq!(error.kind(), ErrorKind::Http);
    assert_eq!(error.http_status(), Some(307));
    assert!(shown.contains(&host(&datasaur)), "{shown}");
    assert!(shown.contains(&host(&thief)), "{shown}");
    assert!(!shown.contains("client-secret-XYZ"), "{shown}");
    let stolen = thief.received_requests().await.unwrap_or_default();
    assert!(
        stolen.is_empty(),
        "{} request(s) reached the other host",
        stolen.len()
    );
    let asked = datasaur.received_requests().await.unwrap_or_default();
    assert_eq!(asked.len(), 1, "a refused redirect is not retried");
}

#[tokio::test]
async fn a_graphql_redirect_never_resends_work_or_the_token_elsewhere() {
    let thief = elsewhere().await;
    let datasaur = MockServer::start().await;
    for status in [301, 302, 303, 307, 308] {
        datasaur.reset().await;
        Mock::given(method("POST"))
            .and(path("/graphql"))
            .respond_with(redirect_to(&thief, status))
            .mount(&datasaur)
            .await;
        let client = Client::builder()
            .base_url(datasaur.uri())
            .access_token(TOKEN)
            .retry_policy(RetryPolicy::default().max_retries(3))
            .build()
            .unwrap();
        let input = ExportTextProjectInput::new(
            "labels",
            "JSON",
            GqlExportMethod::FileStorage,
            ["project-1"],
        );
        let error = client.export_project(input).await.unwrap_err();
        assert_eq!(error.http_status(), Some(status));
        assert!(!error.is_transient(), "{error}");
        let shown = error.to_string();
        assert!(shown.contains(&host(&thief)), "{shown}");
        assert!(!shown.contains(TOKEN), "{shown}");
        let asked = datasaur.received_requests().await.unwrap_or_default();
        assert_eq!(asked.len(), 1, "HTTP {status}: sent once, never replayed");
        // A query is refused the same way (it carries the token too).
        assert!(client.get_job("j").await.is_err());
    }
    let stolen = thief.received_requests().await.unwrap_or_default();
    assert!(
        stolen.is_empty(),
        "{} request(s) reached the other host",
        stolen.len()
    );
}
