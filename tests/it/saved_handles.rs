//! Handles saved and resumed against the sandbox: the saved form (a
//! snapshot, with its version), a resumed export waited on and downloaded by
//! a new client, an expired URL reported without a second export, and saved
//! forms that are refused with a reason.

use crate::support::files::scratch;
use crate::support::sandbox::{SandboxClient, project_export_input};

use std::time::Duration;

use datasaur::{DownloadOptions, SavedExport, SavedJob, WaitOptions};
use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig};

#[tokio::test]
async fn the_saved_forms_are_small_versioned_and_hold_no_secret() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let options = WaitOptions::default()
        .max_wait(Duration::from_secs(7200))
        .max_wait_from_start(true);
    let export = client
        .export_project(project_export_input())
        .await
        .unwrap()
        .with_wait_options(options);
    let saved = serde_json::to_value(&export).unwrap();
    assert_eq!(saved["version"], datasaur::SAVED_FORMAT_VERSION);
    let text = saved.to_string();
    assert!(!text.contains(sandbox.token()), "no token in {text}");
    insta::assert_json_snapshot!("saved_export", saved, {
        ".id" => "[export id]",
        ".startedAt" => "[epoch ms]",
        ".fileUrl" => "[file url]",
        ".fileUrlExpiresAt" => "[epoch ms]",
    });
    let job = client
        .job("AutoLabelQueue:1")
        .with_wait_options(WaitOptions::default());
    insta::assert_json_snapshot!("saved_job_by_id", serde_json::to_value(&job).unwrap());
    // Read back, the form is the same.
    let back: SavedExport = serde_json::from_value(saved.clone()).unwrap();
    assert_eq!(serde_json::to_value(&back).unwrap(), saved);
    assert_eq!(back, export.saved());
}

#[tokio::test]
async fn a_resumed_export_is_waited_on_and_downloaded_by_a_new_client() {
    let config = SandboxConfig::default().export_script(JobScript::delivered(
        Duration::from_millis(200),
        Duration::from_millis(300),
    ));
    let sandbox = Sandbox::start(config).await.unwrap();
    let text = {
        let first = sandbox.client();
        let export = first.export_project(project_export_input()).await.unwrap();
        serde_json::to_string(&export).unwrap()
        // The first client is gone here, as a process would be.
    };
    let second = sandbox.client();
    let export = second.resume_export(serde_json::from_str(&text).unwrap());
    let dir = scratch("saved-resumed");
    let file = export
        .wait_and_download_to(dir.join("labels.zip"), None, DownloadOptions::default())
        .await
        .unwrap();
    let expected = sandbox.export_file(export.id()).unwrap();
    assert_eq!(std::fs::read(dir.join("labels.zip")).unwrap(), expected);
    assert_eq!(file.bytes, expected.len() as u64);
    assert_eq!(
        sandbox.stats().exports_started,
        1,
        "resuming starts nothing"
    );
}

#[tokio::test]
async fn an_expired_url_of_a_resumed_export_is_reported_never_renewed_by_a_new_export() {
    let config = SandboxConfig::default()
        .file_url_ttl(Duration::from_millis(300))
        .export_script(JobScript::delivered(Duration::ZERO, Duration::ZERO));
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = sandbox.client();
    let saved = client
        .export_project(project_export_input())
        .await
        .unwrap()
        .saved();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let export = sandbox.client().resume_export(saved);
    assert!(export.file_url_expired());
    let dir = scratch("saved-expired");
    let error = export
        .wait_and_download_to(dir.join("labels.zip"), None, DownloadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), datasaur::ErrorKind::FileUrlExpired, "{error}");
    assert_eq!(sandbox.stats().exports_started, 1);
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no file, no part"
    );
}

#[test]
fn saved_forms_that_cannot_be_trusted_are_refused_with_the_reason() {
    let refused = |text: &str| -> String {
        match serde_json::from_str::<SavedExport>(text) {
            Ok(saved) => panic!("taken: {saved:?}"),
            Err(error) => error.to_string(),
        }
    };
    let newer = refused(r#"{"type": "export", "version": 2, "id": "e"}"#);
    assert!(newer.contains("format version 2"), "{newer}");
    let job = refused(r#"{"type": "job", "version": 1, "id": "e"}"#);
    assert!(job.contains("a saved job, not a saved export"), "{job}");
    let empty = refused(r#"{"type": "export", "version": 1, "id": " "}"#);
    assert!(empty.contains("the id is empty"), "{empty}");
    let long = refused(&format!(
        r#"{{"type": "export", "version": 1, "id": "{}"}}"#,
        "x".repeat(5000)
    ));
    assert!(long.contains("at most 1024"), "{long}");
    let scheme =
        refused(r#"{"type": "export", "version": 1, "id": "e", "fileUrl": "file:///etc/passwd"}"#);
    assert!(scheme.contains("not http(s)"), "{scheme}");
    let far = refused(
        r#"{"type": "export", "version": 1, "id": "e", "startedAt": 18446744073709551615}"#,
    );
    assert!(
        far.contains("startedAt 18446744073709551615 is out of range"),
        "{far}"
    );
    // A hostile backoff cannot make a resumed wait poll faster than the floor.
    let saved: SavedJob = serde_json::from_str(
        r#"{"type": "job", "version": 1, "id": "j", "wait": {"backoff": {"initialMs": 0, "multiplier": 0.5, "maxMs": 0}}}"#,
    )
    .unwrap();
    let backoff = saved.wait_options().unwrap().get_backoff();
    assert_eq!(backoff.initial(), datasaur::MIN_POLL_INTERVAL);
    assert_eq!(backoff.multiplier(), 1.0);
}
