//! Waiting on jobs against the sandbox, on a paused clock: hours of jobs in
//! milliseconds.

use crate::support::sandbox::SandboxClient;

use std::collections::HashMap;
use std::time::Duration;

use datasaur::{JobStatus, JobUpdate, PollBackoff, WaitError, WaitLimit, WaitOptions};
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

#[tokio::test(start_paused = true)]
async fn delivered_job_is_returned_soon_after_it_ends() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(5), secs(20)));
    let started = Instant::now();
    let job = sandbox.client().wait_for_job(&id, None).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(job.status, JobStatus::Delivered);
    assert_eq!(job.progress, 100);
    assert!(
        waited >= secs(25) && waited < secs(27),
        "noticed after {waited:?}"
    );
    // One poll a second while young, then slowly fewer.
    let polls = sandbox.stats().operation("GetJobs");
    assert!((20..=27).contains(&polls), "{polls} polls");
}

#[tokio::test(start_paused = true)]
async fn failed_job_is_an_error_with_its_errors() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::failed(
        secs(1),
        secs(10),
        "Error: model endpoint timed out\n    at predict",
    ));
    let error = sandbox.client().wait_for_job(&id, None).await.unwrap_err();
    let WaitError::Failed { job, .. } = &error else {
        panic!("expected Failed, got {error:?}")
    };
    assert_eq!(job.id, id);
    assert_eq!(job.errors.len(), 1);
    assert_eq!(
        job.errors[0].stack,
        "Error: model endpoint timed out\n    at predict"
    );
    assert_eq!(
        error.to_string(),
        format!("job {id} failed: Error: model endpoint timed out")
    );
}

#[tokio::test(start_paused = true)]
async fn timeout_reports_elapsed_polls_and_last_seen() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(10), secs(7200)));
    let options = WaitOptions::default().max_wait(secs(60));
    let started = Instant::now();
    let error = sandbox
        .client()
        .wait_for_job(&id, options)
        .await
        .unwrap_err();
    assert_eq!(started.elapsed(), secs(60));
    let WaitError::TimedOut {
        job_id,
        limit,
        elapsed,
        polls,
        last_seen,
        last_error,
        ..
    } = error
    else {
        panic!("expected TimedOut, got {error:?}")
    };
    assert_eq!(job_id, id);
    assert_eq!(limit, WaitLimit::MaxWait(secs(60)));
    assert_eq!(elapsed, secs(60));
    assert_eq!(u64::from(polls), sandbox.stats().operation("GetJobs"));
    // Every second for 20 s, then growing by 5% of the age: 40 to 50 polls in a minute.
    assert!((40..=50).contains(&polls), "{polls} polls");
    let last_seen = last_seen.expect("the job was seen");
    assert_eq!(last_seen.status, JobStatus::InProgress);
    assert!(last_error.is_none());
}

#[tokio::test(start_paused = true)]
async fn max_polls_ends_the_wait() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(0), secs(3600)));
    let error = sandbox
        .client()
        .wait_for_job(&id, WaitOptions::default().max_polls(5))
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            WaitError::TimedOut {
                limit: WaitLimit::MaxPolls(5),
                polls: 5,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(sandbox.stats().operation("GetJobs"), 5);
}

#[tokio::test(start_paused = true)]
async fn transient_503s_and_429s_are_ridden_through() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(1), secs(5)));
    sandbox.inject_fault(Fault::next(3, FaultKind::Status { status: 503 }));
    sandbox.inject_fault(Fault::next(
        2,
        FaultKind::RateLimited {
            retry_after_secs: 4,
        },
    ));
    let started = Instant::now();
    let job = sandbox.client().wait_for_job(&id, None).await.unwrap();
    assert!(job.is_delivered());
    assert_eq!(sandbox.stats().faults_injected, 5);
    // Two 429s each held the next poll back by their Retry-After of 4 s.
    assert!(started.elapsed() >= secs(8), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn every_transient_fault_kind_is_ridden_through() {
    for kind in FaultKind::all()
        .into_iter()
        .filter(|kind| *kind != FaultKind::Status { status: 500 })
    {
        let sandbox = sandbox().await;
        let id = sandbox.create_job(JobScript::delivered(secs(1), secs(3)));
        sandbox.inject_fault(Fault::next(2, kind.clone()));
        let job = sandbox.client().wait_for_job(&id, None).await;
        assert!(
            job.as_ref().is_ok_and(|job| job.is_delivered()),
            "{kind:?}: {job:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn http_500_is_not_retried() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(1), secs(3)));
    sandbox.inject_fault(Fault::next(1, FaultKind::Status { status: 500 }));
    let error = sandbox.client().wait_for_job(&id, None).await.unwrap_err();
    let WaitError::Poll { source, .. } = &error else {
        panic!("expected Poll, got {error:?}")
    };
    assert!(source.http_status() == Some(500), "{source:?}");
}

#[tokio::test(start_paused = true)]
async fn unauthorized_stops_at_once() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(1), secs(30)));
    sandbox.expire_tokens();
    let started = Instant::now();
    let error = sandbox.client().wait_for_job(&id, None).await.unwrap_err();
    assert_eq!(started.elapsed(), Duration::ZERO);
    let WaitError::Poll { job_id, source, .. } = &error else {
        panic!("expected Poll, got {error:?}")
    };
    assert_eq!(job_id, &id);
    assert!(source.is_unauthorized(), "{source:?}");
    assert_eq!(sandbox.stats().graphql_requests, 1);
}

#[tokio::test(start_paused = true)]
async fn a_job_not_visible_yet_is_given_a_grace_period() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(1), secs(2)).invisible_for(secs(4)));
    let job = sandbox.client().wait_for_job(&id, None).await.unwrap();
    assert!(job.is_delivered());
}

#[tokio::test(start_paused = true)]
async fn an_unknown_job_is_reported_after_the_grace_period() {
    let sandbox = sandbox().await;
    let options = WaitOptions::default().not_found_grace(secs(5));
    let started = Instant::now();
    let error = sandbox
        .client()
        .wait_for_job("AutoLabelQueue:nope", options)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, WaitError::NotFound { job_id, waited, .. } if job_id == "AutoLabelQueue:nope" && *waited >= secs(5)),
        "{error:?}"
    );
    assert!(started.elapsed() < secs(7), "{:?}", started.elapsed());
}

#[tokio::test(start_paused = true)]
async fn watch_job_yields_progress_then_the_end() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(2), secs(10)));
    let updates: Vec<JobUpdate> = sandbox.client().watch_job(&id, None).collect().await;
    let (last, progress) = updates.split_last().unwrap();
    assert!(
        matches!(last, JobUpdate::Finished(Ok(job)) if job.is_delivered()),
        "{last:?}"
    );
    let seen: Vec<(JobStatus, i64)> = progress
        .iter()
        .map(|update| match update {
            JobUpdate::Progress(job) => (job.status.clone(), job.progress),
            other => panic!("only the last update finishes: {other:?}"),
        })
        .collect();
    assert_eq!(seen[0], (JobStatus::Queued, 0));
    assert!(seen.len() >= 8, "{seen:?}");
    assert!(
        seen.windows(2).all(|w| w[0] != w[1]),
        "only changes are reported: {seen:?}"
    );
    let running: Vec<i64> = seen
        .iter()
        .filter(|(s, _)| *s == JobStatus::InProgress)
        .map(|(_, p)| *p)
        .collect();
    assert!(running.windows(2).all(|w| w[0] < w[1]), "{running:?}");
}

#[tokio::test(start_paused = true)]
async fn dropping_a_watch_stops_polling() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(0), secs(600)));
    let mut updates = sandbox.client().watch_job(&id, None);
    assert!(matches!(updates.next().await, Some(JobUpdate::Progress(_))));
    drop(updates);
    let requests = sandbox.stats().graphql_requests;
    tokio::time::sleep(secs(300)).await;
    assert_eq!(sandbox.stats().graphql_requests, requests);
}

#[tokio::test(start_paused = true)]
async fn a_thousand_jobs_are_each_reported_once_with_few_requests() {
    let sandbox = sandbox().await;
    let mut random = fastrand::Rng::with_seed(7);
    let mut expected = HashMap::new();
    let mut ids = Vec::new();
    for n in 0..1000 {
        // 1 s to ~17 min, log-uniform; every 10th fails.
        let running = Duration::from_secs_f64(1000f64.powf(random.f64()));
        let script = if n % 10 == 0 {
            JobScript::failed(Duration::ZERO, running, "boom")
        } else {
            JobScript::delivered(Duration::ZERO, running)
        };
        let id = sandbox.create_job(script);
        expected.insert(id.clone(), (n % 10 == 0, running));
        ids.push(id);
    }
    // Duplicates and an unknown id ride along.
    ids.push(ids[0].clone());
    ids.push(ids[1].clone());
    ids.push("AutoLabelQueue:unknown".to_owned());

    let started = Instant::now();
    let mut reported = HashMap::new();
    let mut results = sandbox
        .client()
        .wait_for_jobs(ids, WaitOptions::default().max_wait(secs(7200)));
    while let Some(result) = results.next().await {
        let noticed_after = started.elapsed();
        let id = match &result {
            Ok(job) => job.id.clone(),
            Err(error) => error.job_id().to_owned(),
        };
        assert!(
            reported
                .insert(id.clone(), (result, noticed_after))
                .is_none(),
            "{id} reported twice"
        );
    }
    assert_eq!(reported.len(), 1001);
    assert!(matches!(
        reported["AutoLabelQueue:unknown"].0,
        Err(WaitError::NotFound { .. })
    ));
    for (id, (fails, running)) in &expected {
        let (result, noticed_after) = &reported[id];
        match result {
            Ok(job) => assert!(!fails && job.is_delivered(), "{id}: {result:?}"),
            Err(WaitError::Failed { job, .. }) => {
                assert!(*fails && job.errors[0].stack == "boom", "{id}")
            }
            Err(other) => panic!("{id}: {other}"),
        }
        // Noticed after it ended, and within 10% of its duration (or 1 s) after.
        assert!(noticed_after >= running, "{id} noticed before it ended");
        let late = *noticed_after - *running;
        assert!(
            late <= running.mul_f64(0.1).max(secs(1)) + Duration::from_millis(10),
            "{id}: {late:?} late for {running:?}"
        );
    }

    let stats = sandbox.stats();
    assert_eq!(stats.operation("GetJob"), 0);
    let requests = stats.operation("GetJobs");
    let polls = stats.job_ids_requested;
    println!("1,000 jobs: {requests} requests carrying {polls} job polls");
    // One request per job per tick would be `polls` requests.
    assert!(
        requests * 20 < polls,
        "{requests} requests for {polls} polls"
    );
}

#[tokio::test(start_paused = true)]
async fn a_fatal_error_ends_every_job_of_a_batched_wait_once() {
    let sandbox = sandbox().await;
    let ids: Vec<String> = (0..250)
        .map(|_| sandbox.create_job(JobScript::delivered(secs(0), secs(60))))
        .collect();
    let client = sandbox.client();
    let mut results = client.wait_for_jobs(ids.clone(), None);
    tokio::time::sleep(secs(5)).await;
    sandbox.expire_tokens();
    let mut ended = Vec::new();
    while let Some(result) = results.next().await {
        let error = result.expect_err("no job is delivered before the token expires");
        assert!(matches!(&error, WaitError::Poll { source, .. } if source.is_unauthorized()));
        ended.push(error.job_id().to_owned());
    }
    ended.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(ended, expected);
}

#[tokio::test(start_paused = true)]
async fn client_wide_wait_options_apply_when_a_call_passes_none() {
    let sandbox = sandbox().await;
    let id = sandbox.create_job(JobScript::delivered(secs(0), secs(600)));
    let options = WaitOptions::default()
        .max_wait(secs(30))
        .backoff(PollBackoff::fixed(secs(10)));
    let client = sandbox
        .client_builder()
        .wait_options(options)
        .build()
        .unwrap();
    let error = client.wait_for_job(&id, None).await.unwrap_err();
    assert!(
        matches!(error, WaitError::TimedOut { limit: WaitLimit::MaxWait(limit), polls: 3, .. } if limit == secs(30)),
        "{error:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn jobs_added_over_time_share_requests_and_each_is_reported_once() {
    let sandbox = sandbox().await;
    let client = sandbox.client();
    let (waiter, mut updates) = client.job_waiter(None);
    let mut random = fastrand::Rng::with_seed(11);
    let mut scripts = Vec::new();
    for _ in 0..300 {
        // Starts spread over 10 minutes, runs of 1 s to ~17 min.
        let start = Duration::from_secs_f64(600.0 * random.f64());
        let running = Duration::from_secs_f64(1000f64.powf(random.f64()));
        scripts.push((start, running));
    }
    scripts.sort_by_key(|(start, _)| *start);
    let started = Instant::now();
    let mut pending = scripts.into_iter().peekable();
    let mut expected = HashMap::new();
    let mut reported = HashMap::new();
    let mut waiter = Some(waiter);
    loop {
        // Start every job whose time has come, then take the next update or wait for the next start.
        while let Some((start, running)) = pending.peek().copied() {
            if started.elapsed() < start {
                break;
            }
            pending.next();
            let id = sandbox.create_job(JobScript::delivered(Duration::ZERO, running));
            expected.insert(id.clone(), running);
            assert!(waiter.as_ref().unwrap().add(id));
        }
        if pending.peek().is_none() {
            waiter = None; // no more jobs: let the stream end
        }
        let next_start = pending.peek().map(|(start, _)| started + *start);
        let update = match next_start {
            Some(at) => tokio::select! {
                update = updates.next() => update,
                () = tokio::time::sleep_until(at) => continue,
            },
            None => updates.next().await,
        };
        match update {
            Some(JobUpdate::Finished(result)) => {
                let job = result.expect("every job is delivered");
                assert!(
                    reported.insert(job.id.clone(), ()).is_none(),
                    "{} twice",
                    job.id
                );
            }
            Some(_) => {}
            None => break,
        }
    }
    assert!(waiter.is_none());
    assert_eq!(reported.len(), 300);
    assert_eq!(expected.len(), 300);
    let stats = sandbox.stats();
    let requests = stats.operation("GetJobs");
    println!(
        "300 jobs started over 10 min: {requests} requests carrying {} polls",
        stats.job_ids_requested
    );
    // Young jobs keep arriving, yet requests stay at most one per second of the wait.
    let wall = started.elapsed().as_secs();
    assert!(requests <= wall + 1, "{requests} requests in {wall} s");
    assert!(
        requests * 5 < stats.job_ids_requested,
        "{requests} requests for {} polls",
        stats.job_ids_requested
    );
}

#[tokio::test]
async fn adding_to_a_dropped_wait_says_so() {
    let sandbox = sandbox().await;
    let (waiter, updates) = sandbox.client().job_waiter(None);
    drop(updates);
    assert!(!waiter.add("AutoLabelQueue:1"));
}
