//! What the tests share: a wiremock server standing in for Datasaur
//! ([`mock`]), and clients for the in-process sandbox ([`sandbox`]).

pub mod mock;
pub mod sandbox;
