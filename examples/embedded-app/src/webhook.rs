//! The receiving side of exports pushed by webhook (method `CUSTOM_WEBHOOK`):
//! Datasaur PUTs `{userId, fileUrl, projectId, documentId}` to the app, signed
//! with the export's secret. The route checks the signature on the raw body
//! before reading anything in it, answers at once, and downloads the file in
//! the background: an export with no polling at all.

use std::path::PathBuf;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::put;
use datasaur::{Client, Download, ExportWebhook, SIGNATURE_HEADER};
use tokio::sync::mpsc;

/// What the receiving route needs: a client for downloads, the secret the
/// exports were started with, where files go, and where to say they landed.
#[derive(Clone)]
pub struct Receiver {
    client: Client,
    secret: String,
    dir: PathBuf,
    landed: mpsc::Sender<datasaur::Result<Download>>,
}

impl Receiver {
    /// A receiver that writes files into `dir` and sends each download's
    /// outcome to `landed`.
    pub fn new(
        client: Client,
        secret: impl Into<String>,
        dir: impl Into<PathBuf>,
        landed: mpsc::Sender<datasaur::Result<Download>>,
    ) -> Self {
        Receiver {
            client,
            secret: secret.into(),
            dir: dir.into(),
            landed,
        }
    }
}

/// `PUT /datasaur/exports`, the URL to give an export as its `url`.
pub fn router(receiver: Receiver) -> axum::Router {
    axum::Router::new()
        .route("/datasaur/exports", put(receive))
        .with_state(receiver)
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let Some(signature) = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
    else {
        return StatusCode::UNAUTHORIZED;
    };
    // Verified on the raw bytes, before anything in them is trusted.
    let delivery = match ExportWebhook::verify(&body, signature, &receiver.secret) {
        Ok(delivery) => delivery,
        Err(_) => return StatusCode::UNAUTHORIZED,
    };
    let name = delivery
        .project_id
        .clone()
        .or_else(|| delivery.document_id.clone())
        .unwrap_or_else(|| "export".to_owned());
    // Only the ids' safe characters make the file name.
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let path = receiver.dir.join(format!("{name}.zip"));
    // Answer now; Datasaur does not wait for the download.
    tokio::spawn(async move {
        let outcome = delivery
            .download_to(&receiver.client, path, Default::default())
            .await;
        let _ = receiver.landed.send(outcome).await;
    });
    StatusCode::OK
}
