//! Request overhead: `Client::get_job` against a hand-written reqwest call
//! with the same body, on the same local sandbox, in the same run.
//!
//! Run: `cargo bench --bench request_overhead`
//! Target: ours >= 0.95x the hand-written call's throughput.

use std::time::{Duration, Instant};

use datasaur::operations::get_job;
use datasaur_sandbox::{DOCUMENTED_JOB_ID, Sandbox, SandboxConfig};

const CALLS_PER_ROUND: usize = 500;
const ROUNDS: usize = 30;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox starts");
        let client = datasaur::Client::builder()
            .base_url(sandbox.base_url())
            .access_token(sandbox.token())
            .build()
            .expect("a sandbox client");
        let http = reqwest::Client::new();
        let body = serde_json::json!({
            "operationName": get_job::OPERATION_NAME,
            "query": get_job::QUERY,
            "variables": {"jobId": DOCUMENTED_JOB_ID},
        });
        let url = format!("{}?graphql=GetJob", sandbox.graphql_url());

        let hand_written = || async {
            let answer: serde_json::Value = http
                .post(&url)
                .bearer_auth(sandbox.token())
                .json(&body)
                .send()
                .await
                .expect("answer")
                .json()
                .await
                .expect("JSON");
            assert_eq!(answer["data"]["job"]["status"], "DELIVERED");
        };
        // The same request as ours on the wire: the same headers too (user
        // agent, a fresh x-request-id), so the ratio measures the wrapper.
        let hand_written_same_headers = || async {
            let request_id = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
            let answer: serde_json::Value = http
                .post(&url)
                .bearer_auth(sandbox.token())
                .header("user-agent", concat!("datasaur-rs/", env!("CARGO_PKG_VERSION")))
                .header("x-request-id", request_id)
                .json(&body)
                .send()
                .await
                .expect("answer")
                .json()
                .await
                .expect("JSON");
            assert_eq!(answer["data"]["job"]["status"], "DELIVERED");
        };
        let ours = || async {
            let job = client.get_job(DOCUMENTED_JOB_ID).await.expect("answer");
            assert!(job.is_delivered());
        };

        // Warm up the connection pools.
        for _ in 0..200 {
            hand_written().await;
            hand_written_same_headers().await;
            ours().await;
        }
        let mut bare_rates = Vec::new();
        let mut same_rates = Vec::new();
        let mut our_rates = Vec::new();
        for _ in 0..ROUNDS {
            // Alternate, so drift on the machine hits all alike.
            let started = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                hand_written().await;
            }
            bare_rates.push(rate(started.elapsed()));
            let started = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                hand_written_same_headers().await;
            }
            same_rates.push(rate(started.elapsed()));
            let started = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                ours().await;
            }
            our_rates.push(rate(started.elapsed()));
        }
        // Ratios of each round's pair, so slow phases of the machine cancel out.
        let ratio = |baseline: &[f64]| median(our_rates.iter().zip(baseline).map(|(ours, base)| ours / base).collect());
        let (vs_same, vs_bare) = (ratio(&same_rates), ratio(&bare_rates));
        println!("| | requests/s (median of {ROUNDS} alternating rounds of {CALLS_PER_ROUND}) | ours / it (median of per-round ratios) |");
        println!("|---|---:|---:|");
        println!("| hand-written reqwest, same body and headers | {:.0} | {vs_same:.3} (target >= 0.95) |", median(same_rates.clone()));
        println!("| hand-written reqwest, same body, bare headers | {:.0} | {vs_bare:.3} |", median(bare_rates.clone()));
        println!("| datasaur::Client::get_job | {:.0} | |", median(our_rates.clone()));
        sandbox.shutdown().await;
    });
}

fn rate(elapsed: Duration) -> f64 {
    CALLS_PER_ROUND as f64 / elapsed.as_secs_f64()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}
