//! `POST /graphql`: the token, the faults, the variables check, then the
//! schema (or a user's, for what the sandbox does not implement), and the
//! answer shaped as Datasaur's.

use std::sync::Arc;

use async_graphql::BatchRequest;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::app::{App, is_authorized, json_response};
use crate::faults::{FaultKind, FaultTarget};
use crate::schema_limits::{MAX_BATCH, MAX_OPERATION_NAME_LEN, MAX_OPERATION_NAMES};
use crate::state::SandboxState;

pub(super) async fn graphql(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let state = &app.state;
    let batch: BatchRequest = match serde_json::from_slice(&body) {
        Ok(batch) => batch,
        Err(e) => {
            state.stats.update(|stats| stats.graphql_requests += 1);
            let message = format!("POST body is not a GraphQL request: {e}");
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"errors": [{"message": message}]}),
            );
        }
    };
    if let BatchRequest::Batch(requests) = &batch
        && requests.len() > MAX_BATCH
    {
        state.stats.update(|stats| stats.graphql_requests += 1);
        let message = format!(
            "at most {MAX_BATCH} operations per batch, got {}",
            requests.len()
        );
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"errors": [{"message": message}]}),
        );
    }
    // The token first: names from clients without one are not kept.
    let authorized = is_authorized(state, &headers);
    count_request(state, &batch, authorized);

    let fault = crate::faults::take(&state.faults, &state.stats, FaultTarget::Graphql).await;
    if let Some(answer) = crate::faults::answer_before_work(fault.as_ref()) {
        return answer;
    }

    if !authorized {
        state.stats.update(|stats| stats.unauthorized += 1);
        // Datasaur's shape for a bad or expired token.
        let answer = json!({
            "data": null,
            "errors": [{"message": "Unauthorized", "extensions": {"type": "AuthenticationError"}}]
        });
        return json_response(StatusCode::OK, &answer);
    }

    // One parse of a single request's query, for the variables check.
    let selected = match &batch {
        BatchRequest::Single(request) => {
            crate::variables::selected_operation(request).map(|operation| (request, operation))
        }
        BatchRequest::Batch(_) => None,
    };
    if let Some((request, operation)) = &selected
        && let Some(message) = crate::variables::variable_problem(request, operation)
    {
        return json_response(
            StatusCode::BAD_REQUEST,
            &json!({"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}],
                    "extensions": {}}),
        );
    }
    // Each request of a batch is priced before it runs, and has its own
    // budget of values while it does.
    let run = |request: async_graphql::Request| async {
        if let Some(refusal) = crate::cost::refusal(&request) {
            return async_graphql::Response::from_errors(vec![async_graphql::ServerError::new(
                refusal, None,
            )]);
        }
        let budget = Arc::new(crate::engine::Budget::default());
        let nulls = Arc::new(crate::engine::NullItems::default());
        let mut response = app
            .schema
            .execute(request.data(budget).data(nulls.clone()))
            .await;
        nulls.apply(&mut response.data);
        response
    };
    let response = match batch {
        BatchRequest::Single(request) => async_graphql::BatchResponse::Single(run(request).await),
        BatchRequest::Batch(requests) => {
            let mut responses = Vec::with_capacity(requests.len());
            for request in requests {
                responses.push(run(request).await);
            }
            async_graphql::BatchResponse::Batch(responses)
        }
    };
    let status = if is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let body = crate::answers::shape(&response, &app.roots);
    match fault {
        Some(FaultKind::StatusAfterRunning { status }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
            (
                status,
                format!("sandbox fault: HTTP {} after running", status.as_u16()),
            )
                .into_response()
        }
        Some(FaultKind::TruncatedJson) => {
            let half = body.len() / 2;
            (
                [(header::CONTENT_TYPE, "application/json")],
                body[..half].to_vec(),
            )
                .into_response()
        }
        Some(FaultKind::CloseConnection) => {
            let half = Bytes::copy_from_slice(&body[..body.len() / 2]);
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(half),
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "sandbox fault",
                )),
            ];
            // A body stream that fails makes hyper drop the connection mid-response.
            (
                status,
                [(header::CONTENT_TYPE, "application/json")],
                Body::from_stream(futures::stream::iter(chunks)),
            )
                .into_response()
        }
        _ => (status, [(header::CONTENT_TYPE, "application/json")], body).into_response(),
    }
}

/// Counts a request, and its operation names if its token is good; the
/// table of names is capped, so that made-up names cannot grow memory.
fn count_request(state: &SandboxState, batch: &BatchRequest, authorized: bool) {
    let requests: Vec<&async_graphql::Request> = match batch {
        BatchRequest::Single(request) => vec![request],
        BatchRequest::Batch(requests) => requests.iter().collect(),
    };
    state.stats.update(|stats| {
        stats.graphql_requests += 1;
        if !authorized {
            return;
        }
        for request in requests {
            let name = match request.operation_name.as_deref() {
                None => "(anonymous)",
                Some(name) if name.len() > MAX_OPERATION_NAME_LEN => "(other)",
                Some(name) => name,
            };
            let name = if stats.operations.contains_key(name)
                || stats.operations.len() < MAX_OPERATION_NAMES
            {
                name
            } else {
                "(other)"
            };
            *stats.operations.entry(name.to_owned()).or_default() += 1;
        }
    });
}

/// Errors before execution (parse, validation) have no path; Datasaur's
/// server answers those with HTTP 400.
fn is_request_error(response: &async_graphql::BatchResponse) -> bool {
    match response {
        async_graphql::BatchResponse::Single(response) => {
            response.data == async_graphql::Value::Null
                && !response.errors.is_empty()
                && response.errors.iter().all(|e| e.path.is_empty())
        }
        async_graphql::BatchResponse::Batch(_) => false,
    }
}
