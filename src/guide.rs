//! Guides, one page per task. They are Markdown files in `docs/guide/`,
//! shown here so they read where the API does, and their code runs as
//! doctests, so it cannot rot.

#[doc = include_str!("../docs/guide/observability.md")]
pub mod observability {}
