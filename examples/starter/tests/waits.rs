//! An hour-long job waited on in milliseconds: the sandbox's jobs follow
//! tokio's clock, and `start_paused` lets it jump ahead whenever nothing runs.

use std::time::Duration;

use datasaur::{Client, JobStatus, WaitOptions};
use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig};

#[tokio::test(start_paused = true)]
async fn an_hour_long_job_is_waited_on_in_an_instant() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    // OAuth, not `sandbox.token()`: that token expires after an hour of the
    // sandbox's (paused) clock, and this wait is longer; the client renews OAuth tokens.
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .build()
        .unwrap();
    let id = sandbox.create_job(JobScript::delivered(
        Duration::from_secs(60),
        Duration::from_secs(3600),
    ));
    let started = std::time::Instant::now();
    let options = WaitOptions::default().max_wait(Duration::from_secs(2 * 3600));
    let job = client.wait_for_job(&id, options).await.unwrap();
    assert_eq!(job.status, JobStatus::Delivered);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "real time stays short"
    );
    sandbox.shutdown().await;
}
