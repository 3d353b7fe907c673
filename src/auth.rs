//! Credentials and the `Authorization` header they produce.
//!
//! Kept behind one async seam ([`Credentials::authorization`]) so that token
//! sources which need a network round trip (OAuth client credentials) fit in
//! without touching the transport.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

use crate::error::{Error, Result};

/// Where the bearer token of each request comes from.
#[derive(Clone, Default)]
pub(crate) enum Credentials {
    /// No `Authorization` header (a server that needs none, or a test).
    #[default]
    Anonymous,
    /// A token the caller got elsewhere; sent as is, never refreshed. Kept
    /// as the ready header (marked sensitive): built once, not per request.
    AccessToken(reqwest::header::HeaderValue),
}

impl Credentials {
    /// A fixed token's credentials; fails if the token cannot be a header.
    pub(crate) fn access_token(token: &SecretString) -> Result<Self> {
        authorization_header(token).map(Credentials::AccessToken)
    }

    /// The `Authorization` header to send now, if any.
    pub(crate) async fn authorization(&self) -> Result<Option<reqwest::header::HeaderValue>> {
        Ok(match self {
            Credentials::Anonymous => None,
            Credentials::AccessToken(header) => Some(header.clone()),
        })
    }
}

/// The header value for a token, marked sensitive so that reqwest and hyper
/// never print it.
fn authorization_header(token: &SecretString) -> Result<reqwest::header::HeaderValue> {
    let mut value =
        reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            // The error names no part of the token.
            .map_err(|_| {
                Error::config("the access token holds characters not allowed in an HTTP header")
            })?;
    value.set_sensitive(true);
    Ok(value)
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Anonymous => f.write_str("Anonymous"),
            Credentials::AccessToken(_) => f.write_str("AccessToken([redacted])"),
        }
    }
}
