//! What the tests share: a wiremock server standing in for Datasaur
//! ([`mock`]), clients for the in-process sandbox ([`sandbox`]), scratch
//! directories ([`files`]).

pub mod files;
pub mod mock;
pub mod sandbox;
