//! Helpers shared by the HTTP-level tests: a wiremock server standing in for
//! Datasaur, and a client pointed at it.

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const TOKEN: &str = "test-token-0123456789";

/// A client for `server` that does not retry: each test sees one answer's error.
pub fn client_for(server: &MockServer) -> datasaur::Client {
    datasaur::Client::builder()
        .base_url(server.uri())
        .access_token(TOKEN)
        .retry_policy(datasaur::RetryPolicy::disabled())
        .build()
        .expect("client builds")
}

/// Answers every GraphQL request with `response`.
pub async fn answer(server: &MockServer, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(response)
        .mount(server)
        .await;
}

/// A full `Job` as the server would send it.
pub fn job_json(id: &str, status: &str, progress: i64) -> Value {
    json!({
        "id": id,
        "status": status,
        "progress": progress,
        "errors": [],
        "resultId": null,
        "result": null,
        "createdAt": "1672531200000",
        "updatedAt": "1672531260000",
        "additionalData": null
    })
}

/// The JSON bodies of every request the server received.
pub async fn request_bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|request| serde_json::from_slice(&request.body).expect("request body is JSON"))
        .collect()
}

/// An error's message with the mock server's `host:port` made stable.
pub fn shown(error: &datasaur::Error) -> String {
    let text = error.to_string();
    match error.host() {
        Some(host) => text.replace(host, "[host]"),
        None => text,
    }
}
