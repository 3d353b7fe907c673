//! Retries: which failures are retried, how long they wait, that mutations
//! are never sent twice, the budget, and the request id.

use crate::support::sandbox::SandboxClient;

use std::time::Duration;

use datasaur::operations::auto_label_token_based_project as auto_label;
use datasaur::{Client, ErrorKind, RetryPolicy};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Fault, FaultKind, Sandbox, SandboxConfig};
use tokio::time::Instant;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

fn auto_label_input() -> auto_label::AutoLabelTokenBasedProjectInput {
    auto_label::AutoLabelTokenBasedProjectInput::new(
        "demo@datasaur.ai",
        auto_label::AutoLabelProjectOptionsInput::new(0),
        "HvdyIL2iwZn",
        auto_label::TargetApiInput::new("https://model.example/predict", "k"),
    )
}

#[tokio::test(start_paused = true)]
async fn queries_are_retried_through_transient_failures() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 503 }));
    sandbox.inject_fault(Fault::next(1, FaultKind::CloseConnection));
    sandbox.inject_fault(Fault::next(1, FaultKind::TruncatedJson));
    let job = client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    assert!(job.is_delivered());
    assert_eq!(client.metrics().retries, 3);
    assert_eq!(sandbox.stats().graphql_requests, 4);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(
        1,
        FaultKind::RateLimited {
            retry_after_secs: 7,
        },
    ));
    let started = Instant::now();
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(7) && waited < Duration::from_secs(8),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retries_give_up_after_max_retries() {
    let sandbox = sandbox().await;
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().max_retries(2))
        .build()
        .unwrap();
    sandbox.inject_fault(Fault::next(10, FaultKind::Status { status: 502 }));
    let error = client.get_job(DOCUMENTED_JOB_ID).await.unwrap_err();
    assert!(error.http_status() == Some(502), "{error:?}");
    assert_eq!(sandbox.stats().graphql_requests, 3);
}

#[tokio::test(start_paused = true)]
async fn http_500_and_graphql_errors_are_not_retried() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 500 }));
    assert!(matches!(
        client.get_job(DOCUMENTED_JOB_ID).await,
        Err(e) if e.http_status() == Some(500)
    ));
    assert_eq!(client.metrics().retries, 0);
}

#[tokio::test(start_paused = true)]
async fn mutations_are_never_retried_once_sent() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    for kind in [
        FaultKind::Status { status: 503 },
        FaultKind::CloseConnection,
        FaultKind::TruncatedJson,
    ] {
        sandbox.inject_fault(Fault::next(1, kind.clone()));
        let error = client
            .auto_label_token_based_project(auto_label_input())
            .await
            .unwrap_err();
        assert!(error.is_transient(), "{kind:?}: {error:?}");
    }
    assert_eq!(client.metrics().retries, 0);
    assert_eq!(
        sandbox.stats().operation("AutoLabelTokenBasedProject"),
        3,
        "each sent exactly once"
    );
    // A cut connection and a cut body come after the mutation ran: the job
    // exists, and a retry would have started a second one.
    assert_eq!(sandbox.stats().jobs_started, 2);
}

#[tokio::test]
async fn mutations_are_retried_when_the_connection_is_refused() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let error = client
        .auto_label_token_based_project(auto_label_input())
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport, "{error:?}");
    assert_eq!(
        client.metrics().requests,
        4,
        "refused connections never reached a server"
    );
}

#[tokio::test(start_paused = true)]
async fn disabled_retries_make_one_attempt() {
    let sandbox = sandbox().await;
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 503 }));
    assert!(client.get_job(DOCUMENTED_JOB_ID).await.is_err());
    assert_eq!(sandbox.stats().graphql_requests, 1);
}

#[tokio::test(start_paused = true)]
async fn the_budget_stops_hammering_a_dead_server() {
    let sandbox = sandbox().await;
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::default().budget(0.0, 2))
        .build()
        .unwrap();
    sandbox.inject_fault(Fault::fraction(1.0, FaultKind::Status { status: 503 }));
    for _ in 0..5 {
        assert!(client.get_job(DOCUMENTED_JOB_ID).await.is_err());
    }
    assert_eq!(client.metrics().retries, 2, "only the reserve was spent");
    assert_eq!(sandbox.stats().graphql_requests, 7);
}

#[tokio::test]
async fn one_request_id_across_retries_echoed_in_the_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "0"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();
    let error = client.get_job("j").await.unwrap_err();
    let ids: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("x-request-id")
                .expect("an x-request-id")
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.iter().all(|id| id == &ids[0]), "{ids:?}");
    assert_eq!(error.request_id(), Some(ids[0].as_str()));

    client.get_job("j").await.unwrap_err();
    let next = server.received_requests().await.unwrap()[4].headers["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_ne!(next, ids[0], "each call has its own id");
}
