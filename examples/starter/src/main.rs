//! Waits on a Datasaur job and prints how it ended. With DATASAUR_ACCESS_TOKEN
//! set it asks Datasaur (DATASAUR_URL, or app.datasaur.ai); without, a sandbox
//! started in this process, so `cargo run` works offline.

use std::time::Duration;

use datasaur::{Client, ClientBuilder, WaitError, WaitOptions};
use datasaur_sandbox::{Sandbox, SandboxConfig};

/// The job from Datasaur's documentation (the sandbox has it, delivered).
const JOB_ID: &str = "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637";

/// Waits up to ten minutes on `id`; one line saying how it ended.
async fn report(client: &Client, id: &str) -> String {
    let options = WaitOptions::default().max_wait(Duration::from_secs(600));
    match client.wait_for_job(id, options).await {
        Ok(job) => format!("{} delivered (result {:?})", job.id, job.result_id),
        Err(WaitError::Failed { job, .. }) => format!("{} failed: {}", job.id, job.error_summary()),
        Err(error) => format!("{id}: {error}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let id = std::env::args().nth(1).unwrap_or_else(|| JOB_ID.to_owned());
    if std::env::var_os("DATASAUR_ACCESS_TOKEN").is_some() {
        let client = ClientBuilder::from_env().build()?;
        println!("{}", report(&client, &id).await);
        return Ok(());
    }
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()?;
    println!("{}", report(&client, &id).await);
    sandbox.shutdown().await;
    Ok(())
}
