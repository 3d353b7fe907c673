//! `createProject` and `addDocumentsToProject`: their documented parts
//! checked (a name; each document a name and exactly one of `objectKey`,
//! which must be one the upload proxy issued, or `externalUrl`), the
//! project stored with its documents' names, and a job on the operation's
//! script whose `resultId` is the project's id.
//!
//! The project (or the added documents) is stored when the call is
//! answered, if its script delivers: `getProjects` finds a project by name
//! while its creation job runs, as Datasaur's own tools rely on after a
//! restart. A script that fails stores nothing.

use serde_json::{Value, json};

use super::{Answer, Call, jobs};
use crate::projects::MAX_DOCUMENTS_PER_PROJECT;
use crate::script::JobOutcome;

/// The input field naming the project of `addDocumentsToProject` (Datasaur
/// has not published its name; this is the sandbox's).
pub(crate) const PROJECT_ID_FIELD: &str = "projectId";

/// `createProject` and `addDocumentsToProject`.
pub(super) fn start(call: &Call<'_>) -> Option<Answer> {
    match call.field {
        "createProject" => Some(create_project(call)),
        "addDocumentsToProject" => Some(add_documents(call)),
        _ => None,
    }
}

fn create_project(call: &Call<'_>) -> Answer {
    let refuse = |why: String| format!("createProject: {why}");
    let name = call
        .text("input.name")
        .filter(|name| !name.trim().is_empty())
        .ok_or_else(|| refuse("input.name must be a non-empty text".into()))?
        .to_owned();
    let documents = documents(call).map_err(refuse)?;
    let state = call.state;
    let mut script = state
        .scripts
        .for_field(call.ctx, &state.config.default_script);
    if let JobOutcome::Delivered { result_id, .. } = &mut script.outcome {
        let project = state.projects.add_with_documents(
            &name,
            call.id("input.teamId").as_deref(),
            state.store.now_text(),
            documents,
        );
        *result_id = Some(project);
    }
    let job = jobs::create(call, "CreateProjectQueue", script);
    Ok(json!({"name": name, "job": job}))
}

fn add_documents(call: &Call<'_>) -> Answer {
    let refuse = |why: String| format!("addDocumentsToProject: {why}");
    let project = call
        .id(&format!("input.{PROJECT_ID_FIELD}"))
        .ok_or_else(|| {
            refuse(format!(
                "the sandbox reads the project's id from input.{PROJECT_ID_FIELD} (Datasaur's \
                 field is not public), and it is missing"
            ))
        })?;
    let documents = documents(call).map_err(refuse)?;
    let state = call.state;
    let mut script = state
        .scripts
        .for_field(call.ctx, &state.config.default_script);
    if state.projects.documents_of(&project).is_none() {
        return Err(refuse(format!("there is no project {project:?}")));
    }
    if let JobOutcome::Delivered { result_id, .. } = &mut script.outcome {
        state
            .projects
            .add_documents(&project, &documents)
            .map_err(refuse)?;
        *result_id = Some(project.clone());
    }
    let job = jobs::create(call, "AddDocumentsToProjectQueue", script);
    let name = state
        .projects
        .name_of(&project)
        .unwrap_or_else(|| project.clone());
    Ok(json!({"name": name, "job": job}))
}

/// The names of `input.documents`, checked as Datasaur documents them.
fn documents(call: &Call<'_>) -> Result<Vec<String>, String> {
    let given = call
        .value("input.documents")
        .and_then(Value::as_array)
        .ok_or("input.documents must be a list")?;
    if given.is_empty() {
        return Err("input.documents is empty".into());
    }
    if given.len() > MAX_DOCUMENTS_PER_PROJECT {
        return Err(format!(
            "input.documents holds {} documents; the sandbox takes at most {MAX_DOCUMENTS_PER_PROJECT}",
            given.len()
        ));
    }
    let mut names = Vec::with_capacity(given.len());
    for (at, item) in given.iter().enumerate() {
        let document = item
            .get("document")
            .ok_or_else(|| format!("documents[{at}] has no `document`"))?;
        let text = |key: &str| document.get(key).and_then(Value::as_str);
        let name = text("name")
            .filter(|name| !name.trim().is_empty())
            .ok_or_else(|| format!("documents[{at}].document.name must be a non-empty text"))?;
        match (text("objectKey"), text("externalUrl")) {
            (Some(key), None) => {
                if call.state.uploads.get(key).is_none() {
                    return Err(format!(
                        "documents[{at}] ({name:?}): objectKey {:?} is not one the upload proxy issued",
                        key.chars().take(200).collect::<String>()
                    ));
                }
            }
            (None, Some(_)) => {}
            _ => {
                return Err(format!(
                    "documents[{at}] ({name:?}) needs exactly one of objectKey or externalUrl"
                ));
            }
        }
        if names.iter().any(|seen| seen == name) {
            return Err(format!("two documents are named {name:?}"));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}
