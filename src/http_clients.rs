//! The two HTTP clients a [`crate::Client`] builds, and the network rules
//! they hold: requests that carry credentials (GraphQL, token fetches) never
//! follow a redirect; downloads (presigned URLs, no credentials) may. Both
//! take proxies from the usual environment variables, except for this
//! machine: a loopback target (the sandbox, a tunnel) is reached directly,
//! so a token allowed over plain http only because it stays on the machine
//! never reaches a proxy in clear.

use std::time::Duration;

use reqwest::redirect::Policy;
use reqwest::{NoProxy, Proxy};

use url::Url;

use crate::error::{Error, Request, Result};

/// Hosts that always bypass a proxy, whatever `NO_PROXY` says.
const LOOPBACK: &str = "localhost,127.0.0.0/8,::1";

/// How many redirects a download follows (a presigned URL may hop once or
/// twice to its object store).
const MAX_DOWNLOAD_REDIRECTS: usize = 5;

/// The client for requests that carry credentials, and the one for downloads.
pub(crate) struct HttpClients {
    pub(crate) api: reqwest::Client,
    pub(crate) downloads: reqwest::Client,
}

/// What a caller may set of the HTTP clients: the HTTP stack itself stays
/// private to the crate, so that it can change without breaking callers.
pub(crate) struct HttpSettings<'a> {
    pub(crate) connect_timeout: Duration,
    /// A proxy for every request, instead of the environment's.
    pub(crate) proxy: Option<&'a str>,
    /// Extra trusted authorities, PEM.
    pub(crate) root_certificates: &'a [Vec<u8>],
}

impl HttpClients {
    /// Both clients, with proxies read through `env` (the process
    /// environment in a program; a map in tests) unless `settings` names one.
    pub(crate) fn build(
        settings: &HttpSettings<'_>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self> {
        let proxies = match settings.proxy {
            Some(url) => vec![explicit_proxy(url, env)?],
            None => proxies_from(env)?,
        };
        let certificates = root_certificates(settings.root_certificates)?;
        let build = |redirects: Policy| {
            let mut builder = reqwest::Client::builder()
                .connect_timeout(settings.connect_timeout)
                .redirect(redirects);
            // Adding any proxy turns off reqwest's own reading of the
            // environment, which would not exempt loopback.
            if proxies.is_empty() {
                builder = builder.no_proxy();
            }
            for proxy in &proxies {
                builder = builder.proxy(proxy.clone());
            }
            builder = add_certificates(builder, &certificates);
            builder
                .build()
                .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
        };
        Ok(HttpClients {
            api: build(Policy::none())?,
            downloads: build(Policy::limited(MAX_DOWNLOAD_REDIRECTS))?,
        })
    }
}

/// The proxy a caller named, with `NO_PROXY` and loopback exempt.
fn explicit_proxy(url: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Proxy> {
    let exempt = no_proxy(env);
    Proxy::all(url)
        .map(|proxy| proxy.no_proxy(NoProxy::from_string(&exempt)))
        // The URL may hold a password: never quote it.
        .map_err(|_| {
            Error::config("the proxy given to ClientBuilder::proxy is not a valid proxy URL")
        })
}

/// `NO_PROXY` (either case) plus loopback.
fn no_proxy(env: &dyn Fn(&str) -> Option<String>) -> String {
    let list = env("NO_PROXY")
        .or_else(|| env("no_proxy"))
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty());
    match list {
        Some(list) => format!("{list},{LOOPBACK}"),
        None => LOOPBACK.to_owned(),
    }
}

#[cfg(any(feature = "rustls-tls", feature = "native-tls"))]
type Certificates = Vec<reqwest::Certificate>;
#[cfg(not(any(feature = "rustls-tls", feature = "native-tls")))]
type Certificates = ();

/// The certificates of every PEM text; one that holds none is an error.
fn root_certificates(pems: &[Vec<u8>]) -> Result<Certificates> {
    #[cfg(any(feature = "rustls-tls", feature = "native-tls"))]
    {
        let mut certificates = Vec::new();
        for (index, pem) in pems.iter().enumerate() {
            let found = reqwest::Certificate::from_pem_bundle(pem)
                .ok()
                .filter(|found| !found.is_empty())
                .ok_or_else(|| {
                    Error::config(format!(
                        "root certificate {} is not a PEM certificate",
                        index + 1
                    ))
                })?;
            certificates.extend(found);
        }
        Ok(certificates)
    }
    #[cfg(not(any(feature = "rustls-tls", feature = "native-tls")))]
    {
        if pems.is_empty() {
            Ok(())
        } else {
            Err(Error::config(
                "root certificates need TLS: enable the rustls-tls or native-tls feature",
            ))
        }
    }
}

#[cfg(any(feature = "rustls-tls", feature = "native-tls"))]
fn add_certificates(
    mut builder: reqwest::ClientBuilder,
    certificates: &Certificates,
) -> reqwest::ClientBuilder {
    for certificate in certificates {
        builder = builder.add_root_certificate(certificate.clone());
    }
    builder
}

#[cfg(not(any(feature = "rustls-tls", feature = "native-tls")))]
fn add_certificates(builder: reqwest::ClientBuilder, _: &Certificates) -> reqwest::ClientBuilder {
    builder
}

/// `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (either case), each with
/// `NO_PROXY` plus loopback exempt. `HTTP_PROXY` is ignored under CGI
/// (`REQUEST_METHOD` set), where a request header can set it ("httpoxy").
fn proxies_from(env: &dyn Fn(&str) -> Option<String>) -> Result<Vec<Proxy>> {
    let get = |name: &str| {
        env(name)
            .or_else(|| env(&name.to_ascii_lowercase()))
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    };
    let no_proxy = no_proxy(env);
    let exempt = || NoProxy::from_string(&no_proxy);
    let mut proxies = Vec::new();
    let cgi = env("REQUEST_METHOD").is_some();
    let https: fn(&str) -> reqwest::Result<Proxy> = |url| Proxy::https(url);
    let http: fn(&str) -> reqwest::Result<Proxy> = |url| Proxy::http(url);
    let all: fn(&str) -> reqwest::Result<Proxy> = |url| Proxy::all(url);
    for (name, make) in [
        ("HTTPS_PROXY", https),
        ("HTTP_PROXY", http),
        ("ALL_PROXY", all),
    ] {
        if name == "HTTP_PROXY" && cgi {
            continue;
        }
        let Some(url) = get(name) else { continue };
        // The proxy URL may hold a password: name the variable, not the value.
        let proxy =
            make(&url).map_err(|_| Error::config(format!("{name} is not a valid proxy URL")))?;
        proxies.push(proxy.no_proxy(exempt()));
    }
    Ok(proxies)
}

/// The error for an answer that is a redirect (never followed for requests
/// with credentials), or that came from another origin than `sent_to`
/// (a caller's own HTTP client followed one).
pub(crate) fn refused_redirect(
    request: &Request,
    sent_to: &Url,
    response: &reqwest::Response,
) -> Option<Error> {
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok());
        return Some(Error::redirect(
            request.clone(),
            status.as_u16(),
            sent_to,
            location,
        ));
    }
    if response.url().origin() != sent_to.origin() {
        return Some(Error::redirected(request.clone(), response.url()));
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A server that records the first line of every request and answers 200.
    async fn recorder() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 8192];
                let read = socket.read(&mut buffer).await.unwrap_or(0);
                let text = String::from_utf8_lossy(&buffer[..read]).to_string();
                log.lock()
                    .unwrap()
                    .push(text.lines().next().unwrap_or_default().to_owned());
                let _ = socket
                    .write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
                    )
                    .await;
            }
        });
        (format!("http://{address}"), seen)
    }

    fn settings(connect_secs: u64) -> HttpSettings<'static> {
        HttpSettings {
            connect_timeout: Duration::from_secs(connect_secs),
            proxy: None,
            root_certificates: &[],
        }
    }

    #[tokio::test]
    async fn a_proxy_set_in_code_replaces_the_environments_and_spares_loopback() {
        let (ours, through_ours) = recorder().await;
        let (theirs, through_theirs) = recorder().await;
        let (target, reached) = recorder().await;
        let with_proxy = HttpSettings {
            proxy: Some(&ours),
            ..settings(5)
        };
        let clients = HttpClients::build(&with_proxy, &env(&[("HTTP_PROXY", &theirs)])).unwrap();
        let _ = clients
            .api
            .get("http://files.example.invalid/a")
            .send()
            .await;
        let _ = clients.api.get(format!("{target}/graphql")).send().await;
        assert_eq!(
            through_ours.lock().unwrap().as_slice(),
            ["GET http://files.example.invalid/a HTTP/1.1"]
        );
        assert!(through_theirs.lock().unwrap().is_empty());
        assert_eq!(
            reached.lock().unwrap().len(),
            1,
            "loopback reached directly"
        );
        let bad = HttpSettings {
            proxy: Some("http://user:hunter2@[bad"),
            ..settings(1)
        };
        let message = HttpClients::build(&bad, &env(&[]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("ClientBuilder::proxy"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn a_text_that_is_no_certificate_is_refused_by_its_position() {
        let pems = [b"not a certificate".to_vec()];
        let with_certificates = HttpSettings {
            root_certificates: &pems,
            ..settings(1)
        };
        let message = HttpClients::build(&with_certificates, &env(&[]))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(message.contains("root certificate 1"), "{message}");
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    #[tokio::test]
    async fn loopback_targets_bypass_a_proxy_from_the_environment() {
        let (proxy, proxied) = recorder().await;
        let (target, reached) = recorder().await;
        for name in ["HTTP_PROXY", "http_proxy", "ALL_PROXY"] {
            let clients = HttpClients::build(&settings(5), &env(&[(name, &proxy)])).unwrap();
            let answer = clients.api.get(format!("{target}/graphql")).send().await;
            assert!(answer.is_ok_and(|a| a.status().is_success()), "{name}");
        }
        assert_eq!(reached.lock().unwrap().len(), 3);
        assert!(proxied.lock().unwrap().is_empty(), "{:?}", proxied.lock());
    }

    #[tokio::test]
    async fn other_hosts_still_go_through_the_proxy_unless_no_proxy_says_so() {
        let (proxy, proxied) = recorder().await;
        let clients = HttpClients::build(&settings(5), &env(&[("HTTP_PROXY", &proxy)])).unwrap();
        let _ = clients
            .downloads
            .get("http://files.example.invalid/a.zip")
            .send()
            .await;
        assert_eq!(
            proxied.lock().unwrap().as_slice(),
            ["GET http://files.example.invalid/a.zip HTTP/1.1"]
        );
        let exempt = HttpClients::build(
            &settings(1),
            &env(&[("HTTP_PROXY", &proxy), ("NO_PROXY", "example.invalid")]),
        )
        .unwrap();
        let _ = exempt
            .api
            .get("http://files.example.invalid/a.zip")
            .send()
            .await;
        assert_eq!(proxied.lock().unwrap().len(), 1, "NO_PROXY is honoured");
    }

    #[tokio::test]
    async fn http_proxy_is_ignored_under_cgi_and_a_bad_one_is_named_not_shown() {
        let (proxy, proxied) = recorder().await;
        let cgi = HttpClients::build(
            &settings(1),
            &env(&[("HTTP_PROXY", &proxy), ("REQUEST_METHOD", "GET")]),
        )
        .unwrap();
        let _ = cgi.api.get("http://files.example.invalid/").send().await;
        assert!(proxied.lock().unwrap().is_empty());
        let bad = HttpClients::build(
            &settings(1),
            &env(&[("HTTPS_PROXY", "http://user:hunter2@[bad")]),
        );
        let message = bad.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("HTTPS_PROXY"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }
}
