//! What waiting on 10,000 jobs costs: our default schedule against the ways
//! Datasaur's own tools poll, on the same in-process sandbox and the same
//! (paused, so hours take seconds) clock.
//!
//! Run: `cargo bench -p datasaur --bench polling_cost`
//!
//! Jobs run 1 s to 1 h (log-uniform), once all started together and once
//! with starts spread over an hour. Baselines:
//! - "TS batched 5s": Datasaur's TypeScript tool, one `getJobs` for every
//!   unfinished job every 5 s (100 ids per request, as ours), measured here;
//! - "Python 5s each": Datasaur's Python examples, one `getJob` per job every
//!   5 s, computed (870,000 requests are not worth sending to prove it).

mod support;

use std::collections::HashMap;
use std::time::Duration;
use support::lcg::Lcg;

use datasaur::{JobUpdate, WaitOptions};
use datasaur_sandbox::{JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;
use tokio::time::Instant;

const JOBS: usize = 10_000;
const BASELINE_INTERVAL: Duration = Duration::from_secs(5);

#[derive(Clone, Copy)]
struct PlannedJob {
    start: Duration,
    duration: Duration,
}

struct Outcome {
    requests: u64,
    ids_sent: u64,
    /// Per job: (duration, delay from its end to when the waiter reported it).
    delays: Vec<(Duration, Duration)>,
    peak_heap: usize,
}

fn plan(spread: Duration, seed: u64) -> Vec<PlannedJob> {
    let mut random = Lcg(seed);
    let mut jobs: Vec<PlannedJob> = (0..JOBS)
        .map(|_| PlannedJob {
            duration: Duration::from_secs_f64(3600f64.powf(random.next_f64())),
            start: spread.mul_f64(random.next_f64()),
        })
        .collect();
    jobs.sort_by_key(|job| job.start);
    jobs
}

async fn sandbox() -> Sandbox {
    // Tokens outlive the replay: this measures polling, not token refresh.
    let config = SandboxConfig::default().token_ttl(Duration::from_secs(24 * 3600));
    Sandbox::start(config).await.expect("sandbox starts")
}

/// Our default: one `JobWaiter`, jobs added as they start.
async fn ours(jobs: &[PlannedJob]) -> Outcome {
    let sandbox = sandbox().await;
    let client = support::sandbox_client(&sandbox);
    let heap_before = support::counting_allocator::reset_peak();
    let (waiter, mut updates) =
        client.job_waiter(WaitOptions::default().max_wait(Duration::from_secs(4 * 3600)));
    let mut waiter = Some(waiter);
    let started = Instant::now();
    let mut ends: HashMap<String, (Duration, Instant)> = HashMap::new();
    let mut delays = Vec::with_capacity(jobs.len());
    let mut next = 0;
    loop {
        while next < jobs.len() && started.elapsed() >= jobs[next].start {
            let job = jobs[next];
            let id = sandbox.create_job(JobScript::delivered(Duration::ZERO, job.duration));
            ends.insert(id.clone(), (job.duration, Instant::now() + job.duration));
            if let Some(waiter) = &waiter {
                waiter.add(id);
            }
            next += 1;
        }
        if next == jobs.len() {
            waiter = None;
        }
        let update = match jobs.get(next) {
            Some(job) => tokio::select! {
                update = updates.next() => update,
                () = tokio::time::sleep_until(started + job.start) => continue,
            },
            None => updates.next().await,
        };
        match update {
            Some(JobUpdate::Finished(Ok(job))) => {
                let (duration, end) = ends[&job.id];
                delays.push((duration, Instant::now().saturating_duration_since(end)));
            }
            Some(JobUpdate::Finished(Err(error))) => {
                panic!("after {:?}: {error}", started.elapsed())
            }
            Some(_) => {}
            None => break,
        }
    }
    let peak_heap = support::counting_allocator::peak().saturating_sub(heap_before);
    let stats = sandbox.stats();
    Outcome {
        requests: stats.graphql_requests,
        ids_sent: stats.job_ids_requested,
        delays,
        peak_heap,
    }
}

/// Datasaur's TypeScript tool: all unfinished jobs in one batched `getJobs` every 5 s.
async fn ts_batched(jobs: &[PlannedJob]) -> Outcome {
    let sandbox = sandbox().await;
    let client = support::sandbox_client(&sandbox);
    let started = Instant::now();
    let mut unfinished: Vec<(String, Duration, Instant)> = Vec::new();
    let mut delays = Vec::with_capacity(jobs.len());
    let mut next = 0;
    let mut tick = Duration::ZERO;
    while next < jobs.len() || !unfinished.is_empty() {
        // Jobs start on their own schedule; the poll loop ticks every 5 s.
        let next_start = jobs.get(next).map(|job| job.start);
        if next_start.is_some_and(|start| start <= tick) {
            tokio::time::sleep_until(started + jobs[next].start).await;
            let job = jobs[next];
            let id = sandbox.create_job(JobScript::delivered(Duration::ZERO, job.duration));
            unfinished.push((id, job.duration, Instant::now() + job.duration));
            next += 1;
            continue;
        }
        tokio::time::sleep_until(started + tick).await;
        tick += BASELINE_INTERVAL;
        if unfinished.is_empty() {
            continue;
        }
        let ids: Vec<&str> = unfinished.iter().map(|(id, _, _)| id.as_str()).collect();
        let answers = client.get_jobs(&ids).await.expect("the sandbox answers");
        let now = Instant::now();
        let mut still = Vec::with_capacity(unfinished.len());
        for ((id, duration, end), job) in unfinished.drain(..).zip(answers) {
            if job.is_some_and(|job| job.is_finished()) {
                delays.push((duration, now.saturating_duration_since(end)));
            } else {
                still.push((id, duration, end));
            }
        }
        unfinished = still;
    }
    let stats = sandbox.stats();
    Outcome {
        requests: stats.graphql_requests,
        ids_sent: stats.job_ids_requested,
        delays,
        peak_heap: 0,
    }
}

/// Datasaur's Python examples: one `getJob` per job every 5 s from its start (computed).
fn python_each(jobs: &[PlannedJob]) -> Outcome {
    let step = BASELINE_INTERVAL.as_secs_f64();
    let mut requests = 0;
    let mut delays = Vec::with_capacity(jobs.len());
    for job in jobs {
        let duration = job.duration.as_secs_f64();
        let polls = (duration / step).ceil() + 1.0;
        requests += polls as u64;
        delays.push((
            job.duration,
            Duration::from_secs_f64((duration / step).ceil() * step - duration),
        ));
    }
    Outcome {
        requests,
        ids_sent: requests,
        delays,
        peak_heap: 0,
    }
}

struct Figures {
    requests: u64,
    ids_sent: u64,
    median_delay: f64,
    p95_relative: f64,
    short_median_delay: f64,
}

fn percentile(mut values: Vec<f64>, p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * p).round() as usize]
}

fn figures(outcome: &Outcome) -> Figures {
    assert_eq!(outcome.delays.len(), JOBS, "every job is reported once");
    let delays: Vec<f64> = outcome
        .delays
        .iter()
        .map(|(_, delay)| delay.as_secs_f64())
        .collect();
    let relative: Vec<f64> = outcome
        .delays
        .iter()
        .map(|(duration, delay)| delay.as_secs_f64() / duration.as_secs_f64())
        .collect();
    let short: Vec<f64> = outcome
        .delays
        .iter()
        .filter(|(duration, _)| *duration < Duration::from_secs(60))
        .map(|(_, delay)| delay.as_secs_f64())
        .collect();
    Figures {
        requests: outcome.requests,
        ids_sent: outcome.ids_sent,
        median_delay: percentile(delays, 0.5),
        p95_relative: percentile(relative, 0.95),
        short_median_delay: percentile(short, 0.5),
    }
}

fn report(title: &str, ours: &Outcome, ts: &Outcome, python: &Outcome) {
    let (o, t, p) = (figures(ours), figures(ts), figures(python));
    println!("\n## {title} ({JOBS} jobs, 1 s to 1 h log-uniform)\n");
    println!(
        "| | ours (default) | TS batched 5s (measured) | ours / TS | Python 5s each (computed) |"
    );
    println!("|---|---:|---:|---:|---:|");
    let row = |name: &str, o: f64, t: f64, p: f64, digits: usize| {
        println!(
            "| {name} | {o:.digits$} | {t:.digits$} | {:.3} | {p:.digits$} |",
            o / t
        );
    };
    row(
        "requests",
        o.requests as f64,
        t.requests as f64,
        p.requests as f64,
        0,
    );
    row(
        "job ids sent",
        o.ids_sent as f64,
        t.ids_sent as f64,
        p.ids_sent as f64,
        0,
    );
    row(
        "median delay to notice (s)",
        o.median_delay,
        t.median_delay,
        p.median_delay,
        2,
    );
    row(
        "p95 delay / job duration",
        o.p95_relative,
        t.p95_relative,
        p.p95_relative,
        3,
    );
    row(
        "median delay, jobs < 1 min (s)",
        o.short_median_delay,
        t.short_median_delay,
        p.short_median_delay,
        2,
    );
    println!(
        "\nShort jobs noticed {:.1}x sooner than TS batched; peak heap while waiting (client and sandbox in one process): {:.1} MiB",
        t.short_median_delay / o.short_median_delay,
        ours.peak_heap as f64 / (1024.0 * 1024.0)
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        for (title, spread) in [
            ("All started together", Duration::ZERO),
            ("Starts spread over an hour", Duration::from_secs(3600)),
        ] {
            let jobs = plan(spread, 42);
            let wall = std::time::Instant::now();
            let ours = ours(&jobs).await;
            let ts = ts_batched(&jobs).await;
            let python = python_each(&jobs);
            report(title, &ours, &ts, &python);
            println!(
                "(replayed in {:.1} s of wall time)",
                wall.elapsed().as_secs_f64()
            );
        }
    });
}
