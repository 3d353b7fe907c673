//! The sandbox is safe to leave running: requests are bounded in cost,
//! unauthenticated traffic grows no memory, slow and idle connections are
//! closed, and a non-loopback address needs consent and a control token.

use std::time::{Duration, Instant};

use datasaur_sandbox::{CONTROL_TOKEN_HEADER, Sandbox, SandboxConfig};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn post(sandbox: &Sandbox, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(sandbox.graphql_url())
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn first_error(answer: &Value) -> String {
    answer["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn costly_queries_are_refused_with_a_graphql_error() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let ids: Vec<String> = (0..1000).map(|n| format!("AutoLabelQueue:{n}")).collect();
    // 200 aliases of a 1,000-id getJobs: the 2023 attack, scaled down.
    let aliases: String = (0..200)
        .map(|n| {
            format!("a{n}: getJobs(jobIds: $ids) {{ id status progress errors {{ id stack }} }} ")
        })
        .collect();
    let (_, answer) = post(
        &sandbox,
        Some(sandbox.token()),
        json!({"query": format!("query Many($ids: [String!]!) {{ {aliases} }}"), "variables": {"ids": ids}}),
    )
    .await;
    assert!(first_error(&answer).contains("complex"), "{answer}");
    assert!(answer["data"].is_null(), "nothing ran");

    let too_many: Vec<String> = (0..1001).map(|n| format!("AutoLabelQueue:{n}")).collect();
    let (_, answer) = post(
        &sandbox,
        Some(sandbox.token()),
        json!({"query": "query Ids($ids: [String!]!) { getJobs(jobIds: $ids) { id } }", "variables": {"ids": too_many}}),
    )
    .await;
    assert!(
        first_error(&answer).contains("at most 1000 ids"),
        "{answer}"
    );

    let batch: Vec<Value> = (0..17)
        .map(|_| json!({"query": "{ getJob(jobId: \"x\") { id } }"}))
        .collect();
    let (status, answer) = post(&sandbox, Some(sandbox.token()), Value::Array(batch)).await;
    assert_eq!(status, 400);
    assert!(
        first_error(&answer).contains("at most 16 operations"),
        "{answer}"
    );

    // What our own client sends still works: 100 ids with every field.
    let hundred: Vec<String> = (0..100).map(|n| format!("AutoLabelQueue:{n}")).collect();
    let (status, answer) = post(
        &sandbox,
        Some(sandbox.token()),
        json!({"query": "query Ids($ids: [String!]!) { getJobs(jobIds: $ids) { id status progress errors { id stack args } resultId result createdAt updatedAt additionalData { automationActivityId } } }", "variables": {"ids": hundred}}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer["data"]["getJobs"].as_array().map(Vec::len),
        Some(100)
    );
}

#[tokio::test]
async fn operation_names_are_kept_only_for_good_tokens_and_capped() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    for n in 0..300 {
        post(
            &sandbox,
            None,
            json!({"operationName": format!("Junk{n}{}", "x".repeat(1000)), "query": "query Q { getJob(jobId: \"x\") { id } }"}),
        )
        .await;
    }
    let stats = sandbox.stats();
    assert_eq!(stats.unauthorized, 300);
    assert!(stats.operations.is_empty(), "{:?}", stats.operations.len());

    for n in 0..300 {
        post(
            &sandbox,
            Some(sandbox.token()),
            json!({"operationName": format!("Q{n}"), "query": format!("query Q{n} {{ getJob(jobId: \"x\") {{ id }} }}")}),
        )
        .await;
    }
    let stats = sandbox.stats();
    assert_eq!(stats.operations.len(), 257, "256 names and (other)");
    assert_eq!(stats.operation("(other)"), 300 - 256);
}

#[tokio::test]
async fn slow_and_idle_connections_are_closed() {
    let config = SandboxConfig::default()
        .header_read_timeout(Duration::from_millis(300))
        .idle_timeout(Duration::from_millis(300));
    let sandbox = Sandbox::start(config).await.unwrap();
    for partial in [&b"POST /graphql HTTP/1.1\r\nHost: x\r\n"[..], b""] {
        let mut socket = tokio::net::TcpStream::connect(sandbox.addr())
            .await
            .unwrap();
        socket.write_all(partial).await.unwrap();
        let started = Instant::now();
        let mut buffer = Vec::new();
        // The server closes the connection (with or without a 408).
        let read =
            tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut buffer)).await;
        assert!(read.is_ok(), "{partial:?}: still open after 5 s");
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn connections_past_the_limit_wait_their_turn() {
    let config = SandboxConfig::default()
        .max_connections(2)
        .idle_timeout(Duration::from_millis(500));
    let sandbox = Sandbox::start(config).await.unwrap();
    let _idle: Vec<tokio::net::TcpStream> = vec![
        tokio::net::TcpStream::connect(sandbox.addr())
            .await
            .unwrap(),
        tokio::net::TcpStream::connect(sandbox.addr())
            .await
            .unwrap(),
    ];
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = Instant::now();
    let (status, _) = post(
        &sandbox,
        Some(sandbox.token()),
        json!({"query": "{ getJob(jobId: \"x\") { id } }"}),
    )
    .await;
    assert_eq!(status, 200);
    // Served once an idle connection timed out and gave up its slot.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_non_loopback_address_needs_consent_and_guards_the_controls() {
    let refused = Sandbox::start(SandboxConfig::default().addr("0.0.0.0:0".parse().unwrap())).await;
    let error = refused.expect_err("refused without allow_remote");
    assert_eq!(error.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(error.to_string().contains("allow"), "{error}");

    let sandbox = Sandbox::start(
        SandboxConfig::default()
            .addr("0.0.0.0:0".parse().unwrap())
            .allow_remote(true),
    )
    .await
    .unwrap();
    assert!(
        sandbox.base_url().starts_with("http://127.0.0.1:"),
        "{}",
        sandbox.base_url()
    );
    let control = sandbox
        .control_token()
        .expect("a control token is made up")
        .to_owned();
    let url = format!("{}/_sandbox/tokens", sandbox.base_url());
    let client = reqwest::Client::new();
    let without = client.post(&url).send().await.unwrap();
    assert_eq!(without.status().as_u16(), 401);
    let with = client
        .post(&url)
        .header(CONTROL_TOKEN_HEADER, &control)
        .send()
        .await
        .unwrap();
    assert!(with.status().is_success());
    // GraphQL still needs its bearer token, not the control token.
    let (_, answer) = post(
        &sandbox,
        Some(&control),
        json!({"query": "{ getJob(jobId: \"x\") { id } }"}),
    )
    .await;
    assert_eq!(first_error(&answer), "Unauthorized");
}

/// DNS rebinding: a web page whose name now points at 127.0.0.1 reaches the
/// sandbox's port with its own name as `Host`; a page of another origin
/// sends its `Origin`. Neither gets a token or the controls.
#[tokio::test]
async fn requests_for_other_hosts_or_from_web_pages_are_refused_on_loopback() {
    let sandbox = Sandbox::start(
        SandboxConfig::default().client_credentials("id", "secret-of-the-developer"),
    )
    .await
    .unwrap();
    let token_url = format!("{}/api/oauth/token", sandbox.base_url());
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "id"),
        ("client_secret", "secret-of-the-developer"),
    ];
    let client = reqwest::Client::new();
    let rebound = client
        .post(&token_url)
        .header("host", "attacker.example:4000")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status().as_u16(), 403);
    assert!(!rebound.text().await.unwrap().contains("access_token"));
    let page = client
        .post(format!("{}/_sandbox/faults", sandbox.base_url()))
        .header("origin", "https://attacker.example")
        .body(r#"{"kind": "close_connection"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 403);
    assert_eq!(sandbox.stats().token_requests, 0);
    // The same from a loopback name works.
    let local = client.post(&token_url).form(&form).send().await.unwrap();
    assert_eq!(local.status().as_u16(), 200);
}

#[tokio::test]
async fn an_export_of_more_projects_than_a_request_may_name_is_refused() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let ids: Vec<String> = (0..1001).map(|n| format!("p{n}")).collect();
    let query = "query E($input: ExportTextProjectInput!) { exportTextProject(input: $input) { exportId } }";
    let input =
        json!({"fileName": "f", "format": "JSON", "method": "FILE_STORAGE", "projectIds": ids});
    let (_, answer) = post(
        &sandbox,
        Some(sandbox.token()),
        json!({"query": query, "variables": {"input": input}}),
    )
    .await;
    assert!(
        first_error(&answer).contains("at most 1000 projectIds"),
        "{answer}"
    );
    assert_eq!(sandbox.stats().exports_started, 0);
}

/// A user's schema with a recursive list type: each generated list doubles
/// the work below it, which a cost limit counting each field once misses.
/// The sandbox stops at a fixed number of values, whatever the nesting.
#[tokio::test]
async fn a_recursive_list_type_cannot_make_the_sandbox_build_without_end() {
    let sdl = "type Query { tree: Node } type Node { name: String kids: [Node!]! }";
    let sandbox = Sandbox::start(SandboxConfig::default().schema(sdl))
        .await
        .unwrap();
    // Fragments keep the text small (about 800 bytes) while each of 12
    // levels asks for two aliases of a two-item list: 4^12 nodes.
    let mut query = "query Deep { tree { ...L12 } } fragment L0 on Node { name }".to_owned();
    for level in 1..=12 {
        let below = level - 1;
        query.push_str(&format!(
            " fragment L{level} on Node {{ a: kids {{ ...L{below} }} b: kids {{ ...L{below} }} }}"
        ));
    }
    assert!(query.len() < 1200, "{}", query.len());
    let started = Instant::now();
    let (_, answer) = post(&sandbox, Some(sandbox.token()), json!({"query": query})).await;
    assert!(
        answer.to_string().contains("each item of a list counts"),
        "{}",
        &answer.to_string()[..answer.to_string().len().min(300)]
    );
    assert!(answer.to_string().len() < 32 * 1024 * 1024);
    assert!(started.elapsed() < Duration::from_secs(30));
    // A small question of the same schema is answered.
    let (_, small) = post(
        &sandbox,
        Some(sandbox.token()),
        json!({"query": "query Small { tree { name kids { name } } }"}),
    )
    .await;
    assert!(small["data"]["tree"]["kids"].is_array(), "{small}");
}
