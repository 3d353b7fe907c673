//! Uploads against the sandbox's upload proxy: object keys, content that
//! arrives whole (by SHA-256), many files at once, the size cap before
//! sending, retries of transient failures within the policy's bound, stalls,
//! a refreshed token, progress, and a reader sent only once.

use crate::support::sandbox::SandboxClient;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use datasaur::{Client, ErrorKind, RetryPolicy, UploadOptions, UploadSource};
use datasaur_sandbox::{Fault, FaultKind, FaultTarget, Sandbox, SandboxConfig};
use sha2::{Digest, Sha256};

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic content of `len` bytes, different for each `seed`.
fn content(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).await.unwrap()
}

/// A client whose retries do not wait long, so tests run fast.
fn quick_client(sandbox: &Sandbox) -> Client {
    sandbox
        .client_builder()
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}

fn upload_fault(n: u32, kind: FaultKind) -> Fault {
    Fault::next(n, kind).on(FaultTarget::Upload)
}

#[tokio::test]
async fn a_file_uploads_whole_and_gets_its_object_key() {
    let sandbox = sandbox().await;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("uploads-whole");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("reviews.csv");
    // Not a multiple of the chunk size, so the last chunk is a short one.
    let bytes = content(7, 3 * 256 * 1024 + 123);
    std::fs::write(&path, &bytes).unwrap();

    let upload = sandbox
        .client()
        .upload(UploadSource::path(&path), None)
        .await
        .unwrap();
    assert!(
        upload.object_key.starts_with("temp/upload-proxy/") && upload.object_key.ends_with(".csv"),
        "{}",
        upload.object_key
    );
    assert_eq!(upload.name, "reviews.csv");
    assert_eq!(upload.bytes, bytes.len() as u64);
    assert_eq!(upload.attempts, 1);
    let objects = sandbox.uploads();
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0].object_key, upload.object_key);
    assert_eq!(objects[0].file_name, "reviews.csv");
    assert_eq!(objects[0].bytes, bytes.len() as u64);
    assert_eq!(objects[0].sha256, sha256_hex(&bytes));
    assert_eq!(sandbox.stats().uploads, 1);
}

#[tokio::test]
async fn many_files_upload_at_once_and_come_back_in_order() {
    let sandbox = sandbox().await;
    let files: Vec<(String, Vec<u8>)> = (0..20u8)
        .map(|i| {
            (
                format!("doc-{i:02}.txt"),
                content(i, 10_000 + usize::from(i) * 997),
            )
        })
        .collect();
    let sources = files
        .iter()
        .map(|(name, bytes)| UploadSource::bytes(name.clone(), bytes.clone()));
    let results = sandbox
        .client()
        .upload_all(sources, UploadOptions::default().concurrency(8))
        .await;
    assert_eq!(results.len(), 20);
    let mut keys = std::collections::HashSet::new();
    let objects = sandbox.uploads();
    for ((name, bytes), result) in files.iter().zip(&results) {
        let upload = result.as_ref().unwrap();
        assert_eq!(&upload.name, name);
        assert!(keys.insert(upload.object_key.clone()), "keys are distinct");
        let object = objects
            .iter()
            .find(|object| object.object_key == upload.object_key)
            .unwrap();
        assert_eq!(object.sha256, sha256_hex(bytes), "{name}");
    }
    assert_eq!(sandbox.stats().upload_requests, 20);
}

#[tokio::test]
async fn a_file_over_the_cap_is_refused_before_sending() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    let options = UploadOptions::default().max_bytes(1000);
    let err = client
        .upload(
            UploadSource::bytes("big.bin", vec![0u8; 1001]),
            options.clone(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UploadTooLarge, "{err}");
    assert_eq!(err.size_limit(), Some(1000));
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert_eq!(sandbox.stats().upload_requests, 0, "nothing sent");

    // A reader of unknown size is stopped as it passes the cap, and not retried.
    let reader = std::io::Cursor::new(vec![1u8; 600_000]);
    let err = client
        .upload(UploadSource::reader("stream.bin", reader, None), options)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UploadTooLarge, "{err}");
    assert!(sandbox.uploads().is_empty(), "the server kept nothing");
    assert!(sandbox.stats().upload_requests <= 1);

    // Exactly at the cap is fine.
    client
        .upload(
            UploadSource::bytes("edge.bin", vec![0u8; 1000]),
            UploadOptions::default().max_bytes(1000),
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn transient_failures_are_retried_within_the_policy() {
    let sandbox = sandbox().await;
    let client = quick_client(&sandbox);
    let file = || UploadSource::bytes("a.txt", content(1, 300_000));

    for kind in [
        FaultKind::Status { status: 503 },
        FaultKind::Status { status: 500 },
        FaultKind::RateLimited {
            retry_after_secs: 0,
        },
        FaultKind::CloseConnection,
        FaultKind::TruncatedJson,
        FaultKind::HtmlBody,
        FaultKind::StatusAfterRunning { status: 502 },
    ] {
        sandbox.clear_faults();
        sandbox.inject_fault(upload_fault(2, kind.clone()));
        let upload = client
            .upload(file(), None)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(upload.attempts, 3, "{kind:?}");
    }

    // The bound: the default policy's 3 retries, then the last error.
    sandbox.clear_faults();
    sandbox.reset_stats();
    sandbox.inject_fault(upload_fault(10, FaultKind::Status { status: 503 }));
    let err = client.upload(file(), None).await.unwrap_err();
    assert_eq!(err.http_status(), Some(503), "{err}");
    assert!(err.request_id().is_some());
    assert_eq!(sandbox.stats().upload_requests, 4);
}

#[tokio::test]
async fn a_refusal_that_cannot_pass_is_not_retried() {
    let sandbox = sandbox().await;
    let client = quick_client(&sandbox);
    sandbox.inject_fault(upload_fault(1, FaultKind::Status { status: 413 }));
    let err = client
        .upload(UploadSource::bytes("a.txt", "x"), None)
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(413), "{err}");
    assert_eq!(sandbox.stats().upload_requests, 1);

    // A reader is read once: even a transient failure is final.
    sandbox.reset_stats();
    sandbox.inject_fault(upload_fault(1, FaultKind::Status { status: 503 }));
    let reader = std::io::Cursor::new(b"one pass only".to_vec());
    let err = client
        .upload(UploadSource::reader("r.txt", reader, Some(13)), None)
        .await
        .unwrap_err();
    assert_eq!(err.http_status(), Some(503), "{err}");
    assert_eq!(sandbox.stats().upload_requests, 1);
}

#[tokio::test(start_paused = true)]
async fn a_stalled_upload_is_given_up_and_retried() {
    let sandbox = sandbox().await;
    let client = quick_client(&sandbox);
    // The server sits on the request for a minute: past the 5 s stall limit.
    sandbox.inject_fault(upload_fault(1, FaultKind::Delay { millis: 60_000 }));
    let started = tokio::time::Instant::now();
    let upload = client
        .upload(
            UploadSource::bytes("slow.txt", content(3, 1000)),
            UploadOptions::default().stall_timeout(Duration::from_secs(5)),
        )
        .await
        .unwrap();
    assert_eq!(upload.attempts, 2);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_refused_token_is_refreshed_and_the_upload_sent_again() {
    let sandbox = sandbox().await;
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials(sandbox.client_id(), sandbox.client_secret())
        .build()
        .unwrap();
    client
        .upload(UploadSource::bytes("first.txt", "1"), None)
        .await
        .unwrap();
    sandbox.expire_tokens();
    let upload = client
        .upload(UploadSource::bytes("second.txt", "2"), None)
        .await
        .unwrap();
    assert_eq!(upload.attempts, 2);
    let stats = sandbox.stats();
    assert_eq!(stats.token_requests, 2);
    assert_eq!(stats.unauthorized, 1);
    assert_eq!(stats.uploads, 2);

    // A fixed token that is refused: Unauthorized, not retried.
    let refused = Client::builder()
        .base_url(sandbox.base_url())
        .access_token("not-a-sandbox-token")
        .build()
        .unwrap();
    let err = refused
        .upload(UploadSource::bytes("x.txt", "x"), None)
        .await
        .unwrap_err();
    assert!(err.is_unauthorized(), "{err}");
    assert!(!err.to_string().contains("not-a-sandbox-token"), "{err}");
}

#[tokio::test]
async fn progress_rises_to_the_file_size() {
    let sandbox = sandbox().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let seen_in = seen.clone();
    let options = UploadOptions::default().on_progress(move |progress| {
        assert_eq!(progress.name, "p.bin");
        assert_eq!(progress.total, Some(1_000_000));
        seen_in.lock().unwrap().push(progress.sent);
    });
    sandbox
        .client()
        .upload(UploadSource::bytes("p.bin", content(9, 1_000_000)), options)
        .await
        .unwrap();
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 4, "one call per chunk: {seen:?}");
    assert!(seen.windows(2).all(|pair| pair[0] < pair[1]), "{seen:?}");
    assert_eq!(seen.last(), Some(&1_000_000));
}

#[tokio::test]
async fn a_missing_file_is_an_io_error_naming_it() {
    let sandbox = sandbox().await;
    let err = sandbox
        .client()
        .upload(UploadSource::path("/nonexistent/dir/file.csv"), None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(
        err.to_string()
            .contains("cannot read /nonexistent/dir/file.csv"),
        "{err}"
    );
    assert_eq!(sandbox.stats().upload_requests, 0);
}

#[tokio::test]
async fn a_separate_upload_host_is_used_when_set() {
    let sandbox = sandbox().await;
    let client = sandbox
        .client_builder()
        .base_url("http://127.0.0.1:9/") // nothing listens: GraphQL is not used here
        .upload_base_url(sandbox.base_url())
        .build()
        .unwrap();
    assert!(
        client
            .upload_url()
            .as_str()
            .starts_with(&sandbox.base_url())
    );
    client
        .upload(UploadSource::bytes("a.txt", "a"), None)
        .await
        .unwrap();
    assert_eq!(sandbox.stats().uploads, 1);

    let err = Client::builder()
        .access_token("t")
        .upload_base_url("ftp://upload.example")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("upload base URL"), "{err}");
}

/// A FIFO (as `/dev/stdin` or `<(…)` are) says its size is 0: its upload is
/// streamed chunked, and the bytes reported are the bytes the server got.
#[cfg(unix)]
#[tokio::test]
async fn a_source_of_unknown_size_is_sent_whole_and_counted_truly() {
    let sandbox = sandbox().await;
    let client = quick_client(&sandbox);
    let dir = crate::support::files::scratch("uploads_fifo");
    let fifo = dir.join("stream.jsonl");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let body = content(7, 700_000);
    let writer = {
        let (fifo, body) = (fifo.clone(), body.clone());
        std::thread::spawn(move || std::fs::write(fifo, body).unwrap())
    };
    let upload = client
        .upload(UploadSource::path(&fifo), None)
        .await
        .expect("a FIFO uploads");
    writer.join().unwrap();
    assert_eq!(upload.bytes, body.len() as u64);
    let stored = sandbox.uploads();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].bytes,
        body.len() as u64,
        "the server got it whole"
    );
    assert_eq!(stored[0].sha256, sha256_hex(&body));
    assert_eq!(stored[0].file_name, "stream.jsonl");
}

/// A file that changes size between being measured and being read never
/// reaches the server with a body other than the one announced.
#[tokio::test]
async fn a_file_that_grows_while_it_uploads_is_refused_not_cut() {
    let sandbox = sandbox().await;
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let dir = crate::support::files::scratch("uploads_growing");
    let path = dir.join("log.txt");
    std::fs::write(&path, content(1, 300_000)).unwrap();
    // Grow it as soon as the first chunk is read (the size was taken before).
    let grown = Arc::new(Mutex::new(false));
    let options = UploadOptions::default().on_progress({
        let (path, grown) = (path.clone(), grown.clone());
        move |_| {
            let mut grown = grown.lock().unwrap();
            if !*grown {
                *grown = true;
                let mut file = std::fs::OpenOptions::new()
                    .append(true)
                    .open(&path)
                    .unwrap();
                std::io::Write::write_all(&mut file, &content(2, 300_000)).unwrap();
            }
        }
    });
    let error = client
        .upload(UploadSource::path(&path), options)
        .await
        .unwrap_err();
    assert!(format!("{error:?}").contains("grew"), "{error:?}");
    assert!(sandbox.uploads().is_empty(), "nothing stored");
}
