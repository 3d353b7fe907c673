//! Soak: 10,000 jobs waited on through one OAuth client while 10% of
//! requests fail (mixed kinds) and tokens expire every few minutes. Every
//! job must be reported exactly once, with its true final state.

use std::collections::HashMap;
use std::time::Duration;

use datasaur::{Client, WaitError, WaitOptions};
use datasaur_sandbox::{Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;

const JOBS: usize = 10_000;

#[tokio::test(start_paused = true)]
async fn ten_thousand_jobs_through_faults_and_expiring_tokens() {
    let config = SandboxConfig::default()
        .client_credentials("soak-id", "soak-secret")
        .token_ttl(Duration::from_secs(300));
    let sandbox = Sandbox::start(config).await.unwrap();
    let client = Client::builder()
        .base_url(sandbox.base_url())
        .client_credentials("soak-id", "soak-secret")
        .build()
        .unwrap();

    let mut random = fastrand::Rng::with_seed(2026);
    let mut truth = HashMap::new();
    let mut ids = Vec::with_capacity(JOBS);
    for n in 0..JOBS {
        let running = Duration::from_secs_f64(1800f64.powf(random.f64()));
        let fails = n % 10 == 3;
        let script = if fails {
            JobScript::failed(Duration::from_secs(1), running, &format!("job {n} failed"))
        } else {
            JobScript::delivered(Duration::from_secs(1), running)
        };
        let id = sandbox.create_job(script);
        truth.insert(id.clone(), fails);
        ids.push(id);
    }

    // 10% of GraphQL requests fail, spread over every transient kind (a 500
    // ends a wait by design), with delays past the client's 30 s timeout.
    let kinds: Vec<FaultKind> = FaultKind::all()
        .into_iter()
        .filter(|kind| *kind != FaultKind::Status { status: 500 })
        .map(|kind| match kind {
            FaultKind::Delay { .. } => FaultKind::Delay { millis: 40_000 },
            other => other,
        })
        .collect();
    assert_eq!(kinds.len(), 9);
    for kind in kinds.iter().cloned() {
        sandbox.inject_fault(Fault::fraction(0.1 / kinds.len() as f64, kind));
    }

    let mut results = client.wait_for_jobs(
        ids,
        WaitOptions::default().max_wait(Duration::from_secs(3 * 3600)),
    );
    // Beyond their 5-minute lifetime, every token is also revoked every 7 minutes.
    let mut revocations = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(420),
        Duration::from_secs(420),
    );
    let mut reported: HashMap<String, bool> = HashMap::new();
    loop {
        tokio::select! {
            result = results.next() => {
                let Some(result) = result else { break };
                let (id, failed) = match result {
                    Ok(job) => (job.id, false),
                    Err(WaitError::Failed { job, .. }) => {
                        assert_eq!(job.errors.len(), 1);
                        (job.id, true)
                    }
                    Err(other) => panic!("a job did not reach its final state: {other}"),
                };
                assert!(reported.insert(id.clone(), failed).is_none(), "{id} reported twice");
            }
            _ = revocations.tick() => sandbox.expire_tokens(),
        }
    }

    assert_eq!(reported.len(), JOBS);
    for (id, failed) in &reported {
        assert_eq!(truth[id], *failed, "{id}: reported failed={failed}");
    }
    let metrics = client.metrics();
    let stats = sandbox.stats();
    println!(
        "soak: {JOBS} jobs; {} GraphQL requests ({} faulted), {} retries, {} token requests ({} refused with a stale token)",
        metrics.requests,
        stats.faults_injected,
        metrics.retries,
        metrics.token_requests,
        stats.unauthorized
    );
    assert!(
        stats.faults_injected * 12 >= stats.graphql_requests,
        "about 10% of requests were faulted"
    );
    // About 30 minutes of jobs with 5-minute tokens: refreshed ahead of expiry, and after revocations.
    assert!(
        metrics.token_requests >= 6,
        "tokens were refreshed: {}",
        metrics.token_requests
    );
    assert!(stats.unauthorized >= 1, "some requests met a revoked token");
}
