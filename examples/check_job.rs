//! Check one job, as Datasaur's "Check Job" example does, with typed errors.
//!
//! Against Datasaur: `DATASAUR_ACCESS_TOKEN=... cargo run --example check_job -- <JOB_ID>`
//! (set `DATASAUR_URL` for a self-hosted server). Without a token it starts
//! the sandbox and checks the documentation's job.

use datasaur::Client;
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Sandbox, SandboxConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let job_id = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DOCUMENTED_JOB_ID.to_owned());
    let (client, _sandbox) = match std::env::var("DATASAUR_ACCESS_TOKEN") {
        Ok(token) => {
            let url = std::env::var("DATASAUR_URL")
                .unwrap_or_else(|_| datasaur::DEFAULT_BASE_URL.to_owned());
            (
                Client::builder()
                    .base_url(url)
                    .access_token(token)
                    .build()?,
                None,
            )
        }
        Err(_) => {
            let sandbox = Sandbox::start(SandboxConfig::default()).await?;
            let client = Client::builder()
                .base_url(sandbox.base_url())
                .access_token(sandbox.token())
                .build()?;
            (client, Some(sandbox))
        }
    };

    match client.get_job(&job_id).await {
        Ok(job) if job.is_failed() => println!("{} FAILED: {:?}", job.id, job.errors),
        Ok(job) => println!("{} is {} ({}%)", job.id, job.status, job.progress),
        Err(error) if error.is_job_not_found() => {
            println!("no job {}", error.job_id().unwrap_or("?"))
        }
        Err(error) if error.is_unauthorized() => println!("the token was refused: {error}"),
        Err(error) => {
            println!("error: {error}");
            if let Some(request_id) = error.request_id() {
                println!("request id for Datasaur support: {request_id}");
            }
        }
    }
    Ok(())
}
