//! What a service's dashboards see of the crate (the `metrics` feature):
//! call durations by operation and outcome, retries, jobs waited on, job
//! durations, bytes moved. A recorder of our own captures them.
//!
//! A binary of its own: it installs the process's global recorder.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use datasaur::metrics::{
    CALL_DURATION, DOWNLOADED_BYTES, JOB_DURATION, RETRIES, UPLOADED_BYTES, WAITED_JOBS,
};
use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
use datasaur::{Client, RetryPolicy, UploadSource};
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;
use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

/// A metric's name and its labels, sorted: `name{a=1,b=2}`.
fn describe(key: &Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|label| format!("{}={}", label.key(), label.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

#[derive(Default)]
struct Values {
    counters: HashMap<String, u64>,
    gauges: HashMap<String, (f64, f64)>,
    histograms: HashMap<String, Vec<f64>>,
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Values>>);

struct One(Capture, String);

impl CounterFn for One {
    fn increment(&self, value: u64) {
        *self
            .0
            .0
            .lock()
            .unwrap()
            .counters
            .entry(self.1.clone())
            .or_default() += value;
    }
    fn absolute(&self, value: u64) {
        self.0
            .0
            .lock()
            .unwrap()
            .counters
            .insert(self.1.clone(), value);
    }
}

impl GaugeFn for One {
    fn increment(&self, value: f64) {
        let mut values = self.0.0.lock().unwrap();
        let (now, max) = values.gauges.entry(self.1.clone()).or_default();
        *now += value;
        *max = max.max(*now);
    }
    fn decrement(&self, value: f64) {
        GaugeFn::increment(self, -value);
    }
    fn set(&self, value: f64) {
        let mut values = self.0.0.lock().unwrap();
        let (now, max) = values.gauges.entry(self.1.clone()).or_default();
        *now = value;
        *max = max.max(value);
    }
}

impl HistogramFn for One {
    fn record(&self, value: f64) {
        let mut values = self.0.0.lock().unwrap();
        values
            .histograms
            .entry(self.1.clone())
            .or_default()
            .push(value);
    }
}

impl Recorder for Capture {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(One(self.clone(), describe(key))))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(Arc::new(One(self.clone(), describe(key))))
    }
    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::from_arc(Arc::new(One(self.clone(), describe(key))))
    }
}

impl Capture {
    fn counter(&self, name: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .counters
            .get(name)
            .copied()
            .unwrap_or(0)
    }
    fn gauge(&self, name: &str) -> (f64, f64) {
        self.0
            .lock()
            .unwrap()
            .gauges
            .get(name)
            .copied()
            .unwrap_or_default()
    }
    fn histogram(&self, name: &str) -> Vec<f64> {
        self.0
            .lock()
            .unwrap()
            .histograms
            .get(name)
            .cloned()
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn calls_retries_waits_and_transfers_are_measured() {
    let capture = Capture::default();
    metrics::set_global_recorder(capture.clone()).expect("the only recorder of this binary");

    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .access_token(sandbox.token())
        .retry_policy(RetryPolicy::default().initial_backoff(Duration::from_millis(1)))
        .build()
        .unwrap();

    // A retried call: one call measured, as a success, and one retry.
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 503 }));
    client.get_job(DOCUMENTED_JOB_ID).await.unwrap();
    let get_job = format!("{CALL_DURATION}{{operation=GetJob,outcome=ok}}");
    assert_eq!(capture.histogram(&get_job).len(), 1);
    assert_eq!(
        capture.counter(&format!("{RETRIES}{{operation=GetJob}}")),
        1
    );

    // A call that fails is measured under its error's kind.
    let refused = Client::builder()
        .base_url(sandbox.base_url())
        .access_token("not-a-token")
        .build()
        .unwrap();
    assert!(refused.get_job(DOCUMENTED_JOB_ID).await.is_err());
    let failed = format!("{CALL_DURATION}{{operation=GetJob,outcome=unauthorized}}");
    assert_eq!(
        capture.histogram(&failed).len(),
        1,
        "{:?}",
        capture
            .0
            .lock()
            .unwrap()
            .histograms
            .keys()
            .collect::<Vec<_>>()
    );

    // Two callers on three jobs: three jobs watched at most, none after,
    // and each job's end measured once, at least as long as it ran.
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
    let (now, max) = capture.gauge(&format!("{WAITED_JOBS}{{}}"));
    assert_eq!((now, max), (0.0, 3.0));
    let ended = capture.histogram(&format!("{JOB_DURATION}{{status=DELIVERED}}"));
    assert_eq!(ended.len(), 3, "{ended:?}");
    assert!(ended.iter().all(|&seconds| seconds >= 0.3), "{ended:?}");

    // An upload and a download: their bytes.
    client
        .upload(UploadSource::bytes("notes.txt", "one line\n"), None)
        .await
        .unwrap();
    assert_eq!(capture.counter(&format!("{UPLOADED_BYTES}{{}}")), 9);
    let export = client
        .export_project(ExportTextProjectInput::new(
            "labels",
            "JSON",
            GqlExportMethod::FileStorage,
            ["HvdyIL2iwZn"],
        ))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let download = export
        .wait_and_download_to(dir.path().join("labels.zip"), None, Default::default())
        .await
        .unwrap();
    assert!(download.bytes > 0);
    assert_eq!(
        capture.counter(&format!("{DOWNLOADED_BYTES}{{}}")),
        download.bytes
    );
    assert_eq!(
        capture
            .histogram(&format!("{CALL_DURATION}{{operation=download,outcome=ok}}"))
            .len(),
        1
    );
}
