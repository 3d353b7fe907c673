//! Request counters, so tests can prove how many requests a client made.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::sync::lock;
use serde::{Deserialize, Serialize};

/// What the sandbox has seen since it started (or since the last reset).
///
/// ```
/// # async fn run(sandbox: datasaur_sandbox::Sandbox) {
/// let stats = sandbox.stats();
/// println!("{} getJobs requests carried {} ids", stats.operation("GetJobs"), stats.job_ids_requested);
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RequestStats {
    /// GraphQL HTTP requests received, faulted ones included.
    pub graphql_requests: u64,
    /// GraphQL operations received, by `operationName` (`(anonymous)` without one).
    pub operations: BTreeMap<String, u64>,
    /// Job ids asked for by `getJob` and `getJobs`, summed.
    pub job_ids_requested: u64,
    /// Requests refused for a missing, bad or expired token.
    pub unauthorized: u64,
    /// Requests answered with an injected fault.
    pub faults_injected: u64,
    /// Exports started, by any export field (`exportTextProject`,
    /// `exportTeamOverview`, `exportChart`, ...).
    pub exports_started: u64,
    /// Exports started, by what they export: `project-<id>`, `team-<id>`,
    /// `document-<id>` (each id of an export of many). At most
    /// [`MAX_EXPORT_SUBJECTS`] keys; the rest are counted under `(more)`.
    pub exports_started_for: BTreeMap<String, u64>,
    /// Requests for export files.
    pub file_requests: u64,
    /// Requests for export files that carried an `Authorization` header
    /// (a client leaking its Datasaur token to the file host).
    pub file_requests_with_authorization: u64,
    /// Requests to the OAuth token endpoint, failed ones included.
    pub token_requests: u64,
    /// Jobs started by the fields that start one (the mutations and
    /// `getDataProgrammingPredictions`).
    pub jobs_started: u64,
    /// `CUSTOM_WEBHOOK` exports delivered to their URL (answered 2xx).
    pub webhooks_delivered: u64,
    /// `CUSTOM_WEBHOOK` deliveries refused, unanswered, or to a URL the
    /// sandbox does not reach (only plain-HTTP loopback).
    pub webhooks_failed: u64,
    /// Requests to the upload endpoint, refused and faulted ones included.
    pub upload_requests: u64,
    /// Files uploaded whole (each answered with an object key).
    pub uploads: u64,
    /// Bytes of the files uploaded whole.
    pub upload_bytes: u64,
}

/// The longest subject key kept (longer ones are cut to it).
const MAX_SUBJECT_CHARS: usize = 256;

/// How many subjects [`RequestStats::exports_started_for`] keeps apart.
pub const MAX_EXPORT_SUBJECTS: usize = 10_000;

impl RequestStats {
    /// How many exports of `subject` (`project-<id>`, ...) were started.
    pub fn exports_of(&self, subject: &str) -> u64 {
        self.exports_started_for.get(subject).copied().unwrap_or(0)
    }

    /// Counts an export of `subjects`.
    pub(crate) fn count_export(&mut self, subjects: &[String]) {
        self.exports_started += 1;
        for subject in subjects {
            // Ids are the client's: keep the keys' memory bounded too.
            let subject: String = subject.chars().take(MAX_SUBJECT_CHARS).collect();
            let subject = &subject;
            let key = if self.exports_started_for.contains_key(subject)
                || self.exports_started_for.len() < MAX_EXPORT_SUBJECTS
            {
                subject.as_str()
            } else {
                "(more)"
            };
            *self.exports_started_for.entry(key.to_owned()).or_default() += 1;
        }
    }

    /// How many requests carried the operation `name`.
    pub fn operation(&self, name: &str) -> u64 {
        self.operations.get(name).copied().unwrap_or(0)
    }
}

#[derive(Default)]
pub(crate) struct Stats(Mutex<RequestStats>);

impl Stats {
    pub fn snapshot(&self) -> RequestStats {
        lock(&self.0).clone()
    }

    pub fn reset(&self) {
        *lock(&self.0) = RequestStats::default();
    }

    pub fn update(&self, change: impl FnOnce(&mut RequestStats)) {
        change(&mut lock(&self.0));
    }
}
