//! The sandbox's GraphQL schema, in async-graphql. It must equal
//! `graphql/schema.graphql` type by type; `cli/src/schema/check/sandbox_agreement.rs` proves it.
//!
//! One file per area, as the library's `src/api/`: `jobs.rs` (reading jobs,
//! the `Job` type), `work.rs` (the fields that start a job), `exports.rs`
//! (project and document exports, delivery status), `reports.rs` (the team,
//! chart and report exports).

mod context;
mod exports;
mod jobs;

pub(crate) use exports::start_export_for_mock;
mod reports;
mod work;

use std::sync::Arc;

use async_graphql::EmptySubscription;

use super::schema_limits::{MAX_COMPLEXITY, MAX_DEPTH};
use super::state::SandboxState;

pub(crate) type SandboxSchema = async_graphql::Schema<AllQueries, AllMutations, EmptySubscription>;

#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Query")]
pub(crate) struct AllQueries(
    jobs::JobQuery,
    exports::ExportQuery,
    reports::ReportQuery,
    work::WorkQuery,
);

#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub(crate) struct AllMutations(work::WorkMutation);

pub(crate) fn build(state: Arc<SandboxState>) -> SandboxSchema {
    async_graphql::Schema::build(
        AllQueries::default(),
        AllMutations::default(),
        EmptySubscription,
    )
    .data(state)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_depth(MAX_DEPTH)
    .finish()
}
