//! Everything one running sandbox shares between its HTTP handlers and its handle.

use super::config::SandboxConfig;
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
    /// The projects `getProjects` lists.
    pub projects: super::projects::ProjectStore,
    /// The scripts chosen per operation (`SandboxConfig::scripts`, and the control API's).
    pub scripts: super::scripts::Scripts,
    pub exports: super::exports::ExportStore,
    pub uploads: super::uploads::UploadStore,
    /// `http://host:port` the sandbox is reached at, for the file URLs it hands out.
    pub base_url: String,
    /// How long after its export is delivered a file appears (from
    /// `SandboxConfig::file_ready_after`; a test may change it while running).
    pub file_ready_after: std::sync::Mutex<std::time::Duration>,
}

impl SandboxState {
    pub fn file_ready_after(&self) -> std::time::Duration {
        *super::sync::lock(&self.file_ready_after)
    }
}
