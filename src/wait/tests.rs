//! The wait engine on a fake batch fetch and tokio's paused clock: routing,
//! shared polls, withdrawal, fatal errors reaching each caller once, and the
//! failure limit. No sockets, so no real time can leak into a paused test.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;

use super::protocol::FetchJobs;
use crate::error::Request;
use crate::{Client, Error, Job, JobStatus, JobUpdate, PollBackoff, WaitError, WaitOptions};

/// What the fake answers a batch with.
enum Answer {
    /// Each job as the script says.
    Jobs,
    /// This error for the whole batch.
    Fail(Error),
}

/// A Datasaur in memory: per job, the statuses its successive polls see
/// (the last one repeats; an id it does not know is `null`), and a record
/// of every batch asked.
#[derive(Default)]
struct FakeServer {
    script: Mutex<Script>,
}

#[derive(Default)]
struct Script {
    statuses: HashMap<String, Vec<JobStatus>>,
    polls: HashMap<String, usize>,
    batches: Vec<Vec<String>>,
    /// When each batch was asked, on tokio's (paused) clock.
    asked_at: Vec<tokio::time::Instant>,
    /// Answers of the next batches, before the script resumes; `None` in
    /// `always` keeps failing with a clone of it forever.
    next: Vec<Answer>,
    always: Option<Error>,
}

impl FakeServer {
    fn with_jobs(jobs: &[(&str, &[JobStatus])]) -> Arc<Self> {
        let server = FakeServer::default();
        {
            let mut script = server.script.lock().unwrap();
            for (id, statuses) in jobs {
                script.statuses.insert((*id).to_owned(), statuses.to_vec());
            }
        }
        Arc::new(server)
    }

    fn client(self: &Arc<Self>) -> Client {
        Client::builder()
            .fetch_jobs_with(self.clone())
            .build()
            .expect("a default client builds")
    }

    fn fail_next(&self, error: Error) {
        self.script.lock().unwrap().next.push(Answer::Fail(error));
    }

    fn fail_always(&self, error: Error) {
        self.script.lock().unwrap().always = Some(error);
    }

    fn batches(&self) -> Vec<Vec<String>> {
        self.script.lock().unwrap().batches.clone()
    }

    /// The gaps between successive batches.
    fn gaps(&self) -> Vec<Duration> {
        let script = self.script.lock().unwrap();
        script
            .asked_at
            .windows(2)
            .map(|pair| pair[1] - pair[0])
            .collect()
    }
}

impl FetchJobs for FakeServer {
    fn fetch(&self, ids: Vec<Arc<str>>) -> BoxFuture<'static, crate::Result<Vec<Option<Job>>>> {
        let mut script = self.script.lock().unwrap();
        script
            .batches
            .push(ids.iter().map(|id| id.to_string()).collect());
        script.asked_at.push(tokio::time::Instant::now());
        let answer = if script.next.is_empty() {
            match &script.always {
                Some(error) => Answer::Fail(error.clone()),
                None => Answer::Jobs,
            }
        } else {
            script.next.remove(0)
        };
        let result = match answer {
            Answer::Fail(error) => Err(error),
            Answer::Jobs => Ok(ids
                .iter()
                .map(|id| {
                    let statuses = script.statuses.get(&**id)?.clone();
                    let polls = script.polls.entry(id.to_string()).or_default();
                    let status = statuses
                        .get(*polls)
                        .or(statuses.last())
                        .cloned()
                        .unwrap_or(JobStatus::Queued);
                    *polls += 1;
                    Some(job(id, status))
                })
                .collect()),
        };
        Box::pin(async move { result })
    }
}

fn job(id: &str, status: JobStatus) -> Job {
    Job {
        id: id.to_owned(),
        progress: if status == JobStatus::Delivered {
            100
        } else {
            10
        },
        status,
        errors: Vec::new(),
        errors_omitted: 0,
        result_id: None,
        result: None,
        created_at: "0".to_owned(),
        updated_at: "0".to_owned(),
        additional_data: None,
    }
}

fn transient() -> Error {
    Error::timed_out(
        Request::new("GetJobs", "fake".into()),
        Duration::from_secs(30),
    )
}

fn fatal() -> Error {
    Error::unauthorized(
        Request::new("GetJobs", "fake".into()),
        "token revoked".into(),
    )
}

/// Each outcome of a wait on several jobs, by job id.
async fn by_id(
    outcomes: impl futures::Stream<Item = Result<Job, WaitError>>,
) -> HashMap<String, Result<Job, WaitError>> {
    outcomes
        .map(|result| {
            let id = match &result {
                Ok(job) => job.id.clone(),
                Err(error) => error.job_id().to_owned(),
            };
            (id, result)
        })
        .collect()
        .await
}

fn every_second() -> WaitOptions {
    WaitOptions::default().backoff(PollBackoff::fixed(Duration::from_secs(1)))
}

use JobStatus::{Delivered, Failed, InProgress};

#[tokio::test(start_paused = true)]
async fn each_answer_reaches_the_wait_on_its_job() {
    let server = FakeServer::with_jobs(&[
        ("a", &[InProgress, Delivered]),
        ("b", &[InProgress, InProgress, Failed]),
    ]);
    let client = server.client();
    let results = by_id(client.wait_for_jobs(["a", "b"], every_second())).await;
    assert!(matches!(&results["a"], Ok(job) if job.id == "a" && job.is_delivered()));
    assert!(matches!(&results["b"], Err(WaitError::Failed { job }) if job.id == "b"));
    // Both ids went out in one request per tick, and nothing after the end.
    assert_eq!(
        server.batches(),
        vec![vec!["a", "b"], vec!["a", "b"], vec!["b"]]
    );
}

#[tokio::test(start_paused = true)]
async fn two_waits_on_one_id_share_each_poll_and_both_hear_the_end() {
    let server = FakeServer::with_jobs(&[("a", &[InProgress, InProgress, Delivered])]);
    let client = server.client();
    let (first, second) = tokio::join!(
        client.wait_for_job("a", every_second()),
        client.wait_for_job("a", every_second()),
    );
    assert!(first.is_ok_and(|job| job.is_delivered()));
    assert!(second.is_ok_and(|job| job.is_delivered()));
    // One id per request, three polls for both waits together.
    assert_eq!(server.batches(), vec![vec!["a"], vec!["a"], vec!["a"]]);
}

#[tokio::test(start_paused = true)]
async fn a_dropped_wait_is_no_longer_polled() {
    let server = FakeServer::with_jobs(&[("a", &[InProgress]), ("b", &[InProgress])]);
    let client = server.client();
    let mut kept = client.watch_jobs(["a"], every_second());
    let mut dropped = client.watch_jobs(["b"], every_second());
    assert!(matches!(dropped.next().await, Some(JobUpdate::Progress(_))));
    drop(dropped);
    assert!(matches!(kept.next().await, Some(JobUpdate::Progress(_))));
    tokio::time::sleep(Duration::from_secs(5)).await;
    let asked_later: Vec<Vec<String>> = server.batches().into_iter().skip(1).collect();
    assert!(!asked_later.is_empty(), "the kept wait is still polled");
    assert!(
        asked_later.iter().all(|batch| batch == &["a"]),
        "b is not asked for once its wait is gone: {asked_later:?}"
    );
    drop(kept);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let settled = server.batches().len();
    tokio::time::sleep(Duration::from_secs(60)).await;
    assert_eq!(
        server.batches().len(),
        settled,
        "nothing polls when no one waits"
    );
}

#[tokio::test(start_paused = true)]
async fn a_fatal_error_ends_every_wait_in_its_request_once() {
    let server = FakeServer::with_jobs(&[("a", &[InProgress]), ("b", &[InProgress])]);
    let client = server.client();
    server.fail_next(fatal());
    let (one, two) = tokio::join!(
        client
            .wait_for_jobs(["a", "b"], every_second())
            .collect::<Vec<_>>(),
        client.wait_for_job("a", every_second()),
    );
    assert_eq!(one.len(), 2, "each job of the first wait is reported once");
    for result in &one {
        assert!(
            matches!(result, Err(WaitError::Poll { source, failing_for: None, .. }) if source.is_unauthorized()),
            "{result:?}"
        );
    }
    assert!(matches!(two, Err(WaitError::Poll { source, .. }) if source.is_unauthorized()));
    assert_eq!(server.batches().len(), 1, "no poll after a fatal error");
}

#[tokio::test(start_paused = true)]
async fn transient_failures_are_ridden_out_and_reported_as_such() {
    let server = FakeServer::with_jobs(&[("a", &[Delivered])]);
    let client = server.client();
    server.fail_next(transient());
    server.fail_next(transient());
    let updates: Vec<JobUpdate> = client.watch_job("a", every_second()).collect().await;
    let failed = updates
        .iter()
        .filter(
            |update| matches!(update, JobUpdate::PollFailed { error, .. } if error.is_timeout()),
        )
        .count();
    assert_eq!(failed, 2);
    assert!(matches!(updates.last(), Some(JobUpdate::Finished(Ok(_)))));
}

#[tokio::test(start_paused = true)]
async fn polls_failing_past_the_limit_end_the_wait_with_the_cause() {
    let server = FakeServer::with_jobs(&[("a", &[InProgress])]);
    let client = server.client();
    server.fail_always(transient());
    let started = tokio::time::Instant::now();
    let options = every_second().poll_failure_limit(Duration::from_secs(20));
    let result = client.wait_for_job("a", options).await;
    let waited = started.elapsed();
    match result {
        Err(WaitError::Poll {
            source,
            failing_for: Some(failing_for),
            ..
        }) => {
            assert!(source.is_timeout(), "the last error is the cause: {source}");
            assert!(failing_for >= Duration::from_secs(20), "{failing_for:?}");
        }
        other => panic!("expected the failure limit, got {other:?}"),
    }
    assert!(
        waited < Duration::from_secs(30),
        "ended by the failure limit, not max_wait: {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn one_answer_resets_the_failure_limit() {
    let server = FakeServer::with_jobs(&[("a", &[InProgress, InProgress, Delivered])]);
    let client = server.client();
    // Three seconds of failures, an answer, three more: never 4 s in a row.
    for _ in 0..3 {
        server.fail_next(transient());
    }
    {
        let mut script = server.script.lock().unwrap();
        script.next.push(Answer::Jobs);
        for _ in 0..3 {
            script.next.push(Answer::Fail(transient()));
        }
    }
    let options = every_second().poll_failure_limit(Duration::from_secs(4));
    let result = client.wait_for_job("a", options).await;
    assert!(result.is_ok_and(|job| job.is_delivered()));
}

#[tokio::test(start_paused = true)]
async fn a_timeout_while_polls_fail_names_the_failure() {
    let server = FakeServer::with_jobs(&[("a", &[InProgress])]);
    let client = server.client();
    server.fail_always(transient());
    let options = every_second()
        .max_wait(Duration::from_secs(5))
        .poll_failure_limit(Duration::MAX);
    let error = client.wait_for_job("a", options).await.unwrap_err();
    assert!(matches!(error, WaitError::TimedOut { .. }));
    let shown = error.to_string();
    assert!(shown.contains("the last polls failed"), "{shown}");
}

#[tokio::test(start_paused = true)]
async fn a_zero_max_wait_checks_each_job_once() {
    let server = FakeServer::with_jobs(&[("done", &[Delivered]), ("running", &[InProgress])]);
    let client = server.client();
    let once = every_second().max_wait(Duration::ZERO);
    let started = tokio::time::Instant::now();
    let results = by_id(client.wait_for_jobs(["done", "running", "unknown"], once)).await;
    assert!(matches!(&results["done"], Ok(job) if job.is_delivered()));
    match &results["running"] {
        Err(WaitError::TimedOut {
            limit: super::WaitLimit::MaxWait(limit),
            polls: 1,
            last_seen: Some(job),
            ..
        }) => {
            assert!(limit.is_zero());
            assert_eq!(job.status, InProgress);
        }
        other => panic!("expected a timeout after one check, got {other:?}"),
    }
    assert!(
        matches!(&results["unknown"], Err(WaitError::NotFound { .. })),
        "{:?}",
        results["unknown"]
    );
    assert_eq!(server.batches(), vec![vec!["done", "running", "unknown"]]);
    assert!(started.elapsed() < Duration::from_secs(1), "no second poll");
}

#[tokio::test(start_paused = true)]
async fn an_unknown_job_in_a_wait_shorter_than_the_grace_is_not_found() {
    let server = FakeServer::with_jobs(&[]);
    let client = server.client();
    let short = every_second()
        .max_wait(Duration::from_secs(3))
        .not_found_grace(Duration::from_secs(10));
    let error = client.wait_for_job("ghost", short).await.unwrap_err();
    match error {
        WaitError::NotFound { waited, .. } => {
            assert!(waited >= Duration::from_secs(3) && waited < Duration::from_secs(10))
        }
        other => panic!("expected not found, got {other:?}"),
    }
    let few_polls = every_second().max_polls(2);
    let error = client.wait_for_job("ghost", few_polls).await.unwrap_err();
    assert!(matches!(error, WaitError::NotFound { .. }), "{error:?}");
    // A job that is seen, then running when time runs out, still times out.
    let server = FakeServer::with_jobs(&[("slow", &[InProgress])]);
    let error = server
        .client()
        .wait_for_job("slow", every_second().max_wait(Duration::from_secs(3)))
        .await
        .unwrap_err();
    assert!(matches!(error, WaitError::TimedOut { .. }), "{error:?}");
}

/// A job saved `age` ago, as another process would have written it.
fn saved_job(id: &str, age: Duration, wait: &str) -> crate::SavedJob {
    let started = std::time::SystemTime::now() - age;
    let millis = crate::started::epoch_millis(started);
    let text =
        format!(r#"{{"type": "job", "version": 1, "id": "{id}", "startedAt": {millis}{wait}}}"#);
    serde_json::from_str(&text).expect("a valid saved job")
}

#[tokio::test(start_paused = true)]
async fn a_resumed_handle_is_polled_at_its_jobs_real_age() {
    let script: &[JobStatus] = &[InProgress, InProgress, InProgress, Delivered];
    let server = FakeServer::with_jobs(&[("old", script)]);
    let client = server.client();
    let handle = client.resume_job(saved_job("old", Duration::from_secs(3600), ""));
    assert!(handle.wait(None).await.is_ok_and(|job| job.is_delivered()));
    // An hour-old job is polled at the longest interval from the first poll
    // on (5% of its age, capped at 30 s), not every second as a new one.
    let gaps = server.gaps();
    assert_eq!(gaps.len(), 3, "{gaps:?}");
    for gap in &gaps {
        assert!(
            *gap >= Duration::from_secs(29) && *gap <= Duration::from_secs(31),
            "{gaps:?}"
        );
    }
    // A handle told its start by the caller polls the same way.
    let told = FakeServer::with_jobs(&[("old", script)]);
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    let handle = told.client().job("old").with_started_at(an_hour_ago);
    assert!(handle.wait(None).await.is_ok());
    assert!(
        told.gaps()
            .iter()
            .all(|gap| *gap >= Duration::from_secs(29)),
        "{:?}",
        told.gaps()
    );
    // The same job waited on by id alone (no start known) is polled as new.
    let fresh = FakeServer::with_jobs(&[("old", script)]);
    let _ = fresh.client().job("old").wait(None).await;
    assert!(
        fresh
            .gaps()
            .iter()
            .all(|gap| *gap <= Duration::from_secs(2)),
        "{:?}",
        fresh.gaps()
    );
}

#[tokio::test(start_paused = true)]
async fn a_handle_waited_on_later_is_polled_at_its_age_in_this_process_too() {
    let server = FakeServer::with_jobs(&[("late", &[InProgress, Delivered])]);
    let client = server.client();
    let handle = crate::JobHandle::started(client.clone(), "Test", job("late", JobStatus::Queued));
    tokio::time::sleep(Duration::from_secs(400)).await;
    assert!(handle.wait(None).await.is_ok());
    // 400 s old: 5% is 20 s.
    let gaps = server.gaps();
    assert_eq!(gaps.len(), 1);
    assert!(
        gaps[0] >= Duration::from_secs(19) && gaps[0] <= Duration::from_secs(22),
        "{gaps:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn max_wait_from_start_counts_from_the_saved_start() {
    let server = FakeServer::with_jobs(&[("slow", &[InProgress])]);
    let client = server.client();
    // Saved 50 minutes ago with an hour in all: 10 minutes are left.
    let wait = r#", "wait": {"maxWaitMs": 3600000, "maxWaitFromStart": true}"#;
    let handle = client.resume_job(saved_job("slow", Duration::from_secs(3000), wait));
    let began = tokio::time::Instant::now();
    let error = handle.wait(None).await.unwrap_err();
    let waited = began.elapsed();
    assert!(
        waited >= Duration::from_secs(595) && waited <= Duration::from_secs(605),
        "{waited:?}"
    );
    match error {
        WaitError::TimedOut {
            elapsed,
            limit: super::WaitLimit::MaxWait(limit),
            ..
        } => {
            assert_eq!(limit, Duration::from_secs(3600));
            // Told as the job's age, which is what the limit counted.
            assert!(elapsed >= Duration::from_secs(3595), "{elapsed:?}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Without the flag the limit counts from this wait: an hour from now.
    let options = WaitOptions::default().max_wait(Duration::from_secs(3600));
    let began = tokio::time::Instant::now();
    let handle = client.resume_job(saved_job("slow", Duration::from_secs(3000), ""));
    let _ = handle.wait(options).await.unwrap_err();
    assert!(
        began.elapsed() >= Duration::from_secs(3595),
        "{:?}",
        began.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_saved_job_past_its_limit_is_checked_once_not_dropped_unasked() {
    let server = FakeServer::with_jobs(&[("done", &[Delivered]), ("running", &[InProgress])]);
    let client = server.client();
    let wait = r#", "wait": {"maxWaitMs": 3600000, "maxWaitFromStart": true}"#;
    let two_hours = Duration::from_secs(7200);
    // Finished while the process was away: delivered, not a timeout.
    let done = client.resume_job(saved_job("done", two_hours, wait));
    assert!(done.wait(None).await.is_ok_and(|job| job.is_delivered()));
    let running = client.resume_job(saved_job("running", two_hours, wait));
    let began = tokio::time::Instant::now();
    match running.wait(None).await {
        Err(WaitError::TimedOut { polls: 1, .. }) => {}
        other => panic!("expected a timeout after one check, got {other:?}"),
    }
    assert!(began.elapsed() < Duration::from_secs(1));
}
