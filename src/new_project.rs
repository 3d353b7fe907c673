//! [`NewProject`]: what `createProject` is asked to make, typed where
//! Datasaur documents it and passed through as JSON where it does not.

use serde_json::{Map, Value};

use crate::ProjectDocument;
use crate::project_document::check_documents;

/// A project to create ([`crate::Client::create_project`]): a name, its
/// documents, and what else `LaunchProjectInput` takes.
///
/// Datasaur has not published `LaunchProjectInput`, so only its documented
/// parts are typed (name, team, kinds, purpose, documents); the settings
/// objects (`creationSettings`, `projectSettings`, label sets, questions,
/// ...) pass through as JSON. Datasaur advises building them in the web
/// app's project wizard and copying its "View Script" payload: give that
/// payload (whole, its `variables`, or its `input`) to
/// [`NewProject::settings`]. The typed parts win over the same fields of
/// the settings. Everything is checked before anything is sent
/// ([`NewProject::input`]).
///
/// ```
/// use datasaur::{NewProject, ProjectDocument};
///
/// let project = NewProject::new("Reviews 2026-12")
///     .team_id("T1")
///     .kinds(["DOCUMENT_BASED"])
///     .purpose("LABELING")
///     .document(ProjectDocument::object_key("a.csv", "temp/upload-proxy/1.csv"))
///     .settings(serde_json::json!({"creationSettings": {"tokenizer": "WINK"}}));
/// let input = project.input().unwrap();
/// assert_eq!(input["name"], "Reviews 2026-12");
/// assert_eq!(input["documents"][0]["document"]["objectKey"], "temp/upload-proxy/1.csv");
/// assert_eq!(input["creationSettings"]["tokenizer"], "WINK");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    name: String,
    team_id: Option<String>,
    kinds: Option<Vec<String>>,
    purpose: Option<String>,
    documents: Vec<ProjectDocument>,
    document_assignments: Option<Value>,
    settings: Option<Value>,
}

impl NewProject {
    /// The most documents one `createProject` takes here (Datasaur's samples
    /// batch by it); add more with [`crate::Client::add_documents`].
    pub const MAX_DOCUMENTS: usize = crate::project_document::MAX_DOCUMENTS_PER_CALL;

    /// The longest project name taken, in characters.
    pub const MAX_NAME_CHARS: usize = 255;

    /// A project named `name`, with no documents yet.
    ///
    /// ```
    /// let project = datasaur::NewProject::new("Reviews");
    /// assert_eq!(project.name(), "Reviews");
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        NewProject {
            name: name.into(),
            team_id: None,
            kinds: None,
            purpose: None,
            documents: Vec::new(),
            document_assignments: None,
            settings: None,
        }
    }

    /// The team the project belongs to (`teamId`; none: the personal workspace).
    ///
    /// ```
    /// let project = datasaur::NewProject::new("Reviews").team_id("T1");
    /// # let _ = project;
    /// ```
    pub fn team_id(mut self, team_id: impl Into<String>) -> Self {
        self.team_id = Some(team_id.into());
        self
    }

    /// The project's kinds (`kinds`: `DOCUMENT_BASED`, `TOKEN_BASED`,
    /// `ROW_BASED`, `BBOX_BASED` in Datasaur's schema), sent as given so a
    /// kind newer than this crate still works.
    ///
    /// ```
    /// let project = datasaur::NewProject::new("Reviews").kinds(["TOKEN_BASED", "DOCUMENT_BASED"]);
    /// # let _ = project;
    /// ```
    pub fn kinds(mut self, kinds: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.kinds = Some(kinds.into_iter().map(Into::into).collect());
        self
    }

    /// The project's purpose (`purpose`: `LABELING`, `VALIDATION`,
    /// `LABELER_TEST`), sent as given.
    ///
    /// ```
    /// let project = datasaur::NewProject::new("Reviews").purpose("LABELING");
    /// # let _ = project;
    /// ```
    pub fn purpose(mut self, purpose: impl Into<String>) -> Self {
        self.purpose = Some(purpose.into());
        self
    }

    /// Adds a document.
    ///
    /// ```
    /// use datasaur::{NewProject, ProjectDocument};
    ///
    /// let project = NewProject::new("Reviews")
    ///     .document(ProjectDocument::object_key("a.csv", "temp/upload-proxy/1.csv"));
    /// assert_eq!(project.get_documents().len(), 1);
    /// ```
    pub fn document(mut self, document: ProjectDocument) -> Self {
        self.documents.push(document);
        self
    }

    /// Adds documents.
    ///
    /// ```
    /// use datasaur::{NewProject, ProjectDocument};
    ///
    /// let project = NewProject::new("Reviews").documents([
    ///     ProjectDocument::object_key("a.csv", "temp/upload-proxy/1.csv"),
    ///     ProjectDocument::object_key("b.csv", "temp/upload-proxy/2.csv"),
    /// ]);
    /// assert_eq!(project.get_documents().len(), 2);
    /// ```
    pub fn documents(mut self, documents: impl IntoIterator<Item = ProjectDocument>) -> Self {
        self.documents.extend(documents);
        self
    }

    /// Who labels and reviews which document (`documentAssignments`),
    /// passed through as given.
    ///
    /// ```
    /// let project = datasaur::NewProject::new("Reviews")
    ///     .document_assignments(serde_json::json!([{"teamMemberId": "7", "documents": [{"fileName": "a.csv"}]}]));
    /// # let _ = project;
    /// ```
    pub fn document_assignments(mut self, assignments: Value) -> Self {
        self.document_assignments = Some(assignments);
        self
    }

    /// The rest of `LaunchProjectInput`, passed through: the project
    /// wizard's "View Script" payload (`{"variables": {"input": {...}}, ...}`),
    /// or its `{"input": {...}}`, or the input object itself. Documents it
    /// holds are checked as [`ProjectDocument`]'s and come before those
    /// added here.
    ///
    /// ```
    /// let wizard = serde_json::json!({
    ///     "operationName": "CreateProjectMutation",
    ///     "variables": {"input": {"name": "from the wizard", "projectSettings": {"enableEditLabelSet": true}}},
    /// });
    /// let input = datasaur::NewProject::new("Reviews")
    ///     .document(datasaur::ProjectDocument::object_key("a.txt", "temp/upload-proxy/1.txt"))
    ///     .settings(wizard)
    ///     .input()
    ///     .unwrap();
    /// assert_eq!(input["name"], "Reviews");
    /// assert_eq!(input["projectSettings"]["enableEditLabelSet"], true);
    /// ```
    pub fn settings(mut self, settings: Value) -> Self {
        self.settings = Some(settings);
        self
    }

    /// The project's name.
    ///
    /// ```
    /// assert_eq!(datasaur::NewProject::new("Reviews").name(), "Reviews");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The documents added with [`NewProject::document`] and [`NewProject::documents`].
    ///
    /// ```
    /// assert!(datasaur::NewProject::new("Reviews").get_documents().is_empty());
    /// ```
    pub fn get_documents(&self) -> &[ProjectDocument] {
        &self.documents
    }

    /// The `LaunchProjectInput` this project sends, or why it would be
    /// refused: an empty or over-long name, settings that are not a JSON
    /// object, no documents, more than [`NewProject::MAX_DOCUMENTS`], a
    /// document without a name, two of the same name, or one with both or
    /// neither of `objectKey` and `externalUrl` (in the settings).
    ///
    /// ```
    /// let refused = datasaur::NewProject::new("Reviews").input().unwrap_err();
    /// assert!(refused.is_config());
    /// assert!(refused.to_string().contains("no documents"));
    /// ```
    pub fn input(&self) -> crate::Result<Value> {
        self.build()
            .map_err(|why| crate::Error::config(format!("project {:?}: {why}", shown(&self.name))))
    }

    fn build(&self) -> Result<Value, String> {
        let chars = self.name.chars().count();
        if self.name.trim().is_empty() {
            return Err("the name is empty".into());
        }
        if chars > Self::MAX_NAME_CHARS {
            return Err(format!(
                "the name is {chars} characters long; at most {} are taken",
                Self::MAX_NAME_CHARS
            ));
        }
        let mut input = match &self.settings {
            None => Map::new(),
            Some(settings) => input_object(settings)?,
        };
        let mut documents = match input.remove("documents") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(given)) => given
                .iter()
                .enumerate()
                .map(|(at, document)| ProjectDocument::from_input(document, at + 1))
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err("the settings' `documents` is not a list".into()),
        };
        documents.extend(self.documents.iter().cloned());
        check_documents(&documents)?;
        input.insert("name".into(), Value::String(self.name.clone()));
        if let Some(team) = &self.team_id {
            input.insert("teamId".into(), Value::String(team.clone()));
        }
        if let Some(kinds) = &self.kinds {
            input.insert("kinds".into(), Value::from(kinds.clone()));
        }
        if let Some(purpose) = &self.purpose {
            input.insert("purpose".into(), Value::String(purpose.clone()));
        }
        if let Some(assignments) = &self.document_assignments {
            input.insert("documentAssignments".into(), assignments.clone());
        }
        input.insert(
            "documents".into(),
            Value::Array(documents.iter().map(ProjectDocument::to_input).collect()),
        );
        Ok(Value::Object(input))
    }
}

/// The input object of a settings payload: the wizard's whole payload, its
/// `{"input": ...}`, or the object itself.
pub(crate) fn input_object(settings: &Value) -> Result<Map<String, Value>, String> {
    let inner = settings
        .get("variables")
        .and_then(|variables| variables.get("input"))
        .or_else(|| settings.get("input"))
        .unwrap_or(settings);
    match inner {
        Value::Object(object) => Ok(object.clone()),
        other => Err(format!(
            "the settings are not a JSON object (they are {})",
            kind_of(other)
        )),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A name as error messages show it: its first 100 characters.
fn shown(name: &str) -> String {
    name.chars().take(100).collect()
}
