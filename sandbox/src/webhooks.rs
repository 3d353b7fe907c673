//! Exports made with the `CUSTOM_WEBHOOK` method: once the export is
//! delivered, the sandbox PUTs `{userId, fileUrl, projectId, documentId}` to
//! the export's `url`, signed with `X-Datasaur-Signature:
//! hex(HMAC-SHA256(secret, body))`, as Datasaur does. Deliveries go to
//! plain-HTTP loopback URLs only: the sandbox reaches no other host.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request};
use hmac::{Hmac, Mac};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use sha2::Sha256;

use crate::state::SandboxState;

/// The header deliveries are signed in.
pub const SIGNATURE_HEADER: &str = "X-Datasaur-Signature";

/// How long a receiver may take to answer a delivery.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One delivery to make once export `export_id` is delivered.
pub(crate) struct Delivery {
    pub export_id: String,
    pub url: String,
    pub secret: String,
    pub file_url: String,
    pub project_id: Option<String>,
    pub document_id: Option<String>,
}

/// Sends `delivery` once its export is delivered and its file can be
/// fetched (never if the export fails).
pub(crate) fn schedule(state: Arc<SandboxState>, delivery: Delivery) {
    tokio::spawn(async move {
        let Some((ends_at, fails)) = state.store.ends_at(&delivery.export_id) else {
            return;
        };
        // Datasaur pushes once the file is uploaded: the URL then works.
        // A delay past the clock's range: the file never appears, nor the push.
        let Some(ready_at) = ends_at.checked_add(state.file_ready_after()) else {
            return;
        };
        tokio::time::sleep_until(ready_at).await;
        if fails {
            return;
        }
        let delivered = send(&delivery).await;
        state.stats.update(|stats| {
            if delivered {
                stats.webhooks_delivered += 1;
            } else {
                stats.webhooks_failed += 1;
            }
        });
    });
}

/// The body and its signature, as Datasaur sends them.
pub(crate) fn signed_body(delivery: &Delivery) -> (String, String) {
    let body = serde_json::json!({
        "userId": "sandbox-user",
        "fileUrl": delivery.file_url,
        "projectId": delivery.project_id,
        "documentId": delivery.document_id,
    })
    .to_string();
    // HMAC takes a key of any length: this cannot fail.
    let signature = match <Hmac<Sha256> as Mac>::new_from_slice(delivery.secret.as_bytes()) {
        Ok(mut mac) => {
            mac.update(body.as_bytes());
            mac.finalize()
                .into_bytes()
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect()
        }
        Err(_) => String::new(),
    };
    (body, signature)
}

/// Whether the receiver answered 2xx.
async fn send(delivery: &Delivery) -> bool {
    let Ok(url) = url::Url::parse(&delivery.url) else {
        return false;
    };
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    if url.scheme() != "http" || !loopback {
        return false;
    }
    let (body, signature) = signed_body(delivery);
    let Ok(request) = Request::builder()
        .method(Method::PUT)
        .uri(url.as_str())
        .header("content-type", "application/json")
        .header(SIGNATURE_HEADER, signature)
        .body(Body::from(body))
    else {
        return false;
    };
    let client = Client::builder(TokioExecutor::new()).build_http::<Body>();
    matches!(
        tokio::time::timeout(DELIVERY_TIMEOUT, client.request(request)).await,
        Ok(Ok(answer)) if answer.status().is_success()
    )
}
