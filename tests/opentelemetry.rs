//! The crate's spans as an OpenTelemetry pipeline exports them: through
//! `tracing-opentelemetry` into the real SDK, with an in-memory exporter.
//! What users' backends receive: span kinds, names, attributes, parents and
//! links.
//!
//! A binary of its own (as `observability.rs`): it installs a subscriber.

use std::time::Duration;

use datasaur::{Client, RetryPolicy};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use opentelemetry::trace::{SpanKind, Status, TracerProvider as _};
use opentelemetry::{Key, Value};
use opentelemetry_sdk::trace::{InMemorySpanExporter, SdkTracerProvider, SpanData};
use tracing_subscriber::layer::SubscriberExt;

fn attribute<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key == Key::from(key.to_owned()))
        .map(|kv| &kv.value)
}

fn text(span: &SpanData, key: &str) -> String {
    attribute(span, key).map_or_else(String::new, |value| value.as_str().into_owned())
}

#[tokio::test]
async fn attempts_export_as_client_spans_with_http_and_graphql_attributes() {
    let exporter = InMemorySpanExporter::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    let layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("datasaur-test"));
    let _guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(layer));

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();

    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 503 }));
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    let id = sandbox.create_job(JobScript::delivered(
        Duration::from_millis(50),
        Duration::from_millis(100),
    ));
    client.wait_for_job(&id, None).await.unwrap();
    provider.force_flush().unwrap();
    let spans = exporter.get_finished_spans().unwrap();

    // The logical call: internal, named by its operation.
    let call = spans
        .iter()
        .find(|span| span.name == "GetJob")
        .expect("a span for the GetJob call");
    assert_eq!(call.span_kind, SpanKind::Internal);
    assert_eq!(text(call, "graphql.operation.name"), "GetJob");
    assert_eq!(text(call, "graphql.operation.type"), "query");

    // Its two attempts: client spans, children of the call.
    let attempts: Vec<&SpanData> = spans
        .iter()
        .filter(|span| span.parent_span_id == call.span_context.span_id())
        .collect();
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    for attempt in &attempts {
        assert_eq!(attempt.span_kind, SpanKind::Client);
        assert_eq!(attempt.name, "POST");
        assert_eq!(text(attempt, "http.request.method"), "POST");
        assert_eq!(text(attempt, "server.address"), "127.0.0.1");
        assert_eq!(text(attempt, "graphql.operation.name"), "GetJob");
        assert!(attribute(attempt, "server.port").is_some());
        assert!(!text(attempt, "url.full").contains('?'));
    }
    let mut by_start = attempts.clone();
    by_start.sort_by_key(|span| span.start_time);
    assert_eq!(
        attribute(by_start[0], "http.response.status_code"),
        Some(&Value::I64(503))
    );
    assert!(
        matches!(by_start[0].status, Status::Error { .. }),
        "{:?}",
        by_start[0].status
    );
    assert_eq!(text(by_start[0], "error.type"), "http");
    assert_eq!(
        attribute(by_start[1], "http.response.status_code"),
        Some(&Value::I64(200))
    );
    assert_eq!(
        attribute(by_start[1], "http.request.resend_count"),
        Some(&Value::I64(1))
    );

    // The wait, and its polls: roots of their own, linked to the wait.
    let wait = spans
        .iter()
        .find(|span| span.name == "wait")
        .expect("a span for the wait");
    let polls: Vec<&SpanData> = spans.iter().filter(|span| span.name == "poll").collect();
    assert!(!polls.is_empty());
    for poll in &polls {
        assert!(
            poll.links
                .iter()
                .any(|link| link.span_context.span_id() == wait.span_context.span_id()),
            "a poll links to the wait it served: {poll:#?}"
        );
    }
    let token = sandbox.token();
    assert!(
        !format!("{spans:?}").contains(token),
        "the token reached an exported span"
    );
}
