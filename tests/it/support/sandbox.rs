//! A `Client` for a running sandbox. It lives with the tests, not in the
//! sandbox crate, which knows nothing of this client.

use datasaur::{Client, ClientBuilder};
use datasaur_sandbox::Sandbox;

/// Clients pointed at a sandbox with its start-up token.
pub trait SandboxClient {
    /// A builder with the sandbox's base URL and token.
    fn client_builder(&self) -> ClientBuilder;
    /// A client with the sandbox's base URL and token.
    fn client(&self) -> Client;
}

impl SandboxClient for Sandbox {
    fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .base_url(self.base_url())
            .access_token(self.token())
    }

    fn client(&self) -> Client {
        self.client_builder()
            .build()
            .expect("a loopback base URL and a sandbox token make a valid client")
    }
}

/// The export most tests start: one project, JSON, to file storage.
pub fn project_export_input() -> datasaur::operations::export_text_project::ExportTextProjectInput {
    use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod};
    ExportTextProjectInput::new(
        "labels",
        "JSON",
        GqlExportMethod::FileStorage,
        ["HvdyIL2iwZn"],
    )
}
