//! The GraphQL call: a JSON body to `{base}/graphql`, bounded in time (the
//! client's timeout, connect to last byte) and size, its answer decoded.

use bytes::Bytes;
use reqwest::header::{CONTENT_TYPE, HeaderValue};

use super::pipeline::{Call, Failure, Repeat, Retries};
use super::statuses::TransientStatuses;
use crate::client::Client;
use crate::error::{Error, Result};
use crate::response::decode_answer;
use crate::retry::retry_after_header;

impl Client {
    /// Encodes a request body, sends it and decodes the answer's `data`;
    /// never sent again once it may have reached the server if it
    /// `starts_work`.
    pub(crate) async fn run<T: serde::de::DeserializeOwned>(
        &self,
        operation: &'static str,
        body: &impl serde::Serialize,
        starts_work: bool,
    ) -> Result<T> {
        let payload = serde_json::to_vec(body)
            .map_err(|e| Error::config(format!("{operation}: variables do not serialize: {e}")))?;
        let payload = Bytes::from(payload);
        let inner = self.inner();
        let mut url = inner.endpoint.clone();
        // Datasaur's own tools name the operation in the URL so server logs show it.
        url.query_pairs_mut().append_pair("graphql", operation);
        let call = Call {
            request: self.request(operation),
            repeat: if starts_work {
                Repeat::UnlessSent
            } else {
                Repeat::Always
            },
            statuses: TransientStatuses::API,
            credentials: Some(&inner.credentials),
            request_id: true,
            retries: Retries::Policy,
        };
        let (payload, url) = (&payload, &url);
        inner
            .transport
            .call(call, |attempt| async move {
                let post = inner
                    .transport
                    .api
                    .post(url.clone())
                    .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                    .body(payload.clone());
                inner
                    .requests
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let exchange = async {
                    let response = attempt
                        .send(attempt.prepare(post), &inner.endpoint, false, inner.timeout)
                        .await?;
                    let status = response.status();
                    let retry_after = retry_after_header(response.headers());
                    let body = attempt
                        .read_body(response, inner.max_response_bytes, inner.timeout)
                        .await?;
                    Ok((status, retry_after, body))
                };
                let (status, retry_after, body) =
                    match tokio::time::timeout(inner.timeout, exchange).await {
                        Ok(answer) => answer?,
                        Err(_) => {
                            return Err(Failure::sent(Error::timed_out(
                                attempt.request(),
                                inner.timeout,
                            )));
                        }
                    };
                tracing::debug!(bytes = body.len(), "answered");
                decode_answer(&attempt.request(), status, retry_after, &body).map_err(Failure::sent)
            })
            .await
    }
}

/// A GraphQL request body: `{"operationName", "query", "variables"}`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestBody<V> {
    pub(crate) operation_name: &'static str,
    pub(crate) query: &'static str,
    pub(crate) variables: V,
}
