//! The team, chart and report exports (queries that start work): each is an
//! export like a project's, with a file for `FILE_STORAGE` (and for the two
//! that take no method), a signed push for `CUSTOM_WEBHOOK`.

use async_graphql::{Context, Enum, ID, InputObject, Object};

use super::context::state;
use super::exports::{
    ExportContent, ExportRequestResult, ExternalFileStorageInput, GqlExportMethod, Webhook,
    export_script, start_export,
};

/// Report exports, merged into `Query`.
#[derive(Default)]
pub(crate) struct ReportQuery;

#[Object]
impl ReportQuery {
    /// Exports team overview.
    async fn export_team_overview(
        &self,
        ctx: &Context<'_>,
        input: ExportTeamOverviewInput,
    ) -> ExportRequestResult {
        let file_name = format!("team-overview-{}", input.team_id);
        let content = ExportContent::of("team", [input.team_id.as_str()], "CSV");
        let webhook = Webhook {
            url: input.url,
            secret: input.secret,
            project_id: None,
            document_id: None,
        };
        start_export(
            state(ctx),
            export_script(ctx),
            &file_name,
            content,
            input.method,
            webhook,
        )
    }

    /// Exports team IAA.
    #[graphql(name = "exportTeamIAA")]
    #[allow(unused_variables)]
    async fn export_team_iaa(
        &self,
        ctx: &Context<'_>,
        label_set_signatures: Option<Vec<String>>,
        project_ids: Option<Vec<ID>>,
        team_id: ID,
    ) -> ExportRequestResult {
        let file_name = format!("team-iaa-{}", team_id.as_str());
        let content = ExportContent::of("team", [team_id.as_str()], "CSV");
        start_export(
            state(ctx),
            export_script(ctx),
            &file_name,
            content,
            GqlExportMethod::FileStorage,
            Webhook::none(),
        )
    }

    /// Starts an export of an analytics chart (a query that starts work).
    #[allow(unused_variables)]
    async fn export_chart(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AnalyticsDashboardQueryInput,
        method: Option<ExportChartMethod>,
    ) -> ExportRequestResult {
        export_chart_file(ctx, "chart", &id, method)
    }

    /// Starts an export of the label-accuracy chart (a query that starts work).
    #[allow(unused_variables)]
    async fn export_label_accuracy_chart(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: AnalyticsDashboardQueryInput,
        method: Option<ExportChartMethod>,
    ) -> ExportRequestResult {
        export_chart_file(ctx, "label-accuracy-chart", &id, method)
    }

    /// Exports custom report.
    #[allow(unused_variables)]
    async fn export_custom_report(
        &self,
        ctx: &Context<'_>,
        input: CustomReportBuilderInput,
        team_id: String,
    ) -> ExportRequestResult {
        let file_name = format!("custom-report-{team_id}");
        let content = ExportContent::of("team", [team_id.as_str()], "CSV");
        start_export(
            state(ctx),
            export_script(ctx),
            &file_name,
            content,
            GqlExportMethod::FileStorage,
            Webhook::none(),
        )
    }

    /// Exports test project result.
    async fn export_test_project_result(
        &self,
        ctx: &Context<'_>,
        input: ExportTestProjectResultInput,
    ) -> ExportRequestResult {
        let file_name = format!("test-project-result-{}", input.project_id);
        let content = ExportContent::of("project", [input.project_id.as_str()], "JSON");
        let webhook = Webhook {
            url: input.url,
            secret: input.secret,
            project_id: Some(input.project_id),
            document_id: None,
        };
        start_export(
            state(ctx),
            export_script(ctx),
            &file_name,
            content,
            input.method,
            webhook,
        )
    }
}

/// A chart export: to a file unless it is mailed (the method is optional;
/// the sandbox reads its absence as a download).
fn export_chart_file(
    ctx: &Context<'_>,
    kind: &str,
    id: &ID,
    method: Option<ExportChartMethod>,
) -> ExportRequestResult {
    let method = match method {
        Some(ExportChartMethod::Email) => GqlExportMethod::Email,
        Some(ExportChartMethod::FileStorage) | None => GqlExportMethod::FileStorage,
    };
    let file_name = format!("{kind}-{}", id.as_str());
    let content = ExportContent::of("chart", [id.as_str()], "CSV");
    start_export(
        state(ctx),
        export_script(ctx),
        &file_name,
        content,
        method,
        Webhook::none(),
    )
}

#[derive(InputObject)]
pub(crate) struct ExportTeamOverviewInput {
    /// Required. How the export result is delivered.
    method: GqlExportMethod,
    /// Optional. Use this field when you choose method `CUSTOM_WEBHOOK`.
    secret: Option<String>,
    /// Required. The team ID to export. See `getAllTeams`.
    team_id: String,
    /// Optional. Use this field when you choose method `CUSTOM_WEBHOOK`.
    url: Option<String>,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct ExportTestProjectResultInput {
    /// Optional. Use this field when you choose method `EXTERNAL_FILE_STORAGE`.
    external_file_storage_parameter: Option<ExternalFileStorageInput>,
    /// Required. How the export result is delivered.
    method: GqlExportMethod,
    /// Required. The project ID to export. See `getProjects`.
    project_id: String,
    /// Optional. Use this field when you choose method `CUSTOM_WEBHOOK`.
    secret: Option<String>,
    /// Optional. Use this field when you choose method `CUSTOM_WEBHOOK`.
    url: Option<String>,
}

/// How a chart export is delivered.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum ExportChartMethod {
    Email,
    FileStorage,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct AnalyticsDashboardQueryInput {
    calendar_date: Option<String>,
    label_set_filter: Option<Vec<String>>,
    label_type: Option<AnalyticsLabelType>,
    project_id: Option<ID>,
    team_id: ID,
    user_id: Option<ID>,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum AnalyticsLabelType {
    DocumentBased,
    TokenOrRowBased,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct CustomReportBuilderInput {
    /// Optional. The filters. See `CustomReportFilter`.
    filters: Option<Vec<CustomReportFilter>>,
    /// Required. The metrics group table ID to export.
    metrics_group_id: ID,
    /// Required. The metrics to export. See `CustomReportMetric`.
    selected_metrics: Vec<CustomReportMetric>,
    /// Required. The segments to export. See `CustomReportClientSegment`.
    selected_segments: Vec<CustomReportClientSegment>,
}

#[derive(InputObject)]
#[allow(dead_code)]
pub(crate) struct CustomReportFilter {
    field: CustomReportFilterColumn,
    strategy: CustomReportFilterStrategy,
    value: String,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum CustomReportFilterColumn {
    Date,
    DocumentCreatedAt,
    DocumentName,
    DocumentOriginName,
    DocumentUpdatedAt,
    Label,
    LabeledByUserDisplayName,
    LabelType,
    OwnerUserName,
    ProjectName,
    ProjectRole,
    UserName,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum CustomReportFilterStrategy {
    Contains,
    Date,
    Is,
    IsNot,
    NotContains,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum CustomReportMetric {
    LabelsAccuracy,
    TimeSpent,
    TimeSpentPerLabel,
    TotalConflicts,
    TotalConflictsResolved,
    TotalLabelsAccepted,
    TotalLabelsApplied,
    TotalLabelsAppliedByLabeler,
    TotalLabelsAppliedByReviewer,
    TotalLabelsRejected,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum CustomReportClientSegment {
    Date,
    Document,
    DocumentCreatedAt,
    DocumentOrigin,
    DocumentUpdatedAt,
    Label,
    LabelType,
    OwnerUser,
    Project,
    ProjectRole,
    User,
}
