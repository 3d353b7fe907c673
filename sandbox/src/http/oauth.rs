//! `POST /api/oauth/token` (the client credentials grant) and
//! `GET /api/health`, as Datasaur's.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::app::{App, json_response};

/// `GET /api/health`: `{version}`, as Datasaur's.
pub(super) async fn health() -> Response {
    json_response(
        StatusCode::OK,
        &json!({"version": concat!("datasaur-sandbox ", env!("CARGO_PKG_VERSION")), "status": "ok"}),
    )
}

/// `POST /api/oauth/token`: client credentials in the form body (as
/// Datasaur's TypeScript tool sends them) or as HTTP Basic authentication
/// (as `requests_oauthlib`, in Datasaur's Python samples, does; RFC 6749
/// §2.3.1 says a server must take it), never both.
pub(super) async fn oauth_token(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
