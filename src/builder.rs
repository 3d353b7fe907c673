//! [`ClientBuilder`]: configuration, checked once at `build()`, and the
//! rules for base URLs and plain http.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::auth::{Credentials, OAuthTokens};
use crate::base_url::{parse_base_url, parse_named_base_url, refuse_plain_http};
use crate::client::{Client, Inner};
use crate::error::{Error, Result};
use crate::http_clients::{HttpClients, HttpSettings};
use crate::retry::{Pacing, RetryBudget, RetryPolicy};
use crate::transport::{Pace, Transport};
use crate::wait::WaitOptions;
use crate::wait::engine::WaitEngine;
use crate::wait::protocol::{DEFAULT_MAX_CONCURRENT_REQUESTS, EngineConfig, FetchJobs};

/// Datasaur's cloud.
pub const DEFAULT_BASE_URL: &str = "https://app.datasaur.ai";
/// How many ids one `getJobs` request carries by default.
pub const DEFAULT_BATCH_SIZE: usize = 100;
/// How long one request may take by default, connect to last byte.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read by default: 64 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 64 * 1024 * 1024;
/// How long connecting may take by default.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
///
/// let client = datasaur::Client::builder()
///     .base_url("https://datasaur.example.com")
///     .access_token("token from the Datasaur web app")
///     .timeout(Duration::from_secs(10))
///     .batch_size(50)
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://datasaur.example.com/");
/// # Ok::<(), datasaur::Error>(())
/// ```
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    upload_base_url: Option<String>,
    credentials: CredentialSource,
    token_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    proxy: Option<String>,
    root_certificates: Vec<Vec<u8>>,
    max_requests_per_second: Option<f64>,
    batch_size: usize,
    max_concurrent_polls: usize,
    max_response_bytes: u64,
    allow_insecure_http: bool,
    wait_options: WaitOptions,
    retry: RetryPolicy,
    /// A mistake found before `build` (in the environment): reported there.
    pub(crate) deferred: Option<Error>,
    /// The wait engine's batch fetch, replaced by a fake in unit tests.
    fetch_jobs: Option<Arc<dyn FetchJobs>>,
}

/// What the builder was given; turned into [`Credentials`] by `build`.
enum CredentialSource {
    None,
    AccessToken(SecretString),
    ClientCredentials { id: String, secret: SecretString },
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            upload_base_url: None,
            credentials: CredentialSource::None,
            token_url: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            proxy: None,
            root_certificates: Vec::new(),
            max_requests_per_second: None,
            batch_size: DEFAULT_BATCH_SIZE,
            max_concurrent_polls: DEFAULT_MAX_CONCURRENT_REQUESTS,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            allow_insecure_http: false,
            wait_options: WaitOptions::default(),
            retry: RetryPolicy::default(),
            deferred: None,
            fetch_jobs: None,
        }
    }
}

impl ClientBuilder {
    /// The server: Datasaur's cloud by default, or a self-hosted base such as
    /// `https://datasaur.example.com/prefix`. GraphQL goes to `{base}/graphql`;
    /// a URL that already ends in `/graphql` (the endpoint, as the sandbox
    /// prints it) is taken as that endpoint.
    ///
    /// ```
    /// let client = datasaur::Client::builder().base_url("http://127.0.0.1:4000/graphql").build()?;
    /// assert_eq!(client.base_url().as_str(), "http://127.0.0.1:4000/");
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// A bearer token to send with every request, as is (replaces client
    /// credentials). An empty token is refused by [`ClientBuilder::build`]:
    /// it would be sent, and refused by the server, on every request.
    ///
    /// ```
    /// let error = datasaur::Client::builder().access_token("").build().unwrap_err();
    /// assert!(error.is_config());
    /// ```
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = CredentialSource::AccessToken(SecretString::from(token.into()));
        self
    }

    /// OAuth client credentials (from Datasaur's web app): the client fetches
    /// a token from `{base}/api/oauth/token`, caches it, refreshes it before
    /// it expires and at once when the server says `Unauthorized` (then
    /// retries that request once). Concurrent requests share one fetch.
    /// Replaces an access token.
    ///
    /// ```
    /// let client = datasaur::Client::builder()
    ///     .client_credentials("my-client-id", "my-client-secret")
    ///     .build()?;
    /// assert!(!format!("{client:?}").contains("my-client-secret"));
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = CredentialSource::ClientCredentials {
            id: client_id.into(),
            secret: SecretString::from(client_secret.into()),
        };
        self
    }

    /// Where OAuth tokens come from (default `{base}/api/oauth/token`).
    pub fn token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// The limit for one request, connect to last byte (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The limit for connecting (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sends every request through this proxy (`http://`, `https://` or
    /// `socks5://`; it may hold a user and password), instead of the ones
    /// named by `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY`. Loopback targets
    /// (the sandbox) are still reached directly, and `NO_PROXY` still
    /// applies. A URL that is not a proxy's is an error at [`ClientBuilder::build`],
    /// which names neither the URL nor its password.
    ///
    /// ```
    /// let client = datasaur::Client::builder()
    ///     .proxy("http://proxy.internal:3128")
    ///     .build()?;
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// Trusts the certificate authorities in `pem` (one or more PEM
    /// certificates) besides the system's: for a self-hosted Datasaur, or a
    /// proxy, signed by a private authority. A text that holds no
    /// certificate is an error at [`ClientBuilder::build`].
    ///
    /// ```no_run
    /// let pem = std::fs::read("corporate-ca.pem").unwrap();
    /// let client = datasaur::Client::builder()
    ///     .add_root_certificate_pem(pem)
    ///     .build()?;
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// At most this many requests a second, shared by every call, poll,
    /// upload and token fetch of the client and its clones (default: no
    /// cap): for teams that share one Datasaur account across services.
    /// Requests over the rate wait their turn; none is dropped. Whatever
    /// this says, when Datasaur throttles a request (HTTP 429, or a
    /// throttling error in its answer), every request of the client holds
    /// back for the server's `Retry-After`.
    ///
    /// ```
    /// let client = datasaur::Client::builder().max_requests_per_second(20.0).build()?;
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn max_requests_per_second(mut self, rate: f64) -> Self {
        self.max_requests_per_second = Some(rate);
        self
    }

    /// How many ids one `getJobs` request carries (default 100); larger lists
    /// are split into several requests.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// The largest answer read, in bytes (default 64 MiB); a larger one is
    /// [`crate::ErrorKind::ResponseTooLarge`], refused as it arrives, not once it is
    /// all in memory. 64 MiB holds a `getJobs` of 100 jobs with results of
    /// over half a megabyte each.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// How many `getJobs` requests of one tick of the wait engine may be in
    /// flight at once (default 4). A tick with 10,000 due jobs is 100
    /// requests: four at a time take a quarter of the round trips that one
    /// at a time would, while a busy server sees at most four requests of
    /// ours at once (Datasaur documents no rate limit; its own tool pauses
    /// between bulk calls).
    pub fn max_concurrent_polls(mut self, max: usize) -> Self {
        self.max_concurrent_polls = max;
        self
    }

    /// The [`WaitOptions`] that waits use when a call passes `None`.
    pub fn wait_options(mut self, options: WaitOptions) -> Self {
        self.wait_options = options;
        self
    }

    /// How failed requests are retried ([`RetryPolicy::disabled`] turns retries off).
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where files are uploaded ([`Client::upload`]): the upload proxy is
    /// `{upload base}/api/static/proxy/upload`. By default the base URL,
    /// as Datasaur's own samples do; Datasaur's docs also name a separate
    /// upload host (`https://upload.datasaur.ai`). Checked as the base URL
    /// is, at `build()`.
    ///
    /// ```
    /// let client = datasaur::Client::builder()
    ///     .upload_base_url("https://upload.datasaur.ai")
    ///     .build()?;
    /// assert_eq!(client.upload_url().as_str(), "https://upload.datasaur.ai/api/static/proxy/upload");
    /// # Ok::<(), datasaur::Error>(())
    /// ```
    pub fn upload_base_url(mut self, url: impl Into<String>) -> Self {
        self.upload_base_url = Some(url.into());
        self
    }

    /// Allows sending credentials over plain `http://` to a host that is not
    /// loopback. Off by default: a token on the wire in clear text is a token
    /// given away.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Has the wait engine ask `fetch` for jobs instead of the server.
    #[cfg(test)]
    pub(crate) fn fetch_jobs_with(mut self, fetch: Arc<dyn FetchJobs>) -> Self {
        self.fetch_jobs = Some(fetch);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client> {
        if let Some(error) = self.deferred {
            return Err(error);
        }
        let base_url = parse_base_url(&self.base_url)?;
        if self.batch_size == 0 {
            return Err(Error::config("batch size must be at least 1"));
        }
        if self.max_concurrent_polls == 0 {
            return Err(Error::config("max concurrent polls must be at least 1"));
        }
        let upload_base = match &self.upload_base_url {
            Some(raw) => parse_named_base_url(raw, "upload base URL")?,
            None => base_url.clone(),
        };
        let has_credentials = !matches!(self.credentials, CredentialSource::None);
        if has_credentials {
            refuse_plain_http(&base_url, self.allow_insecure_http)?;
            refuse_plain_http(&upload_base, self.allow_insecure_http)?;
        }
        let upload_url = upload_base
            .join(crate::upload::UPLOAD_PATH)
            .map_err(|e| Error::config(format!("upload base URL {upload_base}: {e}")))?;
        if let Some(rate) = self.max_requests_per_second
            && !(rate.is_finite() && rate > 0.0)
        {
            return Err(Error::config(format!(
                "the request rate must be a positive number of requests a second, not {rate}"
            )));
        }
        let settings = HttpSettings {
            connect_timeout: self.connect_timeout,
            proxy: self.proxy.as_deref(),
            root_certificates: &self.root_certificates,
        };
        let HttpClients { api, downloads } =
            HttpClients::build(&settings, &|name| std::env::var(name).ok())?;
        let retry_backoff = self.retry.backoff();
        let transport = Arc::new(Transport {
            api,
            downloads,
            budget: RetryBudget::new(&self.retry),
            retry: self.retry,
            pacing: Pacing::system(),
            pace: Pace::new(self.max_requests_per_second),
            retries: AtomicU64::new(0),
        });
        let credentials = match self.credentials {
            CredentialSource::None => Credentials::Anonymous,
            CredentialSource::AccessToken(ref token) => {
                if token.expose_secret().trim().is_empty() {
                    return Err(Error::config(
                        "the access token is empty (is DATASAUR_ACCESS_TOKEN set?)",
                    ));
                }
                Credentials::access_token(token)?
            }
            CredentialSource::ClientCredentials { ref id, ref secret } => {
                if id.trim().is_empty() || secret.expose_secret().trim().is_empty() {
                    return Err(Error::config(
                        "OAuth client credentials need a client id and a client secret; one is empty",
                    ));
                }
                let token_url = match &self.token_url {
                    Some(raw) => Url::parse(raw)
                        .map_err(|e| Error::config(format!("token URL {raw:?}: {e}")))?,
                    None => base_url
                        .join("api/oauth/token")
                        .map_err(|e| Error::config(format!("base URL {base_url}: {e}")))?,
                };
                refuse_plain_http(&token_url, self.allow_insecure_http)?;
                Credentials::OAuth(Arc::new(OAuthTokens::new(
                    id.clone(),
                    secret.clone(),
                    token_url,
                    transport.clone(),
                    self.timeout,
                )))
            }
        };
        let endpoint = base_url
            .join("graphql")
            .map_err(|e| Error::config(format!("base URL {base_url}: {e}")))?;
        let host = crate::error::host_of(&endpoint);
        Ok(Client {
            inner: Arc::new(Inner {
                host,
                transport,
                endpoint,
                base_url,
                upload_url,
                credentials,
                timeout: self.timeout,
                batch_size: self.batch_size,
                wait_options: self.wait_options,
                requests: AtomicU64::new(0),
                max_response_bytes: self.max_response_bytes,
                engine: WaitEngine::new(
                    EngineConfig {
                        batch_size: self.batch_size,
                        max_concurrent_requests: self.max_concurrent_polls,
                        retry_backoff,
                    },
                    self.fetch_jobs,
                ),
            }),
        })
    }
}

impl Client {
    /// A builder with the defaults: Datasaur's cloud, no credentials.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let credentials = match &self.credentials {
            CredentialSource::None => "none".to_owned(),
            CredentialSource::AccessToken(_) => "access token [redacted]".to_owned(),
            CredentialSource::ClientCredentials { id, .. } => {
                format!("client {id}, secret [redacted]")
            }
        };
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("upload_base_url", &self.upload_base_url)
            .field("credentials", &credentials)
            .field("timeout", &self.timeout)
            .field("batch_size", &self.batch_size)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_credentials_are_refused_at_build() {
        for builder in [
            Client::builder().access_token(""),
            Client::builder().access_token("  "),
            Client::builder().client_credentials("", "secret"),
            Client::builder().client_credentials("id", ""),
        ] {
            let error = builder.build().unwrap_err();
            assert!(error.is_config(), "{error}");
        }
    }

    #[test]
    fn zero_batch_size_is_refused() {
        assert!(matches!(
            Client::builder().batch_size(0).build(),
            Err(e) if e.is_config()
        ));
    }

    #[test]
    fn token_with_a_newline_is_refused_without_echoing_it() {
        let error = Client::builder()
            .access_token("secret-part\nmore")
            .build()
            .unwrap_err();
        assert!(!error.to_string().contains("secret-part"), "{error}");
    }

    #[test]
    fn client_is_send_sync_and_debug_hides_the_token() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
        // Their futures too, so a caller can spawn them.
        fn assert_send<T: Send>(_: &T) {}
        let client = Client::builder().build().unwrap();
        assert_send(&client.get_job("j"));
        assert_send(&client.wait_for_job("j", None));
        assert_send(&client.export_status("e"));
        let _downloads = |export: crate::Export| {
            assert_send(&export.download_to("x", crate::DownloadOptions::default()));
        };
        let client = Client::builder()
            .access_token("very-secret-token")
            .build()
            .unwrap();
        let debug = format!(
            "{client:?} {:?}",
            Client::builder().access_token("very-secret-token")
        );
        assert!(!debug.contains("very-secret-token"), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }
}
