//! What the client's shared wait engine buys: waits written one task per job
//! cost what one batched wait costs.
//!
//! Run: `cargo bench -p datasaur --bench wait_engine`
//!
//! Every figure comes from the in-process sandbox (requests counted there)
//! and, but for the round-trip section, tokio's paused clock: hours of jobs
//! replay in seconds, exactly. Jobs run 1 s to 1 h, log-uniform, seed 42.
//! Delay = from a job's end to its caller learning of it.

mod support;

use support::lcg::Lcg;

use std::sync::Arc;
use std::time::Duration;

use datasaur::{Client, JobUpdate, PollBackoff, WaitOptions};
use datasaur_sandbox::{Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;
use tokio::time::Instant;

#[derive(Clone, Copy)]
struct PlannedJob {
    start: Duration,
    duration: Duration,
}

fn plan(jobs: usize, spread: Duration) -> Vec<PlannedJob> {
    let mut random = Lcg(42);
    let mut planned: Vec<PlannedJob> = (0..jobs)
        .map(|_| PlannedJob {
            duration: Duration::from_secs_f64(3600f64.powf(random.next_f64())),
            start: spread.mul_f64(random.next_f64()),
        })
        .collect();
    planned.sort_by_key(|job| job.start);
    planned
}

async fn sandbox() -> Arc<Sandbox> {
    // Tokens outlive the replay: this measures polling, not token refresh.
    let config = SandboxConfig::default().token_ttl(Duration::from_secs(48 * 3600));
    Arc::new(Sandbox::start(config).await.expect("sandbox starts"))
}

fn options() -> WaitOptions {
    WaitOptions::default().max_wait(Duration::from_secs(4 * 3600))
}

struct Outcome {
    requests: u64,
    ids_sent: u64,
    /// Delay to notice, per job, in seconds.
    delays: Vec<f64>,
}

/// One task per job: it starts the job at its time and awaits `wait_for_job`.
async fn independent(jobs: &[PlannedJob], options_of: impl Fn(usize) -> WaitOptions) -> Outcome {
    let sandbox = sandbox().await;
    let client = support::sandbox_client(&sandbox);
    let started = Instant::now();
    let tasks: Vec<_> = jobs
        .iter()
        .enumerate()
        .map(|(n, &job)| {
            let (client, sandbox) = (client.clone(), sandbox.clone());
            let options = options_of(n);
            tokio::spawn(async move {
                tokio::time::sleep_until(started + job.start).await;
                let id = sandbox.create_job(JobScript::delivered(Duration::ZERO, job.duration));
                let end = Instant::now() + job.duration;
                let result = client.wait_for_job(id, options).await;
                assert!(result.is_ok(), "{result:?}");
                Instant::now().saturating_duration_since(end).as_secs_f64()
            })
        })
        .collect();
    let mut delays = Vec::with_capacity(jobs.len());
    for task in tasks {
        delays.push(task.await.expect("the task runs"));
    }
    outcome(&sandbox, delays)
}

/// One wait for every job: `wait_for_jobs` when all start together, a
/// `JobWaiter` that each job joins as it starts otherwise.
async fn batched(jobs: &[PlannedJob]) -> Outcome {
    let sandbox = sandbox().await;
    let client = support::sandbox_client(&sandbox);
    let started = Instant::now();
    let (waiter, mut updates) = client.job_waiter(options());
    let feeder = {
        let (sandbox, jobs) = (sandbox.clone(), jobs.to_vec());
        tokio::spawn(async move {
            let mut ends = Vec::with_capacity(jobs.len());
            for job in jobs {
                tokio::time::sleep_until(started + job.start).await;
                let id = sandbox.create_job(JobScript::delivered(Duration::ZERO, job.duration));
                ends.push((id.clone(), Instant::now() + job.duration));
                waiter.add(id);
            }
            ends
        })
    };
    let mut noticed = Vec::with_capacity(jobs.len());
    while let Some(update) = updates.next().await {
        if let JobUpdate::Finished(result) = update {
            let job = result.expect("delivered");
            noticed.push((job.id, Instant::now()));
        }
    }
    let ends: std::collections::HashMap<String, Instant> =
        feeder.await.expect("feeder").into_iter().collect();
    let delays = noticed
        .into_iter()
        .map(|(id, at)| at.saturating_duration_since(ends[&id]).as_secs_f64())
        .collect();
    outcome(&sandbox, delays)
}

fn outcome(sandbox: &Sandbox, delays: Vec<f64>) -> Outcome {
    let stats = sandbox.stats();
    Outcome {
        requests: stats.graphql_requests,
        ids_sent: stats.job_ids_requested,
        delays,
    }
}

fn percentile(values: &[f64], p: f64) -> f64 {
    let mut values = values.to_vec();
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

async fn independent_callers() {
    println!("\n## Independent callers: one task per job against one batched wait\n");
    println!(
        "| jobs | starts | requests (tasks) | requests (one wait) | ratio (target <= 1.05) | ids sent (tasks / one wait) | p50 delay s (tasks / one) | p95 delay s (tasks / one) |"
    );
    println!("|---:|---|---:|---:|---:|---:|---:|---:|");
    for jobs in [1_000, 10_000] {
        for (label, spread) in [
            ("together", Duration::ZERO),
            ("over an hour", Duration::from_secs(3600)),
        ] {
            let planned = plan(jobs, spread);
            let tasks = independent(&planned, |_| options()).await;
            let one = batched(&planned).await;
            assert_eq!(tasks.delays.len(), jobs);
            assert_eq!(one.delays.len(), jobs);
            println!(
                "| {jobs} | {label} | {} | {} | {:.3} | {} / {} | {:.2} / {:.2} | {:.2} / {:.2} |",
                tasks.requests,
                one.requests,
                tasks.requests as f64 / one.requests as f64,
                tasks.ids_sent,
                one.ids_sent,
                percentile(&tasks.delays, 0.5),
                percentile(&one.delays, 0.5),
                percentile(&tasks.delays, 0.95),
                percentile(&one.delays, 0.95),
            );
        }
    }
}

async fn mixed_options() {
    const JOBS: usize = 10_000;
    println!("\n## Mixed options: half the callers poll every 5 s, half use the default\n");
    let planned = plan(JOBS, Duration::ZERO);
    let fixed = || options().backoff(PollBackoff::fixed(Duration::from_secs(5)));
    let mixed = independent(&planned, |n| if n % 2 == 0 { fixed() } else { options() }).await;
    let evens: Vec<PlannedJob> = planned.iter().copied().step_by(2).collect();
    let odds: Vec<PlannedJob> = planned.iter().copied().skip(1).step_by(2).collect();
    let fixed_alone = independent(&evens, |_| fixed()).await;
    let default_alone = independent(&odds, |_| options()).await;
    let half = |delays: &[f64], parity: usize| -> Vec<f64> {
        delays
            .iter()
            .enumerate()
            .filter(|(n, _)| n % 2 == parity)
            .map(|(_, delay)| *delay)
            .collect()
    };
    let (fixed_delays, default_delays) = (half(&mixed.delays, 0), half(&mixed.delays, 1));
    println!(
        "| | requests | p50 delay s (fixed 5 s half) | p95 delay s (fixed 5 s half) | p50 delay s (default half) | p95 delay s (default half) |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!(
        "| mixed, one client | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        mixed.requests,
        percentile(&fixed_delays, 0.5),
        percentile(&fixed_delays, 0.95),
        percentile(&default_delays, 0.5),
        percentile(&default_delays, 0.95),
    );
    println!(
        "| each half on its own client | {} + {} = {} | {:.2} | {:.2} | {:.2} | {:.2} |",
        fixed_alone.requests,
        default_alone.requests,
        fixed_alone.requests + default_alone.requests,
        percentile(&fixed_alone.delays, 0.5),
        percentile(&fixed_alone.delays, 0.95),
        percentile(&default_alone.delays, 0.5),
        percentile(&default_alone.delays, 0.95),
    );
}

/// `jobs` jobs created together, then waited on by one `wait_for_jobs`:
/// peak heap of the wait (beyond the sandbox's store) and wall time.
async fn scale_run(jobs: usize) -> (usize, f64, u64) {
    let sandbox = sandbox().await;
    let client = support::sandbox_client(&sandbox);
    let planned = plan(jobs, Duration::ZERO);
    let ids: Vec<String> = planned
        .iter()
        .map(|job| sandbox.create_job(JobScript::delivered(Duration::ZERO, job.duration)))
        .collect();
    let before = support::counting_allocator::reset_peak();
    let wall = std::time::Instant::now();
    let mut finished = client.wait_for_jobs(ids, options());
    let mut reported = 0;
    while let Some(result) = finished.next().await {
        assert!(result.is_ok());
        reported += 1;
    }
    assert_eq!(reported, jobs);
    let peak = support::counting_allocator::peak().saturating_sub(before);
    (
        peak,
        wall.elapsed().as_secs_f64(),
        sandbox.stats().graphql_requests,
    )
}

async fn scale() {
    println!("\n## Scale: jobs waited on at once in one process\n");
    println!(
        "| jobs | requests | peak heap of the wait (MiB) | bytes per job | replay wall time (s) |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut times = Vec::new();
    for jobs in [10_000, 100_000] {
        let (peak, wall, requests) = scale_run(jobs).await;
        times.push(wall);
        println!(
            "| {jobs} | {requests} | {:.1} | {} | {wall:.1} |",
            peak as f64 / (1024.0 * 1024.0),
            peak / jobs
        );
    }
    println!(
        "\nWall time 100k / 10k: {:.1}x for 10x the jobs.",
        times[1] / times[0]
    );
}

/// Real time: 10,000 jobs due at once, every answer 50 ms late.
async fn round_trips(max_concurrent: usize) -> f64 {
    let sandbox = sandbox().await;
    let ids: Vec<String> = (0..10_000)
        .map(|_| {
            sandbox.create_job(JobScript::delivered(
                Duration::ZERO,
                Duration::from_secs(3600),
            ))
        })
        .collect();
    sandbox.inject_fault(Fault::fraction(1.0, FaultKind::Delay { millis: 50 }));
    let client: Client = support::sandbox_builder(&sandbox)
        .max_concurrent_polls(max_concurrent)
        .build()
        .expect("client");
    let started = std::time::Instant::now();
    let mut updates = client.watch_jobs(ids, options());
    let mut seen = 0;
    while seen < 10_000 {
        match updates.next().await {
            Some(JobUpdate::Progress(_)) => seen += 1,
            Some(other) => panic!("{other:?}"),
            None => break,
        }
    }
    started.elapsed().as_secs_f64()
}

fn main() {
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    paused.block_on(async {
        independent_callers().await;
        mixed_options().await;
        scale().await;
    });
    let real = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    real.block_on(async {
        println!(
            "\n## Round trips: 10,000 jobs due at once, 50 ms added to every answer (real time)\n"
        );
        let one = round_trips(1).await;
        let default = round_trips(4).await;
        println!("| requests in flight | first tick to last answer (s) |");
        println!("|---|---:|");
        println!("| 1 (one after another) | {one:.2} |");
        println!("| 4 (the default) | {default:.2} |");
        println!("\nConcurrent / sequential: {:.2}", default / one);
    });
}
