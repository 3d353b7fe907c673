//! The client's one wait engine: where every wait of a [`Client`] and its
//! clones registers its jobs, so that they all share `getJobs` requests.
//!
//! What runs where: the first wait polled starts a driver task on the
//! current tokio runtime ([`super::driver`]). It sends the requests and
//! routes each answer to the waits on that job. It ends as soon as no wait
//! is left; the next wait starts a new one. If the runtime that ran it shuts
//! down, the waits it served (on other runtimes) notice their channel
//! closing and register again, which starts a driver on their runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::driver::Driver;
use super::protocol::{CallerId, Command, DriverSlot, EngineConfig, FetchJobs};

/// The engine's handle in the client: the way to the running driver, if any.
pub(crate) struct WaitEngine {
    driver: Arc<DriverSlot>,
    next_caller: AtomicU64,
    pub(crate) config: EngineConfig,
    /// Instead of the client's own `getJobs` (tests only).
    fetch: Option<Arc<dyn FetchJobs>>,
}

impl WaitEngine {
    pub fn new(config: EngineConfig, fetch: Option<Arc<dyn FetchJobs>>) -> Self {
        WaitEngine {
            driver: Arc::default(),
            next_caller: AtomicU64::new(1),
            config,
            fetch,
        }
    }

    pub fn new_caller(&self) -> CallerId {
        self.next_caller.fetch_add(1, Ordering::Relaxed)
    }

    /// Sends `command` to the driver, starting one on the current runtime if
    /// none runs (or the one that ran died with its runtime). Must be called
    /// from within a tokio runtime.
    ///
    /// `fetch` is how a new driver asks for jobs (the client's `getJobs`),
    /// unless the engine was built with a fake.
    pub fn send(&self, fetch: impl FnOnce() -> Arc<dyn FetchJobs>, command: Command) {
        let mut driver = self.driver.lock();
        let command = match driver.as_ref() {
            Some(sender) => match sender.send(command) {
                Ok(()) => return,
                // Its runtime shut down: start another here.
                Err(mpsc::error::SendError(command)) => command,
            },
            None => command,
        };
        let (sender, receiver) = mpsc::unbounded_channel();
        // Cannot fail: the receiver is alive.
        let _ = sender.send(command);
        *driver = Some(sender);
        let fetch = match &self.fetch {
            Some(fetch) => fetch.clone(),
            None => fetch(),
        };
        let driver = Driver::new(self.config, self.driver.clone(), fetch, receiver);
        tokio::spawn(driver.run());
    }

    /// Sends `command` to a running driver; does nothing if none runs (used
    /// on drop, where starting a driver would be pointless).
    pub fn send_if_running(&self, command: Command) {
        if let Some(sender) = self.driver.lock().as_ref() {
            let _ = sender.send(command);
        }
    }
}

impl std::fmt::Debug for WaitEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaitEngine")
            .field("running", &self.driver.lock().is_some())
            .field("config", &self.config)
            .finish()
    }
}
