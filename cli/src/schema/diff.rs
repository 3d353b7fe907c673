//! Classifying the changes between two schemas, as graphql-inspector's diff
//! does: breaking (a client built against the old schema fails on the new),
//! dangerous (it may behave differently), safe.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use apollo_compiler::Schema;
use apollo_compiler::schema::ExtendedType;

use crate::schema::model::{self as schema_model, Member};

/// How much a change matters to a client built against the old schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Safe,
    Dangerous,
    Breaking,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            Severity::Safe => "safe",
            Severity::Dangerous => "dangerous",
            Severity::Breaking => "breaking",
        })
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub severity: Severity,
    /// `Type`, `Type.field`, `Type.field(arg)` or `Enum.VALUE`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:<9} {}: {}", self.severity, self.path, self.message)
    }
}

/// Which changes to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every change between two whole schemas.
    Everything,
    /// Only what matters to a client that uses `old` (a subset): nothing
    /// the client does not use, but new required inputs and enum values.
    UsedByClient,
}

/// The changes from `old` to `new`, most severe first.
pub fn diff(old: &Schema, new: &Schema, scope: Scope) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut push = |severity, path: String, message: String| {
        changes.push(Change {
            severity,
            path,
            message,
        })
    };
    for (root, old_root, new_root) in schema_model::changed_roots(old, new) {
        push(
            Severity::Breaking,
            format!("schema.{root}"),
            format!("root type changed from {old_root:?} to {new_root:?}"),
        );
    }
    let (old_types, new_types) = (schema_model::own_types(old), schema_model::own_types(new));
    for (name, old_type) in &old_types {
        let Some(new_type) = new_types.get(name) else {
            push(
                Severity::Breaking,
                (*name).to_owned(),
                "type removed".into(),
            );
            continue;
        };
        let (old_kind, new_kind) = (schema_model::kind(old_type), schema_model::kind(new_type));
        if old_kind != new_kind {
            push(
                Severity::Breaking,
                (*name).to_owned(),
                format!("kind changed from {old_kind} to {new_kind}"),
            );
            continue;
        }
        let (old_values, new_values) = (
            schema_model::enum_values(old_type),
            schema_model::enum_values(new_type),
        );
        for value in old_values.difference(&new_values) {
            push(
                Severity::Breaking,
                format!("{name}.{value}"),
                "enum value removed".into(),
            );
        }
        for value in new_values.difference(&old_values) {
            push(
                Severity::Safe,
                format!("{name}.{value}"),
                "enum value added (read as Unknown by this crate's enums)".into(),
            );
        }
        let (old_fields, new_fields) = (
            schema_model::members(old_type),
            schema_model::members(new_type),
        );
        let input = matches!(old_type, ExtendedType::InputObject(_));
        members(name, &old_fields, &new_fields, input, scope, &mut push);
        for (field_name, old_field) in &old_fields {
            if let Some(new_field) = new_fields.get(field_name) {
                members(
                    &format!("{name}.{field_name}"),
                    &schema_model::arguments(old_field),
                    &schema_model::arguments(new_field),
                    true,
                    scope,
                    &mut push,
                );
            }
        }
    }
    if scope == Scope::Everything {
        for name in new_types.keys() {
            if !old_types.contains_key(name) {
                push(Severity::Safe, (*name).to_owned(), "type added".into());
            }
        }
    }
    changes.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.path.cmp(&b.path))
    });
    changes
}

/// Fields of an object (`input == false`), or arguments and input fields.
fn members(
    owner: &str,
    old: &BTreeMap<&str, Member<'_>>,
    new: &BTreeMap<&str, Member<'_>>,
    input: bool,
    scope: Scope,
    push: &mut impl FnMut(Severity, String, String),
) {
    let path = |name: &str| {
        if input && owner.contains('.') {
            format!("{owner}({name})")
        } else {
            format!("{owner}.{name}")
        }
    };
    for (name, old_member) in old {
        let Some(new_member) = new.get(name) else {
            push(Severity::Breaking, path(name), "removed".into());
            continue;
        };
        if old_member.ty == new_member.ty {
            continue;
        }
        let (old_type, new_type) = (old_member.ty.to_string(), new_member.ty.to_string());
        let (severity, how) = classify(&old_type, &new_type, input);
        push(
            severity,
            path(name),
            format!("type changed from {old_type} to {new_type} ({how})"),
        );
    }
    for (name, new_member) in new {
        if old.contains_key(name) {
            continue;
        }
        match (input, new_member.is_required_input()) {
            (true, true) => push(
                Severity::Breaking,
                path(name),
                format!("required {} added", new_member.ty),
            ),
            _ if scope == Scope::Everything => push(
                Severity::Safe,
                path(name),
                format!("added ({})", new_member.ty),
            ),
            _ => {}
        }
    }
}

/// A type change: its severity and which way it goes. For outputs a
/// stricter type (nullable to non-null) is safe; for inputs a looser one
/// (required to optional) is.
fn classify(old: &str, new: &str, input: bool) -> (Severity, &'static str) {
    let stricter = strip_non_null(new) == strip_non_null(old) && is_stricter(old, new);
    let looser = strip_non_null(new) == strip_non_null(old) && is_stricter(new, old);
    match (input, stricter, looser) {
        (false, true, _) => (Severity::Safe, "nullable to non-null: always sent now"),
        (false, _, true) => (Severity::Breaking, "non-null to nullable: may be null now"),
        (true, true, _) => (Severity::Breaking, "optional to required"),
        (true, _, true) => (Severity::Safe, "required to optional"),
        _ => (Severity::Breaking, "a different type"),
    }
}

fn strip_non_null(type_ref: &str) -> String {
    type_ref.replace('!', "")
}

/// Whether `new` has every `!` of `old` and more, at the same places.
fn is_stricter(old: &str, new: &str) -> bool {
    let (mut old_chars, mut new_chars) = (old.chars().peekable(), new.chars().peekable());
    let mut added = false;
    loop {
        match (old_chars.peek(), new_chars.peek()) {
            (None, None) => return added,
            (Some(a), Some(b)) if a == b => {
                old_chars.next();
                new_chars.next();
            }
            (_, Some('!')) => {
                added = true;
                new_chars.next();
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_changes_are_classed_by_direction() {
        assert_eq!(classify("String", "String!", false).0, Severity::Safe);
        assert_eq!(classify("String!", "String", false).0, Severity::Breaking);
        assert_eq!(classify("String", "String!", true).0, Severity::Breaking);
        assert_eq!(classify("String!", "String", true).0, Severity::Safe);
        assert_eq!(classify("[String]", "[String!]!", false).0, Severity::Safe);
        assert_eq!(classify("String", "Int", false).0, Severity::Breaking);
        assert_eq!(classify("String", "[String]", true).0, Severity::Breaking);
    }
}
