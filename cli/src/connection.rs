//! Where to connect and with which credentials: flags, then environment.

use clap::Args;
use datasaur::{Client, ClientBuilder};

#[derive(Args)]
#[command(next_help_heading = "Connection (flags, or the DATASAUR_* variables)")]
pub struct ConnectionArgs {
    /// Datasaur base URL (self-hosted or the sandbox's).
    #[arg(long, env = "DATASAUR_URL", default_value = datasaur::DEFAULT_BASE_URL, global = true)]
    url: String,
    /// Access token (sent as a bearer token; never printed).
    #[arg(
        long,
        env = "DATASAUR_ACCESS_TOKEN",
        hide_env_values = true,
        global = true
    )]
    token: Option<String>,
    /// OAuth client id (with --client-secret; used when no token is given).
    #[arg(long, env = "DATASAUR_CLIENT_ID", global = true)]
    client_id: Option<String>,
    /// OAuth client secret (never printed).
    #[arg(
        long,
        env = "DATASAUR_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    client_secret: Option<String>,
    /// Where files are uploaded, if not to --url (Datasaur's docs name
    /// https://upload.datasaur.ai).
    #[arg(long, env = "DATASAUR_UPLOAD_URL", global = true, value_name = "URL")]
    upload_url: Option<String>,
}

impl ConnectionArgs {
    /// A client, or a message saying what is missing or wrong.
    pub fn client(&self) -> Result<Client, String> {
        self.client_for(None)
    }

    /// A client for `url` (a base URL, or its `/graphql` endpoint) instead
    /// of `--url`, if given.
    pub fn client_for(&self, url: Option<&str>) -> Result<Client, String> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .map(str::to_owned)
        };
        let (token, id, secret) = (
            given(&self.token),
            given(&self.client_id),
            given(&self.client_secret),
        );
        if token.is_none() && id.is_none() && secret.is_none() {
            return Err(
                "no credentials: pass --token (or DATASAUR_ACCESS_TOKEN), or --client-id and \
                 --client-secret (or DATASAUR_CLIENT_ID and DATASAUR_CLIENT_SECRET)"
                    .to_owned(),
            );
        }
        let base = url.map(str::to_owned).unwrap_or_else(|| self.url.clone());
        // clap has already put each variable under its flag; the library
        // reads them by the variables' names, with the library's own rules.
        let vars = |name: &str| match name {
            "DATASAUR_URL" => Some(base.clone()),
            "DATASAUR_ACCESS_TOKEN" => token.clone(),
            "DATASAUR_CLIENT_ID" => id.clone(),
            "DATASAUR_CLIENT_SECRET" => secret.clone(),
            "DATASAUR_UPLOAD_URL" => given(&self.upload_url),
            _ => None,
        };
        ClientBuilder::from_vars(vars)
            .build()
            .map_err(|error| match (&token, &id, &secret) {
                (None, Some(_), None) => {
                    "--client-id needs --client-secret (or DATASAUR_CLIENT_SECRET)".to_owned()
                }
                (None, None, Some(_)) => {
                    "--client-secret needs --client-id (or DATASAUR_CLIENT_ID)".to_owned()
                }
                _ => error.to_string(),
            })
    }
}

/// A client for a sandbox running in this process, with its start-up token.
pub fn sandbox_client(sandbox: &datasaur_sandbox::Sandbox) -> datasaur::Result<Client> {
    Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()
}

impl std::fmt::Debug for ConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionArgs")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}
