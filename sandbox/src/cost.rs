//! What a request would cost, before it runs (`schema_limits.rs`): each
//! field costs 1, and a field given a list of ids (`getJobs`' `jobIds`, an
//! export's `projectIds`) costs its selection once per id. A request over
//! [`MAX_COMPLEXITY`] is refused whole before anything runs, with the
//! GraphQL error Datasaur's server gives a query too complex. (The engine's
//! `Budget` still bounds, while it runs, what generated lists make.)

use std::collections::HashMap;

use async_graphql::Value;
use async_graphql::parser::Positioned;
use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

use crate::schema_limits::MAX_COMPLEXITY;

/// Arguments whose list length multiplies the cost of their field's selection.
const ID_LISTS: [&str; 2] = ["jobIds", "projectIds"];

/// Why `request` is refused before it runs, if it is.
pub(crate) fn refusal(request: &async_graphql::Request) -> Option<String> {
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let ExecutableDocument {
        operations,
        fragments,
    } = document;
    let operation = match (operations, request.operation_name.as_deref()) {
        (async_graphql::parser::types::DocumentOperations::Single(operation), _) => operation,
        (async_graphql::parser::types::DocumentOperations::Multiple(mut operations), name) => {
            match name {
                Some(name) => operations.remove(name)?,
                None if operations.len() == 1 => operations.into_values().next()?,
                None => return None,
            }
        }
    };
    let fragments: HashMap<String, Positioned<FragmentDefinition>> = fragments
        .into_iter()
        .map(|(name, fragment)| (name.to_string(), fragment))
        .collect();
    let cost = Cost {
        request,
        fragments: &fragments,
    }
    .of_operation(&operation);
    (cost > MAX_COMPLEXITY).then(|| {
        format!("Query is too complex: it would cost {cost} (at most {MAX_COMPLEXITY}); ask for fewer ids or fields")
    })
}

struct Cost<'a> {
    request: &'a async_graphql::Request,
    fragments: &'a HashMap<String, Positioned<FragmentDefinition>>,
}

impl Cost<'_> {
    fn of_operation(&self, operation: &Positioned<OperationDefinition>) -> usize {
        self.of_selection(&operation.node.selection_set.node, 0)
    }

    fn of_selection(&self, selection: &SelectionSet, depth: usize) -> usize {
        // Fragments spreading each other are refused by validation; this
        // only keeps the walk finite.
        if depth > 64 {
            return 0;
        }
        selection.items.iter().fold(0usize, |total, item| {
            let cost = match &item.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let ids = field
                        .arguments
                        .iter()
                        .filter(|(name, _)| ID_LISTS.contains(&name.node.as_str()))
                        .map(|(_, value)| {
                            // A literal list, or a variable's value.
                            let value = value.node.clone().into_const_with(|name| {
                                self.request.variables.get(&name).cloned().ok_or(())
                            });
                            match value {
                                Ok(Value::List(items)) => items.len(),
                                _ => 1,
                            }
                        })
                        .max()
                        .unwrap_or(1)
                        .max(1);
                    let children = self.of_selection(&field.selection_set.node, depth + 1);
                    ids.saturating_mul(children.max(1)).saturating_add(1)
                }
                Selection::FragmentSpread(spread) => self
                    .fragments
                    .get(spread.node.fragment_name.node.as_str())
                    .map_or(0, |fragment| {
                        self.of_selection(&fragment.node.selection_set.node, depth + 1)
                    }),
                Selection::InlineFragment(inline) => {
                    self.of_selection(&inline.node.selection_set.node, depth + 1)
                }
            };
            total.saturating_add(cost)
        })
    }
}
