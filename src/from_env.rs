//! [`ClientBuilder::from_env`]: the `DATASAUR_*` variables, read the same
//! way by the library and the command line.

use crate::ClientBuilder;
use crate::error::Error;

/// The environment variables [`ClientBuilder::from_env`] reads, the same the
/// `datasaur` command line reads.
const ENV_URL: &str = "DATASAUR_URL";
const ENV_ACCESS_TOKEN: &str = "DATASAUR_ACCESS_TOKEN";
const ENV_CLIENT_ID: &str = "DATASAUR_CLIENT_ID";
const ENV_CLIENT_SECRET: &str = "DATASAUR_CLIENT_SECRET";
const ENV_UPLOAD_URL: &str = "DATASAUR_UPLOAD_URL";

impl ClientBuilder {
    /// A builder configured from the environment, as the `datasaur` command
    /// line is: `DATASAUR_URL` (the base URL; Datasaur's cloud if unset),
    /// `DATASAUR_ACCESS_TOKEN`, or `DATASAUR_CLIENT_ID` with
    /// `DATASAUR_CLIENT_SECRET` (the token wins if both are set), and
    /// `DATASAUR_UPLOAD_URL` (the upload base, if not the base URL). Empty
    /// values count as unset; an id without a secret (or the reverse) is an
    /// error at [`ClientBuilder::build`]. Anything set afterwards on the
    /// builder overrides the environment.
    ///
    /// ```no_run
    /// // DATASAUR_URL=http://127.0.0.1:4000 DATASAUR_ACCESS_TOKEN=... cargo run
    /// let client = datasaur::ClientBuilder::from_env().build()?;
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// [`ClientBuilder::from_env`] over any source of variables: `lookup`
    /// is asked for each variable's value by name. The `datasaur` command
    /// line reads its flags this way (each flag falling back to its
    /// variable), so that it and [`ClientBuilder::from_env`] cannot drift.
    ///
    /// ```
    /// use datasaur::ClientBuilder;
    ///
    /// let vars = |name: &str| match name {
    ///     "DATASAUR_URL" => Some("http://127.0.0.1:4000/graphql".to_owned()),
    ///     "DATASAUR_ACCESS_TOKEN" => Some("token".to_owned()),
    ///     _ => None,
    /// };
    /// let client = ClientBuilder::from_vars(vars).build()?;
    /// assert_eq!(client.base_url().as_str(), "http://127.0.0.1:4000/");
    ///
    /// let half = ClientBuilder::from_vars(|name| (name == "DATASAUR_CLIENT_ID").then(|| "id".to_owned()));
    /// assert!(half.build().unwrap_err().is_config());
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn from_vars(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name| {
            lookup(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        let mut builder = ClientBuilder::default();
        if let Some(url) = get(ENV_URL) {
            builder = builder.base_url(url);
        }
        if let Some(url) = get(ENV_UPLOAD_URL) {
            builder = builder.upload_base_url(url);
        }
        match (
            get(ENV_ACCESS_TOKEN),
            get(ENV_CLIENT_ID),
            get(ENV_CLIENT_SECRET),
        ) {
            (Some(token), _, _) => builder = builder.access_token(token),
            (None, Some(id), Some(secret)) => builder = builder.client_credentials(id, secret),
            (None, Some(_), None) => {
                builder.deferred = Some(Error::config(format!(
                    "a client id is given ({ENV_CLIENT_ID}) but no client secret ({ENV_CLIENT_SECRET})"
                )));
            }
            (None, None, Some(_)) => {
                builder.deferred = Some(Error::config(format!(
                    "a client secret is given ({ENV_CLIENT_SECRET}) but no client id ({ENV_CLIENT_ID})"
                )));
            }
            (None, None, None) => {}
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_reads_the_cli_variables() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| (*value).to_owned())
            }
        };
        let client = ClientBuilder::from_vars(env(&[
            ("DATASAUR_URL", "http://127.0.0.1:4000/graphql"),
            ("DATASAUR_ACCESS_TOKEN", "token"),
        ]))
        .build()
        .unwrap();
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:4000/");
        assert!(format!("{client:?}").contains("AccessToken"), "{client:?}");
        let oauth = ClientBuilder::from_vars(env(&[
            ("DATASAUR_CLIENT_ID", "id"),
            ("DATASAUR_CLIENT_SECRET", "secret"),
        ]))
        .build()
        .unwrap();
        assert!(
            format!("{oauth:?}").contains("ClientCredentials"),
            "{oauth:?}"
        );
        let half = ClientBuilder::from_vars(env(&[("DATASAUR_CLIENT_ID", "id")]))
            .build()
            .unwrap_err();
        assert!(
            half.to_string().contains("DATASAUR_CLIENT_SECRET"),
            "{half}"
        );
        let none = ClientBuilder::from_vars(env(&[("DATASAUR_ACCESS_TOKEN", " ")]))
            .build()
            .unwrap();
        assert_eq!(none.base_url().as_str(), "https://app.datasaur.ai/");
    }
}
