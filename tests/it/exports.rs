//! Exports end to end against the sandbox: start, wait, download; the 404
//! window, cut downloads, existing files, expired URLs, no credentials to
//! the file host, and an export never started twice.

use crate::support::files::scratch;
use crate::support::sandbox::{SandboxClient, project_export_input};

use std::path::Path;
use std::time::Duration;

use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::operations::export_text_project_document::{
    ExportTextProjectDocumentInput, GqlExportMethod as DocumentMethod,
};
use datasaur::{DownloadOptions, ErrorKind, JobStatus, RetryPolicy};
use datasaur_sandbox::{Fault, FaultKind, FaultTarget, Sandbox, SandboxConfig};
use sha2::{Digest, Sha256};

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Every file in `dir`, temporary ones included.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn export_wait_and_download_gives_the_exact_bytes() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let export = client.export_project(project_export_input()).await.unwrap();
    assert!(export.id().starts_with("ExportQueue:"));
    let url = export
        .file_url()
        .expect("FILE_STORAGE has a file URL")
        .clone();
    assert!(url.as_str().starts_with(&sandbox.base_url()));
    assert!(export.file_url_expires_at().is_some());

    let job = export.wait(None).await.unwrap();
    assert_eq!(job.status, JobStatus::Delivered);
    assert_eq!(export.status().await.unwrap().status, JobStatus::Delivered);

    let dir = scratch("exports-exact");
    let download = export
        .download_to(dir.join("labels.zip"), DownloadOptions::default())
        .await
        .unwrap();
    let expected = sandbox.export_file(export.id()).unwrap();
    let written = std::fs::read(dir.join("labels.zip")).unwrap();
    assert_eq!(written, expected);
    assert_eq!(download.bytes, expected.len() as u64);
    assert_eq!(download.sha256, sha256_hex(&expected));
    assert_eq!(files_in(&dir), ["labels.zip"], "no temporary file left");

    let stats = sandbox.stats();
    assert!(stats.file_requests >= 1);
    assert_eq!(
        stats.file_requests_with_authorization, 0,
        "no token to the file host"
    );
}

#[tokio::test(start_paused = true)]
async fn the_404_window_after_delivery_is_ridden_through() {
    let config = SandboxConfig::default().file_ready_after(secs(5));
    let sandbox = Sandbox::start(config).await.unwrap();
    let export = sandbox
        .client()
        .export_project(project_export_input())
        .await
        .unwrap();
    let dir = scratch("exports-window");
    // Straight to the download, as Datasaur's own tools do: 404 until ready.
    let download = export
        .wait_and_download_to(dir.join("labels.zip"), None, DownloadOptions::default())
        .await
        .unwrap();
    assert!(download.attempts > 1, "{} attempts", download.attempts);
    assert_eq!(
        std::fs::read(dir.join("labels.zip")).unwrap(),
        sandbox.export_file(export.id()).unwrap()
    );
    assert_eq!(sandbox.stats().file_requests_with_authorization, 0);
}

#[tokio::test(start_paused = true)]
async fn a_download_cut_mid_body_leaves_nothing_and_the_next_try_succeeds() {
    let sandbox = Sandbox::start(SandboxConfig::default().file_ready_after(Duration::ZERO))
        .await
        .unwrap();
    let export = sandbox
        .client()
        .export_project(project_export_input())
        .await
        .unwrap();
    export.wait(None).await.unwrap();
    let dir = scratch("exports-cut");

    // Every try cut: the download gives up, and leaves no file at all.
    sandbox
        .inject_fault(Fault::fraction(1.0, FaultKind::CloseConnection).on(FaultTarget::Download));
    let error = export
        .download_to(
            dir.join("labels.zip"),
            DownloadOptions::default().max_time(secs(5)),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert!(files_in(&dir).is_empty(), "{:?}", files_in(&dir));

    // One try cut: the next succeeds, in the same call.
    sandbox.clear_faults();
    sandbox.inject_fault(Fault::next(1, FaultKind::CloseConnection).on(FaultTarget::Download));
    let download = export
        .download_to(dir.join("labels.zip"), DownloadOptions::default())
        .await
        .unwrap();
    assert_eq!(download.attempts, 2);
    assert_eq!(files_in(&dir), ["labels.zip"]);
    assert_eq!(
        std::fs::read(dir.join("labels.zip")).unwrap(),
        sandbox.export_file(export.id()).unwrap()
    );
}

#[tokio::test(start_paused = true)]
async fn an_existing_file_is_kept_unless_overwrite_is_asked() {
    let sandbox = Sandbox::start(SandboxConfig::default().file_ready_after(Duration::ZERO))
        .await
        .unwrap();
    let export = sandbox
        .client()
        .export_project(project_export_input())
        .await
        .unwrap();
    export.wait(None).await.unwrap();
    let dir = scratch("exports-existing");
    let path = dir.join("labels.zip");
    std::fs::write(&path, b"precious").unwrap();

    let error = export
        .download_to(&path, DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(
        error.kind() == ErrorKind::FileExists && error.path() == Some(path.as_path()),
        "{error:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    assert_eq!(
        sandbox.stats().file_requests,
        0,
        "nothing fetched for nothing"
    );

    export
        .download_to(&path, DownloadOptions::default().overwrite(true))
        .await
        .unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        sandbox.export_file(export.id()).unwrap()
    );
    assert_eq!(files_in(&dir), ["labels.zip"]);
}

#[tokio::test]
async fn an_expired_url_is_refused_with_an_error_that_says_so() {
    // Real time: the expiry is wall-clock time.
    let config = SandboxConfig::default()
        .file_url_ttl(Duration::from_millis(300))
        .export_script(datasaur_sandbox::JobScript::delivered(
            Duration::ZERO,
            Duration::ZERO,
        ))
        .file_ready_after(Duration::ZERO);
    let sandbox = Sandbox::start(config).await.unwrap();
    let export = sandbox
        .client()
        .export_project(project_export_input())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let dir = scratch("exports-expired");
    let error = export
        .download_to(dir.join("labels.zip"), DownloadOptions::default())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::FileUrlExpired, "{error:?}");
    assert!(error.to_string().contains("expired"), "{error}");
    assert_eq!(error.host(), sandbox.base_url().strip_prefix("http://"));
    assert!(files_in(&dir).is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_export_answered_with_a_503_after_it_ran_is_not_sent_again() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    // Retries on, generous: only the starts-work mark keeps it from a retry.
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().max_retries(5))
        .build()
        .unwrap();
    sandbox.inject_fault(Fault::next(
        1,
        FaultKind::StatusAfterRunning { status: 503 },
    ));
    let error = client
        .export_project(project_export_input())
        .await
        .unwrap_err();
    assert!(error.http_status() == Some(503), "{error:?}");
    let stats = sandbox.stats();
    assert_eq!(stats.operation("ExportTextProject"), 1, "sent once");
    assert_eq!(stats.exports_started, 1, "one export started");

    // A 503 before it ran is different only to the server: still sent once.
    sandbox.reset_stats();
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 503 }));
    let document =
        ExportTextProjectDocumentInput::new("doc-1", "labels", "JSON", DocumentMethod::FileStorage);
    assert!(client.export_document(document).await.is_err());
    assert_eq!(sandbox.stats().operation("ExportTextProjectDocument"), 1);
}

#[tokio::test(start_paused = true)]
async fn an_export_without_a_file_url_says_so() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let email = ExportTextProjectInput::new("labels", "JSON", GqlExportMethod::Email, ["p"]);
    let export = sandbox.client().export_project(email).await.unwrap();
    assert!(export.file_url().is_none());
    let error = export
        .download_to(
            scratch("exports-email").join("x"),
            DownloadOptions::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoFileUrl, "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn export_waits_share_the_client_engine_with_other_waits() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let exports =
        futures::future::join_all((0..20).map(|_| client.export_project(project_export_input())))
            .await;
    let exports: Vec<_> = exports.into_iter().map(Result::unwrap).collect();
    sandbox.reset_stats();
    let results = futures::future::join_all(exports.iter().map(|export| export.wait(None))).await;
    assert!(results.iter().all(Result::is_ok));
    let stats = sandbox.stats();
    // 20 waits, each alone about 4 polls: together one request per tick.
    assert!(stats.operation("GetJobs") <= 6, "{stats:?}");
    assert_eq!(stats.job_ids_requested, 20 * stats.operation("GetJobs"));
}

/// A file host on loopback that answers every GET with `head` (status line
/// and headers), then, with `drip: Some(every)`, one byte at each `every`
/// forever (or closes, with `None`); from the `heal_after`th connection on,
/// it serves `HEALED` whole.
async fn hostile_file_host(
    head: &'static str,
    drip: Option<Duration>,
    heal_after: usize,
) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut connections = 0;
        while let Ok((mut socket, _)) = listener.accept().await {
            connections += 1;
            let healed = connections > heal_after;
            tokio::spawn(async move {
                if healed {
                    let mut buffer = [0u8; 4096];
                    let _ = socket.read(&mut buffer).await;
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{HEALED}",
                        HEALED.len()
                    );
                    let _ = socket.write_all(answer.as_bytes()).await;
                    return;
                }
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                if socket.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let Some(every) = drip else { return };
                loop {
                    tokio::time::sleep(every).await;
                    if socket.write_all(b"x").await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("http://{address}/file.zip")
}

const HEALED: &str = "the whole file";

/// An export whose file URL is `file_url`, from a GraphQL server in memory.
async fn export_at(file_url: &str) -> (wiremock::MockServer, datasaur::Export) {
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "data": {"export": {"exportId": "ExportQueue:1", "fileUrl": file_url,
                    "fileUrlExpiredAt": null, "queued": true, "redirect": null}}
            })),
        )
        .mount(&server)
        .await;
    let client = datasaur::Client::builder()
        .base_url(server.uri())
        .access_token("t")
        .build()
        .unwrap();
    let export = client.export_project(project_export_input()).await.unwrap();
    (server, export)
}

#[tokio::test]
async fn a_stalled_attempt_is_given_up_and_the_next_one_succeeds() {
    let url = hostile_file_host(
        "HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n",
        // Silent after the headers (a byte an hour).
        Some(secs(3600)),
        1,
    )
    .await;
    let (_server, export) = export_at(&url).await;
    let dir = scratch("exports-stalled-once");
    let options = DownloadOptions::default()
        .stall_timeout(Duration::from_millis(100))
        .initial_backoff(Duration::from_millis(20))
        .max_time(secs(60));
    let started = std::time::Instant::now();
    let download = export
        .download_to(dir.join("out.zip"), options)
        .await
        .unwrap();
    assert!(
        started.elapsed() < secs(10),
        "not held until max_time: {:?}",
        started.elapsed()
    );
    assert_eq!(download.attempts, 2);
    assert_eq!(
        std::fs::read(dir.join("out.zip")).unwrap(),
        HEALED.as_bytes()
    );
    assert_eq!(files_in(&dir), ["out.zip"]);
}

/// Downloads from a `hostile_file_host` that never heals, into a fresh
/// directory named `name`: the error, how long it took, and the files left there.
async fn download_from_hostile_host(
    name: &str,
    head: &'static str,
    drip: Option<Duration>,
    options: DownloadOptions,
) -> (datasaur::Error, Duration, Vec<String>) {
    let url = hostile_file_host(head, drip, usize::MAX).await;
    let (_server, export) = export_at(&url).await;
    let dir = scratch(&format!("exports-{name}"));
    let started = std::time::Instant::now();
    let error = export
        .download_to(dir.join("out.zip"), options)
        .await
        .unwrap_err();
    (error, started.elapsed(), files_in(&dir))
}

#[tokio::test]
async fn a_dripping_file_host_is_given_up_on_at_max_time() {
    let (error, took, left) = download_from_hostile_host(
        "dripping",
        "HTTP/1.1 200 OK\r\ncontent-length: 1000000\r\n\r\n",
        // Faster than the stall limit: only max_time ends it.
        Some(Duration::from_millis(30)),
        DownloadOptions::default()
            .stall_timeout(Duration::from_millis(100))
            .max_time(secs(2)),
    )
    .await;
    assert!(error.is_timeout(), "{error}");
    assert!(took < secs(4), "the limits hold: {took:?}");
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn a_file_host_that_answers_404_forever_is_given_up_on_at_max_time() {
    let (error, took, left) = download_from_hostile_host(
        "404-forever",
        "HTTP/1.1 404 Not Found\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot found",
        None,
        DownloadOptions::default()
            .initial_backoff(Duration::from_millis(50))
            .max_time(secs(2)),
    )
    .await;
    assert_eq!(error.http_status(), Some(404), "{error}");
    assert!(took < secs(4), "{took:?}");
    assert!(left.is_empty());
}

/// An export by webhook, end to end: the sandbox PUTs the signed delivery
/// once the export is done, the receiver verifies it with
/// `ExportWebhook::verify` and fetches the file it names. No polling.
#[tokio::test]
async fn a_custom_webhook_export_is_pushed_signed_and_verifies() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let receiver = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sandbox = Sandbox::start(SandboxConfig::default().export_script(
        datasaur_sandbox::JobScript::delivered(Duration::ZERO, Duration::from_millis(200)),
    ))
    .await
    .unwrap();
    let client = sandbox.client();
    let input = ExportTextProjectInput::new(
        "labels",
        "JSON",
        GqlExportMethod::CustomWebhook,
        ["HvdyIL2iwZn"],
    )
    .url(format!("{}/datasaur-hook", receiver.uri()))
    .secret("hook-secret");
    let export = client.export_project(input).await.unwrap();

    let mut received = Vec::new();
    for _ in 0..200 {
        received = receiver.received_requests().await.unwrap_or_default();
        if !received.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let [delivery] = received.as_slice() else {
        panic!("one delivery, got {}", received.len());
    };
    assert_eq!(delivery.url.path(), "/datasaur-hook");
    let signature = delivery
        .headers
        .get(datasaur::SIGNATURE_HEADER)
        .expect("the delivery is signed")
        .to_str()
        .unwrap();

    let pushed = datasaur::ExportWebhook::verify(&delivery.body, signature, "hook-secret").unwrap();
    assert_eq!(pushed.project_id.as_deref(), Some("HvdyIL2iwZn"));
    // The file it names is the export's, ready to fetch.
    let file = reqwest::get(pushed.file_url.as_str()).await.unwrap();
    assert!(file.status().is_success(), "{}", file.status());
    let bytes = file.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), sandbox.export_file(export.id()).unwrap());

    let forged = datasaur::ExportWebhook::verify(&delivery.body, signature, "guessed-secret");
    assert!(forged.is_err_and(|error| error.is_webhook_rejected()));
    assert_eq!(sandbox.stats().webhooks_delivered, 1);
    sandbox.shutdown().await;
}
