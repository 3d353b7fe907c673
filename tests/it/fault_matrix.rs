//! Every sandbox fault kind against every way of reading jobs: the expected
//! typed outcome or a recovery, never a panic.

use crate::support::sandbox::SandboxClient;

use std::time::Duration;

use datasaur::{Error, WaitError};
use datasaur_sandbox::{Fault, FaultKind, JobScript, Sandbox, SandboxConfig};
use futures::StreamExt;

#[derive(Debug, Clone, Copy)]
enum Operation {
    GetJob,
    GetJobs,
    WaitForJob,
    WaitForJobs,
}

/// What each operation ends with when the first request meets `kind`
/// (retries on, the default policy).
#[derive(Debug, PartialEq)]
enum Outcome {
    /// The job was read (or waited on to DELIVERED) despite the fault.
    Recovered,
    /// The fault surfaced as this HTTP status.
    HttpError(u16),
}

fn expected(kind: &FaultKind) -> Outcome {
    match kind {
        // A 500 may mean the server ran the request and broke: not retried.
        FaultKind::Status { status: 500 } => Outcome::HttpError(500),
        _ => Outcome::Recovered,
    }
}

async fn run(operation: Operation, kind: &FaultKind) -> Outcome {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = sandbox.client();
    let ids: Vec<String> = (0..3)
        .map(|_| {
            sandbox.create_job(JobScript::delivered(
                Duration::from_secs(1),
                Duration::from_secs(4),
            ))
        })
        .collect();
    sandbox.inject_fault(Fault::next(1, kind.clone()));
    let http_status = |error: &Error| match error.http_status() {
        Some(status) => status,
        None => panic!("{operation:?} x {kind:?}: unexpected {error:?}"),
    };
    let wait_status = |error: &WaitError| match error {
        WaitError::Poll { source, .. } => http_status(source),
        other => panic!("{operation:?} x {kind:?}: unexpected {other:?}"),
    };
    match operation {
        Operation::GetJob => match client.get_job(&ids[0]).await {
            Ok(job) => {
                assert_eq!(job.id, ids[0]);
                Outcome::Recovered
            }
            Err(error) => Outcome::HttpError(http_status(&error)),
        },
        Operation::GetJobs => match client.get_jobs(&ids).await {
            Ok(jobs) => {
                assert_eq!(jobs.iter().flatten().count(), 3);
                Outcome::Recovered
            }
            Err(error) => Outcome::HttpError(http_status(&error)),
        },
        Operation::WaitForJob => match client.wait_for_job(&ids[0], None).await {
            Ok(job) => {
                assert!(job.is_delivered());
                Outcome::Recovered
            }
            Err(error) => Outcome::HttpError(wait_status(&error)),
        },
        Operation::WaitForJobs => {
            let results: Vec<_> = client.wait_for_jobs(ids.clone(), None).collect().await;
            assert_eq!(results.len(), 3, "every job is reported once");
            if results
                .iter()
                .all(|r| r.as_ref().is_ok_and(|job| job.is_delivered()))
            {
                Outcome::Recovered
            } else {
                let statuses: Vec<u16> = results
                    .iter()
                    .map(|r| wait_status(r.as_ref().unwrap_err()))
                    .collect();
                assert!(statuses.windows(2).all(|w| w[0] == w[1]), "{statuses:?}");
                Outcome::HttpError(statuses[0])
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn every_fault_against_every_operation() {
    let operations = [
        Operation::GetJob,
        Operation::GetJobs,
        Operation::WaitForJob,
        Operation::WaitForJobs,
    ];
    let mut table = Vec::new();
    // Also a delay past the client's 30 s timeout: a Timeout, then a retry.
    let kinds = FaultKind::all()
        .into_iter()
        .chain([FaultKind::Delay { millis: 45_000 }]);
    for kind in kinds {
        for operation in operations {
            let outcome = run(operation, &kind).await;
            assert_eq!(outcome, expected(&kind), "{operation:?} x {kind:?}");
            table.push(format!("{kind:?} x {operation:?}: {outcome:?}"));
        }
    }
    println!("{}", table.join("\n"));
    assert_eq!(table.len(), (FaultKind::all().len() + 1) * operations.len());
}
