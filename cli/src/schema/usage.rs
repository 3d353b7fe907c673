//! What a set of operations uses of a schema: the types, fields and
//! arguments they select or pass (with the input types their variables
//! take), and which of those the schema marks deprecated, with its reason.
//! `schema usage` prints it; `schema check` warns of the deprecated parts;
//! `schema diff --operations` keeps only the changes that touch it.

use std::collections::BTreeSet;

use apollo_compiler::executable::{ExecutableDocument, Selection, SelectionSet};
use apollo_compiler::schema::ExtendedType;
use apollo_compiler::validation::Valid;
use apollo_compiler::{Node, Schema};

/// What operations use of a schema.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Usage {
    /// Named types: selected, returned, or taken by a variable (input
    /// objects with every input type nested in them).
    pub types: BTreeSet<String>,
    /// `Type.field`, for every field selected.
    pub fields: BTreeSet<String>,
    /// `Type.field(argument)`, for every argument passed.
    pub arguments: BTreeSet<String>,
    /// What the schema marks deprecated among those, with its reason.
    pub deprecated: Vec<Deprecated>,
}

/// One deprecated part an operation uses.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Deprecated {
    /// The operation file.
    pub operation: String,
    /// `Type.field`, `Type.field(argument)` or `Enum.VALUE`.
    pub path: String,
    /// The server's reason, if it gave one.
    pub reason: Option<String>,
}

/// What `operations` (`(file, text)`, each valid against `schema`) use of
/// it; an operation that does not validate is left out (check reports it).
pub fn usage(schema: &Valid<Schema>, operations: &[(&str, &str)]) -> Usage {
    let mut usage = Usage::default();
    for (file, text) in operations {
        // An operation that breaks is still walked for what it uses (its
        // parts that resolve): a deprecation is reported beside the break,
        // not on the run after the break is fixed.
        let document = match ExecutableDocument::parse_and_validate(schema, *text, *file) {
            Ok(document) => document,
            Err(broken) => apollo_compiler::validation::Valid::assume_valid(broken.partial),
        };
        let mut walk = Walk {
            schema,
            document: &document,
            file,
            usage: &mut usage,
            fragments_seen: BTreeSet::new(),
        };
        for operation in document.operations.iter() {
            for variable in &operation.variables {
                walk.input_type(variable.ty.inner_named_type().as_str());
            }
            walk.selections(&operation.selection_set);
        }
    }
    usage.deprecated.sort();
    usage.deprecated.dedup();
    usage
}

struct Walk<'a> {
    schema: &'a Valid<Schema>,
    document: &'a Valid<ExecutableDocument>,
    file: &'a str,
    usage: &'a mut Usage,
    fragments_seen: BTreeSet<String>,
}

impl Walk<'_> {
    fn selections(&mut self, set: &SelectionSet) {
        let owner = set.ty.to_string();
        self.usage.types.insert(owner.clone());
        for selection in &set.selections {
            match selection {
                Selection::Field(field) => {
                    if field.name.starts_with("__") {
                        continue;
                    }
                    let path = format!("{owner}.{}", field.name);
                    self.usage.fields.insert(path.clone());
                    self.deprecation(&path, &field.definition.directives);
                    for argument in &field.arguments {
                        let argument_path = format!("{path}({})", argument.name);
                        self.usage.arguments.insert(argument_path.clone());
                        if let Some(definition) = field.definition.argument_by_name(&argument.name)
                        {
                            self.deprecation(&argument_path, &definition.directives);
                            let input = definition.ty.inner_named_type().to_string();
                            self.input_type(&input);
                            self.enum_literal(&input, &argument.value);
                        }
                    }
                    self.usage
                        .types
                        .insert(field.definition.ty.inner_named_type().to_string());
                    self.selections(&field.selection_set);
                }
                Selection::InlineFragment(fragment) => self.selections(&fragment.selection_set),
                Selection::FragmentSpread(spread) => {
                    let name = spread.fragment_name.to_string();
                    if self.fragments_seen.insert(name.clone())
                        && let Some(fragment) = self.document.fragments.get(name.as_str())
                    {
                        self.selections(&fragment.selection_set);
                    }
                }
            }
        }
    }

    /// An input type and every input type within it.
    fn input_type(&mut self, name: &str) {
        if !self.usage.types.insert(name.to_owned()) {
            return;
        }
        if let Some(ExtendedType::InputObject(input)) = self.schema.types.get(name) {
            let nested: Vec<String> = input
                .fields
                .values()
                .map(|field| field.ty.inner_named_type().to_string())
                .collect();
            for name in nested {
                self.input_type(&name);
            }
        }
    }

    /// An enum value written in the operation (`status: DELIVERED`).
    fn enum_literal(&mut self, type_name: &str, value: &Node<apollo_compiler::ast::Value>) {
        use apollo_compiler::ast::Value;
        match value.as_ref() {
            Value::Enum(literal) => {
                if let Some(ExtendedType::Enum(definition)) = self.schema.types.get(type_name)
                    && let Some(value) = definition.values.get(literal.as_str())
                {
                    let path = format!("{type_name}.{literal}");
                    let directives = value.directives.clone();
                    self.deprecation_of(&path, directives.get("deprecated"));
                }
            }
            Value::List(items) => {
                for item in items {
                    self.enum_literal(type_name, item);
                }
            }
            _ => {}
        }
    }

    fn deprecation(&mut self, path: &str, directives: &apollo_compiler::ast::DirectiveList) {
        self.deprecation_of(path, directives.get("deprecated"));
    }

    fn deprecation_of(
        &mut self,
        path: &str,
        directive: Option<&Node<apollo_compiler::ast::Directive>>,
    ) {
        let Some(directive) = directive else {
            return;
        };
        let reason = directive
            .specified_argument_by_name("reason")
            .and_then(|value| value.as_str())
            .map(str::to_owned);
        self.usage.deprecated.push(Deprecated {
            operation: self.file.to_owned(),
            path: path.to_owned(),
            reason,
        });
    }
}

/// Whether a change at `path` (`Type`, `Type.field`, `Type.field(arg)`,
/// `Enum.VALUE`) touches what `usage` names.
pub fn touches(usage: &Usage, path: &str) -> bool {
    let (type_name, rest) = path.split_once('.').unwrap_or((path, ""));
    if !usage.types.contains(type_name) {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    let field = rest.split('(').next().unwrap_or(rest);
    let as_field = format!("{type_name}.{field}");
    // A member of an output type matters if selected; of an input type or
    // an enum, whenever the type is used.
    usage.fields.contains(&as_field)
        || !usage
            .fields
            .iter()
            .any(|f| f.starts_with(&format!("{type_name}.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_that_breaks_still_reports_its_deprecations() {
        let schema = Schema::parse_and_validate(
            "type Query { job: Job } type Job { id: String progress: Int @deprecated(reason: \"Use percent.\") }",
            "schema.graphql",
        )
        .unwrap();
        // `missing` breaks the operation; `progress` is deprecated.
        let operations = [("job.graphql", "query J { job { id progress missing } }")];
        let found = usage(&schema, &operations);
        assert_eq!(found.deprecated.len(), 1, "{found:?}");
        assert_eq!(found.deprecated[0].path, "Job.progress");
        assert_eq!(found.deprecated[0].reason.as_deref(), Some("Use percent."));
    }
}
