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

    /// `extensions.code`, the code GraphQL servers commonly classify an
    /// error with (`TOO_MANY_REQUESTS`, `BAD_USER_INPUT`, ...).
    pub fn code(&self) -> Option<&str> {
        self.extensions.as_ref()?.get("code")?.as_str()
    }

    /// Whether this error says the request was throttled (a `code` of
    /// `TOO_MANY_REQUESTS`, `RATE_LIMITED` or `THROTTLED`).
    pub fn is_throttled(&self) -> bool {
        self.code()
            .is_some_and(|code| crate::transport::statuses::THROTTLED_CODES.contains(&code))
    }

    /// Whether this error means the credentials were refused.
    pub fn is_authentication_error(&self) -> bool {
        self.message == "Unauthorized" || self.error_type() == Some("AuthenticationError")
    }
}

/// What a GraphQL validation error says the server's schema lacks: the
/// sign that the schema changed since this client's operations were
/// generated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Drift {
    /// The type that lacks a member (or that is itself unknown).
    pub(crate) type_name: String,
    /// The field or argument it lacks; `None` when the type itself is unknown.
    pub(crate) member: Option<String>,
    /// `field`, `argument` or `type`.
    pub(crate) what: &'static str,
}

impl Drift {
    /// The first error among `errors` that names a missing field, argument
    /// or type, in the words of graphql-js (Apollo, Datasaur's server) or
    /// async-graphql.
    pub(crate) fn find(errors: &[GraphQLError]) -> Option<Drift> {
        errors.iter().find_map(|error| Drift::parse(&error.message))
    }

    fn parse(message: &str) -> Option<Drift> {
        // `"a" ... "b"`: the quoted names, in order.
        let quoted: Vec<&str> = message.split('"').skip(1).step_by(2).collect();
        let drift = |type_name: &str, member: Option<&str>, what| Drift {
            type_name: type_name.to_owned(),
            member: member.map(str::to_owned),
            what,
        };
        if message.starts_with("Cannot query field \"") || message.starts_with("Unknown field \"") {
            // `Cannot query field "x" on type "T".`
            if let [field, type_name, ..] = quoted.as_slice() {
                return Some(drift(type_name, Some(field), "field"));
            }
        }
        if message.starts_with("Unknown argument \"") {
            match quoted.as_slice() {
                // async-graphql: `Unknown argument "a" on field "f" of type "T".`
                [argument, field, type_name, ..] if message.contains("\" of type \"") => {
                    return Some(drift(
                        type_name,
                        Some(&format!("{field}({argument}:)")),
                        "argument",
                    ));
                }
                // graphql-js: `Unknown argument "a" on field "T.f".`
                [argument, type_field, ..] => {
                    let (type_name, field) = type_field.split_once('.')?;
                    return Some(drift(
                        type_name,
                        Some(&format!("{field}({argument}:)")),
                        "argument",
                    ));
                }
                _ => {}
            }
        }
        if message.starts_with("Unknown type \"") {
            if let [type_name, ..] = quoted.as_slice() {
                return Some(drift(type_name, None, "type"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Drift;

    #[test]
    fn validation_errors_that_name_what_the_schema_lacks() {
        let field = Drift::parse(
            "Cannot query field \"resultId\" on type \"Job\". Did you mean \"result\"?",
        )
        .unwrap();
        assert_eq!(
            (
                field.type_name.as_str(),
                field.member.as_deref(),
                field.what
            ),
            ("Job", Some("resultId"), "field")
        );
        let sandbox =
            Drift::parse("Unknown field \"getProjects\" on type \"Query\". The sandbox serves ...")
                .unwrap();
        assert_eq!(sandbox.member.as_deref(), Some("getProjects"));
        let argument =
            Drift::parse("Unknown argument \"jobId\" on field \"Query.getJob\".").unwrap();
        assert_eq!(
            (argument.type_name.as_str(), argument.member.as_deref()),
            ("Query", Some("getJob(jobId:)"))
        );
        let argument =
            Drift::parse("Unknown argument \"jobId\" on field \"getJob\" of type \"Query\".")
                .unwrap();
        assert_eq!(
            (argument.type_name.as_str(), argument.member.as_deref()),
            ("Query", Some("getJob(jobId:)"))
        );
        let ty = Drift::parse("Unknown type \"ExportTextProjectInput\".").unwrap();
        assert_eq!(
            (ty.type_name.as_str(), ty.member, ty.what),
            ("ExportTextProjectInput", None, "type")
        );
        assert_eq!(Drift::parse("Unauthorized"), None);
        assert_eq!(Drift::parse("Cannot query field"), None);
        assert_eq!(
            Drift::parse("Variable \"$x\" of required type \"String!\" was not provided."),
            None
        );
    }
}
