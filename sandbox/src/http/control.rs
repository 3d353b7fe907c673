//! The `/_sandbox/` control endpoints: jobs, scripts, faults, tokens,
//! stats, uploads, the late-file delay; behind the control token when one
//! is set.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::app::{App, json_response};
use crate::faults::Fault;
use crate::script::JobScript;

/// The header that carries the control token.
pub const CONTROL_TOKEN_HEADER: &str = "x-sandbox-control-token";

/// The control endpoints answer only with the control token, when one is set.
pub(super) async fn require_control_token(
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

pub(super) async fn control_create_job(State(app): State<App>, body: Bytes) -> Response {
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

pub(super) async fn control_add_script(State(app): State<App>, body: Bytes) -> Response {
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

pub(super) async fn control_clear_scripts(State(app): State<App>) -> StatusCode {
    app.state.scripts.clear_added();
    StatusCode::NO_CONTENT
}

pub(super) async fn control_issue_token(State(app): State<App>) -> Response {
    let (token, ttl) = app.state.tokens.issue();
    json_response(
        StatusCode::OK,
        &json!({"access_token": token, "token_type": "bearer", "expires_in": ttl.as_secs()}),
    )
}

pub(super) async fn control_expire_tokens(State(app): State<App>) -> StatusCode {
    app.state.tokens.expire_all();
    StatusCode::NO_CONTENT
}

pub(super) async fn control_arm_fault(State(app): State<App>, body: Bytes) -> Response {
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

pub(super) async fn control_clear_faults(State(app): State<App>) -> StatusCode {
    app.state.faults.clear();
    StatusCode::NO_CONTENT
}

pub(super) async fn control_stats(State(app): State<App>) -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::to_value(app.state.stats.snapshot()).unwrap_or_default(),
    )
}

/// `{"millis": N}`: export files appear N ms after their export is
/// delivered, from now on (the late-file fault; 0 restores the default).
pub(super) async fn control_file_ready_after(State(app): State<App>, body: Bytes) -> Response {
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
pub(super) async fn control_uploads(State(app): State<App>) -> Response {
    json_response(
        StatusCode::OK,
        &serde_json::to_value(app.state.uploads.list()).unwrap_or_default(),
    )
}

pub(super) async fn control_reset_stats(State(app): State<App>) -> StatusCode {
    app.state.stats.reset();
    StatusCode::NO_CONTENT
}

/// `{"name": "...", "teamId": "..."}` (team optional): a project that
/// `getProjects` lists; answers `{"id": ...}`.
pub(super) async fn control_create_project(State(app): State<App>, body: Bytes) -> Response {
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct NewProject {
        name: String,
        team_id: Option<String>,
    }
    match serde_json::from_slice::<NewProject>(&body) {
        Ok(project) => {
            let created = app.state.store.now_text();
            let id = app
                .state
                .projects
                .add(&project.name, project.team_id.as_deref(), created);
            json_response(StatusCode::CREATED, &json!({"id": id}))
        }
        Err(e) => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"error": format!("expected {{\"name\": ..., \"teamId\": ...}}: {e}")}),
        ),
    }
}
