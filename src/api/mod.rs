//! The API calls of [`crate::Client`], one file per area of Datasaur's API.
//! Each wraps a generated operation of [`crate::operations`] thinly: the
//! variables in, the answer checked and mapped to this crate's types out.
//! The waits are in [`crate::wait`], beside the engine they drive.

mod auto_label;
mod exports;
mod jobs;
