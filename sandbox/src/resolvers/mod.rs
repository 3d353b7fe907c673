//! What the sandbox does, by field name: the behaviour the one engine
//! (`engine.rs`) runs for the fields it implements, whichever schema it
//! serves (ours, or a user's with `--schema`). `jobs.rs` reads jobs and
//! starts them; `exports.rs` starts exports and reads their status;
//! `projects.rs` lists projects; `project_creation.rs` creates them and
//! adds documents. Every
//! other field answers generated values.

mod exports;
mod jobs;
mod project_creation;
mod projects;

use std::sync::Arc;

use async_graphql::dynamic::ResolverContext;

use crate::state::SandboxState;

/// A field's answer as JSON, or the error the field reports.
pub(crate) type Answer = Result<serde_json::Value, String>;

/// The answer of `field` (of the root type `owner`, returning a `returns`),
/// when the sandbox implements it; `None` for a field that answers
/// generated values.
pub(crate) fn resolve(
    state: &Arc<SandboxState>,
    ctx: &ResolverContext<'_>,
    root: bool,
    field: &str,
    returns: &str,
    path: &str,
    list: bool,
) -> Option<Answer> {
    let arguments = crate::scripts::arguments(ctx);
    let call = Call {
        state,
        ctx,
        field,
        arguments: &arguments,
    };
    // Reads are root fields; a `Job` or an export anywhere starts one (a
    // user's `createProject { job { id } }` included).
    if root
        && let Some(answer) = jobs::read(&call)
            .or_else(|| exports::read(&call))
            .or_else(|| projects::read(&call))
            .or_else(|| project_creation::start(&call))
    {
        return Some(answer);
    }
    let one = match returns {
        "Job" => jobs::start(&call, path),
        "ExportRequestResult" => exports::start(&call),
        _ => return None,
    };
    Some(one.map(|value| {
        if list {
            serde_json::Value::Array(vec![value])
        } else {
            value
        }
    }))
}

/// A call of a field the sandbox implements.
pub(crate) struct Call<'a> {
    pub(crate) state: &'a Arc<SandboxState>,
    pub(crate) ctx: &'a ResolverContext<'a>,
    pub(crate) field: &'a str,
    /// Its arguments as JSON, variables resolved.
    pub(crate) arguments: &'a serde_json::Value,
}

impl Call<'_> {
    /// A string argument at `path` (`input.fileName`), if there is one.
    pub(crate) fn text(&self, path: &str) -> Option<&str> {
        self.value(path)?.as_str()
    }

    /// The value at a dotted `path` of the arguments.
    pub(crate) fn value(&self, path: &str) -> Option<&serde_json::Value> {
        path.split('.')
            .try_fold(self.arguments, |value, key| value.get(key))
    }

    /// The strings of a list argument at `path` (ids are strings or numbers).
    pub(crate) fn texts(&self, path: &str) -> Vec<String> {
        self.value(path)
            .and_then(serde_json::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| match item {
                        serde_json::Value::String(text) => Some(text.clone()),
                        serde_json::Value::Number(number) => Some(number.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A string or numeric id argument at `path`.
    pub(crate) fn id(&self, path: &str) -> Option<String> {
        match self.value(path)? {
            serde_json::Value::String(text) => Some(text.clone()),
            serde_json::Value::Number(number) => Some(number.to_string()),
            _ => None,
        }
    }
}
