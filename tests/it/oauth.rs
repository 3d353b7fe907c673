//! OAuth client credentials: fetch, cache, refresh ahead of expiry and on
//! `Unauthorized`, single-flight under load, clear failures.

use std::time::Duration;

use datasaur::{Client, Error};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Sandbox, SandboxConfig};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ID: &str = "client-id-1";
const SECRET: &str = "client-secret-XYZ-123";

async fn sandbox(ttl: Duration) -> Sandbox {
    Sandbox::start(
        SandboxConfig::default()
            .client_credentials(ID, SECRET)
            .token_ttl(ttl),
    )
    .await
    .expect("sandbox starts")
}

fn oauth_client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .client_credentials(ID, SECRET)
        .build()
        .expect("client builds")
}

#[tokio::test(start_paused = true)]
async fn a_token_is_fetched_once_and_reused() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let client = oauth_client(&sandbox.base_url());
    for _ in 0..5 {
        assert!(
            client
                .get_job(DOCUMENTED_JOB_ID)
                .await
                .unwrap()
                .is_delivered()
        );
    }
    assert_eq!(client.metrics().token_requests, 1);
    assert_eq!(sandbox.stats().token_requests, 1);
    assert_eq!(sandbox.stats().unauthorized, 0);
}

#[tokio::test(start_paused = true)]
async fn the_token_is_refreshed_before_it_expires() {
    let sandbox = sandbox(Duration::from_secs(120)).await;
    let client = oauth_client(&sandbox.base_url());
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    // 110 s in: within the refresh margin (a tenth of 120 s), still valid on the server.
    tokio::time::advance(Duration::from_secs(110)).await;
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    tokio::time::advance(Duration::from_secs(300)).await;
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    assert_eq!(client.metrics().token_requests, 3);
    assert_eq!(
        sandbox.stats().unauthorized,
        0,
        "no request went out with a stale token"
    );
}

#[tokio::test(start_paused = true)]
async fn unauthorized_refreshes_the_token_and_retries_once() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let client = oauth_client(&sandbox.base_url());
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    sandbox.expire_tokens();
    assert!(
        client
            .get_job(DOCUMENTED_JOB_ID)
            .await
            .unwrap()
            .is_delivered()
    );
    assert_eq!(client.metrics().token_requests, 2);
    assert_eq!(sandbox.stats().unauthorized, 1);
}

async fn thousand_concurrent_get_jobs(client: &Client) -> Vec<Result<datasaur::Job, Error>> {
    let calls = (0..1000).map(|_| {
        let client = client.clone();
        async move { client.get_job(DOCUMENTED_JOB_ID).await }
    });
    futures::future::join_all(calls).await
}

// Real time while the thousand calls run: on a paused clock, a loaded machine
// slow to hand over loopback packets lets the clock jump to the request
// timeout. The clock is paused only to jump an hour ahead.
#[tokio::test]
async fn a_thousand_concurrent_callers_after_expiry_cause_one_token_request() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    // What is measured is the token requests, not latency: on two cores
    // busy with a build, a few of the thousand calls took over the default
    // 30 s to be answered over loopback.
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials(ID, SECRET)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client builds");
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();

    // Expired on the server: every caller is refused with the old token at once.
    sandbox.expire_tokens();
    let results = thousand_concurrent_get_jobs(&client).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed, first: {:?}",
        failed.len(),
        failed.first()
    );
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|job| job.is_delivered()))
    );
    assert_eq!(
        client.metrics().token_requests,
        2,
        "one at start, one refresh for all 1,000"
    );
    assert_eq!(sandbox.stats().token_requests, 2);

    // Expired by time: every caller finds the cached token too old at once.
    tokio::time::pause();
    tokio::time::advance(Duration::from_secs(3600)).await;
    tokio::time::resume();
    let results = thousand_concurrent_get_jobs(&client).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} failed, first: {:?}",
        failed.len(),
        failed.first().map(|e| e.to_string())
    );
    assert_eq!(client.metrics().token_requests, 3);
}

// Real time with wiremock: a paused clock would jump past the request
// timeout while the mock server (on its own thread) answers.
#[tokio::test]
async fn a_second_unauthorized_is_returned() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": "token-that-never-works", "token_type": "bearer", "expires_in": 3600
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/graphql"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "data": null, "errors": [{"message": "Unauthorized", "extensions": {"type": "AuthenticationError"}}]
        })))
        .mount(&server)
        .await;
    let client = oauth_client(&server.uri());
    let error = client.get_job("j").await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
    let requests = server.received_requests().await.unwrap();
    let graphql = requests
        .iter()
        .filter(|r| r.url.path() == "/graphql")
        .count();
    assert_eq!(graphql, 2, "the first try and one retry after a refresh");
    assert_eq!(client.metrics().token_requests, 2);
}

#[tokio::test]
async fn refused_credentials_say_so_without_the_secret() {
    let sandbox = sandbox(Duration::from_secs(3600)).await;
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials(ID, "wrong-secret-777")
        .build()
        .unwrap();
    let error = client.get_job(DOCUMENTED_JOB_ID).await.unwrap_err();
    assert!(error.is_unauthorized(), "{error:?}");
    assert_eq!(error.operation(), Some("OAuth token"));
    assert!(
        error
            .to_string()
            .ends_with("client credentials refused: invalid_client: client authentication failed"),
        "{error}"
    );
    let shown = format!("{error} {error:?} {client:?}");
    assert!(!shown.contains("wrong-secret-777"), "{shown}");
    assert_eq!(
        sandbox.stats().graphql_requests,
        0,
        "nothing was sent without a token"
    );
}

#[tokio::test]
async fn token_server_trouble_is_an_http_error_not_bad_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials(ID, SECRET)
        .retry_policy(datasaur::RetryPolicy::default().initial_backoff(Duration::from_millis(5)))
        .build()
        .unwrap();
    let error = client.get_job("j").await.unwrap_err();
    assert!(
        error.http_status() == Some(503) && error.operation() == Some("OAuth token"),
        "{error:?}"
    );
    assert_eq!(client.metrics().retries, 3, "server trouble is retried");
    assert!(!format!("{error:?}").contains(SECRET));
}

#[test]
fn credentials_are_refused_over_plain_http_to_other_hosts() {
    let error = Client::builder()
        .base_url("http://datasaur.example.com")
        .client_credentials(ID, SECRET)
        .build()
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("refusing to send credentials over plain http"),
        "{error}"
    );
    let error = Client::builder()
        .client_credentials(ID, SECRET)
        .token_url("http://tokens.example.com/token")
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("tokens.example.com"), "{error}");
    Client::builder()
        .base_url("http://datasaur.example.com")
        .client_credentials(ID, SECRET)
        .allow_insecure_http(true)
        .build()
        .unwrap();
}
