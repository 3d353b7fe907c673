//! Inputs users can write: required fields in a constructor, optional ones
//! in setters, on the generated input types, so nobody builds nested
//! structs of `Option`s by hand.

use crate::operations::auto_label_token_based_project::{
    AutoLabelProjectOptionsInput, AutoLabelTokenBasedProjectInput, GqlAutoLabelServiceProvider,
    Role as AutoLabelRole, TargetApiInput,
};
use crate::operations::export_text_project::{
    ExportCommentType, ExportTextProjectInput, ExternalFileStorageInput, GqlExportMethod,
    Role as ExportRole,
};
use crate::operations::export_text_project_document::{
    ExportCommentType as DocumentCommentType, ExportTextProjectDocumentInput,
    ExternalFileStorageInput as DocumentFileStorageInput, GqlExportMethod as DocumentExportMethod,
};

/// The setters both export inputs share, and the constructor of their
/// (separately generated, identical) storage input.
macro_rules! export_input_setters {
    ($input:ty, $comment_type:ty, $storage:ty) => {
        impl $input {
            /// Runs a file transformer over the export.
            #[must_use]
            pub fn file_transformer_id(mut self, id: impl Into<String>) -> Self {
                self.file_transformer_id = Some(id.into());
                self
            }

            /// Includes these kinds of comments.
            #[must_use]
            pub fn included_comment_types(
                mut self,
                types: impl IntoIterator<Item = $comment_type>,
            ) -> Self {
                self.included_comment_type = Some(types.into_iter().collect());
                self
            }

            /// Masks PII entities in the export.
            #[must_use]
            pub fn mask_pii_entities(mut self, mask: bool) -> Self {
                self.mask_pii_entities = Some(mask);
                self
            }

            /// For `CUSTOM_WEBHOOK`: where Datasaur PUTs the result, and the
            /// secret it signs the body with (`X-Datasaur-Signature`).
            #[must_use]
            pub fn webhook(mut self, url: impl Into<String>, secret: impl Into<String>) -> Self {
                self.url = Some(url.into());
                self.secret = Some(secret.into());
                self
            }

            /// For `EXTERNAL_FILE_STORAGE`: the bucket to write to.
            #[must_use]
            pub fn external_file_storage(mut self, storage: $storage) -> Self {
                self.external_file_storage_parameter = Some(storage);
                self
            }
        }

        impl $storage {
            /// A bucket, a path in it, and the keys to write there.
            ///
            /// ```
            /// use datasaur::operations::export_text_project::ExternalFileStorageInput;
            ///
            /// let storage = ExternalFileStorageInput::new("bucket", "exports/", "AKIA...", "secret");
            /// assert_eq!(storage.bucket_name, "bucket");
            /// ```
            pub fn new(
                bucket_name: impl Into<String>,
                object_path: impl Into<String>,
                access_key_id: impl Into<String>,
                secret_access_key: impl Into<String>,
            ) -> Self {
                Self {
                    access_key_id: access_key_id.into(),
                    bucket_name: bucket_name.into(),
                    object_path: object_path.into(),
                    secret_access_key: secret_access_key.into(),
                }
            }
        }
    };
}

export_input_setters!(
    ExportTextProjectInput,
    ExportCommentType,
    ExternalFileStorageInput
);
export_input_setters!(
    ExportTextProjectDocumentInput,
    DocumentCommentType,
    DocumentFileStorageInput
);

impl ExportTextProjectInput {
    /// An export of `project_ids` as `format` (free text, e.g. `"JSON"`,
    /// `"TSV"`), named `file_name`, delivered by `method`.
    ///
    /// ```
    /// use datasaur::operations::export_text_project::{ExportTextProjectInput, GqlExportMethod, Role};
    ///
    /// let input = ExportTextProjectInput::new(["p1", "p2"], "labels", "JSON", GqlExportMethod::FileStorage)
    ///     .role(Role::Reviewer)
    ///     .mask_pii_entities(true);
    /// assert_eq!(input.project_ids, ["p1", "p2"]);
    /// assert_eq!(input.role, Some(Role::Reviewer));
    /// ```
    pub fn new(
        project_ids: impl IntoIterator<Item = impl Into<String>>,
        file_name: impl Into<String>,
        format: impl Into<String>,
        method: GqlExportMethod,
    ) -> Self {
        ExportTextProjectInput {
            external_file_storage_parameter: None,
            file_name: file_name.into(),
            file_transformer_id: None,
            filtered_cabinet_role: None,
            format: format.into(),
            included_comment_type: None,
            mask_pii_entities: None,
            method,
            project_ids: project_ids.into_iter().map(Into::into).collect(),
            role: None,
            secret: None,
            url: None,
        }
    }

    /// Exports as seen by this role.
    #[must_use]
    pub fn role(mut self, role: ExportRole) -> Self {
        self.role = Some(role);
        self
    }

    /// Exports only the cabinets of this role.
    #[must_use]
    pub fn filtered_cabinet_role(mut self, role: ExportRole) -> Self {
        self.filtered_cabinet_role = Some(role);
        self
    }
}

impl ExportTextProjectDocumentInput {
    /// An export of one document as `format`, named `file_name`, delivered
    /// by `method`.
    ///
    /// ```
    /// use datasaur::operations::export_text_project_document::{ExportTextProjectDocumentInput, GqlExportMethod};
    ///
    /// let input = ExportTextProjectDocumentInput::new("doc-1", "labels", "JSON", GqlExportMethod::FileStorage)
    ///     .mask_pii_entities(true);
    /// assert_eq!(input.document_id, "doc-1");
    /// ```
    pub fn new(
        document_id: impl Into<String>,
        file_name: impl Into<String>,
        format: impl Into<String>,
        method: DocumentExportMethod,
    ) -> Self {
        ExportTextProjectDocumentInput {
            document_id: document_id.into(),
            external_file_storage_parameter: None,
            file_name: file_name.into(),
            file_transformer_id: None,
            format: format.into(),
            included_comment_type: None,
            mask_pii_entities: None,
            method,
            secret: None,
            url: None,
        }
    }
}

impl AutoLabelTokenBasedProjectInput {
    /// Auto-labeling of `project_id` for `labeler_email`, by the model at
    /// `target_api`; the service provider and files per request are
    /// Datasaur's defaults until set.
    ///
    /// ```
    /// use datasaur::operations::auto_label_token_based_project::{
    ///     AutoLabelTokenBasedProjectInput, GqlAutoLabelServiceProvider, TargetApiInput,
    /// };
    ///
    /// let input = AutoLabelTokenBasedProjectInput::new(
    ///     "demo@datasaur.ai",
    ///     "HvdyIL2iwZn",
    ///     TargetApiInput::new("https://custom-model.api.com/predict", "secret"),
    /// )
    /// .service_provider(GqlAutoLabelServiceProvider::Custom);
    /// assert_eq!(input.options.number_of_files_per_request, 0);
    /// ```
    pub fn new(
        labeler_email: impl Into<String>,
        project_id: impl Into<String>,
        target_api: TargetApiInput,
    ) -> Self {
        AutoLabelTokenBasedProjectInput {
            labeler_email: labeler_email.into(),
            options: AutoLabelProjectOptionsInput {
                number_of_files_per_request: 0,
                service_provider: None,
            },
            project_id: project_id.into(),
            role: None,
            target_api,
        }
    }

    /// Which service labels.
    #[must_use]
    pub fn service_provider(mut self, provider: GqlAutoLabelServiceProvider) -> Self {
        self.options.service_provider = Some(provider);
        self
    }

    /// How many files go to the model per request (0: Datasaur decides).
    #[must_use]
    pub fn number_of_files_per_request(mut self, files: i64) -> Self {
        self.options.number_of_files_per_request = files;
        self
    }

    /// Labels as this role.
    #[must_use]
    pub fn role(mut self, role: AutoLabelRole) -> Self {
        self.role = Some(role);
        self
    }
}

impl TargetApiInput {
    /// The model's endpoint and the key Datasaur sends it.
    pub fn new(endpoint: impl Into<String>, secret_key: impl Into<String>) -> Self {
        TargetApiInput {
            endpoint: endpoint.into(),
            secret_key: secret_key.into(),
        }
    }
}
