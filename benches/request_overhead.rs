//! Request overhead: `Client::get_job` against a hand-written reqwest call
//! with the same body, on the same local sandbox, in the same run.
//!
//! Run: `cargo bench --bench request_overhead`
//! Target: ours >= 0.95x the hand-written call's throughput.

use std::time::{Duration, Instant};

use datasaur::operations::get_job;
use datasaur::sandbox::{DOCUMENTED_JOB_ID, Sandbox, SandboxConfig};

const CALLS_PER_ROUND: usize = 2_000;
const ROUNDS: usize = 5;

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let sandbox = Sandbox::start(SandboxConfig::default())
            .await
            .expect("sandbox starts");
        let client = sandbox.client();
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
        let ours = || async {
            let job = client.get_job(DOCUMENTED_JOB_ID).await.expect("answer");
            assert!(job.is_delivered());
        };

        // Warm up both connection pools.
        for _ in 0..200 {
            hand_written().await;
            ours().await;
        }
        let mut hand_rates = Vec::new();
        let mut our_rates = Vec::new();
        for _ in 0..ROUNDS {
            // Alternate, so drift on the machine hits both alike.
            let started = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                hand_written().await;
            }
            hand_rates.push(rate(started.elapsed()));
            let started = Instant::now();
            for _ in 0..CALLS_PER_ROUND {
                ours().await;
            }
            our_rates.push(rate(started.elapsed()));
        }
        let (hand, ours) = (median(hand_rates), median(our_rates));
        println!("| | requests/s (median of {ROUNDS} rounds of {CALLS_PER_ROUND}) |");
        println!("|---|---:|");
        println!("| hand-written reqwest + serde_json::Value | {hand:.0} |");
        println!("| datasaur::Client::get_job | {ours:.0} |");
        println!(
            "| ratio ours / hand-written | {:.3} (target >= 0.95) |",
            ours / hand
        );
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
