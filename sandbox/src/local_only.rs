//! A sandbox on loopback answers only requests addressed to loopback: a web
//! page that rebinds its own name to 127.0.0.1 (DNS rebinding) reaches the
//! port with `Host: its-name`, and a page that posts across origins sends
//! its `Origin`. Neither gets tokens, jobs or control from a developer's
//! sandbox. With `allow_remote` (behind a control token) this check is off.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The middleware: refuses a request whose `Host` or `Origin` names
/// anything but loopback.
pub(crate) async fn only_loopback_names(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(problem) = problem(request.headers()) {
        let body = serde_json::json!({"error": format!(
            "this sandbox answers only requests addressed to loopback \
             (127.0.0.1, localhost, [::1]); {problem}"
        )});
        return (StatusCode::FORBIDDEN, axum::Json(body)).into_response();
    }
    next.run(request).await
}

fn problem(headers: &HeaderMap) -> Option<&'static str> {
    if let Some(host) = headers.get(header::HOST) {
        let host = host.to_str().ok()?;
        if !is_loopback_name(host_part(host)) {
            return Some("the Host header names another host");
        }
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().unwrap_or_default();
        let host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        if !host.is_some_and(|host| is_loopback_name(host_part(host))) {
            return Some("the request comes from a web page of another origin");
        }
    }
    None
}

/// `host` of `host:port`, `[v6]:port` or `host`.
fn host_part(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    authority
        .rsplit_once(':')
        .map_or(authority, |(host, _)| host)
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn loopback_names_pass_and_others_do_not() {
        for host in [
            "127.0.0.1:4000",
            "localhost:4000",
            "LOCALHOST",
            "[::1]:4000",
            "127.8.9.1",
        ] {
            assert_eq!(problem(&headers(&[("host", host)])), None, "{host}");
        }
        for host in [
            "evil.example:4000",
            "127.0.0.1.evil.example",
            "[::2]:4000",
            "0.0.0.0:4000",
        ] {
            assert!(problem(&headers(&[("host", host)])).is_some(), "{host}");
        }
        let page = headers(&[
            ("host", "127.0.0.1:4000"),
            ("origin", "https://evil.example"),
        ]);
        assert!(problem(&page).is_some());
        let null = headers(&[("host", "127.0.0.1:4000"), ("origin", "null")]);
        assert!(problem(&null).is_some());
        let local = headers(&[
            ("host", "127.0.0.1:4000"),
            ("origin", "http://localhost:3000"),
        ]);
        assert_eq!(problem(&local), None);
    }
}
