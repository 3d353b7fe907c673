//! Everything one running sandbox shares between its HTTP handlers and its handle.

use super::SandboxConfig;
use super::faults::Faults;
use super::stats::Stats;
use super::store::JobStore;
use super::tokens::TokenStore;

pub(crate) struct SandboxState {
    pub config: SandboxConfig,
    pub store: JobStore,
    pub tokens: TokenStore,
    pub faults: Faults,
    pub stats: Stats,
    pub exports: super::exports::ExportStore,
    pub uploads: super::uploads::UploadStore,
    /// `http://host:port` the sandbox is reached at, for the file URLs it hands out.
    pub base_url: String,
}
