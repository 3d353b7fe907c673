//! Which script a job runs: chosen per operation (and optionally per
//! subject, a value in the call's input such as a project id), so that one
//! run can fail only its auto-labeling while every other job succeeds.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::script::JobScript;
use crate::sync::lock;

/// A script for the jobs (or exports) that one operation starts: the
/// [`JobScript`] of every job a call matching `operation` (and `subject`,
/// when set) starts, instead of [`SandboxConfig::default_script`] or
/// [`SandboxConfig::export_script`](crate::SandboxConfig::export_script).
///
/// `operation` matches the field that starts the job
/// (`autoLabelTokenBasedProject`) or the request's operation name
/// (`AutoLabelTokenBasedProject`, or the name your own document gives it).
/// `subject`, when set, matches only a call whose input holds that value
/// anywhere (a project id, a team id). Later rules win over earlier ones.
///
/// As JSON (the control API's `POST /_sandbox/scripts`, and `datasaur
/// sandbox --script-for 'OPERATION=SCRIPT'`):
///
/// ```
/// use std::time::Duration;
/// use datasaur_sandbox::{JobScript, ScriptRule};
///
/// let rule = ScriptRule::new(
///     "AutoLabelTokenBasedProject",
///     JobScript::failed(Duration::ZERO, Duration::from_millis(200), "model timed out"),
/// )
/// .subject("project-7");
/// let json = serde_json::to_value(&rule).unwrap();
/// assert_eq!(json["operation"], "AutoLabelTokenBasedProject");
/// assert_eq!(json["subject"], "project-7");
/// assert_eq!(json["script"]["runningFor"], 200);
/// ```
///
/// [`SandboxConfig::default_script`]: crate::SandboxConfig::default_script
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScriptRule {
    /// The field that starts the job, or the request's operation name.
    pub operation: String,
    /// A value the call's input must hold somewhere, if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The script of the jobs it starts.
    pub script: JobScript,
}

impl ScriptRule {
    /// Every job `operation` starts runs `script`.
    pub fn new(operation: impl Into<String>, script: JobScript) -> Self {
        ScriptRule {
            operation: operation.into(),
            subject: None,
            script,
        }
    }

    /// Only calls whose input holds `value` somewhere.
    #[must_use]
    pub fn subject(mut self, value: impl Into<String>) -> Self {
        self.subject = Some(value.into());
        self
    }

    fn matches(&self, call: &Call<'_>) -> bool {
        let named = self.operation == call.field || Some(self.operation.as_str()) == call.operation;
        named
            && self
                .subject
                .as_deref()
                .is_none_or(|subject| holds(call.arguments, subject))
    }
}

/// A call that starts a job, as its resolver sees it.
pub(crate) struct Call<'a> {
    /// The field that starts the job.
    pub(crate) field: &'a str,
    /// The request's `operationName`, if it gave one.
    pub(crate) operation: Option<&'a str>,
    /// Its arguments, variables resolved.
    pub(crate) arguments: &'a serde_json::Value,
}

impl<'a> Call<'a> {
    /// The call an async-graphql resolver is running (`arguments` must be
    /// the field's, as JSON).
    pub(crate) fn of(
        ctx: &'a async_graphql::Context<'a>,
        arguments: &'a serde_json::Value,
    ) -> Self {
        Call {
            field: ctx.field().name(),
            operation: ctx.query_env.operation_name.as_deref(),
            arguments,
        }
    }
}

/// The arguments of the field `ctx` resolves, as JSON (empty when they do
/// not resolve: the script is then chosen by operation alone).
pub(crate) fn arguments(ctx: &async_graphql::Context<'_>) -> serde_json::Value {
    let arguments = ctx.field().arguments().unwrap_or_default();
    let object: serde_json::Map<String, serde_json::Value> = arguments
        .into_iter()
        .filter_map(|(name, value)| Some((name.to_string(), value.into_json().ok()?)))
        .collect();
    serde_json::Value::Object(object)
}

/// Whether `value` holds `subject` as a string or a number, anywhere.
fn holds(value: &serde_json::Value, subject: &str) -> bool {
    match value {
        serde_json::Value::String(text) => text == subject,
        serde_json::Value::Number(number) => number.to_string() == subject,
        serde_json::Value::Array(items) => items.iter().any(|item| holds(item, subject)),
        serde_json::Value::Object(fields) => fields.values().any(|item| holds(item, subject)),
        _ => false,
    }
}

/// The rules in force: the configuration's, then those added while running.
pub(crate) struct Scripts {
    rules: Mutex<Vec<ScriptRule>>,
    configured: usize,
}

/// Rules added while running, at most: each is kept until cleared.
pub(crate) const MAX_ADDED_RULES: usize = 1_000;

impl Scripts {
    pub(crate) fn new(configured: Vec<ScriptRule>) -> Self {
        Scripts {
            configured: configured.len(),
            rules: Mutex::new(configured),
        }
    }

    /// The script of a job `call` starts: the last matching rule's, or `fallback`.
    pub(crate) fn choose(&self, call: &Call<'_>, fallback: &JobScript) -> JobScript {
        lock(&self.rules)
            .iter()
            .rev()
            .find(|rule| rule.matches(call))
            .map_or_else(|| fallback.clone(), |rule| rule.script.clone())
    }

    /// The script of a job the field `ctx` resolves starts.
    pub(crate) fn for_field(
        &self,
        ctx: &async_graphql::Context<'_>,
        fallback: &JobScript,
    ) -> JobScript {
        let arguments = arguments(ctx);
        self.choose(&Call::of(ctx, &arguments), fallback)
    }

    /// Adds a rule, winning over every earlier one; false when
    /// [`MAX_ADDED_RULES`] are already added.
    pub(crate) fn add(&self, rule: ScriptRule) -> bool {
        let mut rules = lock(&self.rules);
        if rules.len() - self.configured >= MAX_ADDED_RULES {
            return false;
        }
        rules.push(rule);
        true
    }

    /// Drops the rules added while running; the configuration's stay.
    pub(crate) fn clear_added(&self) {
        lock(&self.rules).truncate(self.configured);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    fn call<'a>(
        field: &'a str,
        operation: Option<&'a str>,
        arguments: &'a serde_json::Value,
    ) -> Call<'a> {
        Call {
            field,
            operation,
            arguments,
        }
    }

    #[test]
    fn the_last_matching_rule_wins_by_field_operation_or_subject() {
        let fallback = JobScript::delivered(Duration::ZERO, Duration::ZERO);
        let failing = JobScript::failed(Duration::ZERO, Duration::ZERO, "no");
        let slow = JobScript::delivered(Duration::ZERO, Duration::from_secs(60));
        let scripts = Scripts::new(vec![ScriptRule::new(
            "autoLabelTokenBasedProject",
            failing.clone(),
        )]);
        let input = json!({"input": {"projectId": "p-7", "options": {"n": 3}}});
        let label = call("autoLabelTokenBasedProject", Some("StartLabeling"), &input);
        let other = call("calculateAgreementTables", Some("Tables"), &input);
        assert_eq!(scripts.choose(&label, &fallback), failing);
        assert_eq!(scripts.choose(&other, &fallback), fallback);
        // By the request's operation name, for one subject only.
        assert!(scripts.add(ScriptRule::new("StartLabeling", slow.clone()).subject("p-7")));
        assert_eq!(scripts.choose(&label, &fallback), slow);
        let elsewhere = json!({"input": {"projectId": "p-8"}});
        let label_elsewhere = call(
            "autoLabelTokenBasedProject",
            Some("StartLabeling"),
            &elsewhere,
        );
        assert_eq!(scripts.choose(&label_elsewhere, &fallback), failing);
        // Numbers match as written; cleared rules leave the configured ones.
        assert!(holds(&json!({"n": 3}), "3"));
        scripts.clear_added();
        assert_eq!(scripts.choose(&label, &fallback), failing);
    }

    #[test]
    fn rules_added_while_running_are_bounded() {
        let scripts = Scripts::new(Vec::new());
        let rule = ScriptRule::new("x", JobScript::default());
        for _ in 0..MAX_ADDED_RULES {
            assert!(scripts.add(rule.clone()));
        }
        assert!(!scripts.add(rule));
    }
}
