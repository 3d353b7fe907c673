//! What every route shares: the [`App`] state they are given, and the two
//! helpers each needs (a JSON answer, the bearer token's check). A leaf:
//! the routes import it, it imports none of them.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::state::SandboxState;

#[derive(Clone)]
pub(crate) struct App {
    pub state: Arc<SandboxState>,
    /// The one engine's schema: ours, or the user's (`SandboxConfig::schema`).
    pub schema: async_graphql::dynamic::Schema,
    /// The schema's root fields, named when a client asks for another.
    pub roots: Arc<crate::answers::RootFields>,
}

pub(crate) fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
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
