//! Tokens and client secrets never reach logs, `Debug` output or errors,
//! through success, refresh and every kind of failure.
//!
//! A binary of its own, not a module of `tests/it`: it installs a tracing
//! subscriber, and tracing caches per call site, process-wide, whether anyone
//! listens. A call site first reached by a concurrent test while this one
//! installs its subscriber can be cached as unheard, and its spans are lost.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datasaur::{Client, RetryPolicy};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Fault, FaultKind, JobScript, Sandbox, SandboxConfig};

const SECRET: &str = "top-secret-client-secret-31337";
const FIXED_TOKEN: &str = "fixed-token-deadbeef-4242";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn no_secret_in_logs_debug_or_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .client_credentials("leak-test-id", SECRET)
            .token_ttl(Duration::from_secs(120))
            .access_token(FIXED_TOKEN),
    )
    .await
    .unwrap();
    let mut shown = Vec::new();

    // OAuth: fetch, use, refresh ahead of expiry, refresh after revocation.
    let oauth = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials("leak-test-id", SECRET)
        .build()
        .unwrap();
    shown.push(format!("{oauth:?}"));
    oauth.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    tokio::time::advance(Duration::from_secs(115)).await;
    let id = sandbox.create_job(JobScript::delivered(
        Duration::from_secs(1),
        Duration::from_secs(5),
    ));
    oauth.wait_for_job(&id, None).await.unwrap();
    sandbox.expire_tokens();
    oauth
        .get_jobs(&[DOCUMENTED_JOB_ID, "unknown"])
        .await
        .unwrap();
    assert!(oauth.metrics().token_requests >= 3);

    // Failures: faults with retries, a decode error, a refused secret, a refused token.
    for kind in FaultKind::all() {
        sandbox.inject_fault(Fault::next(4, kind));
        if let Err(error) = oauth.get_job(DOCUMENTED_JOB_ID).await {
            shown.push(format!("{error} {error:?}"));
        }
        sandbox.clear_faults();
    }
    let wrong = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials("leak-test-id", "wrong-secret-31337")
        .build()
        .unwrap();
    let error = wrong.get_job(DOCUMENTED_JOB_ID).await.unwrap_err();
    shown.push(format!("{error} {error:?} {wrong:?}"));

    let fixed = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(FIXED_TOKEN)
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    shown.push(format!(
        "{fixed:?} {:?}",
        Client::builder().access_token(FIXED_TOKEN)
    ));
    fixed.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    // An upload, an export and its download: their INFO events and spans
    // name the file and the host, never the token or a presigned query.
    fixed
        .upload(
            datasaur::UploadSource::bytes("notes.txt", "one line\n"),
            None,
        )
        .await
        .unwrap();
    let export = fixed
        .export_project(
            datasaur::operations::export_text_project::ExportTextProjectInput::new(
                "labels",
                "JSON",
                datasaur::operations::export_text_project::GqlExportMethod::FileStorage,
                ["HvdyIL2iwZn"],
            ),
        )
        .await
        .unwrap();
    let scratch = tempfile::tempdir().unwrap();
    export
        .wait_and_download_to(scratch.path().join("labels.zip"), None, Default::default())
        .await
        .unwrap();
    let revoked = Client::builder()
        .base_url(sandbox.base_url())
        .access_token("revoked-token-777")
        .build()
        .unwrap();
    let error = revoked.get_job(DOCUMENTED_JOB_ID).await.unwrap_err();
    shown.push(format!("{error} {error:?}"));

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("datasaur.request"),
        "the request spans were captured"
    );
    assert!(
        logs.lines().count() > 50,
        "{} log lines",
        logs.lines().count()
    );
    assert!(logs.contains("upload finished") && logs.contains("download finished"));
    assert!(
        !logs.contains("X-Amz-"),
        "a presigned URL's query reached the logs"
    );
    let everything = format!("{logs}\n{}", shown.join("\n"));
    for secret in [
        SECRET,
        "wrong-secret-31337",
        FIXED_TOKEN,
        "revoked-token-777",
    ] {
        assert!(!everything.contains(secret), "{secret} leaked");
    }
    // Tokens the sandbox issued through OAuth look like `sandbox-<n>-<hex>`.
    for n in 1..=50 {
        assert!(
            !everything.contains(&format!("sandbox-{n}-")),
            "an issued token leaked"
        );
    }
}
