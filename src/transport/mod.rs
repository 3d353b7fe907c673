//! The one request pipeline. [`pipeline`] owns the rules every request
//! keeps (never sending started work twice, the request id, credentials,
//! the pace, the verdict); [`statuses`] says, as data, which HTTP statuses
//! each kind of call may retry; [`pace`] holds the client back when
//! Datasaur throttles; [`graphql`] is the GraphQL call. Uploads, downloads
//! and token fetches describe their calls in their own files and send them
//! through [`Transport::call`].

mod credentials;
mod graphql;
mod pace;
mod pipeline;
pub(crate) mod statuses;

pub(crate) use credentials::{Authorization, CallCredentials};
pub(crate) use graphql::{Refused, record_error};
pub(crate) use pace::Pace;
pub(crate) use pipeline::{Attempt, Call, Failure, Repeat, Retries, Transport};
pub(crate) use statuses::TransientStatuses;
