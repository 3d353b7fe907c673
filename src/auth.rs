//! Credentials and the `Authorization` header they produce: a fixed token,
//! or OAuth client credentials fetched, cached and refreshed as needed.
//!
//! Kept behind one async seam ([`Credentials::authorization`]) so the
//! transport does not care where a token comes from.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;
use url::Url;

use futures::FutureExt;
use futures::future::{BoxFuture, Shared};

use crate::error::{Error, Request, Result, body_snippet};
use crate::sync::lock;
use crate::transport::{
    Attempt, Authorization, Call, CallCredentials, Failure, Repeat, Retries, TransientStatuses,
    Transport,
};

/// The longest time before expiry at which a cached token is refreshed.
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Where the bearer token of each request comes from.
#[derive(Clone, Default)]
pub(crate) enum Credentials {
    /// No `Authorization` header (a server that needs none, or a test).
    #[default]
    Anonymous,
    /// A token the caller got elsewhere; sent as is, never refreshed. Kept
    /// as the ready header (marked sensitive): built once, not per request.
    AccessToken(HeaderValue),
    /// OAuth 2.0 client credentials: tokens fetched and refreshed here.
    OAuth(Arc<OAuthTokens>),
}

impl CallCredentials for Credentials {
    fn authorization(&self) -> BoxFuture<'_, Result<Option<Authorization>>> {
        Credentials::authorization(self)
    }

    fn redact(&self, error: &mut Error, used: Option<&Authorization>) {
        Credentials::redact(self, error, used);
    }

    fn refresh_once_if_refused(
        &self,
        error: &Error,
        used: Option<&Authorization>,
        refreshed: &std::sync::atomic::AtomicBool,
    ) -> bool {
        Credentials::refresh_once_if_refused(self, error, used, refreshed)
    }
}

impl Credentials {
    /// A fixed token's credentials; fails if the token cannot be a header.
    pub(crate) fn access_token(token: &SecretString) -> Result<Self> {
        authorization_header(token).map(Credentials::AccessToken)
    }

    /// The `Authorization` header to send now, if any, fetching a token first
    /// when the cached one is missing or about to expire.
    ///
    /// Boxed: a token fetch is itself a call of the request pipeline, whose
    /// future holds this one; the box ends that cycle of types.
    pub(crate) fn authorization(&self) -> BoxFuture<'_, Result<Option<Authorization>>> {
        match self {
            Credentials::Anonymous => Box::pin(async { Ok(None) }),
            Credentials::AccessToken(header) => {
                let authorization = Authorization {
                    header: header.clone(),
                    generation: 0,
                };
                Box::pin(async move { Ok(Some(authorization)) })
            }
            Credentials::OAuth(tokens) => {
                Box::pin(async move { tokens.authorization().await.map(Some) })
            }
        }
    }

    /// After `error` from a request that carried `used`: if the server
    /// refused the token and a fresh one can be fetched, forgets it and says
    /// to send once more (the server ran nothing, so this is safe for work
    /// that starts work too); `refreshed` makes it once per request.
    pub(crate) fn refresh_once_if_refused(
        &self,
        error: &Error,
        used: Option<&Authorization>,
        refreshed: &std::sync::atomic::AtomicBool,
    ) -> bool {
        let Some(used) = used else {
            return false;
        };
        if !error.is_unauthorized()
            || !self.can_refresh()
            || refreshed.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            return false;
        }
        self.invalidate(used);
        true
    }

    /// Whether a refused request may succeed with a fresh token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self, Credentials::OAuth(_))
    }

    /// Forgets the token behind `used` (the server refused it), unless a
    /// newer one has replaced it already.
    pub(crate) fn invalidate(&self, used: &Authorization) {
        if let Credentials::OAuth(tokens) = self {
            tokens.invalidate(used.generation);
        }
    }

    /// Replaces every credential this client knows (the fixed token, the
    /// client secret, the token `used` by the request) in server text.
    pub(crate) fn redact(&self, error: &mut Error, used: Option<&Authorization>) {
        let mut secrets: Vec<String> = Vec::new();
        let mut push_header = |header: &HeaderValue| {
            if let Some(token) = header.to_str().ok().and_then(|h| h.strip_prefix("Bearer ")) {
                secrets.push(token.to_owned());
            }
        };
        if let Credentials::AccessToken(header) = self {
            push_header(header);
        }
        if let Some(used) = used {
            push_header(&used.header);
        }
        if let Credentials::OAuth(tokens) = self {
            secrets.extend(secret_forms(tokens.client_secret.expose_secret()));
        }
        error.redact_server_text(|text| redact_all(text, &secrets));
    }

    /// How many tokens were fetched.
    pub(crate) fn token_requests(&self) -> u64 {
        match self {
            Credentials::OAuth(tokens) => tokens.fetched.load(Ordering::Relaxed),
            _ => 0,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::AccessToken(_) => f.write_str("AccessToken([redacted])"),
            Credentials::OAuth(tokens) => f
                .debug_struct("ClientCredentials")
                .field("client_id", &tokens.client_id)
                .field("client_secret", &"[redacted]")
                .field("token_url", &tokens.token_url.as_str())
                .finish(),
        }
    }
}

/// The header value for a token, marked sensitive so that reqwest and hyper
/// never print it.
fn authorization_header(token: &SecretString) -> Result<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
        // The error names no part of the token.
        .map_err(|_| {
            Error::config("the access token holds characters not allowed in an HTTP header")
        })?;
    value.set_sensitive(true);
    Ok(value)
}

/// A secret as a server may quote it back: raw, form-encoded (as the token
/// request sent it: `+` for a space, `%2F` for `/`) and percent-encoded,
/// in either case of hex digits. Real client secrets hold `+`, `/` and `=`.
pub(crate) fn secret_forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let percent = form.replace('+', "%20");
    let mut forms = vec![secret.to_owned()];
    for encoded in [form, percent] {
        let lower = lowercase_hex_escapes(&encoded);
        for form in [encoded, lower] {
            if !forms.contains(&form) {
                forms.push(form);
            }
        }
    }
    forms
}

/// `%2F` as `%2f`: some servers print escapes in lower case.
fn lowercase_hex_escapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut escape = 0;
    for c in text.chars() {
        if c == '%' {
            escape = 2;
            out.push(c);
        } else if escape > 0 {
            escape -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Secrets shorter than this are not searched for: redacting every "a" of a
/// message would hide the message, not a secret.
const MIN_REDACTED_LEN: usize = 4;

/// Replaces each of `secrets` in `text` with `[redacted]`.
pub(crate) fn redact_all(text: &mut String, secrets: &[String]) {
    for secret in secrets {
        if secret.len() >= MIN_REDACTED_LEN && text.contains(secret.as_str()) {
            *text = text.replace(secret.as_str(), "[redacted]");
        }
    }
}

struct CachedToken {
    header: HeaderValue,
    refresh_at: Instant,
    generation: u64,
}

/// The outcome of one token fetch, shared by every caller that waited on it.
type Fetch = Shared<BoxFuture<'static, Result<Authorization>>>;

/// The longest token lifetime believed: a server's `expires_in` of 2^64
/// seconds is a bug, not a reason to never refresh.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// The largest token answer read: a token is a few hundred bytes.
const MAX_TOKEN_ANSWER_BYTES: u64 = 64 * 1024;

/// OAuth client-credentials tokens, shared by every clone of a client.
pub(crate) struct OAuthTokens {
    client_id: String,
    client_secret: SecretString,
    token_url: Url,
    transport: Arc<Transport>,
    timeout: Duration,
    cached: Mutex<Option<CachedToken>>,
    /// The fetch in flight, if any: callers that find no valid token all
    /// await this one fetch and get its outcome, failure included.
    fetching: Mutex<Option<Fetch>>,
    fetched: AtomicU64,
}

impl OAuthTokens {
    pub(crate) fn new(
        client_id: String,
        client_secret: SecretString,
        token_url: Url,
        transport: Arc<Transport>,
        timeout: Duration,
    ) -> Self {
        OAuthTokens {
            client_id,
            client_secret,
            token_url,
            transport,
            timeout,
            cached: Mutex::new(None),
            fetching: Mutex::new(None),
            fetched: AtomicU64::new(0),
        }
    }

    fn cached(&self) -> Option<Authorization> {
        let cached = lock(&self.cached);
        let token = cached.as_ref()?;
        (Instant::now() < token.refresh_at).then(|| Authorization {
            header: token.header.clone(),
            generation: token.generation,
        })
    }

    async fn authorization(self: &Arc<Self>) -> Result<Authorization> {
        if let Some(authorization) = self.cached() {
            return Ok(authorization);
        }
        let fetch = {
            let mut fetching = lock(&self.fetching);
            // Checked under the lock: a fetch that just ended has filled the cache.
            if let Some(authorization) = self.cached() {
                return Ok(authorization);
            }
            match fetching.as_ref() {
                Some(fetch) => fetch.clone(),
                None => {
                    let tokens = self.clone();
                    let fetch = async move { tokens.fetch_and_cache().await }
                        .boxed()
                        .shared();
                    *fetching = Some(fetch.clone());
                    fetch
                }
            }
        };
        fetch.await
    }

    /// One fetch; its result is cached (on success) and the in-flight slot
    /// cleared, whoever of the waiters happens to drive it.
    async fn fetch_and_cache(self: Arc<Self>) -> Result<Authorization> {
        let outcome = self.fetch().await;
        let mut fetching = lock(&self.fetching);
        *fetching = None;
        let (header, expires_in) = outcome?;
        let generation = self.fetched.fetch_add(1, Ordering::Relaxed) + 1;
        let expires_in = expires_in.min(MAX_TOKEN_LIFETIME);
        // Refresh ahead of expiry: a tenth of the lifetime, at most a minute.
        let margin = (expires_in / 10).min(MAX_REFRESH_MARGIN);
        let refresh_at = Instant::now() + expires_in.saturating_sub(margin);
        *lock(&self.cached) = Some(CachedToken {
            header: header.clone(),
            refresh_at,
            generation,
        });
        drop(fetching);
        tracing::info!(
            generation,
            expires_in_secs = expires_in.as_secs(),
            "fetched an OAuth token"
        );
        Ok(Authorization { header, generation })
    }

    fn invalidate(&self, generation: u64) {
        let mut cached = lock(&self.cached);
        if cached
            .as_ref()
            .is_some_and(|token| token.generation == generation)
        {
            *cached = None;
        }
    }

    /// One client-credentials grant, through the request pipeline (one
    /// attempt: the call that needs the token retries it); says whether the
    /// credentials were refused or the server failed, never echoing the
    /// secret. The whole exchange, body included, is bounded by the
    /// client's timeout.
    async fn fetch(&self) -> Result<(HeaderValue, Duration)> {
        let call = Call {
            request: self.request(),
            method: "POST",
            target: &self.token_url,
            repeat: Repeat::Always,
            statuses: TransientStatuses::API,
            credentials: None,
            request_id: false,
            retries: Retries::Once,
        };
        self.transport
            .call(call, |attempt| async move {
                match tokio::time::timeout(self.timeout, self.exchange(&attempt)).await {
                    Ok(outcome) => outcome,
                    Err(_) => Err(Failure::sent(Error::timed_out(
                        attempt.request(),
                        self.timeout,
                    ))),
                }
            })
            .await
    }

    async fn exchange(
        &self,
        attempt: &Attempt,
    ) -> std::result::Result<(HeaderValue, Duration), Failure> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let post = attempt.prepare(self.transport.api.post(self.token_url.clone()).form(&form));
        let response = attempt
            .send(post, &self.token_url, false, self.timeout)
            .await?;
        let status = response.status();
        let retry_after = crate::retry::retry_after_header(response.headers());
        let body = attempt
            .read_body(response, MAX_TOKEN_ANSWER_BYTES, self.timeout)
            .await?;
        parse_token_answer(
            status,
            retry_after,
            &body,
            &attempt.request(),
            self.client_secret.expose_secret(),
        )
        .map_err(Failure::sent)
    }

    /// A token request to the token endpoint, for errors.
    fn request(&self) -> Request {
        Request::to_url(OPERATION, &self.token_url)
    }
}

/// Turns a token endpoint's answer into the header to send and the token's
/// lifetime, or the error that says why not, with `client_secret` redacted
/// from anything the server said.
pub(crate) fn parse_token_answer(
    status: reqwest::StatusCode,
    retry_after: Option<String>,
    body: &[u8],
    request: &Request,
    client_secret: &str,
) -> Result<(HeaderValue, Duration)> {
    let secrets = secret_forms(client_secret);
    if matches!(status.as_u16(), 400 | 401 | 403) {
        let reason: OAuthError = serde_json::from_slice(body).unwrap_or_default();
        let mut message = match (reason.error, reason.error_description) {
            (Some(error), Some(description)) => {
                format!("client credentials refused: {error}: {description}")
            }
            (Some(error), None) => format!("client credentials refused: {error}"),
            _ => format!("client credentials refused (HTTP {})", status.as_u16()),
        };
        redact_all(&mut message, &secrets);
        return Err(Error::unauthorized(request.clone(), message));
    }
    if !status.is_success() {
        let mut body_snippet = body_snippet(body);
        redact_all(&mut body_snippet, &secrets);
        return Err(Error::http(
            request.clone(),
            status.as_u16(),
            retry_after,
            body_snippet,
        ));
    }
    // A token answer holds a token: never quote it, not even through
    // serde's message (which can echo a value).
    let token: TokenAnswer = serde_json::from_slice(body).map_err(|e| {
        let (path, message) = if e.is_data() {
            (
                "(top level)",
                "not an OAuth token answer: `access_token` (text) and `expires_in` (seconds) expected"
                    .to_owned(),
            )
        } else {
            ("(body)", format!("not JSON ({:?} at byte {})", e.classify(), e.column()))
        };
        // Not JSON at all (cut short, a proxy's page) may pass if asked again.
        let transient = !e.is_data();
        Error::decode(request.clone(), path, message, "[redacted]".into(), transient)
    })?;
    let header = authorization_header(&SecretString::from(token.access_token))?;
    Ok((
        header,
        Duration::from_secs(token.expires_in.unwrap_or(3600)),
    ))
}

const OPERATION: &str = "OAuth token";

#[derive(serde::Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

#[derive(serde::Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_quoted_back_in_any_encoding_is_redacted() {
        let secret = "H3/Secret+Key=0011";
        let request = Request::new(OPERATION, "tokens.example".into());
        for quoted in [
            "H3/Secret+Key=0011",
            "H3%2FSecret%2BKey%3D0011",
            "H3%2fSecret%2bKey%3d0011",
        ] {
            let body = format!(r#"{{"error":"server_error","echo":"client_secret={quoted}"}}"#);
            let error = parse_token_answer(
                reqwest::StatusCode::INTERNAL_SERVER_ERROR,
                None,
                body.as_bytes(),
                &request,
                secret,
            )
            .unwrap_err();
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains(quoted), "{quoted}: {shown}");
            assert!(shown.contains("[redacted]"), "{shown}");
        }
        let with_space = secret_forms("a secret/x");
        assert!(with_space.contains(&"a+secret%2Fx".to_owned()));
        assert!(with_space.contains(&"a%20secret%2Fx".to_owned()));
    }
}
