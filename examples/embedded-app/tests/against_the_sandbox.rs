//! The app's own generated operations, run against the sandbox.

use datasaur::{Client, JobStatus, Operation};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Sandbox, SandboxConfig};
use embedded_app::operations::{JobState, STARTS_WORK, StartLabeling};

#[tokio::test]
async fn the_apps_query_and_mutation_run_through_the_client() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()
        .unwrap();

    let state = embedded_app::job_state(&client, DOCUMENTED_JOB_ID)
        .await
        .unwrap();
    assert_eq!(state, Some((JobStatus::Delivered, 0)));

    let status = embedded_app::label_project(&client, "HvdyIL2iwZn")
        .await
        .unwrap();
    assert_eq!(status, JobStatus::Delivered);
    assert_eq!(sandbox.stats().operation("StartLabeling"), 1);

    // The generator recorded which operation starts work.
    const { assert!(StartLabeling::STARTS_WORK) };
    const { assert!(!JobState::STARTS_WORK) };
    assert_eq!(STARTS_WORK, ["StartLabeling"]);
}
