//! Jobs: `getJob` and `getJobs`, each answer checked against the ids asked.

use std::sync::Arc;

use crate::Client;
use crate::job::Job;
use crate::operations::{GetJob, GetJobs, get_job, get_jobs};
use crate::wait::protocol::FetchJobs;
use futures::future::BoxFuture;

impl Client {
    /// A handle on job `job_id`, to wait on, watch or refresh like the
    /// handles this crate's starters return: for a job started by an
    /// operation of your own (generated with `datasaur-codegen` and run with
    /// [`Client::execute`]), or one whose id you kept. Sends nothing; an
    /// unknown id shows when the handle is used.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// // The id from the answer of your own `createProject` mutation, say.
    /// let job_id = "ProjectLaunchJob:2e1c8c0a";
    /// let job = client.job(job_id).wait(None).await?;
    /// println!("{} delivered", job.id);
    /// # Ok(()) }
    /// ```
    pub fn job(&self, job_id: impl Into<String>) -> crate::JobHandle {
        crate::JobHandle::from_id(self.clone(), job_id.into())
    }

    /// Fetches one job.
    ///
    /// An unknown id is [`crate::ErrorKind::JobNotFound`].
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let job = client.get_job("AutoLabelQueue:dcbf6ed3-3841-46c1-8f6a-2affb53ac637").await?;
    /// if job.is_failed() {
    ///     eprintln!("{} failed: {:?}", job.id, job.errors);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_job(&self, job_id: impl Into<String>) -> crate::Result<Job> {
        let job_id = job_id.into();
        // Read straight into `Job` (fragment `Job`, errors bounded as they arrive).
        let data = self
            .execute::<GetJob>(get_job::Variables {
                job_id: job_id.clone(),
            })
            .await?;
        let job = data
            .job
            .ok_or_else(|| crate::Error::job_not_found(&job_id))?;
        if job.id != job_id {
            return Err(crate::Error::decode(
                self.request("GetJob"),
                "data.job.id",
                format!("asked for job {job_id:?}, the answer is for {:?}", job.id),
                String::new(),
                false,
            ));
        }
        Ok(job)
    }

    /// Fetches several jobs: one entry per id, in the order asked, `None` for
    /// an unknown id. Lists longer than [`crate::Client::batch_size`] are sent
    /// as several requests, one after another; an empty list sends none.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let jobs = client.get_jobs(&["AutoLabelQueue:1", "AutoLabelQueue:2"]).await?;
    /// for job in jobs.iter().flatten() {
    ///     println!("{} {}", job.id, job.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get_jobs<S: AsRef<str>>(&self, job_ids: &[S]) -> crate::Result<Vec<Option<Job>>> {
        let mut jobs = Vec::with_capacity(job_ids.len());
        for chunk in job_ids.chunks(self.batch_size()) {
            jobs.extend(self.fetch_jobs_batch(chunk).await?);
        }
        Ok(jobs)
    }

    /// One `getJobs` request: exactly one entry per id, each for the id asked.
    /// The wait engine's driver asks for jobs through this ([`FetchJobs`]).
    pub(crate) async fn fetch_jobs_batch<S: AsRef<str>>(
        &self,
        job_ids: &[S],
    ) -> crate::Result<Vec<Option<Job>>> {
        let variables = get_jobs::Variables {
            job_ids: job_ids.iter().map(|id| id.as_ref().to_owned()).collect(),
        };
        let data = self.execute::<GetJobs>(variables).await?;
        let mismatch = |path: String, message: String| {
            crate::Error::decode(self.request("GetJobs"), path, message, String::new(), false)
        };
        // Matching answers to ids by position needs exactly one entry per id.
        if data.jobs.len() != job_ids.len() {
            return Err(mismatch(
                "data.jobs".into(),
                format!(
                    "expected {} entries, one per id, got {}",
                    job_ids.len(),
                    data.jobs.len()
                ),
            ));
        }
        let mut jobs = Vec::with_capacity(job_ids.len());
        for (index, (asked, job)) in job_ids.iter().zip(data.jobs).enumerate() {
            if let Some(job) = &job
                && job.id != asked.as_ref()
            {
                return Err(mismatch(
                    format!("data.jobs[{index}].id"),
                    format!(
                        "asked for job {:?}, the answer is for {:?}",
                        asked.as_ref(),
                        job.id
                    ),
                ));
            }
            jobs.push(job);
        }
        Ok(jobs)
    }
}

impl FetchJobs for Client {
    fn fetch(&self, ids: Vec<Arc<str>>) -> BoxFuture<'static, crate::Result<Vec<Option<Job>>>> {
        let client = self.clone();
        Box::pin(async move { client.fetch_jobs_batch(&ids).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer with every field filled, and more errors than are kept.
    fn answer(key: &str, wrap: fn(serde_json::Value) -> serde_json::Value) -> String {
        let errors: Vec<_> = (0..150)
            .map(|n| serde_json::json!({"id": format!("e{n}"), "stack": "Error", "args": {"n": n}}))
            .collect();
        let job = serde_json::json!({
            "id": "AutoLabelQueue:1", "status": "FAILED", "progress": 40, "errors": errors,
            "resultId": "r", "result": {"rows": [1, 2]}, "createdAt": "1", "updatedAt": "2",
            "additionalData": {"automationActivityId": "9"}
        });
        serde_json::json!({ key: wrap(job) }).to_string()
    }

    #[test]
    fn the_generated_answers_read_straight_into_job_errors_bounded() {
        let one = answer("job", |job| job);
        let data: get_job::ResponseData = serde_json::from_str(&one).unwrap();
        let job: Job = data.job.unwrap();
        assert_eq!(job.id, "AutoLabelQueue:1");
        assert_eq!(job.result_id.as_deref(), Some("r"));
        assert_eq!(
            job.additional_data
                .and_then(|data| data.automation_activity_id)
                .as_deref(),
            Some("9")
        );
        assert_eq!((job.errors.len(), job.errors_omitted), (100, 50));

        let many = answer("jobs", |job| serde_json::json!([job, null]));
        let data: get_jobs::ResponseData = serde_json::from_str(&many).unwrap();
        assert_eq!(data.jobs.len(), 2);
        assert!(data.jobs[1].is_none());
        assert_eq!(data.jobs[0].as_ref().unwrap().errors_omitted, 50);
    }
}
