//! Jobs: `getJob` and `getJobs` read the store; every field that returns a
//! `Job` starts one, on its operation's script.

use serde_json::json;

use super::{Answer, Call};
use crate::schema_limits::MAX_IDS_PER_FIELD;
use crate::script::JobScript;
use crate::store::JobView;

/// The queue (the id's prefix) of the jobs a field starts, as Datasaur
/// names them; another field's jobs are named after it
/// (`launchTextProjectAsync` -> `LaunchTextProjectAsyncQueue`).
const QUEUES: [(&str, &str); 5] = [
    ("autoLabelTokenBasedProject", "AutoLabelQueue"),
    ("calculateAgreementTables", "AgreementQueue"),
    ("runAutomation", "AutomationQueue"),
    ("collectDataset", "CollectDatasetQueue"),
    ("getDataProgrammingPredictions", "DataProgrammingQueue"),
];

/// `getJob` and `getJobs`.
pub(super) fn read(call: &Call<'_>) -> Option<Answer> {
    let state = call.state;
    match call.field {
        "getJob" => {
            let id = call.text("jobId")?;
            state.stats.update(|stats| stats.job_ids_requested += 1);
            Some(Ok(state
                .store
                .view(id)
                .map_or(serde_json::Value::Null, |view| job_json(&view))))
        }
        "getJobs" => {
            let ids = call.texts("jobIds");
            if ids.len() > MAX_IDS_PER_FIELD {
                return Some(Err(format!(
                    "getJobs takes at most {MAX_IDS_PER_FIELD} ids, got {}",
                    ids.len()
                )));
            }
            state
                .stats
                .update(|stats| stats.job_ids_requested += ids.len() as u64);
            let jobs = ids
                .iter()
                .map(|id| {
                    state
                        .store
                        .view(id)
                        .map_or(serde_json::Value::Null, |view| job_json(&view))
                })
                .collect();
            Some(Ok(serde_json::Value::Array(jobs)))
        }
        _ => None,
    }
}

/// Starts the job `call` asks for, on its operation's script, counted as a
/// job started; answers it as the start call does (a script that hides new
/// jobs for a while still answers the call with the job).
pub(super) fn start(call: &Call<'_>, path: &str) -> Answer {
    let state = call.state;
    let queue = QUEUES
        .iter()
        .find(|(field, _)| *field == call.field)
        .map_or_else(|| queue_name(path), |(_, queue)| (*queue).to_owned());
    let script = state
        .scripts
        .for_field(call.ctx, &state.config.default_script);
    Ok(create(call, &queue, script))
}

/// Makes a job on `script`, counted as a job started, and answers it as a
/// start call does (a script that hides new jobs for a while still
/// answers the call with the job).
pub(super) fn create(call: &Call<'_>, queue: &str, script: JobScript) -> serde_json::Value {
    let state = call.state;
    let id = state.store.create(queue, script);
    state.stats.update(|stats| stats.jobs_started += 1);
    state.store.view(&id).map_or_else(
        || json!({"id": id, "status": "QUEUED", "progress": 0, "errors": []}),
        |view| job_json(&view),
    )
}

/// A job id's prefix after the root field that started it (the second
/// part of `Mutation.launchTextProjectAsync.job`), as Datasaur names its
/// queues: `LaunchTextProjectAsyncQueue`.
fn queue_name(path: &str) -> String {
    let root = path.split('.').nth(1).unwrap_or(path);
    let root = root.split('[').next().unwrap_or(root);
    let mut chars = root.chars();
    match chars.next() {
        Some(first) => format!("{}{}Queue", first.to_ascii_uppercase(), chars.as_str()),
        None => "Queue".to_owned(),
    }
}

/// A job as its GraphQL fields show it.
pub(crate) fn job_json(view: &JobView) -> serde_json::Value {
    json!({
        "id": view.id,
        "status": view.status,
        "progress": view.progress,
        "errors": view.errors.iter().map(|e| json!({"id": e.id, "stack": e.stack, "args": e.args})).collect::<Vec<_>>(),
        "resultId": view.result_id,
        "result": view.result,
        "createdAt": view.created_at,
        "updatedAt": view.updated_at,
        "additionalData": null,
    })
}
