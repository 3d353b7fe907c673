//! [`NewDocuments`]: what `addDocumentsToProject` is asked to add.

use serde_json::{Map, Value};

use crate::ProjectDocument;
use crate::project_document::check_documents;

/// Documents to add to a project ([`crate::Client::add_documents`]).
///
/// Datasaur documents only the `documents` of `AddDocumentsToProjectInput`;
/// the field that names the project is not public, so the caller passes it
/// through with [`NewDocuments::field`] (copy its name from your live
/// schema, `datasaur schema pull`; the sandbox reads `projectId`).
///
/// ```
/// use datasaur::{NewDocuments, ProjectDocument};
///
/// let add = NewDocuments::new([ProjectDocument::object_key("d.txt", "temp/upload-proxy/4.txt")])
///     .field("projectId", "P1");
/// let input = add.input().unwrap();
/// assert_eq!(input["projectId"], "P1");
/// assert_eq!(input["documents"][0]["document"]["name"], "d.txt");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocuments {
    documents: Vec<ProjectDocument>,
    fields: Map<String, Value>,
}

impl NewDocuments {
    /// These documents (1 to [`crate::NewProject::MAX_DOCUMENTS`], distinct names).
    ///
    /// ```
    /// let add = datasaur::NewDocuments::new([datasaur::ProjectDocument::object_key("d.txt", "k")]);
    /// assert_eq!(add.documents().len(), 1);
    /// ```
    pub fn new(documents: impl IntoIterator<Item = ProjectDocument>) -> Self {
        NewDocuments {
            documents: documents.into_iter().collect(),
            fields: Map::new(),
        }
    }

    /// Another field of the input, passed through as given (the project's
    /// id under the name your schema gives it). `documents` is not one:
    /// it is always the documents given to [`NewDocuments::new`].
    ///
    /// ```
    /// let add = datasaur::NewDocuments::new([datasaur::ProjectDocument::object_key("d.txt", "k")])
    ///     .field("projectId", "P1");
    /// # let _ = add;
    /// ```
    pub fn field(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// The documents to add.
    ///
    /// ```
    /// assert!(datasaur::NewDocuments::new([]).documents().is_empty());
    /// ```
    pub fn documents(&self) -> &[ProjectDocument] {
        &self.documents
    }

    /// The `AddDocumentsToProjectInput` sent, or why it would be refused
    /// (no documents, too many, a nameless one, two of one name, a
    /// `documents` field passed through).
    ///
    /// ```
    /// let refused = datasaur::NewDocuments::new([]).input().unwrap_err();
    /// assert!(refused.is_config());
    /// ```
    pub fn input(&self) -> crate::Result<Value> {
        let refuse = |why: String| crate::Error::config(format!("adding documents: {why}"));
        if self.fields.contains_key("documents") {
            return Err(refuse(
                "`documents` is passed through as a field: give the documents to NewDocuments::new"
                    .into(),
            ));
        }
        check_documents(&self.documents).map_err(refuse)?;
        let mut input = self.fields.clone();
        input.insert(
            "documents".into(),
            Value::Array(
                self.documents
                    .iter()
                    .map(ProjectDocument::to_input)
                    .collect(),
            ),
        );
        Ok(Value::Object(input))
    }
}
