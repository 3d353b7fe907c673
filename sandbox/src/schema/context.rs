//! The sandbox's state, as every resolver reaches it. A leaf: the areas
//! import it, it imports none of them.

use std::sync::Arc;

use async_graphql::Context;

use crate::state::SandboxState;

/// The state `build` registers with the schema.
pub(super) fn state<'a>(ctx: &Context<'a>) -> &'a Arc<SandboxState> {
    // Always present: `build` registers it.
    ctx.data_unchecked::<Arc<SandboxState>>()
}
