//! Where to connect and with which credentials: flags, then environment.

use clap::Args;
use datasaur::Client;

#[derive(Args)]
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
}

impl ConnectionArgs {
    /// A client, or a message saying what is missing or wrong.
    pub fn client(&self) -> Result<Client, String> {
        let Some(token) = self
            .token
            .as_deref()
            .filter(|token| !token.trim().is_empty())
        else {
            return Err("no access token: pass --token or set DATASAUR_ACCESS_TOKEN".to_owned());
        };
        Client::builder()
            .base_url(&self.url)
            .access_token(token.trim())
            .build()
            .map_err(|error| error.to_string())
    }
}

impl std::fmt::Debug for ConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionArgs")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .finish()
    }
}
