//! The client's one wait engine: every wait on a client shares requests,
//! whoever calls it and however. Paused clock, counted at the sandbox.

use crate::support::sandbox::SandboxClient;

use std::sync::Arc;
use std::time::Duration;

use datasaur::{JobUpdate, PollBackoff, RetryPolicy, WaitError, WaitLimit, WaitOptions};
use datasaur_sandbox::{Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;
use tokio::time::Instant;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts")
}

/// `n` jobs of 1 s to 30 min (log-uniform, fixed seed), created now.
fn create_jobs(sandbox: &Sandbox, n: usize) -> Vec<String> {
    let mut random = fastrand::Rng::with_seed(42);
    (0..n)
        .map(|_| {
            let running = Duration::from_secs_f64(1800f64.powf(random.f64()));
            sandbox.create_job(JobScript::delivered(Duration::ZERO, running))
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn independent_callers_share_requests_like_one_batched_wait() {
    const JOBS: usize = 300;

    // One wait_for_jobs over every job.
    let together = sandbox().await;
    let ids = create_jobs(&together, JOBS);
    let results: Vec<_> = together.client().wait_for_jobs(ids, None).collect().await;
    assert!(results.iter().all(Result::is_ok));
    let batched = together.stats().operation("GetJobs");

    // One task per job, each with its own wait_for_job, on one client.
    let apart = sandbox().await;
    let client = apart.client();
    let tasks: Vec<_> = create_jobs(&apart, JOBS)
        .into_iter()
        .map(|id| {
            let client = client.clone();
            tokio::spawn(async move { client.wait_for_job(id, None).await })
        })
        .collect();
    for task in tasks {
        assert!(task.await.expect("task runs").is_ok());
    }
    let independent = apart.stats().operation("GetJobs");
    println!("{JOBS} jobs: {independent} requests for independent callers, {batched} for one wait");
    assert!(
        independent * 100 <= batched * 105,
        "{independent} requests against {batched}"
    );
    assert_eq!(
        apart.stats().operation("GetJob"),
        0,
        "single waits are batched too"
    );
}

#[tokio::test(start_paused = true)]
async fn two_callers_on_one_id_share_each_poll_and_are_both_told() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(2), secs(20)));
    let client = sandbox.client();
    let other = client.clone();
    let (first, second) = tokio::join!(
        client.wait_for_job(&id, None),
        other.wait_for_job(&id, None)
    );
    assert!(first.is_ok_and(|job| job.is_delivered()));
    assert!(second.is_ok_and(|job| job.is_delivered()));
    let stats = sandbox.stats();
    assert_eq!(
        stats.job_ids_requested,
        stats.operation("GetJobs"),
        "each request carried the id once"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dropped_callers_job_is_no_longer_polled_and_nothing_polls_after_the_last() {
    let sandbox = sandbox().await;
    let dropped = sandbox.create_job(JobScript::delivered(secs(0), secs(3600)));
    let kept = sandbox.create_job(JobScript::delivered(secs(0), secs(3600)));
    let client = sandbox.client();

    let mut dropped_watch = client.watch_job(&dropped, None);
    let mut kept_watch = client.watch_job(&kept, None);
    assert!(matches!(
        dropped_watch.next().await,
        Some(JobUpdate::Progress(_))
    ));
    assert!(matches!(
        kept_watch.next().await,
        Some(JobUpdate::Progress(_))
    ));
    drop(dropped_watch);

    // Keep the other watch polled while time passes.
    let kept_task = tokio::spawn(async move { while kept_watch.next().await.is_some() {} });
    tokio::time::sleep(secs(1)).await;
    sandbox.reset_stats();
    tokio::time::sleep(secs(120)).await;
    let stats = sandbox.stats();
    assert!(stats.operation("GetJobs") > 5, "{stats:?}");
    assert_eq!(
        stats.job_ids_requested,
        stats.operation("GetJobs"),
        "only the kept job is asked for"
    );

    kept_task.abort();
    let _ = kept_task.await;
    tokio::time::sleep(secs(1)).await;
    sandbox.reset_stats();
    tokio::time::sleep(secs(600)).await;
    assert_eq!(
        sandbox.stats().graphql_requests,
        0,
        "no one waits: no request"
    );
}

#[tokio::test(start_paused = true)]
async fn each_caller_keeps_its_own_limits_and_backoff() {
    let sandbox = sandbox().await;
    let long = || JobScript::delivered(secs(0), secs(3600));
    let (capped, slow, limited) = (
        sandbox.create_job(long()),
        sandbox.create_job(long()),
        sandbox.create_job(long()),
    );
    let client = sandbox.client();
    let started = Instant::now();
    let capped_wait = client.wait_for_job(&capped, WaitOptions::default().max_polls(3));
    let slow_wait = async {
        let options = WaitOptions::default()
            .backoff(PollBackoff::fixed(secs(10)))
            .max_wait(secs(60));
        let result = client.wait_for_job(&slow, options).await;
        (result, started.elapsed())
    };
    let limited_wait = async {
        let result = client
            .wait_for_job(&limited, WaitOptions::default().max_wait(secs(30)))
            .await;
        (result, started.elapsed())
    };
    let (capped_result, (slow_result, slow_after), (limited_result, limited_after)) =
        tokio::join!(capped_wait, slow_wait, limited_wait);

    assert!(
        matches!(
            capped_result,
            Err(WaitError::TimedOut {
                limit: WaitLimit::MaxPolls(3),
                polls: 3,
                ..
            })
        ),
        "{capped_result:?}"
    );
    let Err(WaitError::TimedOut { limit, polls, .. }) = slow_result else {
        panic!("expected a timeout: {slow_result:?}")
    };
    assert_eq!(limit, WaitLimit::MaxWait(secs(60)));
    assert_eq!(slow_after, secs(60));
    // Every 10 s, at most a quarter early when joining the others' requests
    // (sent every second): 8 or 9 polls in a minute, not 60.
    assert!((7..=9).contains(&polls), "{polls} polls");
    let Err(WaitError::TimedOut { limit, polls, .. }) = limited_result else {
        panic!("expected a timeout: {limited_result:?}")
    };
    assert_eq!(limit, WaitLimit::MaxWait(secs(30)));
    assert_eq!(limited_after, secs(30));
    assert!((20..=30).contains(&polls), "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn max_polls_elapsed_counts_from_the_jobs_own_start() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    let (waiter, mut updates) = client.job_waiter(WaitOptions::default().max_polls(3));
    let first = sandbox.create_job(JobScript::delivered(secs(0), secs(5)));
    assert!(waiter.add(&first));
    tokio::time::sleep(secs(100)).await;
    let late = sandbox.create_job(JobScript::delivered(secs(0), secs(3600)));
    assert!(waiter.add(&late));
    drop(waiter);
    let mut late_error = None;
    while let Some(update) = updates.next().await {
        if let JobUpdate::Finished(Err(error)) = update {
            late_error = Some(error);
        }
    }
    let Some(WaitError::TimedOut {
        job_id, elapsed, ..
    }) = late_error
    else {
        panic!("expected the late job to time out: {late_error:?}")
    };
    assert_eq!(job_id, late);
    assert!(
        elapsed <= secs(3),
        "{elapsed:?} counts from the wait's start"
    );
}

#[tokio::test(start_paused = true)]
async fn a_fatal_error_reaches_every_caller_in_the_request_once() {
    let sandbox = sandbox().await;
    let long = || JobScript::delivered(secs(0), secs(600));
    let (a, b, c, d) = (
        sandbox.create_job(long()),
        sandbox.create_job(long()),
        sandbox.create_job(long()),
        sandbox.create_job(long()),
    );
    let client = sandbox.client();
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 500 }));
    let (first, second, streamed) = tokio::join!(
        client.wait_for_job(&a, None),
        client.wait_for_job(&b, None),
        client
            .watch_jobs([c.clone(), d.clone()], None)
            .collect::<Vec<_>>()
    );
    assert_eq!(sandbox.stats().graphql_requests, 1, "one request, all ids");
    for result in [&first, &second] {
        let Err(WaitError::Poll { source, .. }) = result else {
            panic!("expected the poll error: {result:?}")
        };
        assert_eq!(source.http_status(), Some(500));
    }
    let mut ended: Vec<&str> = streamed
        .iter()
        .map(|update| match update {
            JobUpdate::Finished(Err(error @ WaitError::Poll { .. })) => error.job_id(),
            other => panic!("expected only the poll error: {other:?}"),
        })
        .collect();
    ended.sort_unstable();
    let mut expected = vec![c.as_str(), d.as_str()];
    expected.sort_unstable();
    assert_eq!(ended, expected, "each job once");

    // A caller arriving afterwards starts afresh.
    let job = client
        .wait_for_job(
            sandbox.create_job(JobScript::delivered(secs(0), secs(2))),
            None,
        )
        .await;
    assert!(job.is_ok_and(|job| job.is_delivered()));
}

#[tokio::test(start_paused = true)]
async fn a_job_waiter_ends_after_a_fatal_error_and_refuses_more_jobs() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    let (waiter, mut updates) = client.job_waiter(None);
    let first = sandbox.create_job(JobScript::delivered(secs(0), secs(600)));
    assert!(waiter.add(&first));
    assert!(matches!(updates.next().await, Some(JobUpdate::Progress(_))));
    sandbox.expire_tokens();
    let update = updates.next().await;
    assert!(
        matches!(
            &update,
            Some(JobUpdate::Finished(Err(WaitError::Poll { source, .. })))
                if source.is_unauthorized()
        ),
        "{update:?}"
    );
    assert!(updates.next().await.is_none(), "the stream ends");
    assert!(!waiter.add("AutoLabelQueue:another"), "add is refused");
}

#[tokio::test(start_paused = true)]
async fn a_watch_stream_reports_a_failed_poll_and_goes_on() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(0), secs(10)));
    let client = sandbox
        .client_builder()
        .retry_policy(RetryPolicy::disabled())
        .build()
        .unwrap();
    let mut updates = client.watch_job(&id, None);
    assert!(matches!(updates.next().await, Some(JobUpdate::Progress(_))));
    sandbox.inject_fault(Fault::next(
        1,
        FaultKind::RateLimited {
            retry_after_secs: 7,
        },
    ));
    let mut failure = None;
    let mut finished = None;
    while let Some(update) = updates.next().await {
        match update {
            JobUpdate::PollFailed {
                job_id,
                error,
                retry_in,
            } => failure = Some((job_id, error, retry_in)),
            JobUpdate::Finished(result) => finished = Some(result),
            _ => {}
        }
    }
    let (job_id, error, retry_in) = failure.expect("the failed poll is reported");
    assert_eq!(job_id, id);
    assert!(error.http_status() == Some(429), "{error:?}");
    assert_eq!(retry_in, secs(7), "the server's Retry-After");
    assert!(finished.is_some_and(|result| result.is_ok()));
}

#[test]
fn a_client_shared_across_runtimes_survives_the_runtime_that_ran_its_engine() {
    // The sandbox on a runtime of its own, in real time.
    let server = tokio::runtime::Runtime::new().unwrap();
    let sandbox = server.block_on(sandbox());
    let client = Arc::new(sandbox.client());
    let quick = sandbox.create_job(JobScript::delivered(
        Duration::ZERO,
        Duration::from_millis(1500),
    ));

    // Runtime A runs the engine for a long wait.
    let first = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let long = sandbox.create_job(JobScript::delivered(Duration::ZERO, secs(3600)));
    let client_a = client.clone();
    first.spawn(async move { client_a.wait_for_job(long, None).await });
    std::thread::sleep(Duration::from_millis(300));
    // A wait on runtime B joins A's engine...
    let client_b = client.clone();
    let waiting = std::thread::spawn(move || {
        let second = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        second.block_on(async move {
            tokio::time::timeout(secs(20), client_b.wait_for_job(quick, None)).await
        })
    });
    std::thread::sleep(Duration::from_millis(300));
    // ... and A shuts down under it.
    first.shutdown_background();

    let result = waiting.join().expect("runtime B's thread");
    let job = result
        .expect("the wait on B did not hang when A shut down")
        .expect("the job is delivered");
    assert!(job.is_delivered());

    // A later caller on yet another runtime starts the engine afresh.
    let third = tokio::runtime::Runtime::new().unwrap();
    let again = sandbox.create_job(JobScript::delivered(
        Duration::ZERO,
        Duration::from_millis(500),
    ));
    let job = third
        .block_on(async { tokio::time::timeout(secs(20), client.wait_for_job(again, None)).await })
        .expect("no hang")
        .expect("delivered");
    assert!(job.is_delivered());
    drop(third);
    server.block_on(sandbox.shutdown());
}
