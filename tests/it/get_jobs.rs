//! `Client::get_jobs`: order, unknown ids, chunking.

use crate::support::mock::{answer, job_json, request_bodies, shown};
use serde_json::{Value, json};
use wiremock::{MockServer, Request, Respond, ResponseTemplate};

/// Answers `getJobs` like Datasaur: one entry per id, in order; ids starting
/// with `unknown` are null.
struct JobsById;

impl Respond for JobsById {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let jobs: Vec<Value> = body["variables"]["jobIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| {
                let id = id.as_str().unwrap();
                if id.starts_with("unknown") {
                    Value::Null
                } else {
                    job_json(id, "IN_PROGRESS", 50)
                }
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(json!({"data": {"jobs": jobs}}))
    }
}

fn client(server: &MockServer, batch_size: usize) -> datasaur::Client {
    datasaur::Client::builder()
        .base_url(server.uri())
        .batch_size(batch_size)
        .build()
        .unwrap()
}

fn ids_of(jobs: &[Option<datasaur::Job>]) -> Vec<Option<&str>> {
    jobs.iter()
        .map(|job| job.as_ref().map(|job| job.id.as_str()))
        .collect()
}

#[tokio::test]
async fn answers_in_the_order_asked_with_none_for_unknown_ids() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(JobsById)
        .mount(&server)
        .await;

    let jobs = client(&server, 100)
        .get_jobs(&["c", "unknown-1", "a", "b"])
        .await
        .unwrap();
    assert_eq!(ids_of(&jobs), vec![Some("c"), None, Some("a"), Some("b")]);
    assert_eq!(request_bodies(&server).await.len(), 1);
}

#[tokio::test]
async fn long_lists_are_chunked_by_batch_size_and_keep_order() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(JobsById)
        .mount(&server)
        .await;

    let ids: Vec<String> = (0..7)
        .map(|i| {
            if i == 4 {
                "unknown-4".to_owned()
            } else {
                format!("job-{i}")
            }
        })
        .collect();
    let jobs = client(&server, 3).get_jobs(&ids).await.unwrap();
    assert_eq!(
        ids_of(&jobs),
        vec![
            Some("job-0"),
            Some("job-1"),
            Some("job-2"),
            Some("job-3"),
            None,
            Some("job-5"),
            Some("job-6")
        ]
    );
    let sent: Vec<Value> = request_bodies(&server)
        .await
        .into_iter()
        .map(|body| body["variables"]["jobIds"].clone())
        .collect();
    assert_eq!(
        sent,
        vec![
            json!(["job-0", "job-1", "job-2"]),
            json!(["job-3", "unknown-4", "job-5"]),
            json!(["job-6"])
        ]
    );
}

#[tokio::test]
async fn empty_input_sends_no_request() {
    let server = MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(JobsById)
        .expect(0)
        .mount(&server)
        .await;
    let jobs = client(&server, 100).get_jobs::<&str>(&[]).await.unwrap();
    assert!(jobs.is_empty());
}

#[tokio::test]
async fn an_answer_with_the_wrong_number_of_entries_is_a_decode_error() {
    let server = MockServer::start().await;
    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_json(json!({"data": {"jobs": [job_json("a", "QUEUED", 0)]}})),
    )
    .await;
    let error = client(&server, 100)
        .get_jobs(&["a", "b"])
        .await
        .unwrap_err();
    assert!(error.decode_path() == Some("data.jobs"), "{error:?}");
    insta::assert_snapshot!(shown(&error), @"GetJobs to [host]: could not decode the answer at `data.jobs`: expected 2 entries, one per id, got 1; body starts \"\"");
}
