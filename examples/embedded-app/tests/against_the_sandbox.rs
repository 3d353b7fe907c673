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

/// An export pushed by the sandbox to the app's webhook route: verified,
/// downloaded whole; a forged delivery refused and nothing downloaded.
#[tokio::test]
async fn an_export_pushed_by_webhook_is_verified_and_downloaded() {
    use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
    use embedded_app::webhook::{Receiver, router};

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()
        .unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("embedded-app-webhook");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (landed, mut downloads) = tokio::sync::mpsc::channel(4);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/datasaur/exports", listener.local_addr().unwrap());
    let app = router(Receiver::new(client.clone(), "hook-secret", &dir, landed));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A forged delivery (a signature that is not the secret's) is refused.
    let forged = reqwest::Client::new()
        .put(&hook_url)
        .header(datasaur::SIGNATURE_HEADER, "00".repeat(32))
        .body(r#"{"fileUrl":"http://127.0.0.1:9/x.zip","projectId":"forged"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let unsigned = reqwest::Client::new()
        .put(&hook_url)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 401);

    let input = ExportTextProjectInput::new(
        "labels",
        "JSON",
        GqlExportMethod::CustomWebhook,
        ["HvdyIL2iwZn"],
    )
    .url(hook_url)
    .secret("hook-secret");
    let export = client.export_project(input).await.unwrap();
    let download = tokio::time::timeout(std::time::Duration::from_secs(30), downloads.recv())
        .await
        .expect("the export is pushed within the script's time")
        .expect("one delivery")
        .expect("downloaded");
    assert_eq!(download.path, dir.join("HvdyIL2iwZn.zip"));
    assert_eq!(
        std::fs::read(&download.path).unwrap(),
        sandbox.export_file(export.id()).unwrap()
    );
    assert_eq!(sandbox.stats().webhooks_delivered, 1);
    assert!(
        downloads.try_recv().is_err(),
        "the forged delivery downloaded nothing"
    );
}

/// The app is redeployed while its export runs: the new process resumes
/// the saved export, waits, downloads, and nothing is started twice.
#[tokio::test]
async fn an_export_in_flight_survives_a_redeploy() {
    use datasaur::DownloadOptions;
    use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
    use embedded_app::pending::PendingExports;

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = || {
        Client::builder()
            .base_url(sandbox.base_url())
            .access_token(sandbox.token())
            .build()
            .unwrap()
    };
    let dir = std::env::temp_dir().join(format!("embedded-app-pending-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        // The first deploy: start, record, and go away mid-wait.
        let store = PendingExports::open(dir.join("pending")).unwrap();
        let input =
            ExportTextProjectInput::new("labels", "JSON", GqlExportMethod::FileStorage, ["proj-1"]);
        let export = client().export_project(input).await.unwrap();
        store.record("proj-1", &export).unwrap();
        // A name with a slash is a file of its own, not `proj_2`'s.
        store.record("team/2", &export).unwrap();
        store.record("team_2", &export).unwrap();
    }
    // Something else wrote a broken file there: it is reported, and
    // every other export is still resumed.
    std::fs::write(dir.join("pending").join("broken.json"), b"{not json").unwrap();
    // The next deploy: a new client, the same directory.
    let store = PendingExports::open(dir.join("pending")).unwrap();
    let resumed = store.resume_all(&client()).unwrap();
    assert_eq!(resumed.unreadable.len(), 1, "{:?}", resumed.unreadable);
    assert!(resumed.unreadable[0].0.ends_with("broken.json"));
    let names: Vec<&str> = resumed
        .exports
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["proj-1", "team/2", "team_2"]);
    store.done("team/2").unwrap();
    store.done("team_2").unwrap();
    std::fs::remove_file(dir.join("pending").join("broken.json")).unwrap();
    let (name, export) = &resumed.exports[0];
    assert_eq!(name, "proj-1");
    let target = dir.join("proj-1.zip");
    export
        .wait_and_download_to(&target, None, DownloadOptions::default())
        .await
        .unwrap();
    store.done(name).unwrap();
    assert_eq!(
        std::fs::read(&target).unwrap(),
        sandbox.export_file(export.id()).unwrap()
    );
    let after = store.resume_all(&client()).unwrap();
    assert!(after.exports.is_empty() && after.unreadable.is_empty());
    assert_eq!(
        sandbox.stats().exports_started,
        1,
        "started once, across deploys"
    );
}
