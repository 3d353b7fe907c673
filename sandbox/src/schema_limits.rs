//! What one GraphQL request may ask of the sandbox. Without limits, one
//! 288 KB request (5,000 ids × 200 aliases of `getJobs`) built a 151 MB
//! answer; with them it is refused before it runs, with a GraphQL error.

/// Ids one `getJobs` field may ask for. Datasaur's own tools send 100.
pub const MAX_IDS_PER_FIELD: usize = 1_000;

/// The summed cost of a request: each field costs 1, and `getJobs` costs
/// its selection once per id. A `getJobs` of 1,000 ids with every job field
/// costs about 13,000; this allows a few such fields per request, not 200.
pub const MAX_COMPLEXITY: usize = 50_000;

/// Selection depth; the deepest real query is 4.
pub const MAX_DEPTH: usize = 16;

/// Operations in one batched (JSON array) request.
pub const MAX_BATCH: usize = 16;

/// Distinct `operationName`s the stats keep; later ones count as `(other)`.
pub const MAX_OPERATION_NAMES: usize = 256;

/// The longest `operationName` the stats keep as is.
pub const MAX_OPERATION_NAME_LEN: usize = 100;
