//! Operations checked against the schema before graphql_client_codegen sees
//! them: it panics on some bad inputs (a variable of a type the schema
//! lacks) and names no line for others. Each problem here is an [`Error`]
//! naming the file, the line and column, and the name that is wrong.
//!
//! Also what the operations use: the enums and input objects the shared
//! `types` module must define.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use graphql_parser::Pos;
use graphql_parser::query::{
    Definition, Directive, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
    TypeCondition, Value, VariableDefinition,
};

use crate::schema::{Kind, SchemaTypes};
use crate::{Error, error};

/// A fragment any operation may spread, and the file that defines it.
pub(crate) struct SharedFragment<'a> {
    pub(crate) definition: &'a FragmentDefinition<'static, String>,
    pub(crate) file: &'a Path,
}

/// What checked operations use of the schema.
#[derive(Debug, Default)]
pub(crate) struct Usage {
    /// Enums and input objects named by variables, or enums selected.
    pub(crate) types: BTreeSet<String>,
}

struct Checker<'a> {
    schema: &'a SchemaTypes,
    fragments: &'a BTreeMap<String, SharedFragment<'a>>,
    file: &'a Path,
    usage: &'a mut Usage,
}

/// Checks one document (its operations and fragments) against `schema`.
pub(crate) fn check_document(
    document: &graphql_parser::query::Document<'static, String>,
    file: &Path,
    schema: &SchemaTypes,
    fragments: &BTreeMap<String, SharedFragment<'_>>,
    usage: &mut Usage,
) -> Result<(), Error> {
    let mut checker = Checker {
        schema,
        fragments,
        file,
        usage,
    };
    for definition in &document.definitions {
        match definition {
            Definition::Operation(operation) => checker.operation(operation)?,
            Definition::Fragment(fragment) => checker.fragment(fragment)?,
        }
    }
    Ok(())
}

impl Checker<'_> {
    fn at(&self, position: Pos, message: impl std::fmt::Display) -> Error {
        error(format!(
            "{}:{}:{}: {message}",
            self.file.display(),
            position.line,
            position.column
        ))
    }

    fn operation(&mut self, operation: &OperationDefinition<'static, String>) -> Result<(), Error> {
        let (position, root, variables, directives, selection) = match operation {
            OperationDefinition::Query(query) => (
                query.position,
                Some(self.schema.query.clone()),
                &query.variable_definitions[..],
                &query.directives[..],
                &query.selection_set,
            ),
            OperationDefinition::Mutation(mutation) => (
                mutation.position,
                self.schema.mutation.clone(),
                &mutation.variable_definitions[..],
                &mutation.directives[..],
                &mutation.selection_set,
            ),
            // Refused with its own message where operations are listed.
            OperationDefinition::SelectionSet(_) | OperationDefinition::Subscription(_) => {
                return Ok(());
            }
        };
        let root = root.ok_or_else(|| self.at(position, "the schema has no mutations"))?;
        self.directives(directives)?;
        let declared = self.variables(variables)?;
        self.selection(selection, &root, &declared, &mut BTreeSet::new())
    }

    fn fragment(&mut self, fragment: &FragmentDefinition<'static, String>) -> Result<(), Error> {
        let TypeCondition::On(on) = &fragment.type_condition;
        self.type_with_fields(fragment.position, on)?;
        self.directives(&fragment.directives)?;
        // A fragment's variables are its operations'; checked there.
        let mut visiting = BTreeSet::from([fragment.name.clone()]);
        self.selection(&fragment.selection_set, on, &Declared::Any, &mut visiting)
    }

    /// The variables' names, each of a type the schema has and may take.
    fn variables(
        &mut self,
        variables: &[VariableDefinition<'static, String>],
    ) -> Result<Declared, Error> {
        let mut names = BTreeSet::new();
        for variable in variables {
            let name = type_name(&variable.var_type);
            match self.schema.kinds.get(name) {
                None => {
                    return Err(self.at(
                        variable.position,
                        format!(
                            "variable `${}` has type `{name}`, which the schema does not define",
                            variable.name
                        ),
                    ));
                }
                Some(kind) if !kind.is_input() => {
                    return Err(self.at(
                        variable.position,
                        format!(
                            "variable `${}` has type `{name}`, an output type: a variable needs a scalar, an enum or an input object",
                            variable.name
                        ),
                    ));
                }
                Some(Kind::Enum | Kind::Input) => {
                    self.usage.types.insert(name.to_owned());
                }
                Some(_) => {}
            }
            if !names.insert(variable.name.clone()) {
                return Err(self.at(
                    variable.position,
                    format!("variable `${}` is declared twice", variable.name),
                ));
            }
        }
        Ok(Declared::Only(names))
    }

    fn type_with_fields(&self, position: Pos, name: &str) -> Result<(), Error> {
        match self.schema.kinds.get(name) {
            Some(kind) if kind.has_fields() => Ok(()),
            Some(_) => Err(self.at(
                position,
                format!("`{name}` has no fields to select (a fragment needs an object, an interface or a union)"),
            )),
            None => Err(self.at(
                position,
                format!("type `{name}` is not in the schema"),
            )),
        }
    }

    fn directives(&self, directives: &[Directive<'static, String>]) -> Result<(), Error> {
        for directive in directives {
            if !self.schema.directives.contains(&directive.name) {
                return Err(self.at(
                    directive.position,
                    format!("unknown directive `@{}`", directive.name),
                ));
            }
            let conditional = directive.name == "include" || directive.name == "skip";
            if conditional && !directive.arguments.iter().any(|(name, _)| name == "if") {
                return Err(self.at(
                    directive.position,
                    format!("`@{}` needs an `if:` argument", directive.name),
                ));
            }
        }
        Ok(())
    }

    fn selection(
        &mut self,
        selection: &SelectionSet<'static, String>,
        parent: &str,
        declared: &Declared,
        visiting: &mut BTreeSet<String>,
    ) -> Result<(), Error> {
        for item in &selection.items {
            match item {
                Selection::Field(field) => {
                    self.directives(&field.directives)?;
                    for (_, value) in &field.arguments {
                        self.variables_used(value, field.position, declared)?;
                    }
                    for directive in &field.directives {
                        for (_, value) in &directive.arguments {
                            self.variables_used(value, directive.position, declared)?;
                        }
                    }
                    if field.name == "__typename" {
                        continue;
                    }
                    let Some(ty) = self
                        .schema
                        .fields
                        .get(parent)
                        .and_then(|fields| fields.get(&field.name))
                    else {
                        return Err(self.at(
                            field.position,
                            format!("`{parent}` has no field `{}`", field.name),
                        ));
                    };
                    let inner = ty.name().to_owned();
                    let kind = self.schema.kinds.get(&inner).copied();
                    match kind {
                        Some(kind) if kind.has_fields() => {
                            if field.selection_set.items.is_empty() {
                                return Err(self.at(
                                    field.position,
                                    format!(
                                        "`{parent}.{}` is a `{inner}`: select its fields",
                                        field.name
                                    ),
                                ));
                            }
                            self.selection(&field.selection_set, &inner, declared, visiting)?;
                        }
                        _ => {
                            if kind == Some(Kind::Enum) {
                                self.usage.types.insert(inner.clone());
                            }
                            if !field.selection_set.items.is_empty() {
                                return Err(self.at(
                                    field.position,
                                    format!(
                                        "`{parent}.{}` is a `{inner}`, which has no fields to select",
                                        field.name
                                    ),
                                ));
                            }
                        }
                    }
                }
                Selection::FragmentSpread(spread) => {
                    self.directives(&spread.directives)?;
                    let Some(fragment) = self.fragments.get(&spread.fragment_name) else {
                        return Err(self.at(
                            spread.position,
                            format!("no fragment named `{}`", spread.fragment_name),
                        ));
                    };
                    if !visiting.insert(spread.fragment_name.clone()) {
                        return Err(self.at(
                            spread.position,
                            format!("fragment `{}` spreads itself", spread.fragment_name),
                        ));
                    }
                    let definition = fragment.definition;
                    let TypeCondition::On(on) = &definition.type_condition;
                    let on = on.clone();
                    // Its own file's errors name that file.
                    let file = self.file;
                    self.file = fragment.file;
                    let checked =
                        self.selection(&definition.selection_set, &on, declared, visiting);
                    self.file = file;
                    checked?;
                    visiting.remove(&spread.fragment_name);
                }
                Selection::InlineFragment(inline) => {
                    self.directives(&inline.directives)?;
                    let on = match &inline.type_condition {
                        Some(TypeCondition::On(on)) => {
                            self.type_with_fields(inline.position, on)?;
                            on.clone()
                        }
                        None => parent.to_owned(),
                    };
                    self.selection(&inline.selection_set, &on, declared, visiting)?;
                }
            }
        }
        Ok(())
    }

    fn variables_used(
        &self,
        value: &Value<'static, String>,
        position: Pos,
        declared: &Declared,
    ) -> Result<(), Error> {
        match value {
            Value::Variable(name) => match declared {
                Declared::Only(names) if !names.contains(name) => Err(self.at(
                    position,
                    format!("variable `${name}` is used but not declared"),
                )),
                _ => Ok(()),
            },
            Value::List(values) => values
                .iter()
                .try_for_each(|value| self.variables_used(value, position, declared)),
            Value::Object(fields) => fields
                .values()
                .try_for_each(|value| self.variables_used(value, position, declared)),
            _ => Ok(()),
        }
    }
}

/// The variables a selection may use.
enum Declared {
    Only(BTreeSet<String>),
    /// In a fragment: whichever its operations declare.
    Any,
}

fn type_name<'a>(ty: &'a graphql_parser::query::Type<'static, String>) -> &'a str {
    use graphql_parser::query::Type;
    match ty {
        Type::NamedType(name) => name,
        Type::ListType(inner) | Type::NonNullType(inner) => type_name(inner),
    }
}
