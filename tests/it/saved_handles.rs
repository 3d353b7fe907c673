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

/// What an export start answers, from a hostile server: every value the
/// client accepts is one its saved form reads back; the rest is refused
/// where it enters, as work that may have started (never sent again).
#[tokio::test]
async fn what_an_export_start_accepts_its_saved_form_reads_back() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn start_with(
        export: serde_json::Value,
    ) -> (Result<datasaur::Export, datasaur::Error>, usize) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"data": {"export": export}})),
            )
            .mount(&server)
            .await;
        let client = datasaur::Client::builder()
            .base_url(server.uri())
            .build()
            .unwrap();
        let result = client.export_project(project_export_input()).await;
        (result, server.received_requests().await.unwrap().len())
    }
    let good = |id: &str, url: &str, expiry: &str| {
        serde_json::json!({"exportId": id, "fileUrl": url, "fileUrlExpiredAt": expiry,
                           "queued": true, "redirect": null})
    };
    // Refused where they enter: a blank id, an id over 1 KiB, a URL over 16 KiB.
    let long_url = format!("https://files.example/{}", "x".repeat(17 * 1024));
    for (what, answer) in [
        ("blank id", good("  ", "https://files.example/a.zip", "")),
        (
            "long id",
            good(&"e".repeat(1025), "https://files.example/a.zip", ""),
        ),
        ("long URL", good("ExportQueue:1", &long_url, "")),
        (
            "long redirect",
            serde_json::json!({"exportId": "ExportQueue:1", "fileUrl": null,
                               "redirect": "r".repeat(17 * 1024)}),
        ),
    ] {
        let (result, requests) = start_with(answer).await;
        let error = result.expect_err(what);
        assert_eq!(
            error.kind(),
            datasaur::ErrorKind::Decode,
            "{what}: {error:?}"
        );
        assert!(error.may_have_started_work(), "{what}: {error:?}");
        assert!(error.request_id().is_some(), "{what}");
        assert_eq!(requests, 1, "{what}: never sent again");
    }
    // Accepted, and read back: an expiry past the year 9999 is no time, dropped.
    for expiry in ["99999999999999999", "253402300800000", "1764439200000"] {
        let (result, _) =
            start_with(good("ExportQueue:1", "https://files.example/a.zip", expiry)).await;
        let export = result.unwrap();
        let text = serde_json::to_string(&export).unwrap();
        let back: SavedExport = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("expiry {expiry}: {text} does not read back: {e}"));
        assert_eq!(back.id(), "ExportQueue:1");
        assert_eq!(back.file_url_expires_at(), export.file_url_expires_at());
    }
}
