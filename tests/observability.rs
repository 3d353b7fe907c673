//! What a service's traces see of the crate: a span per logical call, a
//! child span per HTTP attempt in OpenTelemetry's HTTP client terms, a span
//! per wait whose polls follow from it, and INFO events for what an
//! operator needs (a retry, a job's status change, a wait's end, an upload
//! or a download finished). A layer of our own captures them.
//!
//! A binary of its own (as `secrets.rs`): it installs a subscriber, and
//! tracing caches per call site, process-wide, whether anyone listens; a
//! call site first reached by a concurrent test could be cached as unheard.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{Client, RetryPolicy, UploadSource};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Default)]
struct SpanSeen {
    name: &'static str,
    fields: BTreeMap<String, String>,
    parent: Option<u64>,
    follows: Vec<u64>,
}

#[derive(Debug)]
struct EventSeen {
    level: tracing::Level,
    fields: BTreeMap<String, String>,
    span: Option<u64>,
}

#[derive(Default)]
struct Seen {
    next: u64,
    spans: HashMap<u64, SpanSeen>,
    events: Vec<EventSeen>,
}

/// Our own number for a span (the registry reuses ids once spans close).
struct Number(u64);

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Seen>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

fn number<S: Subscriber + for<'a> LookupSpan<'a>>(ctx: &Context<'_, S>, id: &Id) -> Option<u64> {
    ctx.span(id)?.extensions().get::<Number>().map(|n| n.0)
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut seen = self.0.lock().unwrap();
        seen.next += 1;
        let n = seen.next;
        let mut span = SpanSeen {
            name: attrs.metadata().name(),
            ..SpanSeen::default()
        };
        attrs.record(&mut Fields(&mut span.fields));
        span.parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .and_then(|p| p.extensions().get::<Number>().map(|n| n.0));
        seen.spans.insert(n, span);
        drop(seen);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Number(n));
        }
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(n) = number(&ctx, id) else { return };
        if let Some(span) = self.0.lock().unwrap().spans.get_mut(&n) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
    fn on_follows_from(&self, id: &Id, follows: &Id, ctx: Context<'_, S>) {
        let (Some(n), Some(from)) = (number(&ctx, id), number(&ctx, follows)) else {
            return;
        };
        if let Some(span) = self.0.lock().unwrap().spans.get_mut(&n) {
            span.follows.push(from);
        }
    }
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let span = ctx
            .event_span(event)
            .and_then(|s| s.extensions().get::<Number>().map(|n| n.0));
        self.0.lock().unwrap().events.push(EventSeen {
            level: *event.metadata().level(),
            fields,
            span,
        });
    }
}

impl Capture {
    fn spans(&self, name: &str) -> Vec<(u64, SpanSeen)> {
        let seen = self.0.lock().unwrap();
        let mut found: Vec<(u64, SpanSeen)> = seen
            .spans
            .iter()
            .filter(|(_, span)| span.name == name)
            .map(|(n, span)| {
                (
                    *n,
                    SpanSeen {
                        name: span.name,
                        fields: span.fields.clone(),
                        parent: span.parent,
                        follows: span.follows.clone(),
                    },
                )
            })
            .collect();
        found.sort_by_key(|(n, _)| *n);
        found
    }

    fn events(&self, message: &str) -> Vec<EventSeen> {
        let seen = self.0.lock().unwrap();
        seen.events
            .iter()
            .filter(|event| event.fields.get("message").is_some_and(|m| m == message))
            .map(|event| EventSeen {
                level: event.level,
                fields: event.fields.clone(),
                span: event.span,
            })
            .collect()
    }
}

fn project_export_input() -> ExportTextProjectInput {
    ExportTextProjectInput::new(
        "labels",
        "JSON",
        GqlExportMethod::FileStorage,
        ["HvdyIL2iwZn"],
    )
}

#[tokio::test]
async fn calls_attempts_waits_and_transfers_are_traced_in_otel_terms() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();

    // A retried call: one logical span, two attempts under it.
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 503 }));
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    let calls = capture.spans("datasaur.call");
    let (call, get_job) = calls
        .iter()
        .find(|(_, span)| {
            span.fields
                .get("graphql.operation.name")
                .is_some_and(|n| n == "GetJob")
        })
        .expect("a span for the GetJob call");
    assert_eq!(get_job.fields["otel.kind"], "internal");
    assert_eq!(get_job.fields["graphql.operation.type"], "query");
    let attempts: Vec<SpanSeen> = capture
        .spans("datasaur.http_attempt")
        .into_iter()
        .filter(|(_, span)| span.parent == Some(*call))
        .map(|(_, span)| span)
        .collect();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    for attempt in &attempts {
        assert_eq!(attempt.fields["otel.kind"], "client");
        assert_eq!(attempt.fields["http.request.method"], "POST");
        assert_eq!(attempt.fields["server.address"], "127.0.0.1");
        assert_eq!(attempt.fields["graphql.operation.name"], "GetJob");
        assert!(
            !attempt.fields["url.full"].contains('?'),
            "no query: {attempt:?}"
        );
    }
    assert_eq!(
        attempts[0]
            .fields
            .get("http.response.status_code")
            .map(String::as_str),
        Some("503"),
        "{attempts:?}"
    );
    assert_eq!(attempts[0].fields["error.type"], "http");
    assert_eq!(attempts[1].fields["http.response.status_code"], "200");
    assert_eq!(attempts[1].fields["http.request.resend_count"], "1");
    let retries = capture.events("retrying after a failure");
    assert_eq!(retries.len(), 1);
    assert_eq!(retries[0].level, tracing::Level::INFO);

    // Two callers waiting on three jobs: a wait span each, the polls follow
    // from both, and each status change is an INFO event in a wait span.
    let ids: Vec<String> = (0..3)
        .map(|_| {
            sandbox.create_job(JobScript::delivered(
                Duration::from_millis(100),
                Duration::from_millis(300),
            ))
        })
        .collect();
    let first = client
        .wait_for_jobs([ids[0].clone(), ids[1].clone()], None)
        .collect::<Vec<_>>();
    let second = client
        .wait_for_jobs([ids[1].clone(), ids[2].clone()], None)
        .collect::<Vec<_>>();
    let (a, b) = tokio::join!(first, second);
    assert!(a.iter().chain(&b).all(|job| job.is_ok()));
    let waits = capture.spans("datasaur.wait");
    assert_eq!(waits.len(), 2, "{waits:?}");
    for (_, wait) in &waits {
        assert_eq!(wait.fields["datasaur.job_count"], "2");
        assert_eq!(wait.fields["datasaur.delivered"], "2");
    }
    let wait_numbers: Vec<u64> = waits.iter().map(|(n, _)| *n).collect();
    let polls = capture.spans("datasaur.poll");
    assert!(!polls.is_empty());
    assert!(
        polls
            .iter()
            .any(|(_, poll)| wait_numbers.iter().all(|w| poll.follows.contains(w))),
        "a poll serving both waits follows from both: {polls:?}"
    );
    let changes = capture.events("job status changed");
    assert!(changes.iter().any(|e| e.fields["status"] == "DELIVERED"));
    assert!(
        changes
            .iter()
            .all(|e| e.span.is_some_and(|s| wait_numbers.contains(&s)))
    );
    assert!(changes.iter().all(|e| e.fields.contains_key("job.id")));
    assert_eq!(capture.events("wait ended").len(), 2);

    // An upload and a download: a logical span each and an INFO event.
    client
        .upload(UploadSource::bytes("notes.txt", "one line\n"), None)
        .await
        .unwrap();
    let finished = capture.events("upload finished");
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0].fields["bytes"], "9");
    let export = client.export_project(project_export_input()).await.unwrap();
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("observability_download");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    export
        .wait_and_download_to(dir.join("labels.zip"), None, Default::default())
        .await
        .unwrap();
    assert_eq!(capture.events("download finished").len(), 1);
    assert!(!capture.events("export started").is_empty());
    let names: Vec<String> = capture
        .spans("datasaur.call")
        .into_iter()
        .map(|(_, span)| span.fields["otel.name"].clone())
        .collect();
    assert!(
        names.contains(&"upload".to_owned()) && names.contains(&"download".to_owned()),
        "{names:?}"
    );
    // Nothing secret in any of it.
    let seen = capture.0.lock().unwrap();
    let all = format!(
        "{:?} {:?}",
        seen.spans.values().collect::<Vec<_>>(),
        seen.events
    );
    assert!(!all.contains(sandbox.token()), "the token reached a trace");
}
