//! The one request pipeline: every kind of call (GraphQL, upload, download,
//! token fetch) keeps the same promises. A request that never connected
//! carries no request id and started nothing; a throttled request did not
//! run, so it is retried even when it starts work; the client holds back
//! as a whole when throttled, and keeps to its own rate cap.

use crate::support::sandbox::{SandboxClient, project_export_input};

use std::time::Duration;

use datasaur::operations::auto_label_token_based_project as auto_label;
use datasaur::{Client, Error, ErrorKind, RetryPolicy, SavedExport, UploadSource, WaitOptions};
use datasaur_sandbox::{Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;

/// A loopback port where nothing listens.
fn refusing_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_retries(2)
        .initial_backoff(Duration::from_millis(1))
}

/// Neither a request id nor "may have started": the request never left.
fn assert_never_connected(kind: &str, error: &Error) {
    assert_eq!(error.kind(), ErrorKind::Transport, "{kind}: {error:?}");
    assert_eq!(error.request_id(), None, "{kind}: {error:?}");
    assert!(!error.may_have_started_work(), "{kind}: {error:?}");
    assert_eq!(error.attempts(), Some(3), "{kind}: {error:?}");
    assert!(error.is_exhausted(), "{kind}: {error:?}");
}

fn auto_label_input() -> auto_label::AutoLabelTokenBasedProjectInput {
    auto_label::AutoLabelTokenBasedProjectInput::new(
        "demo@datasaur.ai",
        auto_label::AutoLabelProjectOptionsInput::new(0),
        "HvdyIL2iwZn",
        auto_label::TargetApiInput::new("https://model.example/predict", "k"),
    )
}

#[tokio::test]
async fn a_graphql_call_to_a_refusing_port_has_no_request_id() {
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{}", refusing_port()))
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client
        .auto_label_token_based_project(auto_label_input())
        .await
        .unwrap_err();
    assert_never_connected("GraphQL", &error);
}

#[tokio::test]
async fn an_upload_to_a_refusing_port_has_no_request_id() {
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{}", refusing_port()))
        .access_token("token")
        .allow_insecure_http(true)
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client
        .upload(UploadSource::bytes("a.txt", b"hello".to_vec()), None)
        .await
        .unwrap_err();
    assert_never_connected("upload", &error);
}

#[tokio::test]
async fn a_download_from_a_refusing_port_has_no_request_id() {
    let port = refusing_port();
    let client = Client::builder()
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let saved: SavedExport = serde_json::from_value(serde_json::json!({
        "type": "export",
        "version": 1,
        "id": "export-1",
        "operation": "ExportTextProject",
        "startedAt": 1_700_000_000_000u64,
        "fileUrl": format!("http://127.0.0.1:{port}/file.zip"),
        "queued": false,
    }))
    .unwrap();
    let export = client.resume_export(saved);
    let dir = crate::support::files::scratch("pipeline_refused_download");
    let options = datasaur::DownloadOptions::default()
        .max_time(Duration::from_millis(300))
        .initial_backoff(Duration::from_millis(1));
    let error = export
        .download_to(dir.join("file.zip"), options)
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert_eq!(error.request_id(), None, "{error:?}");
    assert!(!error.may_have_started_work(), "{error:?}");
    assert!(error.attempts().is_some_and(|n| n > 1), "{error:?}");
    assert!(error.is_exhausted(), "out of time: {error:?}");
    assert!(!dir.join("file.zip").exists());
}

#[tokio::test]
async fn a_token_fetch_from_a_refusing_port_has_no_request_id() {
    let port = refusing_port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .client_credentials("id", "H3/Secret+Key=0011")
        .retry_policy(quick_retries())
        .build()
        .unwrap();
    let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    assert_never_connected("token fetch", &error);
    assert_eq!(error.operation(), Some("OAuth token"), "{error:?}");
}

#[tokio::test(start_paused = true)]
async fn a_work_starting_call_answered_429_twice_then_200_runs_once() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(
        2,
        FaultKind::RateLimited {
            retry_after_secs: 1,
        },
    ));
    let started = tokio::time::Instant::now();
    let handle = client
        .auto_label_token_based_project(auto_label_input())
        .await
        .expect("a throttled request did not run, so it is sent again");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "Retry-After honoured"
    );
    assert!(!handle.id().is_empty());
    let stats = sandbox.stats();
    assert_eq!(stats.operation("AutoLabelTokenBasedProject"), 3);
    assert_eq!(stats.jobs_started, 1, "the work started once");
    assert_eq!(client.metrics().retries, 2);
}

#[tokio::test(start_paused = true)]
async fn a_throttling_error_in_a_200_answer_is_retried_and_runs_once() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(2, FaultKind::Throttled));
    let export = client
        .export_project(project_export_input())
        .await
        .expect("throttled in a 200 answer: retried");
    assert!(!export.id().is_empty());
    let stats = sandbox.stats();
    assert_eq!(stats.exports_started, 1, "the export started once");
    assert_eq!(stats.operation("ExportTextProject"), 3);
}

#[tokio::test(start_paused = true)]
async fn a_throttling_error_that_outlasts_the_retries_says_so() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().max_retries(1))
        .build()
        .unwrap();
    sandbox.inject_fault(Fault::next(5, FaultKind::Throttled));
    let error = client
        .export_project(project_export_input())
        .await
        .unwrap_err();
    assert!(error.is_throttled(), "{error:?}");
    assert!(error.is_transient(), "{error:?}");
    assert!(!error.may_have_started_work(), "{error:?}");
    assert_eq!(error.attempts(), Some(2));
    assert!(error.is_exhausted());
    assert_eq!(sandbox.stats().exports_started, 0);
}

#[tokio::test]
async fn data_with_an_error_is_work_that_ran_never_a_refusal() {
    // An `Unauthorized` beside data: the work ran; a refresh and resend
    // would start it twice.
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": {"result": {"id": "AutoLabelQueue:1", "status": "QUEUED"}},
            "errors": [{"message": "Unauthorized", "path": ["result", "additionalData"],
                        "extensions": {"type": "AuthenticationError", "code": "TOO_MANY_REQUESTS"}}]
        })))
        .mount(&server)
        .await;
    let token_server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"access_token": "t", "expires_in": 3600})),
        )
        .mount(&token_server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret")
        .token_url(format!("{}/token", token_server.uri()))
        .build()
        .unwrap();
    let error = client
        .auto_label_token_based_project(auto_label_input())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::GraphQL, "{error:?}");
    assert!(error.partial_data_discarded());
    assert!(!error.is_throttled());
    assert!(error.may_have_started_work(), "{error:?}");
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "sent once"
    );
}

#[tokio::test]
async fn callers_and_a_wait_keep_to_a_throttling_servers_rate() {
    // 50 callers and a wait on 200 jobs, against a server that allows 40
    // requests a second; the client, capped at the same rate, finishes
    // without an error and sends about what the rate allows.
    const RATE: u32 = 40;
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let ids: Vec<String> = (0..200)
        .map(|_| {
            sandbox.create_job(JobScript::delivered(
                Duration::from_millis(200),
                Duration::from_millis(800),
            ))
        })
        .collect();
    let client = sandbox
        .client_builder()
        .max_requests_per_second(f64::from(RATE))
        .batch_size(20)
        .build()
        .unwrap();
    sandbox.set_rate_limit(Some(RATE));
    sandbox.reset_stats();
    let started = std::time::Instant::now();
    let callers = (0..50).map(|i| {
        let client = client.clone();
        let id = ids[i].clone();
        async move { client.get_job(&id).await.map(|_| ()) }
    });
    let options = WaitOptions::default().max_wait(Duration::from_secs(120));
    let wait = client
        .wait_for_jobs(ids.clone(), options)
        .collect::<Vec<_>>();
    let (calls, waited) = tokio::join!(futures::future::join_all(callers), wait);
    let elapsed = started.elapsed().as_secs_f64();
    for call in calls {
        call.expect("every caller succeeds");
    }
    assert_eq!(waited.len(), 200);
    for job in waited {
        assert!(job.expect("each job delivered").is_delivered());
    }
    let stats = sandbox.stats();
    let allowance = f64::from(RATE) * (1.0 + elapsed);
    let sent = stats.graphql_requests as f64;
    assert!(
        sent <= allowance * 1.1,
        "{sent} requests in {elapsed:.2} s, the rate allows {allowance:.0}"
    );
    assert!(
        stats.faults_injected * 10 <= stats.graphql_requests,
        "throttled {} of {}",
        stats.faults_injected,
        stats.graphql_requests
    );
}

#[tokio::test(start_paused = true)]
async fn a_throttled_request_holds_back_the_clients_others() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(
        1,
        FaultKind::RateLimited {
            retry_after_secs: 5,
        },
    ));
    let first = client.get_job(datasaur_sandbox::DOCUMENTED_JOB_ID);
    let start = tokio::time::Instant::now();
    let second = async {
        // Sent after the first was throttled: it waits out the same pause.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let job = client.get_job(datasaur_sandbox::DOCUMENTED_JOB_ID).await;
        (job, start.elapsed())
    };
    let (first, (second, second_at)) = tokio::join!(first, second);
    first.unwrap();
    second.unwrap();
    assert!(second_at >= Duration::from_secs(5), "{second_at:?}");
    assert_eq!(sandbox.stats().faults_injected, 1);
}
