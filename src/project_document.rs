//! [`ProjectDocument`]: one document of a project being created or added
//! to, as Datasaur's docs define it: a name and exactly one source.

use serde_json::{Value, json};

/// One document for [`crate::NewProject`] or [`crate::NewDocuments`]: its
/// name, and exactly one source (an object key from
/// [`crate::Client::upload`], or a URL Datasaur fetches), so a document with
/// both or neither cannot be written.
///
/// ```
/// use datasaur::ProjectDocument;
///
/// let uploaded = ProjectDocument::object_key("reviews.csv", "temp/upload-proxy/1.csv");
/// let fetched = ProjectDocument::external_url("news.txt", "https://example.com/news.txt")
///     .extras(serde_json::json!([{"key": "source", "value": "web"}]));
/// assert_eq!(uploaded.name(), "reviews.csv");
/// assert_eq!(fetched.name(), "news.txt");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectDocument {
    name: String,
    source: Source,
    extras: Value,
}

#[derive(Debug, Clone, PartialEq)]
enum Source {
    ObjectKey(String),
    ExternalUrl(String),
}

impl ProjectDocument {
    /// A document uploaded through the upload proxy ([`crate::Upload::object_key`]).
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), datasaur::Error> {
    /// let upload = client.upload(datasaur::UploadSource::path("a.txt"), None).await?;
    /// let document = datasaur::ProjectDocument::object_key(&upload.name, &upload.object_key);
    /// # Ok(()) }
    /// ```
    pub fn object_key(name: impl Into<String>, object_key: impl Into<String>) -> Self {
        ProjectDocument {
            name: name.into(),
            source: Source::ObjectKey(object_key.into()),
            extras: Value::Array(Vec::new()),
        }
    }

    /// A document Datasaur fetches from a URL (`externalUrl`).
    ///
    /// ```
    /// let document = datasaur::ProjectDocument::external_url("a.txt", "https://example.com/a.txt");
    /// assert_eq!(document.name(), "a.txt");
    /// ```
    pub fn external_url(name: impl Into<String>, url: impl Into<String>) -> Self {
        ProjectDocument {
            name: name.into(),
            source: Source::ExternalUrl(url.into()),
            extras: Value::Array(Vec::new()),
        }
    }

    /// The document's `extras`, passed through as given (Datasaur's samples
    /// send `[]`, the default).
    ///
    /// ```
    /// let document = datasaur::ProjectDocument::object_key("a.txt", "temp/upload-proxy/1.txt")
    ///     .extras(serde_json::json!([]));
    /// # let _ = document;
    /// ```
    pub fn extras(mut self, extras: Value) -> Self {
        self.extras = extras;
        self
    }

    /// The document's name.
    ///
    /// ```
    /// assert_eq!(datasaur::ProjectDocument::object_key("a.txt", "k").name(), "a.txt");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// As the input sends it: `{document: {name, objectKey | externalUrl}, extras}`.
    pub(crate) fn to_input(&self) -> Value {
        let document = match &self.source {
            Source::ObjectKey(key) => json!({"name": self.name, "objectKey": key}),
            Source::ExternalUrl(url) => json!({"name": self.name, "externalUrl": url}),
        };
        json!({"document": document, "extras": self.extras})
    }

    /// A document given as JSON (a wizard payload's), checked as the typed
    /// constructors guarantee: a name, and exactly one of `objectKey` or
    /// `externalUrl`.
    pub(crate) fn from_input(value: &Value, at: usize) -> Result<Self, String> {
        let document = value
            .get("document")
            .ok_or_else(|| format!("document {at} has no `document` object"))?;
        let text = |key: &str| document.get(key).and_then(Value::as_str);
        let name = text("name").ok_or_else(|| format!("document {at} has no `name` text"))?;
        let source = match (text("objectKey"), text("externalUrl")) {
            (Some(key), None) => Source::ObjectKey(key.to_owned()),
            (None, Some(url)) => Source::ExternalUrl(url.to_owned()),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "document {at} ({name:?}) has both `objectKey` and `externalUrl`: give exactly one"
                ));
            }
            (None, None) => {
                return Err(format!(
                    "document {at} ({name:?}) has neither `objectKey` nor `externalUrl`: give exactly one"
                ));
            }
        };
        Ok(ProjectDocument {
            name: name.to_owned(),
            source,
            extras: value
                .get("extras")
                .cloned()
                .unwrap_or(Value::Array(Vec::new())),
        })
    }
}

/// The most documents one call takes (Datasaur's samples batch by it);
/// [`crate::NewProject::MAX_DOCUMENTS`] to callers.
pub(crate) const MAX_DOCUMENTS_PER_CALL: usize = 100;

/// Checks a call's documents: at least one, at most
/// [`MAX_DOCUMENTS_PER_CALL`], each named, no name twice.
pub(crate) fn check_documents(documents: &[ProjectDocument]) -> Result<(), String> {
    let max = MAX_DOCUMENTS_PER_CALL;
    if documents.is_empty() {
        return Err("no documents: give at least one".into());
    }
    if documents.len() > max {
        return Err(format!(
            "{} documents: Datasaur's samples create at most {max} per call; split them \
             (create the project with the first {max}, then add the rest with add_documents, \
             {max} at a time)",
            documents.len()
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for document in documents {
        if document.name.trim().is_empty() {
            return Err("a document has an empty name".into());
        }
        if !seen.insert(document.name.as_str()) {
            return Err(format!(
                "two documents are named {:?}: a project's documents need distinct names",
                document.name
            ));
        }
    }
    Ok(())
}
