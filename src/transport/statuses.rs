//! Which HTTP statuses are worth another try, as data: one list per kind
//! of call, the only place in the crate that names them (smithy-rs keeps
//! them the same way, in its `HttpStatusCodeClassifier`).

/// The statuses after which a kind of request may be sent again (if the
/// pipeline's other rules allow: work that may have started never is).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TransientStatuses {
    /// Single statuses.
    listed: &'static [u16],
    /// Every 5xx.
    server_errors: bool,
}

impl TransientStatuses {
    /// GraphQL requests and token fetches: throttled, or a gateway that
    /// could not reach the server. A 500 is Datasaur's own answer to the
    /// request: asking again would fail the same way.
    pub(crate) const API: Self = TransientStatuses {
        listed: &[429, 502, 503, 504],
        server_errors: false,
    };

    /// Uploads: also 500, since repeating an upload can at worst leave an
    /// unused temporary object on the server.
    pub(crate) const UPLOAD: Self = TransientStatuses {
        listed: &[429, 500, 502, 503, 504],
        server_errors: false,
    };

    /// Downloads of an export's file: the file may not be there yet (404),
    /// and every server error of an object store may pass.
    pub(crate) const DOWNLOAD: Self = TransientStatuses {
        listed: &[404, 408, 429],
        server_errors: true,
    };

    /// Whether `status` is one of these.
    pub(crate) fn contains(self, status: u16) -> bool {
        self.listed.contains(&status) || (self.server_errors && (500..600).contains(&status))
    }
}

/// HTTP 429: the server says it did not run the request.
pub(crate) const TOO_MANY_REQUESTS: u16 = 429;

/// The GraphQL error codes (`extensions.code`) by which servers say "throttled"
/// in an HTTP 200 answer (GitHub, Shopify and Apollo servers use these).
pub(crate) const THROTTLED_CODES: &[&str] = &["TOO_MANY_REQUESTS", "RATE_LIMITED", "THROTTLED"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_own_list() {
        assert!(TransientStatuses::API.contains(503));
        assert!(!TransientStatuses::API.contains(500));
        assert!(TransientStatuses::UPLOAD.contains(500));
        assert!(!TransientStatuses::UPLOAD.contains(404));
        assert!(TransientStatuses::DOWNLOAD.contains(404));
        assert!(TransientStatuses::DOWNLOAD.contains(599));
        assert!(!TransientStatuses::DOWNLOAD.contains(403));
        for kind in [
            TransientStatuses::API,
            TransientStatuses::UPLOAD,
            TransientStatuses::DOWNLOAD,
        ] {
            assert!(kind.contains(TOO_MANY_REQUESTS));
            assert!(!kind.contains(400) && !kind.contains(401));
        }
    }
}
