//! Report exports: a team's overview and agreement (IAA), analytics charts
//! and custom reports. Each is a *query that starts work* (every call starts
//! a new export, so none is sent again once it may have reached the server)
//! and returns an [`crate::Export`] to wait on and download as a project's.

use crate::Client;
use crate::operations::{
    ExportChart, ExportCustomReport, ExportLabelAccuracyChart, ExportTeamIaa, ExportTeamOverview,
    export_chart, export_custom_report, export_label_accuracy_chart, export_team_iaa,
    export_team_overview,
};

impl Client {
    /// Starts an export of a team's overview (`exportTeamOverview`).
    ///
    /// ```
    /// use datasaur::operations::export_team_overview::{ExportTeamOverviewInput, GqlExportMethod};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let export = client
    ///     .export_team_overview(ExportTeamOverviewInput::new(GqlExportMethod::FileStorage, "team-1"))
    ///     .await?;
    /// export.wait_and_download_to("overview.zip", None, Default::default()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn export_team_overview(
        &self,
        input: export_team_overview::ExportTeamOverviewInput,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportTeamOverview>(export_team_overview::Variables { input })
            .await
    }

    /// Starts an export of a team's inter-annotator agreement (`exportTeamIAA`):
    /// every project of the team, or only `project_ids` when not empty, and
    /// only the label sets in `label_set_signatures` when not empty.
    ///
    /// ```
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let export = client.export_team_iaa("team-1", ["HvdyIL2iwZn"], [] as [&str; 0]).await?;
    /// println!("export {}", export.id());
    /// # Ok(()) }
    /// ```
    pub async fn export_team_iaa(
        &self,
        team_id: impl Into<String>,
        project_ids: impl IntoIterator<Item = impl Into<String>>,
        label_set_signatures: impl IntoIterator<Item = impl Into<String>>,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportTeamIaa>(export_team_iaa::Variables {
            team_id: team_id.into(),
            project_ids: non_empty(project_ids),
            label_set_signatures: non_empty(label_set_signatures),
        })
        .await
    }

    /// Starts an export of an analytics chart (`exportChart`): chart `id` of
    /// the dashboard `input` describes, delivered by `method` (the server's
    /// default when `None`).
    ///
    /// ```
    /// use datasaur::operations::export_chart::{AnalyticsDashboardQueryInput, ExportChartMethod};
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let dashboard = AnalyticsDashboardQueryInput::new("team-1").project_id("HvdyIL2iwZn");
    /// let export = client.export_chart("chart-7", dashboard, ExportChartMethod::FileStorage).await?;
    /// println!("{:?}", export.file_url());
    /// # Ok(()) }
    /// ```
    pub async fn export_chart(
        &self,
        id: impl Into<String>,
        input: export_chart::AnalyticsDashboardQueryInput,
        method: impl Into<Option<export_chart::ExportChartMethod>>,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportChart>(export_chart::Variables {
            id: id.into(),
            input,
            method: method.into(),
        })
        .await
    }

    /// Starts an export of the label-accuracy chart
    /// (`exportLabelAccuracyChart`); arguments as [`Client::export_chart`].
    ///
    /// ```
    /// use datasaur::operations::export_label_accuracy_chart::AnalyticsDashboardQueryInput;
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let dashboard = AnalyticsDashboardQueryInput::new("team-1");
    /// let export = client.export_label_accuracy_chart("chart-3", dashboard, None).await?;
    /// println!("export {}", export.id());
    /// # Ok(()) }
    /// ```
    pub async fn export_label_accuracy_chart(
        &self,
        id: impl Into<String>,
        input: export_label_accuracy_chart::AnalyticsDashboardQueryInput,
        method: impl Into<Option<export_label_accuracy_chart::ExportChartMethod>>,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportLabelAccuracyChart>(export_label_accuracy_chart::Variables {
            id: id.into(),
            input,
            method: method.into(),
        })
        .await
    }

    /// Starts an export of a custom report of team `team_id`
    /// (`exportCustomReport`).
    ///
    /// ```
    /// use datasaur::operations::export_custom_report::{
    ///     CustomReportBuilderInput, CustomReportClientSegment, CustomReportMetric,
    /// };
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let report = CustomReportBuilderInput::new(
    ///     "metrics-group-1",
    ///     [CustomReportMetric::TotalLabelsApplied],
    ///     [CustomReportClientSegment::User],
    /// );
    /// let export = client.export_custom_report("team-1", report).await?;
    /// println!("export {}", export.id());
    /// # Ok(()) }
    /// ```
    pub async fn export_custom_report(
        &self,
        team_id: impl Into<String>,
        input: export_custom_report::CustomReportBuilderInput,
    ) -> crate::Result<crate::Export> {
        self.start_export::<ExportCustomReport>(export_custom_report::Variables {
            team_id: team_id.into(),
            input,
        })
        .await
    }
}

/// An optional list argument: absent (the server's "all") when empty.
fn non_empty(items: impl IntoIterator<Item = impl Into<String>>) -> Option<Vec<String>> {
    let items: Vec<String> = items.into_iter().map(Into::into).collect();
    (!items.is_empty()).then_some(items)
}
