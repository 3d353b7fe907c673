//! What a base URL may be: http(s) with a host and no credentials in it, a
//! self-hosted path prefix kept, the `/graphql` endpoint taken for its base.

use url::Url;

use crate::error::{Error, Result};

/// Parses a base URL and gives it a trailing slash, so that joining
/// `graphql` keeps a self-hosted path prefix.
pub(crate) fn parse_base_url(raw: &str) -> Result<Url> {
    parse_named_base_url(raw, "base URL")
}

/// [`parse_base_url`] for a base URL named `what` in its errors.
pub(crate) fn parse_named_base_url(raw: &str, what: &str) -> Result<Url> {
    let mut url = Url::parse(raw).map_err(|e| Error::config(format!("{what} {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "{what} {raw:?}: scheme must be http or https"
        )));
    }
    if url.cannot_be_a_base() || url.host_str().is_none() {
        return Err(Error::config(format!("{what} {raw:?}: has no host")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "{what}: put credentials in access_token, not in the URL"
        )));
    }
    url.set_query(None);
    url.set_fragment(None);
    // The endpoint itself (`.../graphql`, as the sandbox prints it) names its base.
    let trimmed = url.path().trim_end_matches('/');
    if let Some(base) = trimmed.strip_suffix("/graphql") {
        let base = base.to_owned();
        url.set_path(&base);
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Whether `url` names this machine: the one place plain http may carry
/// credentials without `allow_insecure_http`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Refuses credentials over plain http, except to this machine or when the
/// caller allowed it.
pub(crate) fn refuse_plain_http(url: &Url, allow_insecure_http: bool) -> Result<()> {
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(url) {
        return Err(Error::config(format!(
            "refusing to send credentials over plain http to {}; use https or ClientBuilder::allow_insecure_http(true)",
            url.host_str().unwrap_or_default()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_keep_self_hosted_prefixes() {
        let url = parse_base_url("https://example.com/datasaur").unwrap();
        assert_eq!(
            url.join("graphql").unwrap().as_str(),
            "https://example.com/datasaur/graphql"
        );
        let url = parse_base_url("https://example.com/").unwrap();
        assert_eq!(
            url.join("graphql").unwrap().as_str(),
            "https://example.com/graphql"
        );
    }

    #[test]
    fn bad_base_urls_are_config_errors() {
        for raw in [
            "not a url",
            "ftp://example.com",
            "mailto:x@example.com",
            "https://user:pw@example.com",
        ] {
            assert!(
                matches!(parse_base_url(raw), Err(e) if e.is_config()),
                "{raw}"
            );
        }
    }

    #[test]
    fn an_endpoint_url_is_taken_for_its_base() {
        for raw in [
            "http://127.0.0.1:4000/graphql",
            "http://127.0.0.1:4000/graphql/",
            "http://127.0.0.1:4000",
        ] {
            let url = parse_base_url(raw).unwrap();
            assert_eq!(url.as_str(), "http://127.0.0.1:4000/", "{raw}");
        }
        let url = parse_base_url("https://example.com/datasaur/graphql").unwrap();
        assert_eq!(
            url.join("graphql").unwrap().as_str(),
            "https://example.com/datasaur/graphql"
        );
    }

    #[test]
    fn credentials_need_https_unless_loopback_or_allowed() {
        let insecure = crate::Client::builder()
            .base_url("http://example.com")
            .access_token("t")
            .build();
        assert!(matches!(insecure, Err(e) if e.is_config()));
        for base in [
            "http://127.0.0.1:4000",
            "http://localhost:4000",
            "http://[::1]:4000",
        ] {
            crate::Client::builder()
                .base_url(base)
                .access_token("t")
                .build()
                .unwrap();
        }
        crate::Client::builder()
            .base_url("http://example.com")
            .access_token("t")
            .allow_insecure_http(true)
            .build()
            .unwrap();
    }
}
