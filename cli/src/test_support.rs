//! What the CLI's in-process tests share: a sandbox with a client for it,
//! and a scratch directory.

use datasaur::Client;
use datasaur_sandbox::{Sandbox, SandboxConfig};

/// A sandbox on loopback, and a client with its token.
pub async fn sandbox_and_client() -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()
        .unwrap();
    (sandbox, client)
}

/// A fresh, empty directory for test `name`, removed when dropped.
pub fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("datasaur-{name}-"))
        .tempdir()
        .unwrap()
}
