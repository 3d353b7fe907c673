//! Why a schema command could not compare anything (as opposed to finding
//! differences): a leaf, so the model that reads schemas and the checks
//! that compare them share it without importing each other.

use std::path::PathBuf;

/// Why a check could not run at all (as opposed to finding mismatches).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SchemaCheckError {
    /// The reference file does not exist.
    #[error("reference schema {} not found", path.display())]
    NotFound {
        /// The path given.
        path: PathBuf,
    },
    /// The reference file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The path given.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a schema this checker understands.
    #[error("{origin} is not a valid GraphQL schema: {message}")]
    Invalid {
        /// Which file or text.
        origin: String,
        /// What is wrong.
        message: String,
    },
}
