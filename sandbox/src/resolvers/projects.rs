//! Projects: `getProjects`, a page at a time.

use serde_json::json;

use super::{Answer, Call};
use crate::projects::Filter;

/// `getProjects`.
pub(super) fn read(call: &Call<'_>) -> Option<Answer> {
    if call.field != "getProjects" {
        return None;
    }
    let filter = Filter {
        team_id: call.id("input.filter.teamId"),
        keyword: call.text("input.filter.keyword").map(str::to_owned),
        archived: call
            .value("input.filter.isArchived")
            .and_then(serde_json::Value::as_bool),
    };
    let state = call.state;
    let page = match state
        .projects
        .page(&filter, call.text("input.cursor"), state.config.page_size)
    {
        Ok(page) => page,
        Err(message) => return Some(Err(message)),
    };
    let nodes: Vec<serde_json::Value> = page
        .projects
        .iter()
        .map(|project| {
            json!({
                "id": project.id,
                "name": project.name,
                "createdDate": project.created,
                "updatedDate": project.created,
                "isArchived": project.archived,
            })
        })
        .collect();
    Some(Ok(json!({
        "nodes": nodes,
        "pageInfo": {"nextCursor": page.next_cursor, "prevCursor": null},
        "totalCount": page.total,
    })))
}
