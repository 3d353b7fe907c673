//! Auto-labeling: starting it, as a job to wait on.

use crate::Client;
use crate::operations::{AutoLabelTokenBasedProject, auto_label_token_based_project};

impl Client {
    /// Starts auto-labeling of a token-based project and returns a handle
    /// on its job (wait, watch, refresh).
    ///
    /// A mutation: it is sent once and never retried once it may have
    /// reached the server, since a repeat could start the work twice.
    ///
    /// ```
    /// use datasaur::operations::auto_label_token_based_project::{
    ///     AutoLabelProjectOptionsInput, AutoLabelTokenBasedProjectInput, GqlAutoLabelServiceProvider,
    ///     TargetApiInput,
    /// };
    ///
    /// # async fn run(client: datasaur::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let input = AutoLabelTokenBasedProjectInput::new(
    ///     "demo@datasaur.ai",
    ///     AutoLabelProjectOptionsInput::new(0).service_provider(GqlAutoLabelServiceProvider::Custom),
    ///     "HvdyIL2iwZn",
    ///     TargetApiInput::new("https://custom-model.api.com/predict", "secret"),
    /// );
    /// let started = client.auto_label_token_based_project(input).await?;
    /// let job = started.wait(None).await?;
    /// println!("{} delivered", job.id);
    /// # Ok(()) }
    /// ```
    pub async fn auto_label_token_based_project(
        &self,
        input: auto_label_token_based_project::AutoLabelTokenBasedProjectInput,
    ) -> crate::Result<crate::JobHandle> {
        /// The mutation's answer, read straight into [`crate::Job`].
        #[derive(serde::Deserialize)]
        struct Started {
            job: crate::Job,
        }
        let data: Started = self
            .execute_as::<AutoLabelTokenBasedProject, _>(
                auto_label_token_based_project::Variables { input },
            )
            .await?;
        Ok(crate::JobHandle::new(self.clone(), data.job))
    }
}
