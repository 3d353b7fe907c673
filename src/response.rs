//! Turning an HTTP answer into typed data, or the one [`Error`] that says
//! what was wrong with it.

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::error::{Error, GraphQLError, Request, Result, body_snippet};

/// The GraphQL envelope, read before the data so that errors win over a
/// partial (possibly ill-typed) `data`.
#[derive(serde::Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    errors: Option<Vec<GraphQLError>>,
}

/// Decodes an HTTP answer into an operation's data, or the one [`Error`]
/// that describes what went wrong.
///
/// The common case (2xx, `data`, no `errors`) is decoded in one pass; any
/// other answer takes the careful path, where errors win over partial data.
pub(crate) fn decode_answer<T: DeserializeOwned>(
    request: &Request,
    status: StatusCode,
    retry_after: Option<String>,
    body: &[u8],
) -> Result<T> {
    if status.is_success()
        && let Ok(FastEnvelope {
            data: Some(data),
            errors: None,
        }) = serde_json::from_slice(body)
    {
        return Ok(data);
    }
    let data = check_answer(request, status, retry_after, body)?;
    decode_data(request, &data, body)
}

/// The envelope of a clean answer, typed in one pass.
#[derive(serde::Deserialize)]
struct FastEnvelope<T> {
    data: Option<T>,
    #[serde(default)]
    errors: Option<serde::de::IgnoredAny>,
}

/// Checks an HTTP answer at the GraphQL level and returns its `data`, or the
/// one [`Error`] that describes what went wrong. Not generic: the typed
/// decode of `data` is [`decode_data`].
fn check_answer(
    request: &Request,
    status: StatusCode,
    retry_after: Option<String>,
    body: &[u8],
) -> Result<Box<RawValue>> {
    let http_error = |retry_after| {
        Error::http(
            request.clone(),
            status.as_u16(),
            retry_after,
            body_snippet(body),
        )
    };
    let envelope: Result<Envelope<'_>, _> = decode_at(body);
    if status == StatusCode::UNAUTHORIZED {
        let message = envelope
            .ok()
            .and_then(|e| e.errors)
            .and_then(|errors| errors.into_iter().next())
            .map_or_else(|| "HTTP 401".to_owned(), |e| e.message);
        return Err(Error::unauthorized(request.clone(), message));
    }
    let envelope = match envelope {
        Ok(envelope) => envelope,
        Err(_) if !status.is_success() => return Err(http_error(retry_after)),
        Err(failure) => return Err(failure.into_error(request, body)),
    };
    if let Some(errors) = envelope.errors.filter(|errors| !errors.is_empty()) {
        // An answer that carries data ran, whatever its errors say (an
        // `Unauthorized` on one sub-field, a throttled nested call): it is
        // never a refusal, so never refreshed and re-sent.
        let partial = envelope.data.is_some_and(carries_data);
        if !partial && let Some(auth) = errors.iter().find(|e| e.is_authentication_error()) {
            return Err(Error::unauthorized(request.clone(), auth.message.clone()));
        }
        if let Some(drift) = crate::error::Drift::find(&errors) {
            return Err(Error::schema_drift(request.clone(), errors, drift));
        }
        return Err(Error::graphql(request.clone(), errors, partial));
    }
    if !status.is_success() {
        return Err(http_error(retry_after));
    }
    envelope.data.map(RawValue::to_owned).ok_or_else(|| {
        Error::decode(
            request.clone(),
            "data",
            "the answer has neither `data` nor `errors`",
            body_snippet(body),
            false,
        )
    })
}

/// Whether `data` holds anything: an object with a root field that is not
/// null (a field that failed is null, with its error in `errors`).
fn carries_data(data: &RawValue) -> bool {
    match serde_json::from_str::<std::collections::HashMap<&str, &RawValue>>(data.get()) {
        Ok(fields) => fields.values().any(|value| value.get() != "null"),
        // Not an object: not what GraphQL sends, but not nothing either.
        Err(_) => data.get() != "null",
    }
}

/// The path of a JSON document's top level that has the wrong shape (a
/// duplicated `data` key, say).
const ROOT: &str = "(top level)";

/// Decodes `data` into an operation's generated type; a mismatch names
/// serde's path to the bad field.
fn decode_data<T: DeserializeOwned>(request: &Request, data: &RawValue, body: &[u8]) -> Result<T> {
    decode_at(data.get().as_bytes()).map_err(|failure| {
        let path = match failure.path {
            Some(path) if path != ROOT => format!("data.{path}"),
            _ => "data".into(),
        };
        Error::decode(
            request.clone(),
            path,
            failure.message,
            body_snippet(body),
            false,
        )
    })
}

/// Why a JSON text did not decode: serde's path to the bad value, or none
/// when the text is not JSON at all.
struct DecodeFailure {
    path: Option<String>,
    message: String,
}

impl DecodeFailure {
    /// The error for a whole answer that did not decode: a text that is not
    /// JSON (cut short, a proxy's page) is a network fault that may pass.
    fn into_error(self, request: &Request, body: &[u8]) -> Error {
        let transient = self.path.is_none();
        let path = self.path.unwrap_or_else(|| "(body)".to_owned());
        Error::decode(
            request.clone(),
            path,
            self.message,
            body_snippet(body),
            transient,
        )
    }
}

/// Deserializes JSON, reporting serde's path to the value that failed, or
/// no path when the text is not JSON at all (cut short, HTML): the path into
/// a broken document says where it broke, not which field was wrong.
fn decode_at<'de, T: serde::Deserialize<'de>>(json: &'de [u8]) -> Result<T, DecodeFailure> {
    // Fast path: plain serde_json. Only a failure pays for path tracking.
    let error = match serde_json::from_slice(json) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    if !error.is_data() {
        return Err(DecodeFailure {
            path: None,
            message: error.to_string(),
        });
    }
    let at = |path: String| Some(if path == "." { ROOT.to_owned() } else { path });
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(traced) => Err(DecodeFailure {
            path: at(traced.path().to_string()),
            message: traced.inner().to_string(),
        }),
        // The same input failed above; report that error.
        Ok(_) => Err(DecodeFailure {
            path: Some(ROOT.to_owned()),
            message: error.to_string(),
        }),
    }
}
