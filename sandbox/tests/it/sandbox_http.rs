//! The sandbox over real HTTP, driven by plain reqwest (not our client), as
//! any Datasaur client would talk to it.

use std::time::Duration;

use datasaur_sandbox::{DOCUMENTED_JOB_ID, Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use serde_json::{Value, json};

/// The documentation's GetJobQuery body, verbatim.
const DOCUMENTED_GET_JOB_BODY: &str = r#"{"operationName": "GetJobQuery", "variables": {"jobId": "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637"}, "query": "query GetJobQuery($jobId: String!) { result: getJob(jobId: $jobId) { id status progress } }"}"#;

/// The documentation's autoLabel mutation body, verbatim.
const DOCUMENTED_AUTO_LABEL_BODY: &str = r#"{"operationName": "AutoLabelTokenBasedProjectMutation",
 "variables": {"input": {"labelerEmail": "demo@datasaur.ai",
   "options": {"numberOfFilesPerRequest": 0, "serviceProvider": "CUSTOM"},
   "projectId": "HvdyIL2iwZn",
   "targetAPI": {"endpoint": "https://custom-model.api.com/predict", "secretKey": "secret"}}},
 "query": "mutation AutoLabelTokenBasedProjectMutation($input: AutoLabelTokenBasedProjectInput!) { result: autoLabelTokenBasedProject(input: $input) { id status progress } }"}"#;

async fn start() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

async fn post_raw(sandbox: &Sandbox, token: &str, body: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(sandbox.graphql_url())
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("the sandbox answers")
}

async fn post(sandbox: &Sandbox, body: Value) -> (u16, Value) {
    let response = post_raw(sandbox, sandbox.token(), &body.to_string()).await;
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

fn get_jobs_body(ids: &[&str]) -> Value {
    json!({
        "operationName": "Poll",
        "query": "query Poll($ids: [String!]!) { getJobs(jobIds: $ids) { id status progress } }",
        "variables": {"ids": ids}
    })
}

#[tokio::test]
async fn documented_get_job_body_gets_the_documented_answer() {
    let sandbox = start().await;
    let response = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    // The documentation's answer, exactly: its empty `extensions` too.
    assert_eq!(
        answer,
        json!({"data": {"result": {"id": DOCUMENTED_JOB_ID, "status": "DELIVERED", "progress": 0}},
               "extensions": {}})
    );
    assert_eq!(sandbox.stats().operation("GetJobQuery"), 1);
}

#[tokio::test]
async fn batched_get_jobs_answers_in_order_with_null_for_unknown_ids() {
    let sandbox = start().await;
    let queued = sandbox.create_job(JobScript::delivered(
        Duration::from_secs(60),
        Duration::from_secs(60),
    ));
    let (status, answer) = post(
        &sandbox,
        get_jobs_body(&[&queued, "AutoLabelQueue:unknown", DOCUMENTED_JOB_ID]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        answer["data"]["getJobs"],
        json!([
            {"id": queued, "status": "QUEUED", "progress": 0},
            null,
            {"id": DOCUMENTED_JOB_ID, "status": "DELIVERED", "progress": 0}
        ])
    );
    assert_eq!(sandbox.stats().job_ids_requested, 3);
}

#[tokio::test]
async fn fragments_aliases_and_typename_work() {
    let sandbox = start().await;
    let (status, answer) = post(
        &sandbox,
        json!({
            "query": "query Q($id: String!) { first: getJob(jobId: $id) { ...Fields } __typename }
                      fragment Fields on Job { __typename id status errors { id } additionalData { automationActivityId } }",
            "variables": {"id": DOCUMENTED_JOB_ID}
        }),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["data"],
        json!({"first": {"__typename": "Job", "id": DOCUMENTED_JOB_ID, "status": "DELIVERED", "errors": [], "additionalData": null},
               "__typename": "Query"})
    );
}

#[tokio::test]
async fn unknown_field_is_a_validation_error() {
    let sandbox = start().await;
    let (status, answer) = post(
        &sandbox,
        json!({"query": "{ getJob(jobId: \"x\") { id notAField } }"}),
    )
    .await;
    assert_eq!(status, 400);
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("notAField"), "{message}");
}

#[tokio::test(start_paused = true)]
async fn documented_mutation_starts_a_job_that_is_polled_to_delivered() {
    let sandbox = start().await;
    let response = post_raw(&sandbox, sandbox.token(), DOCUMENTED_AUTO_LABEL_BODY).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let id = answer["data"]["result"]["id"]
        .as_str()
        .expect("a job id")
        .to_owned();
    assert!(id.starts_with("AutoLabelQueue:"), "{id}");
    assert_eq!(answer["data"]["result"]["status"], "QUEUED");

    let started = tokio::time::Instant::now();
    let mut seen = Vec::new();
    loop {
        let (_, answer) = post(&sandbox, get_jobs_body(&[&id])).await;
        let job = &answer["data"]["getJobs"][0];
        let status = job["status"].as_str().unwrap().to_owned();
        let progress = job["progress"].as_i64().unwrap();
        seen.push((status.clone(), progress));
        if status == "DELIVERED" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never delivered: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Default script: 1 s queued, 3 s running with progress rising, then delivered at 100.
    assert_eq!(seen.first(), Some(&("QUEUED".to_owned(), 0)));
    let running: Vec<i64> = seen
        .iter()
        .filter(|(s, _)| s == "IN_PROGRESS")
        .map(|(_, p)| *p)
        .collect();
    assert!(running.len() >= 4, "{seen:?}");
    assert!(
        running.windows(2).all(|w| w[0] < w[1]),
        "progress rises: {running:?}"
    );
    assert_eq!(seen.last(), Some(&("DELIVERED".to_owned(), 100)));
    assert_eq!(sandbox.stats().jobs_started, 1);
}

#[tokio::test]
async fn failed_job_reports_its_errors() {
    let sandbox = start().await;
    let id = sandbox.create_job(JobScript::failed(
        Duration::ZERO,
        Duration::ZERO,
        "model endpoint returned 500",
    ));
    let (_, answer) = post(
        &sandbox,
        json!({"query": "query($id: String!) { getJob(jobId: $id) { status progress errors { id stack args } } }", "variables": {"id": id}}),
    )
    .await;
    assert_eq!(
        answer["data"]["getJob"],
        json!({"status": "FAILED", "progress": 100, "errors": [{"id": "error-1", "stack": "model endpoint returned 500", "args": null}]})
    );
}

#[tokio::test]
async fn bad_token_gets_datasaurs_unauthorized_shape() {
    let sandbox = start().await;
    let response = post_raw(&sandbox, "not-a-token", DOCUMENTED_GET_JOB_BODY).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(
        answer,
        json!({"data": null, "errors": [{"message": "Unauthorized", "extensions": {"type": "AuthenticationError"}}]})
    );
    let no_header = reqwest::Client::new()
        .post(sandbox.graphql_url())
        .body(DOCUMENTED_GET_JOB_BODY)
        .send()
        .await
        .unwrap();
    let answer: Value = no_header.json().await.unwrap();
    assert_eq!(
        answer["errors"][0]["extensions"]["type"],
        "AuthenticationError"
    );
    assert_eq!(sandbox.stats().unauthorized, 2);
}

#[tokio::test(start_paused = true)]
async fn tokens_expire_after_their_ttl_and_on_demand() {
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .token_ttl(Duration::from_secs(60))
            .access_token("fixed"),
    )
    .await
    .unwrap();
    let token = sandbox.token().to_owned();
    let is_unauthorized = |answer: Value| answer["errors"][0]["message"] == "Unauthorized";
    let answer = |token: String| {
        let sandbox = &sandbox;
        async move {
            post_raw(sandbox, &token, DOCUMENTED_GET_JOB_BODY)
                .await
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    assert!(!is_unauthorized(answer(token.clone()).await));
    tokio::time::advance(Duration::from_secs(61)).await;
    assert!(is_unauthorized(answer(token).await), "expired by time");

    let fresh = sandbox.issue_token();
    assert!(!is_unauthorized(answer(fresh.clone()).await));
    sandbox.expire_tokens();
    assert!(is_unauthorized(answer(fresh).await), "expired on demand");
    assert!(
        !is_unauthorized(answer("fixed".into()).await),
        "fixed tokens never expire"
    );
}

#[tokio::test]
async fn oauth_client_credentials_grant() {
    let sandbox = Sandbox::start(SandboxConfig::default().client_credentials("id-1", "secret-1"))
        .await
        .unwrap();
    let token_url = format!("{}/api/oauth/token", sandbox.base_url());
    let http = reqwest::Client::new();
    let ask =
        |form: &'static [(&'static str, &'static str)]| http.post(&token_url).form(form).send();

    let ok = ask(&[
        ("client_id", "id-1"),
        ("client_secret", "secret-1"),
        ("grant_type", "client_credentials"),
    ])
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    let answer: Value = ok.json().await.unwrap();
    assert_eq!(answer["token_type"], "bearer");
    assert_eq!(answer["expires_in"], 3600);
    let token = answer["access_token"].as_str().unwrap();
    let response = post_raw(&sandbox, token, DOCUMENTED_GET_JOB_BODY)
        .await
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(response["data"]["result"]["status"], "DELIVERED");

    let wrong_secret = ask(&[
        ("client_id", "id-1"),
        ("client_secret", "nope"),
        ("grant_type", "client_credentials"),
    ])
    .await
    .unwrap();
    assert_eq!(wrong_secret.status(), 401);
    assert_eq!(
        wrong_secret.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let wrong_grant = ask(&[
        ("client_id", "id-1"),
        ("client_secret", "secret-1"),
        ("grant_type", "password"),
    ])
    .await
    .unwrap();
    assert_eq!(wrong_grant.status(), 400);
    assert_eq!(
        wrong_grant.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );

    let missing = ask(&[("grant_type", "client_credentials")]).await.unwrap();
    assert_eq!(missing.status(), 400);
    assert_eq!(
        missing.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    assert_eq!(sandbox.stats().token_requests, 4);
}

/// The token request of Datasaur's Python samples (`requests_oauthlib`):
/// the credentials as HTTP Basic authentication, a body of only the grant.
#[tokio::test]
async fn oauth_client_credentials_by_http_basic_authentication() {
    let sandbox =
        Sandbox::start(SandboxConfig::default().client_credentials("id:with colon?", "secret-1"))
            .await
            .unwrap();
    let token_url = format!("{}/api/oauth/token", sandbox.base_url());
    let http = reqwest::Client::new();
    let ask = |authorization: &str, body: &'static str| {
        http.post(&token_url)
            .header("authorization", authorization.to_owned())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    use base64::Engine as _;
    let basic = |id: &str, secret: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
        )
    };
    // RFC 6749 §2.3.1: each part form-urlencoded, then base64.
    let ok = ask(
        &basic("id%3Awith+colon%3F", "secret-1"),
        "grant_type=client_credentials",
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), 200);
    let token: Value = ok.json().await.unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    let answer: Value = post_raw(&sandbox, &token, DOCUMENTED_GET_JOB_BODY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["data"]["result"]["status"], "DELIVERED");

    let wrong = ask(
        &basic("id%3Awith+colon%3F", "nope"),
        "grant_type=client_credentials",
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    let garbage = ask("Basic !!!not-base64", "grant_type=client_credentials")
        .await
        .unwrap();
    assert_eq!(garbage.status(), 401);
    assert_eq!(
        garbage.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // Both ways at once is refused, as RFC 6749 asks.
    let both = ask(
        &basic("id%3Awith+colon%3F", "secret-1"),
        "grant_type=client_credentials&client_id=x&client_secret=y",
    )
    .await
    .unwrap();
    assert_eq!(both.status(), 400);
    assert_eq!(
        both.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    // A grant other than client_credentials, with good Basic credentials.
    let grant = ask(
        &basic("id%3Awith+colon%3F", "secret-1"),
        "grant_type=password",
    )
    .await
    .unwrap();
    assert_eq!(grant.status(), 400);
    assert_eq!(
        grant.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
}

#[tokio::test]
async fn status_faults_answer_with_that_status_then_disarm() {
    let sandbox = start().await;
    for status in [500u16, 502, 503, 504] {
        sandbox.inject_fault(Fault::next(1, FaultKind::Status { status }));
        let response = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY).await;
        assert_eq!(response.status().as_u16(), status);
        let healthy = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY).await;
        assert_eq!(
            healthy.status(),
            200,
            "the fault disarmed after one request"
        );
    }
    assert_eq!(sandbox.stats().faults_injected, 4);
}

#[tokio::test]
async fn rate_limit_fault_sends_retry_after() {
    let sandbox = start().await;
    sandbox.inject_fault(Fault::next(
        2,
        FaultKind::RateLimited {
            retry_after_secs: 7,
        },
    ));
    for _ in 0..2 {
        let response = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY).await;
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "7");
    }
    assert_eq!(
        post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY)
            .await
            .status(),
        200
    );
}

#[tokio::test(start_paused = true)]
async fn delay_fault_delays_the_real_answer() {
    let sandbox = start().await;
    sandbox.inject_fault(Fault::next(1, FaultKind::Delay { millis: 90_000 }));
    let started = tokio::time::Instant::now();
    let response = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY).await;
    assert_eq!(response.status(), 200);
    assert!(
        started.elapsed() >= Duration::from_secs(90),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        response.json::<Value>().await.unwrap()["data"]["result"]["status"],
        "DELIVERED"
    );
}

#[tokio::test]
async fn close_connection_fault_cuts_the_response() {
    let sandbox = start().await;
    sandbox.inject_fault(Fault::next(1, FaultKind::CloseConnection));
    let outcome = reqwest::Client::new()
        .post(sandbox.graphql_url())
        .bearer_auth(sandbox.token())
        .body(DOCUMENTED_GET_JOB_BODY)
        .send()
        .await;
    // Cut before or after the headers went out: either way no complete answer arrives.
    let error = match outcome {
        Ok(response) => response.bytes().await.expect_err("the body is cut off"),
        Err(error) => error,
    };
    assert!(
        error.is_body() || error.is_decode() || error.is_request(),
        "{error:?}"
    );
    assert_eq!(
        post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn html_and_truncated_json_faults() {
    let sandbox = start().await;
    sandbox.inject_fault(Fault::next(1, FaultKind::HtmlBody));
    let response = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .starts_with("<!DOCTYPE html>")
    );

    sandbox.inject_fault(Fault::next(1, FaultKind::TruncatedJson));
    let text = post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY)
        .await
        .text()
        .await
        .unwrap();
    assert!(text.starts_with("{\"data\""), "{text}");
    let error = serde_json::from_str::<Value>(&text).unwrap_err();
    assert!(error.is_eof(), "{error}");
}

#[tokio::test]
async fn fraction_faults_hit_that_share_of_requests() {
    let sandbox = start().await;
    sandbox.inject_fault(Fault::fraction(0.25, FaultKind::Status { status: 503 }));
    let mut failed = 0;
    for _ in 0..40 {
        if post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY)
            .await
            .status()
            == 503
        {
            failed += 1;
        }
    }
    assert_eq!(failed, 10);
    sandbox.clear_faults();
    assert_eq!(
        post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY)
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn control_endpoints_over_http() {
    let sandbox = start().await;
    let http = reqwest::Client::new();
    let control = |path: &str| format!("{}/_sandbox/{path}", sandbox.base_url());

    let created: Value = http
        .post(control("jobs"))
        .json(&json!({"queuedFor": 0, "runningFor": 0, "outcome": {"status": "FAILED", "errors": [{"id": "e", "stack": "boom"}]}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let (_, answer) = post(&sandbox, get_jobs_body(&[id])).await;
    assert_eq!(answer["data"]["getJobs"][0]["status"], "FAILED");

    let bad = http
        .post(control("jobs"))
        .body("{\"queuedFor\": \"soon\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let armed = http
        .post(control("faults"))
        .json(&json!({"kind": "status", "status": 502, "remaining": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(armed.status(), 204);
    assert_eq!(
        post_raw(&sandbox, sandbox.token(), DOCUMENTED_GET_JOB_BODY)
            .await
            .status(),
        502
    );

    let stats: Value = http
        .get(control("stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["graphqlRequests"], 2);
    assert_eq!(stats["faultsInjected"], 1);
    assert_eq!(stats["operations"]["Poll"], 1);

    let token: Value = http
        .post(control("tokens"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        http.post(control("tokens/expire"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    let answer: Value = post_raw(&sandbox, &token, DOCUMENTED_GET_JOB_BODY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(answer["errors"][0]["message"], "Unauthorized");
}

#[tokio::test]
async fn a_port_in_use_is_a_clear_error() {
    let first = start().await;
    let error = Sandbox::start(SandboxConfig::default().addr(first.addr()))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::AddrInUse);
    assert!(
        error.to_string().contains(&first.addr().to_string()),
        "{error}"
    );
}

#[tokio::test]
async fn export_file_urls_are_unguessable() {
    let sandbox = start().await;
    let export = |name: &str| {
        json!({
            "query": "query E($input: ExportTextProjectInput!) { exportTextProject(input: $input) { exportId fileUrl } }",
            "variables": {"input": {"fileName": name, "format": "JSON", "method": "FILE_STORAGE", "projectIds": ["p"]}}
        })
    };
    let (_, first) = post(&sandbox, export("a")).await;
    let (_, second) = post(&sandbox, export("b")).await;
    let url = |answer: &Value| {
        answer["data"]["exportTextProject"]["fileUrl"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let id = |answer: &Value| {
        answer["data"]["exportTextProject"]["exportId"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (answer, name) in [(&first, "a"), (&second, "b")] {
        assert!(!url(answer).contains(&id(answer)), "{answer}");
        let parsed = url::Url::parse(&url(answer)).unwrap();
        let segments: Vec<&str> = parsed.path_segments().unwrap().collect();
        // Shaped as a presigned URL: key, then the file's name, then expiry.
        let [_, "files", key, file] = segments.as_slice() else {
            panic!("{segments:?}");
        };
        assert!(key.len() >= 32, "at least 128 bits: {key}");
        assert_eq!(*file, format!("{name}.zip"));
        assert!(
            !parsed.path().contains(':'),
            "no colon in a file name: {parsed}"
        );
        assert!(
            parsed
                .query_pairs()
                .any(|(key, value)| key == "X-Amz-Expires" && value == "21600"),
            "{parsed}"
        );
        // Knowing the export id is not knowing the file's URL.
        let by_id = reqwest::get(format!(
            "{}/_sandbox/files/{}/{name}.zip",
            sandbox.base_url(),
            id(answer)
        ))
        .await
        .unwrap();
        assert_eq!(by_id.status(), 404);
    }
    assert_ne!(url(&first), url(&second));
}

/// Starts an export over plain HTTP; returns its id and file URL.
async fn start_export(sandbox: &Sandbox) -> (String, String) {
    let (_, answer) = post(
        sandbox,
        json!({
            "query": "query E($input: ExportTextProjectInput!) { exportTextProject(input: $input) { exportId fileUrl } }",
            "variables": {"input": {"fileName": "labels", "format": "JSON", "method": "FILE_STORAGE", "projectIds": ["p"]}}
        }),
    )
    .await;
    let export = &answer["data"]["exportTextProject"];
    (
        export["exportId"].as_str().unwrap().to_owned(),
        export["fileUrl"].as_str().unwrap().to_owned(),
    )
}

/// Polls `getExportDeliveryStatus` every 0.5 s until DELIVERED, as
/// Datasaur's Python example does.
async fn poll_until_delivered(sandbox: &Sandbox, export_id: &str) {
    for _ in 0..100 {
        let (_, answer) = post(
            sandbox,
            json!({
                "query": "query S($id: ID!) { getExportDeliveryStatus(exportId: $id) { deliveryStatus } }",
                "variables": {"id": export_id}
            }),
        )
        .await;
        if answer["data"]["getExportDeliveryStatus"]["deliveryStatus"] == "DELIVERED" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("export {export_id} was not delivered");
}

/// Datasaur's Python example: wait for DELIVERED, then one GET of the file.
/// By default the file is there at once.
#[tokio::test(start_paused = true)]
async fn one_get_right_after_delivered_gets_the_whole_file() {
    let sandbox = start().await;
    let (export_id, url) = start_export(&sandbox).await;
    poll_until_delivered(&sandbox, &export_id).await;
    let file = reqwest::get(&url).await.unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["accept-ranges"], "bytes");
    let bytes = file.bytes().await.unwrap();
    assert_eq!(bytes.as_ref(), sandbox.export_file(&export_id).unwrap());
}

/// Datasaur's docs: probe `fileUrl` with a range request until it answers
/// 206. With a late file (the fault a test asks for), 404 first.
#[tokio::test(start_paused = true)]
async fn a_range_probe_gets_206_once_the_file_is_there() {
    let sandbox = start().await;
    // The late-file fault, set through the control endpoint as any client can.
    let set = reqwest::Client::new()
        .put(format!("{}/_sandbox/files/ready-after", sandbox.base_url()))
        .body(r#"{"millis": 3000}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let (export_id, url) = start_export(&sandbox).await;
    let probe = || {
        reqwest::Client::new()
            .get(&url)
            .header("range", "bytes=0-0")
            .send()
    };
    let mut statuses = Vec::new();
    let file = loop {
        let answer = probe().await.unwrap();
        statuses.push(answer.status().as_u16());
        if answer.status() == 206 {
            break answer;
        }
        assert!(statuses.len() < 100, "{statuses:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(
        statuses.first(),
        Some(&404),
        "the file is late: {statuses:?}"
    );
    let content = sandbox.export_file(&export_id).unwrap();
    let total = content.len();
    assert_eq!(
        file.headers()["content-range"],
        format!("bytes 0-0/{total}")
    );
    assert_eq!(file.bytes().await.unwrap().len(), 1);

    let http = reqwest::Client::new();
    let tail = http
        .get(&url)
        .header("range", "bytes=-10")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.headers()["content-range"],
        format!("bytes {}-{}/{total}", total - 10, total - 1)
    );
    assert_eq!(tail.bytes().await.unwrap().as_ref(), &content[total - 10..]);
    let middle = http
        .get(&url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(middle.bytes().await.unwrap().as_ref(), &content[100..200]);
    let beyond = http
        .get(&url)
        .header("range", format!("bytes={total}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{total}")
    );

    let refused = http
        .put(format!("{}/_sandbox/files/ready-after", sandbox.base_url()))
        .body(r#"{"millis": -1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

/// The same mistake, one answer: a required variable without a value is
/// HTTP 400 in Apollo's words, whichever field uses it; an unknown root
/// field says what the sandbox serves; `/api/health` answers a version.
#[tokio::test]
async fn mistakes_are_answered_as_datasaur_answers_them() {
    let sandbox = start().await;
    for (query, variable, var_type) in [
        (
            "query Q($jobId: String!) { getJob(jobId: $jobId) { id } }",
            "jobId",
            "String!",
        ),
        (
            "query Q($ids: [String!]!) { getJobs(jobIds: $ids) { id } }",
            "ids",
            "[String!]!",
        ),
        (
            "query Q($input: ExportTextProjectInput!) { exportTextProject(input: $input) { exportId } }",
            "input",
            "ExportTextProjectInput!",
        ),
    ] {
        let (status, answer) = post(&sandbox, json!({"query": query})).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(
            answer["errors"][0]["message"],
            format!("Variable \"${variable}\" of required type \"{var_type}\" was not provided.")
        );
        assert_eq!(answer["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    }
    let (status, answer) = post(&sandbox, json!({"query": "{ getAllTeams { id } }"})).await;
    assert_eq!(status, 400);
    let message = answer["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Unknown field \"getAllTeams\" on type \"Query\"."),
        "{message}"
    );
    assert!(message.contains("getJob, getJobs"), "{message}");
    assert_eq!(answer["extensions"], json!({}));

    let health: Value = reqwest::get(format!("{}/api/health", sandbox.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        health["version"]
            .as_str()
            .is_some_and(|v| v.starts_with("datasaur-sandbox")),
        "{health}"
    );
}

/// Export files are zip archives laid out as Datasaur's: a folder per
/// project, a folder per role, a file per document, in the format asked;
/// the same export gives the same bytes. Read with the `zip` crate, as any
/// client would unzip them.
#[tokio::test(start_paused = true)]
async fn export_files_are_zips_laid_out_as_datasaurs() {
    use std::io::Read;

    let sandbox = start().await;
    let export = |format: &str| {
        json!({
            "query": "query E($input: ExportTextProjectInput!) { exportTextProject(input: $input) { exportId fileUrl } }",
            "variables": {"input": {"fileName": "labels", "format": format, "method": "FILE_STORAGE", "projectIds": ["p1", "p2"]}}
        })
    };
    let mut files = Vec::new();
    for format in ["CSV", "JSON_ADVANCED", "CSV"] {
        let (_, answer) = post(&sandbox, export(format)).await;
        let id = answer["data"]["exportTextProject"]["exportId"]
            .as_str()
            .unwrap()
            .to_owned();
        let url = answer["data"]["exportTextProject"]["fileUrl"]
            .as_str()
            .unwrap()
            .to_owned();
        poll_until_delivered(&sandbox, &id).await;
        files.push(
            reqwest::get(&url)
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec(),
        );
    }
    assert_eq!(files[0], files[2], "the same export, the same bytes");
    assert_ne!(files[0], files[1]);

    let mut csv = zip::ZipArchive::new(std::io::Cursor::new(files[0].clone())).unwrap();
    let mut names: Vec<String> = csv
        .file_names()
        .map(|name| name.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "project-p1/REVIEW/document-1.csv",
            "project-p1/REVIEW/document-2.csv",
            "project-p1/ROOT-labeler-1/document-1.csv",
            "project-p1/ROOT-labeler-1/document-2.csv",
            "project-p2/REVIEW/document-1.csv",
            "project-p2/REVIEW/document-2.csv",
            "project-p2/ROOT-labeler-1/document-1.csv",
            "project-p2/ROOT-labeler-1/document-2.csv",
        ]
    );
    let mut text = String::new();
    csv.by_name("project-p2/REVIEW/document-1.csv")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.starts_with("text,label\n"), "{}", &text[..40]);

    let mut json_zip = zip::ZipArchive::new(std::io::Cursor::new(files[1].clone())).unwrap();
    let mut document = String::new();
    json_zip
        .by_name("project-p1/ROOT-labeler-1/document-2.json")
        .unwrap()
        .read_to_string(&mut document)
        .unwrap();
    let document: Value = serde_json::from_str(&document).expect("each JSON document parses");
    assert_eq!(document["name"], "document-2");
    assert_eq!(document["role"], "ROOT-labeler-1");
    assert!(
        document["rows"]
            .as_array()
            .is_some_and(|rows| !rows.is_empty())
    );
}

/// A user's schema served with generated values, on the one engine: an
/// operation the sandbox does not implement answers schema-valid data (the
/// same every time, an override where set), a field returning `Job` starts
/// a real job that a `JobHandle` waits on, and the fields the sandbox
/// implements (`getJob`, `getJobs`) keep their behaviour in it.
#[tokio::test(start_paused = true)]
async fn a_users_schema_is_served_with_real_jobs_behind_it() {
    const SDL: &str = r#"
        schema { query: Query mutation: Mutation }
        type Query {
          getJob(jobId: String!): Job
          getJobs(jobIds: [String!]!): [Job]!
          listProjects(input: ProjectsInput!): ProjectPage!
          search(text: String!): [SearchHit!]!
        }
        type Mutation { createProject(input: LaunchProjectInput!): ProjectLaunch! }
        input ProjectsInput { take: Int = 10 cursor: String }
        input LaunchProjectInput { name: String! documents: [DocumentDetailInput!]! kind: ProjectKind! }
        input DocumentDetailInput { document: DocumentInput! }
        input DocumentInput { name: String! objectKey: String externalUrl: String }
        enum ProjectKind { DOCUMENT_BASED TOKEN_BASED }
        scalar DateTime
        type ProjectPage { nodes: [Project!]! nextCursor: String totalCount: Int! }
        type Project implements Node { id: ID! name: String! kind: ProjectKind! createdAt: DateTime! archived: Boolean }
        interface Node { id: ID! }
        union SearchHit = Project | Team
        type Team implements Node { id: ID! members: Int! }
        type ProjectLaunch { name: String! job: Job! }
        type Job { id: String! status: JobStatus! progress: Int! errors: [JobError!]! resultId: String result: JobResult createdAt: String! updatedAt: String! additionalData: JobAdditionalData }
        type JobError { id: String! stack: String! args: JobErrorArgs }
        type JobAdditionalData { automationActivityId: ID }
        scalar JobResult
        scalar JobErrorArgs
        enum JobStatus { DELIVERED FAILED IN_PROGRESS NONE QUEUED }
    "#;
    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .schema(SDL)
            .mock_seed(7)
            .mock_value("ProjectPage.totalCount", json!(42)),
    )
    .await
    .unwrap();
    let projects = json!({
        "query": "query P { listProjects(input: {}) { totalCount nextCursor nodes { id name kind createdAt } } search(text: \"x\") { __typename ... on Node { id } } }"
    });
    let (status, first) = post(&sandbox, projects.clone()).await;
    assert_eq!(status, 200, "{first}");
    let page = &first["data"]["listProjects"];
    assert_eq!(page["totalCount"], 42, "the override");
    assert_eq!(page["nextCursor"], Value::Null, "the last page");
    let nodes = page["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    for node in nodes {
        assert!(
            node["id"].as_str().is_some_and(|id| !id.is_empty()),
            "{node}"
        );
        assert!(["DOCUMENT_BASED", "TOKEN_BASED"].contains(&node["kind"].as_str().unwrap()));
    }
    assert_eq!(first["data"]["search"][0]["__typename"], "Project");
    let (_, second) = post(&sandbox, projects).await;
    assert_eq!(first, second, "the same values for the same seed");

    // The user's createProject, through this crate's client, waited on.
    let client = datasaur::Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .build()
        .unwrap();
    let created = client
        .execute_document(
            "CreateProject",
            "mutation CreateProject($input: LaunchProjectInput!) { createProject(input: $input) { name job { id status } } }",
            json!({"input": {"name": "Reviews", "kind": "DOCUMENT_BASED",
                              "documents": [{"document": {"name": "a.txt", "externalUrl": "https://example.com/a.txt"}}]}}),
            false,
        )
        .await
        .unwrap();
    let job_id = created["createProject"]["job"]["id"].as_str().unwrap();
    assert!(job_id.starts_with("CreateProjectQueue:"), "{job_id}");
    assert_eq!(created["createProject"]["job"]["status"], "QUEUED");
    let job = client.job(job_id).wait(None).await.unwrap();
    assert_eq!(job.status, datasaur::JobStatus::Delivered);
    assert_eq!(sandbox.stats().jobs_started, 1);
    // Its behaviour is the sandbox's createProject: the job's result is the
    // project, which holds the document.
    let project = job.result_id.unwrap();
    assert_eq!(
        sandbox.project_documents(&project),
        Some(vec!["a.txt".to_owned()])
    );

    // A schema that cannot be served is refused at start, saying why.
    let error = Sandbox::start(SandboxConfig::default().schema("type Query { a: Missing }"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
    assert!(error.to_string().contains("Missing"), "{error}");
}

/// An absurd late-file delay (u64::MAX ms) is a file that never appears:
/// 404, never a panic in the sandbox.
#[tokio::test(start_paused = true)]
async fn an_absurd_file_delay_is_a_file_that_never_appears() {
    let sandbox = start().await;
    let set = reqwest::Client::new()
        .put(format!("{}/_sandbox/files/ready-after", sandbox.base_url()))
        .body(format!(r#"{{"millis": {}}}"#, u64::MAX))
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    let (export_id, url) = start_export(&sandbox).await;
    poll_until_delivered(&sandbox, &export_id).await;
    let file = reqwest::get(&url).await.unwrap();
    assert_eq!(file.status(), 404);
    // Still serving.
    let (status, _) = post(&sandbox, get_jobs_body(&[DOCUMENTED_JOB_ID])).await;
    assert_eq!(status, 200);
}

/// A 70,000-character file name is taken, and kept cut to 255 characters:
/// what the sandbox remembers per upload stays bounded.
#[tokio::test]
async fn an_uploads_long_file_name_is_kept_bounded() {
    let sandbox = start().await;
    let name = format!("{}.txt", "a".repeat(70_000));
    let body = format!(
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\nhello\r\n--b--\r\n"
    );
    let answer = reqwest::Client::new()
        .post(format!("{}/api/static/proxy/upload", sandbox.base_url()))
        .bearer_auth(sandbox.token())
        .header("content-type", "multipart/form-data; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let key: Value = answer.json().await.unwrap();
    assert!(
        key["objectKey"].as_str().unwrap().ends_with(".txt"),
        "{key}"
    );
    let objects = sandbox.uploads();
    assert_eq!(objects[0].file_name.chars().count(), 255);
    assert_eq!(objects[0].bytes, 5);
}

/// `POST /_sandbox/scripts`: a script per operation and subject, added
/// while running; a bad rule is a 400 naming what is wrong; `DELETE` drops
/// the added rules.
#[tokio::test]
async fn scripts_per_operation_over_http() {
    let sandbox = start().await;
    let http = reqwest::Client::new();
    let scripts = format!("{}/_sandbox/scripts", sandbox.base_url());
    let added = http
        .post(&scripts)
        .json(&json!({"operation": "CalculateAgreementTables", "subject": "P-9",
            "script": {"queuedFor": 0, "runningFor": 0, "outcome": {"status": "FAILED", "errors": [{"id": "e", "stack": "no annotators"}]}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 204);
    let start_tables = |project: &str| {
        json!({"operationName": "CalculateAgreementTables", "variables": {"p": project},
            "query": "mutation CalculateAgreementTables($p: ID!) { calculateAgreementTables(projectId: $p) { id } }"})
    };
    let (_, failing) = post(&sandbox, start_tables("P-9")).await;
    let (_, fine) = post(&sandbox, start_tables("P-1")).await;
    let ids = [
        failing["data"]["calculateAgreementTables"]["id"]
            .as_str()
            .unwrap(),
        fine["data"]["calculateAgreementTables"]["id"]
            .as_str()
            .unwrap(),
    ];
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (_, answer) = post(&sandbox, get_jobs_body(&ids)).await;
    assert_eq!(answer["data"]["getJobs"][0]["status"], "FAILED", "{answer}");
    assert_ne!(answer["data"]["getJobs"][1]["status"], "FAILED", "{answer}");

    let bad = http
        .post(&scripts)
        .json(&json!({"script": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let said: Value = bad.json().await.unwrap();
    assert!(
        said["error"].as_str().unwrap().contains("operation"),
        "{said}"
    );

    assert_eq!(http.delete(&scripts).send().await.unwrap().status(), 204);
    let (_, again) = post(&sandbox, start_tables("P-9")).await;
    let id = again["data"]["calculateAgreementTables"]["id"]
        .as_str()
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (_, answer) = post(&sandbox, get_jobs_body(&[id])).await;
    assert_ne!(answer["data"]["getJobs"][0]["status"], "FAILED", "{answer}");
}

/// The sandbox serves the schema the client is generated against, by
/// construction: what it answers to introspection is, type by type and
/// field by field, `graphql/schema.graphql` (through the generator's
/// bundled copy, which the generator's build keeps equal to it).
#[tokio::test]
async fn the_served_schema_is_the_sdl() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};
    use std::collections::BTreeSet;
    let sandbox = start().await;
    let (_, answer) = post(
        &sandbox,
        json!({"query": "{ __schema { types { name kind fields { name type { ...T } } inputFields { name type { ...T } } enumValues { name } } } } fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }"}),
    )
    .await;
    fn spell(ty: &Value) -> String {
        match ty["kind"].as_str() {
            Some("NON_NULL") => format!("{}!", spell(&ty["ofType"])),
            Some("LIST") => format!("[{}]", spell(&ty["ofType"])),
            _ => ty["name"].as_str().unwrap_or_default().to_owned(),
        }
    }
    let mut served = BTreeSet::new();
    for ty in answer["data"]["__schema"]["types"].as_array().unwrap() {
        let name = ty["name"].as_str().unwrap();
        if name.starts_with("__") {
            continue;
        }
        for member in ["fields", "inputFields"] {
            for field in ty[member].as_array().into_iter().flatten() {
                served.insert(format!(
                    "{name}.{}: {}",
                    field["name"].as_str().unwrap(),
                    spell(&field["type"])
                ));
            }
        }
        for value in ty["enumValues"].as_array().into_iter().flatten() {
            served.insert(format!("{name}::{}", value["name"].as_str().unwrap()));
        }
    }
    let mut written = BTreeSet::new();
    let document =
        async_graphql::parser::parse_schema(datasaur_codegen::DATASAUR_SCHEMA_SDL).unwrap();
    for definition in document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let name = ty.node.name.node.to_string();
        match ty.node.kind {
            TypeKind::Object(object) => {
                for field in object.fields {
                    written.insert(format!(
                        "{name}.{}: {}",
                        field.node.name.node, field.node.ty.node
                    ));
                }
            }
            TypeKind::InputObject(input) => {
                for field in input.fields {
                    written.insert(format!(
                        "{name}.{}: {}",
                        field.node.name.node, field.node.ty.node
                    ));
                }
            }
            TypeKind::Enum(values) => {
                for value in values.values {
                    written.insert(format!("{name}::{}", value.node.value.node));
                }
            }
            _ => {}
        }
    }
    assert!(written.len() > 100, "{} members in the SDL", written.len());
    // The SDL, and what the sandbox declares of Datasaur's unpublished
    // operations (opaque input scalars, its own answer type), nothing else.
    let added: Vec<&String> = served.difference(&written).collect();
    assert_eq!(
        added,
        [
            "Mutation.addDocumentsToProject: SandboxProjectJob!",
            "Mutation.createProject: SandboxProjectJob!",
            "SandboxProjectJob.job: Job",
            "SandboxProjectJob.name: String!",
        ]
    );
    assert!(
        written.is_subset(&served),
        "every member of the SDL is served"
    );
}

/// `getProjects` pages by cursor: `SandboxConfig::page_size` per page, the
/// last page's cursor null, a cursor the sandbox did not give refused.
#[tokio::test]
async fn projects_are_listed_a_page_at_a_time() {
    let sandbox = Sandbox::start(SandboxConfig::default().page_size(2))
        .await
        .unwrap();
    for name in ["a", "b", "c"] {
        sandbox.create_project(name, None);
    }
    let page = |cursor: Value| {
        json!({"query": "query P($c: String) { getProjects(input: {cursor: $c}) { nodes { name } pageInfo { nextCursor } totalCount } }",
               "variables": {"c": cursor}})
    };
    let (_, first) = post(&sandbox, page(Value::Null)).await;
    let first = &first["data"]["getProjects"];
    assert_eq!(first["nodes"], json!([{"name": "a"}, {"name": "b"}]));
    assert_eq!(first["totalCount"], 3);
    let (_, second) = post(&sandbox, page(first["pageInfo"]["nextCursor"].clone())).await;
    let second = &second["data"]["getProjects"];
    assert_eq!(second["nodes"], json!([{"name": "c"}]));
    assert_eq!(second["pageInfo"]["nextCursor"], Value::Null);
    let (_, forged) = post(&sandbox, page(json!("after:abc"))).await;
    assert!(
        forged["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cursor")),
        "{forged}"
    );
}
