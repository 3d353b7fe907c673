//! Required variables, checked before execution as Datasaur's server
//! (Apollo Server) checks them: a non-null variable without a default and
//! without a value is HTTP 400 `Variable "$jobId" of required type
//! "String!" was not provided.`, whatever field uses it. Left to
//! async-graphql, the same mistake came back as HTTP 200 with a path for
//! some fields and 400 for others, worded `Variable jobId is not defined.`

use async_graphql::Value;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{DocumentOperations, OperationDefinition};

/// The operation `request` selects, its query parsed once for the checks
/// and the routing that read it; `None` when the query does not parse or
/// names no operation it has (the schema then says why).
pub(crate) fn selected_operation(
    request: &async_graphql::Request,
) -> Option<Positioned<OperationDefinition>> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    match (document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => Some(operation),
        (DocumentOperations::Multiple(mut operations), Some(name)) => operations.remove(name),
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.into_values().next()
        }
        _ => None,
    }
}

/// What is wrong with `request`'s variables for `operation`, if anything.
pub(crate) fn variable_problem(
    request: &async_graphql::Request,
    operation: &Positioned<OperationDefinition>,
) -> Option<String> {
    for definition in &operation.node.variable_definitions {
        let definition = &definition.node;
        let var_type = &definition.var_type.node;
        if var_type.nullable || definition.default_value.is_some() {
            continue;
        }
        let name = definition.name.node.as_str();
        match request.variables.get(name) {
            None => {
                return Some(format!(
                    "Variable \"${name}\" of required type \"{var_type}\" was not provided."
                ));
            }
            Some(Value::Null) => {
                return Some(format!(
                    "Variable \"${name}\" of non-null type \"{var_type}\" must not be null."
                ));
            }
            Some(_) => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{selected_operation, variable_problem};

    fn request(query: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables))
    }

    /// The checks of `http.rs`: the operation selected, then its variables.
    fn problem(query: &str, variables: serde_json::Value) -> Option<String> {
        let request = request(query, variables);
        variable_problem(&request, &selected_operation(&request)?)
    }

    #[test]
    fn missing_and_null_required_variables_are_named_with_their_type() {
        let query = "query Q($jobId: String!, $note: String, $n: Int! = 3) { getJob(jobId: $jobId) { id } }";
        assert_eq!(
            problem(query, serde_json::json!({})).as_deref(),
            Some("Variable \"$jobId\" of required type \"String!\" was not provided.")
        );
        assert_eq!(
            problem(query, serde_json::json!({"jobId": null})).as_deref(),
            Some("Variable \"$jobId\" of non-null type \"String!\" must not be null.")
        );
        assert_eq!(problem(query, serde_json::json!({"jobId": "a"})), None);
        let list = "query P($ids: [String!]!) { getJobs(jobIds: $ids) { id } }";
        assert!(
            problem(list, serde_json::json!({}))
                .is_some_and(|message| message.contains("\"[String!]!\""))
        );
        // Not parseable: no operation, so the schema says why.
        assert!(selected_operation(&request("query {", serde_json::json!({}))).is_none());
    }
}
