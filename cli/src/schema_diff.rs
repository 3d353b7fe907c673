//! Classifying the changes between two schemas, as graphql-inspector's diff
//! does: breaking (a client built against the old schema fails on the new),
//! dangerous (it may behave differently), safe.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::schema_check::{FieldModel, SchemaModel};

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

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// The changes from `old` to `new`, most severe first.
pub fn diff(old: &SchemaModel, new: &SchemaModel, scope: Scope) -> Vec<Change> {
    let mut changes = Vec::new();
    let mut push = |severity, path: String, message: String| {
        changes.push(Change {
            severity,
            path,
            message,
        })
    };
    for (root, old_root, new_root) in [
        ("query", &old.query, &new.query),
        ("mutation", &old.mutation, &new.mutation),
    ] {
        if old_root.is_some() && old_root != new_root {
            push(
                Severity::Breaking,
                format!("schema.{root}"),
                format!("root type changed from {old_root:?} to {new_root:?}"),
            );
        }
    }
    for (name, old_type) in &old.types {
        if BUILT_IN_SCALARS.contains(&name.as_str()) || name.starts_with("__") {
            continue;
        }
        let Some(new_type) = new.types.get(name) else {
            push(Severity::Breaking, name.clone(), "type removed".into());
            continue;
        };
        if old_type.kind != new_type.kind {
            push(
                Severity::Breaking,
                name.clone(),
                format!("kind changed from {} to {}", old_type.kind, new_type.kind),
            );
            continue;
        }
        for value in old_type.enum_values.difference(&new_type.enum_values) {
            push(
                Severity::Breaking,
                format!("{name}.{value}"),
                "enum value removed".into(),
            );
        }
        for value in new_type.enum_values.difference(&old_type.enum_values) {
            push(
                Severity::Safe,
                format!("{name}.{value}"),
                "enum value added (read as Unknown by this crate's enums)".into(),
            );
        }
        let input = old_type.kind == "INPUT_OBJECT";
        fields(
            name,
            &old_type.fields,
            &new_type.fields,
            input,
            scope,
            &mut push,
        );
        for (field_name, old_field) in &old_type.fields {
            if let Some(new_field) = new_type.fields.get(field_name) {
                fields(
                    &format!("{name}.{field_name}"),
                    &old_field.args,
                    &new_field.args,
                    true,
                    scope,
                    &mut push,
                );
            }
        }
    }
    if scope == Scope::Everything {
        for name in new.types.keys() {
            if !old.types.contains_key(name) && !name.starts_with("__") {
                push(Severity::Safe, name.clone(), "type added".into());
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
fn fields(
    owner: &str,
    old: &BTreeMap<String, FieldModel>,
    new: &BTreeMap<String, FieldModel>,
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
    for (name, old_field) in old {
        let Some(new_field) = new.get(name) else {
            push(Severity::Breaking, path(name), "removed".into());
            continue;
        };
        if old_field.type_ref == new_field.type_ref {
            continue;
        }
        let (severity, how) = classify(&old_field.type_ref, &new_field.type_ref, input);
        push(
            severity,
            path(name),
            format!(
                "type changed from {} to {} ({how})",
                old_field.type_ref, new_field.type_ref
            ),
        );
    }
    for (name, new_field) in new {
        if old.contains_key(name) {
            continue;
        }
        let required = new_field.type_ref.ends_with('!') && !new_field.has_default;
        match (input, required) {
            (true, true) => push(
                Severity::Breaking,
                path(name),
                format!("required {} added", new_field.type_ref),
            ),
            _ if scope == Scope::Everything => push(
                Severity::Safe,
                path(name),
                format!("added ({})", new_field.type_ref),
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
