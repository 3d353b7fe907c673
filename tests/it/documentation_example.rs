//! Datasaur's documented "Check Job" example, run through `Client::execute`
//! as a user's own generated operation.

use crate::support::mock::{answer, client_for, request_bodies};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

/// The documentation's query, verbatim, as an operation written by hand:
/// `datasaur::Operation` is all `Client::execute` needs.
struct GetJobQuery;

mod get_job_query {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Variables {
        pub job_id: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    pub struct ResponseData {
        pub result: Option<GetJobQueryResult>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    pub struct GetJobQueryResult {
        pub id: String,
        pub status: datasaur::JobStatus,
        pub progress: i64,
    }
}

impl datasaur::Operation for GetJobQuery {
    type Variables = get_job_query::Variables;
    type ResponseData = get_job_query::ResponseData;
    const OPERATION_NAME: &'static str = "GetJobQuery";
    const QUERY: &'static str = include_str!("graphql/documentation_get_job.graphql");
    const STARTS_WORK: bool = false;
}

use datasaur::JobStatus;

#[tokio::test]
async fn documentation_example_answer_decodes() {
    let server = MockServer::start().await;
    // Verbatim from the documentation.
    answer(
        &server,
        ResponseTemplate::new(200).set_body_string(
            r#"{"data": {"result": {"id": "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637", "status": "DELIVERED", "progress": 0}}, "extensions": {}}"#,
        ),
    )
    .await;

    let data = client_for(&server)
        .execute::<GetJobQuery>(get_job_query::Variables {
            job_id: "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637".into(),
        })
        .await
        .unwrap();
    insta::assert_debug_snapshot!(data);
    assert_eq!(data.result.unwrap().status, JobStatus::Delivered);

    let body = &request_bodies(&server).await[0];
    assert_eq!(body["operationName"], "GetJobQuery");
    assert_eq!(
        body["variables"],
        json!({"jobId": "AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637"})
    );
}
