//! Required variables, checked before execution as Datasaur's server
//! (Apollo Server) checks them: a non-null variable without a default and
//! without a value is HTTP 400 `Variable "$jobId" of required type
//! "String!" was not provided.`, whatever field uses it. Left to
//! async-graphql, the same mistake came back as HTTP 200 with a path for
//! some fields and 400 for others, worded `Variable jobId is not defined.`

use async_graphql::Value;
use async_graphql::parser::types::DocumentOperations;

/// What is wrong with `request`'s variables, if anything; a query that does
/// not parse is left to the schema to report.
pub(crate) fn variable_problem(request: &async_graphql::Request) -> Option<String> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let operation = match (&document.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        _ => return None,
    };
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
    use super::variable_problem;

    fn request(query: &str, variables: serde_json::Value) -> async_graphql::Request {
        async_graphql::Request::new(query).variables(async_graphql::Variables::from_json(variables))
    }

    #[test]
    fn missing_and_null_required_variables_are_named_with_their_type() {
        let query = "query Q($jobId: String!, $note: String, $n: Int! = 3) { getJob(jobId: $jobId) { id } }";
        assert_eq!(
            variable_problem(&request(query, serde_json::json!({}))).as_deref(),
            Some("Variable \"$jobId\" of required type \"String!\" was not provided.")
        );
        assert_eq!(
            variable_problem(&request(query, serde_json::json!({"jobId": null}))).as_deref(),
            Some("Variable \"$jobId\" of non-null type \"String!\" must not be null.")
        );
        assert_eq!(
            variable_problem(&request(query, serde_json::json!({"jobId": "a"}))),
            None
        );
        let list = "query P($ids: [String!]!) { getJobs(jobIds: $ids) { id } }";
        assert!(
            variable_problem(&request(list, serde_json::json!({})))
                .is_some_and(|message| message.contains("\"[String!]!\""))
        );
        // Not parseable: the schema says why.
        assert_eq!(
            variable_problem(&request("query {", serde_json::json!({}))),
            None
        );
    }
}
