//! Start jobs over time and wait on all of them through one `JobWaiter`:
//! jobs due together share `getJobs` requests. Runs offline against the
//! built-in sandbox.
//!
//! `cargo run --example wait_many`

use std::time::Duration;

use datasaur::JobUpdate;
use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start(SandboxConfig::default()).await?;
    let client = datasaur::Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()?;

    let (waiter, mut updates) = client.job_waiter(None);
    for n in 0..20u64 {
        // Against Datasaur, start real jobs here (e.g. auto_label_token_based_project).
        let script = if n % 7 == 3 {
            JobScript::failed(
                Duration::ZERO,
                Duration::from_millis(300 * n),
                "model endpoint timed out",
            )
        } else {
            JobScript::delivered(Duration::ZERO, Duration::from_millis(300 * n))
        };
        waiter.add(sandbox.create_job(script));
    }
    // No more jobs: the stream ends once the ones added are reported.
    drop(waiter);

    let (mut delivered, mut failed) = (0, 0);
    while let Some(update) = updates.next().await {
        match update {
            JobUpdate::Finished(Ok(job)) => {
                delivered += 1;
                println!("{} delivered", job.id);
            }
            JobUpdate::Finished(Err(error)) => {
                failed += 1;
                println!("{}: {error}", error.job_id());
            }
            _ => {}
        }
    }
    let stats = sandbox.stats();
    println!(
        "{delivered} delivered, {failed} failed, in {} requests carrying {} job polls",
        stats.graphql_requests, stats.job_ids_requested
    );
    sandbox.shutdown().await;
    Ok(())
}
