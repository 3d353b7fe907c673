//! [`GraphQLError`]: one entry of an answer's `errors`, as the server sent it.

/// One entry of a GraphQL response's `errors` list.
///
/// ```
/// let error: datasaur::GraphQLError = serde_json::from_str(
///     r#"{"message":"Unauthorized","extensions":{"type":"AuthenticationError"}}"#,
/// ).unwrap();
/// assert_eq!(error.error_type(), Some("AuthenticationError"));
/// ```
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct GraphQLError {
    /// The server's message.
    pub message: String,
    /// Where in the answer the error happened (`["result", 0, "id"]`).
    #[serde(default)]
    pub path: Option<Vec<serde_json::Value>>,
    /// Where in the query the error is.
    #[serde(default)]
    pub locations: Option<Vec<serde_json::Value>>,
    /// Extra, server-specific data; Datasaur puts a `type` here.
    #[serde(default)]
    pub extensions: Option<serde_json::Map<String, serde_json::Value>>,
}

impl GraphQLError {
    /// `extensions.type`, Datasaur's classification of the error.
    pub fn error_type(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("type")?.as_str()
    }

    /// Whether this error means the credentials were refused.
    pub fn is_authentication_error(&self) -> bool {
        self.message == "Unauthorized" || self.error_type() == Some("AuthenticationError")
    }
}
