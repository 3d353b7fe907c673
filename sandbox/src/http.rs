//! The sandbox's HTTP surface: `/graphql`, `/api/oauth/token`, and the
//! `/_sandbox/` control endpoints.

use std::sync::Arc;
use subtle::ConstantTimeEq;

use async_graphql::BatchRequest;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use super::faults::{Fault, FaultKind, FaultTarget};
use super::schema::SandboxSchema;
use super::schema_limits::{MAX_BATCH, MAX_OPERATION_NAME_LEN, MAX_OPERATION_NAMES};
use super::script::JobScript;
use super::state::SandboxState;

#[derive(Clone)]
pub(crate) struct App {
    pub state: Arc<SandboxState>,
    pub schema: SandboxSchema,
    /// The schema's root fields, named when a client asks for another.
    pub roots: Arc<crate::answers::RootFields>,
    /// A user's schema (`SandboxConfig::schema`), answering what the real
    /// schema does not implement.
    pub mock: Option<async_graphql::dynamic::Schema>,
}

pub(crate) fn router(app: App) -> Router {
    let control = Router::new()
        .route("/_sandbox/jobs", post(control_create_job))
        .route(
            "/_sandbox/scripts",
            post(control_add_script).delete(control_clear_scripts),
        )
        .route("/_sandbox/tokens", post(control_issue_token))
        .route("/_sandbox/tokens/expire", post(control_expire_tokens))
        .route(
            "/_sandbox/faults",
            post(control_arm_fault).delete(control_clear_faults),
        )
        .route(
            "/_sandbox/stats",
            get(control_stats).delete(control_reset_stats),
        )
        .route("/_sandbox/uploads", get(control_uploads))
        .route(
            "/_sandbox/files/ready-after",
            axum::routing::put(control_file_ready_after),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            app.clone(),
            require_control_token,
        ));
    let router = Router::new()
        .route("/graphql", post(graphql))
        .route("/api/oauth/token", post(oauth_token))
        // Datasaur's TypeScript tool asks for this first.
        .route("/api/health", get(health))
        // The stand-in object store: no control token, as a presigned URL needs none.
        .route("/_sandbox/files/{key}/{name}", get(crate::exports::file))
        // Uploads are streamed and capped by `SandboxConfig::max_upload_bytes`, not axum's 2 MB.
        .route(
            crate::uploads::UPLOAD_PATH,
            post(crate::uploads::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .merge(control);
    let router = if app.state.config.allow_remote {
        router
    } else {
        router.layer(axum::middleware::from_fn(
            crate::local_only::only_loopback_names,
        ))
    };
    router.with_state(app)
}

/// `GET /api/health`: `{version}`, as Datasaur's.
async fn health() -> Response {
    json_response(
        StatusCode::OK,
        &json!({"version": concat!("datasaur-sandbox ", env!("CARGO_PKG_VERSION")), "status": "ok"}),
    )
}

/// The control endpoints answer only with the control token, when one is set.
async fn require_control_token(
    State(app): State<App>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(expected) = app.state.config.control_token.as_deref() {
        let given = request
            .headers()
            .get(CONTROL_TOKEN_HEADER)
            .and_then(|value| value.to_str().ok());
        // Constant time: how long a refusal takes says nothing of how much
        // of a guess was right.
        let matches =
            given.is_some_and(|given| bool::from(given.as_bytes().ct_eq(expected.as_bytes())));
        if !matches {
            return json_response(
                StatusCode::UNAUTHORIZED,
                &json!({"error": format!("this sandbox's control endpoints need the {CONTROL_TOKEN_HEADER} header")}),
            );
        }
    }
    next.run(request).await
}

/// The header that carries the control token.
pub const CONTROL_TOKEN_HEADER: &str = "x-sandbox-control-token";

async fn graphql(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
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

    let fault = state.faults.next(FaultTarget::Graphql);
    if fault.is_some() {
        state.stats.update(|stats| stats.faults_injected += 1);
    }
    if let Some(delay) = fault.as_ref().and_then(FaultKind::delay) {
        tokio::time::sleep(delay).await;
    }
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

    // One parse of a single request's query, for the variables check and
    // the routing below.
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
    // A user's schema answers what the sandbox does not implement.
    let mock = match &selected {
        Some((_, operation)) if !app.roots.serve_all(operation) => app.mock.as_ref(),
        _ => None,
    };
    let response = match (mock, batch) {
        (Some(mock), BatchRequest::Single(request)) => {
            let budget = Arc::new(crate::mock_schema::Budget::default());
            async_graphql::BatchResponse::Single(mock.execute(request.data(budget)).await)
        }
        (_, batch) => app.schema.execute_batch(batch).await,
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

pub(crate) fn is_authorized(state: &SandboxState, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
        })
        .is_some_and(|token| state.tokens.is_valid(token.trim()))
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

/// `POST /api/oauth/token`: client credentials in the form body (as
/// Datasaur's TypeScript tool sends them) or as HTTP Basic authentication
/// (as `requests_oauthlib`, in Datasaur's Python samples, does; RFC 6749
/// §2.3.1 says a server must take it), never both.
async fn oauth_token(State(app): State<App>, headers: HeaderMap, body: Bytes) -> Response {
    let state = &app.state;
    state.stats.update(|stats| stats.token_requests += 1);
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "grant_type" => grant_type = Some(value.into_owned()),
            "client_id" => client_id = Some(value.into_owned()),
            "client_secret" => client_secret = Some(value.into_owned()),
            _ => {}
        }
    }
    let oauth_error = |status, error: &str, description: &str| {
        json_response(
            status,
            &json!({"error": error, "error_description": description}),
        )
    };
    match grant_type.as_deref() {
        Some("client_credentials") => {}
        Some(_) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                "only client_credentials is supported",
            );
        }
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            );
        }
    }
    let basic = match basic_credentials(&headers) {
        Ok(basic) => basic,
        Err(()) => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "the Basic authorization header is not base64 of client_id:client_secret",
            );
        }
    };
    let (client_id, client_secret) = match (basic, client_id, client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client credentials given both as Basic authorization and in the body; use one",
            );
        }
        (Some((id, secret)), None, None) => (id, secret),
        (None, Some(id), Some(secret)) => (id, secret),
        (None, _, _) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "client_id and client_secret are required (in the body, or as HTTP Basic authorization)",
            );
        }
    };
    let id_matches = client_id
        .as_bytes()
        .ct_eq(state.config.client_id.as_bytes());
    let secret_matches = client_secret
        .as_bytes()
        .ct_eq(state.config.client_secret.as_bytes());
    if !bool::from(id_matches & secret_matches) {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed",
        );
    }
    let (token, ttl) = state.tokens.issue();
    json_response(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "bearer", "expires_in": ttl.as_secs()}),
    )
}

async fn control_create_job(State(app): State<App>, body: Bytes) -> Response {
    let script = if body.iter().all(u8::is_ascii_whitespace) {
        app.state.config.default_script.clone()
    } else {
        match serde_json::from_slice::<JobScript>(&body) {
            Ok(script) => script,
            Err(e) => {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    &json!({"error": format!("bad job script: {e}")}),
                );
            }
        }
    };
    let id = app.state.store.create("SandboxQueue", script);
    json_response(StatusCode::CREATED, &json!({"id": id}))
}

async fn control_add_script(State(app): State<App>, body: Bytes) -> Response {
    let rule = match serde_json::from_slice::<crate::ScriptRule>(&body) {
        Ok(rule) => rule,
        Err(e) => {
            return json_response(
                StatusCode::BAD_REQUEST,
                &json!({"error": format!("bad script rule: {e}")}),
            );
        }
    };
    if app.state.scripts.add(rule) {
        return StatusCode::NO_CONTENT.into_response();
    }
    json_response(
        StatusCode::TOO_MANY_REQUESTS,
        &json!({"error": format!(
            "{} script rules are already added; DELETE /_sandbox/scripts drops them",
            crate::scripts::MAX_ADDED_RULES
        )}),
    )
}

async fn control_clear_scripts(State(app): State<App>) -> StatusCode {
    app.state.scripts.clear_added();
    StatusCode::NO_CONTENT
}

async fn control_issue_token(State(app): State<App>) -> Response {
    let (token, ttl) = app.state.tokens.issue();
    json_response(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "bearer", "expires_in": ttl.as_secs()}),
    )
}

async fn control_expire_tokens(State(app): State<App>) -> StatusCode {
    app.state.tokens.expire_all();
    StatusCode::NO_CONTENT
}

async fn control_arm_fault(State(app): State<App>, body: Bytes) -> Response {
    match serde_json::from_slice::<Fault>(&body) {
        Ok(fault) => {
            app.state.faults.arm(fault);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("bad fault: {e}")}),
        ),
    }
}

async fn control_clear_faults(State(app): State<App>) -> StatusCode {
    app.state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn control_stats(State(app): State<App>) -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::to_value(app.state.stats.snapshot()).unwrap_or_default(),
    )
}

/// `{"millis": N}`: export files appear N ms after their export is
/// delivered, from now on (the late-file fault; 0 restores the default).
async fn control_file_ready_after(State(app): State<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    struct Delay {
        millis: u64,
    }
    match serde_json::from_slice::<Delay>(&body) {
        Ok(delay) => {
            *crate::sync::lock(&app.state.file_ready_after) =
                std::time::Duration::from_millis(delay.millis);
            json_response(StatusCode::OK, &json!({"fileReadyAfterMs": delay.millis}))
        }
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("expected {{\"millis\": <non-negative integer>}}: {e}")}),
        ),
    }
}

/// The uploaded objects (key, name, size, SHA-256), oldest first.
async fn control_uploads(State(app): State<App>) -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::to_value(app.state.uploads.list()).unwrap_or_default(),
    )
}

async fn control_reset_stats(State(app): State<App>) -> StatusCode {
    app.state.stats.reset();
    StatusCode::NO_CONTENT
}

pub(crate) fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// The client credentials of an `Authorization: Basic` header: `Ok(None)`
/// without one, `Err` for one that does not decode to `id:secret`. Each part
/// is form-urlencoded before base64, as RFC 6749 §2.3.1 says.
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String)>, ()> {
    use base64::Engine as _;
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Ok(None);
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Ok(None);
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| ())?;
    let decoded = String::from_utf8(decoded).map_err(|_| ())?;
    let (id, secret) = decoded.split_once(':').ok_or(())?;
    let unescape = |part: &str| -> String {
        url::form_urlencoded::parse(format!("x={part}").as_bytes())
            .next()
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((unescape(id), unescape(secret))))
}
