//! Servers that misbehave on purpose: limits hold, secrets stay hidden,
//! nothing panics. Real time, short limits.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::support::mock::{TOKEN, answer, client_for, job_json};
use datasaur::{Client, ErrorKind, RetryPolicy, WaitError, WaitOptions};
use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A raw HTTP server on loopback: each connection reads the request head,
/// then `respond` writes whatever it likes.
async fn raw_server<F, Fut>(respond: F) -> String
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let respond = Arc::new(respond);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let respond = respond.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                respond(stream).await;
            });
        }
    });
    format!("http://{addr}")
}

fn client(base: &str) -> datasaur::ClientBuilder {
    Client::builder().base_url(base).access_token(TOKEN)
}

#[tokio::test]
async fn a_server_that_drips_its_answer_is_cut_off_at_the_timeout() {
    let base = raw_server(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
            .await;
        for _ in 0..100_000 {
            if stream.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let client = client(&base)
        .timeout(Duration::from_secs(1))
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn max_wait_holds_whatever_one_poll_is_doing() {
    // Every answer drips in slowly; the request timeout is long.
    let dripping = raw_server(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            .await;
        loop {
            if stream.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    // Every answer is a 503 asking for a retry in 31 years.
    let refusing = raw_server(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 999999999\r\nContent-Length: 0\r\n\r\n")
            .await;
    })
    .await;
    for base in [dripping, refusing] {
        let client = client(&base).build().unwrap();
        let started = Instant::now();
        let options = WaitOptions::default().max_wait(Duration::from_secs(2));
        let error = client
            .wait_for_job("AutoLabelQueue:1", options)
            .await
            .unwrap_err();
        let waited = started.elapsed();
        assert!(
            matches!(error, WaitError::TimedOut { .. }),
            "{base}: {error:?}"
        );
        assert!(
            waited >= Duration::from_secs(2) && waited < Duration::from_millis(2300),
            "{base}: max_wait of 2 s took {waited:?}"
        );
    }
}

#[tokio::test]
async fn an_answer_past_the_size_limit_is_refused_as_it_arrives() {
    // With a Content-Length, and streamed without one.
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_string("x".repeat(100_000)),
    )
    .await;
    let chunked = raw_server(|mut stream| async move {
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
            .await;
        let chunk = format!("{:x}\r\n{}\r\n", 10_000, "y".repeat(10_000));
        for _ in 0..10_000 {
            if stream.write_all(chunk.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await;
    for base in [server.uri(), chunked] {
        let client = client(&base)
            .max_response_bytes(50_000)
            .retry_policy(RetryPolicy::disabled())
            .build()
            .unwrap();
        let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
        assert!(error.size_limit() == Some(50_000), "{base}: {error:?}");
        assert!(error.to_string().contains("50000 bytes"), "{error}");
    }
}

#[tokio::test]
async fn server_text_that_echoes_the_credential_is_redacted() {
    let secret_token = "tok-0123456789-very-secret";
    for response in [
        ResponseTemplate::new(401)
            .set_body_json(json!({"errors": [{"message": format!("bad token {secret_token}")}]})),
        ResponseTemplate::new(500)
            .set_body_string(format!("crash while checking Bearer {secret_token}")),
        ResponseTemplate::new(200).set_body_json(json!({
            "errors": [{"message": format!("no access for {secret_token}"),
                        "extensions": {"token": secret_token}}]
        })),
        ResponseTemplate::new(200).set_body_json(json!({"data": {"job": {"id": secret_token}}})),
    ] {
        let server = MockServer::start().await;
        answer(&server, response).await;
        let client = Client::builder()
            .base_url(server.uri())
            .access_token(secret_token)
            .retry_policy(RetryPolicy::disabled())
            .build()
            .unwrap();
        let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(secret_token), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }

    // An OAuth server that quotes the client secret back.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": "secret s3cr3t-client-secret does not match"
        })))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "s3cr3t-client-secret")
        .build()
        .unwrap();
    let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains("s3cr3t-client-secret"), "{shown}");
    assert!(shown.contains("invalid_client"), "{shown}");
}

#[tokio::test]
async fn an_answer_for_another_job_is_a_decode_error_naming_both() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(
            json!({"data": {"job": job_json("AutoLabelQueue:other", "DELIVERED", 100)}}),
        ),
    )
    .await;
    let error = client_for(&server)
        .get_job("AutoLabelQueue:asked")
        .await
        .unwrap_err();
    let text = error.to_string();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert!(
        text.contains("AutoLabelQueue:asked") && text.contains("AutoLabelQueue:other"),
        "{text}"
    );

    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(
            json!({"data": {"jobs": [job_json("AutoLabelQueue:other", "DELIVERED", 100)]}}),
        ),
    )
    .await;
    let error = client_for(&server)
        .get_jobs(&["AutoLabelQueue:asked"])
        .await
        .unwrap_err();
    assert!(error.decode_path() == Some("data.jobs[0].id"), "{error:?}");
}

#[tokio::test]
async fn a_duplicated_data_key_is_a_malformed_answer_not_a_network_error() {
    let server = MockServer::start().await;
    let body = format!(
        r#"{{"data": {{"job": {}}}, "data": {{"job": null}}}}"#,
        job_json("AutoLabelQueue:1", "DELIVERED", 100)
    );
    answer(&server, ResponseTemplate::new(200).set_body_string(body)).await;
    // Retries on: a malformed answer must not be retried as a network fault.
    let client = Client::builder()
        .base_url(server.uri())
        .access_token(TOKEN)
        .build()
        .unwrap();
    let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert!(!error.is_transient(), "{error:?}");
    assert!(error.to_string().contains("duplicate field"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn one_failed_token_fetch_is_every_waiters_answer() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(ResponseTemplate::new(500).set_delay(Duration::from_millis(500)))
        .mount(&server)
        .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret-value")
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..50)
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move { client.get_job(format!("AutoLabelQueue:{n}")).await })
        })
        .collect();
    for call in calls {
        let error = call.await.unwrap().unwrap_err();
        assert!(error.http_status() == Some(500), "{error:?}");
    }
    let token_requests = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|request| request.url.path() == "/api/oauth/token")
        .count();
    assert_eq!(token_requests, 1, "one fetch, its failure shared");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_absurd_token_lifetime_does_not_overflow_the_clock() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "fresh-token-1234", "token_type": "bearer", "expires_in": u64::MAX}),
        ))
        .mount(&server)
        .await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_json(
            json!({"data": {"job": job_json("AutoLabelQueue:1", "DELIVERED", 100)}}),
        ),
    )
    .await;
    let client = Client::builder()
        .base_url(server.uri())
        .client_credentials("id", "secret-value")
        .build()
        .unwrap();
    for _ in 0..2 {
        assert!(
            client
                .get_job("AutoLabelQueue:1")
                .await
                .unwrap()
                .is_delivered()
        );
    }
    assert_eq!(client.metrics().token_requests, 1);
}

#[tokio::test(start_paused = true)]
async fn a_zero_poll_interval_is_held_to_the_floor() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let id = sandbox.create_job(JobScript::delivered(
        Duration::ZERO,
        Duration::from_secs(3600),
    ));
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()
        .unwrap();
    let options = WaitOptions::default()
        .backoff(datasaur::PollBackoff::fixed(Duration::ZERO))
        .max_wait(Duration::from_secs(3));
    let error = client.wait_for_job(&id, options).await.unwrap_err();
    assert!(matches!(error, WaitError::TimedOut { .. }), "{error:?}");
    let requests = sandbox.stats().operation("GetJobs");
    // One poll every 0.5 s at most: 3 s allow 6 (7 counting the one at 3 s).
    assert!((5..=7).contains(&requests), "{requests} requests in 3 s");
}

/// A `FAILED` job carrying `count` errors, as JSON text.
fn job_with_errors(id: &str, count: usize) -> String {
    let mut errors = String::with_capacity(count * 48);
    for n in 0..count {
        if n > 0 {
            errors.push(',');
        }
        errors.push_str(&format!(
            r#"{{"id":"e{n}","stack":"Error: row {n}","args":null}}"#
        ));
    }
    format!(
        r#"{{"id":"{id}","status":"FAILED","progress":100,"errors":[{errors}],"resultId":null,"result":null,"createdAt":"1","updatedAt":"2","additionalData":null}}"#
    )
}

#[tokio::test]
async fn a_job_with_a_million_errors_keeps_the_first_hundred_and_counts_the_rest() {
    let job = job_with_errors("AutoLabelQueue:loud", 1_000_000);
    let server = MockServer::start().await;
    for (operation, body) in [
        ("GetJob", format!(r#"{{"data":{{"job":{job}}}}}"#)),
        ("GetJobs", format!(r#"{{"data":{{"jobs":[{job}]}}}}"#)),
    ] {
        Mock::given(method("POST"))
            .and(wiremock::matchers::body_partial_json(
                json!({ "operationName": operation }),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            .mount(&server)
            .await;
    }
    let client = client_for(&server);
    let check = |job: &datasaur::Job| {
        assert_eq!(job.errors.len(), datasaur::Job::ERRORS_KEPT);
        assert_eq!(job.errors_omitted, 1_000_000 - 100);
        assert_eq!(job.errors[99].id, "e99", "the first ones, in order");
        assert_eq!(job.error_summary(), "Error: row 0 (and 999999 more)");
    };
    check(&client.get_job("AutoLabelQueue:loud").await.unwrap());
    let jobs = client.get_jobs(&["AutoLabelQueue:loud"]).await.unwrap();
    check(jobs[0].as_ref().unwrap());
    match client.wait_for_job("AutoLabelQueue:loud", None).await {
        Err(WaitError::Failed { job, .. }) => check(&job),
        other => panic!("{other:?}"),
    }
    // Read back from this crate's own JSON, the count survives.
    let shown = serde_json::to_string(jobs[0].as_ref().unwrap()).unwrap();
    let again: datasaur::Job = serde_json::from_str(&shown).unwrap();
    check(&again);
}

#[tokio::test]
async fn an_export_status_with_a_million_errors_keeps_the_first_hundred() {
    let errors = job_with_errors("x", 1_000_000);
    let errors = &errors[errors.find('[').unwrap()..=errors.rfind(']').unwrap()];
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_raw(
            format!(r#"{{"data":{{"status":{{"status":"FAILED","errors":{errors}}}}}}}"#),
            "application/json",
        ),
    )
    .await;
    let status = client_for(&server)
        .export_status("ExportQueue:1")
        .await
        .unwrap();
    assert_eq!(status.errors.len(), 100);
    assert_eq!(status.errors_omitted, 999_900);
}

/// A server whose schema dropped a field answers a validation error: its
/// own error kind, naming the type and the field and what to run, sent once.
#[tokio::test]
async fn a_validation_error_naming_a_missing_field_is_schema_drift() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "errors": [{
                "message": "Cannot query field \"resultId\" on type \"Job\". Did you mean \"result\"?",
                "locations": [{"line": 9, "column": 5}],
                "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}
            }]
        })))
        .mount(&server)
        .await;
    let client = crate::support::mock::client_for(&server);
    let error = client.get_job("AutoLabelQueue:1").await.unwrap_err();
    assert_eq!(error.kind(), datasaur::ErrorKind::SchemaDrift, "{error}");
    assert!(error.is_schema_drift());
    assert_eq!(error.schema_type(), Some("Job"));
    assert_eq!(error.schema_member(), Some("resultId"));
    assert_eq!(error.graphql_errors().map(<[_]>::len), Some(1));
    let message = error.to_string();
    assert!(message.contains("GetJob"), "{message}");
    assert!(
        message.contains("no field resultId on type Job"),
        "{message}"
    );
    assert!(message.contains("datasaur schema pull"), "{message}");
    assert!(!error.is_transient());
    assert_eq!(
        server.received_requests().await.unwrap().len(),
        1,
        "never retried"
    );
}

/// The sandbox, asked for a field it does not serve, is drift too.
#[tokio::test]
async fn the_sandbox_reports_an_unknown_field_as_schema_drift() {
    use crate::support::sandbox::SandboxClient;
    let sandbox = datasaur_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let error = sandbox
        .client()
        .execute_document(
            "Teams",
            "query Teams { getAllTeams { id } }",
            serde_json::json!({}),
            false,
        )
        .await
        .unwrap_err();
    assert!(error.is_schema_drift(), "{error}");
    assert_eq!(error.schema_type(), Some("Query"));
    assert_eq!(error.schema_member(), Some("getAllTeams"));
}
