//! The operation files: read, parsed, their operations listed, their
//! fragments gathered, and the text each sends (its own, comment lines
//! left out, with the definitions of the fragments it spreads from other
//! files after it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use graphql_parser::query::{
    Definition, Document as Ast, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

use crate::validate::SharedFragment;
use crate::{Error, STARTS_WORK_MARK, error};

/// One `.graphql` file of operations or fragments.
pub(crate) struct Document {
    /// As the user names it: in messages and in the generated comments.
    pub(crate) shown: PathBuf,
    pub(crate) source: String,
    pub(crate) ast: Ast<'static, String>,
    /// Whether a line says its queries start work.
    pub(crate) marked: bool,
}

/// An operation: its name, and whether it is a mutation.
pub(crate) struct Named {
    pub(crate) name: String,
    pub(crate) mutation: bool,
}

/// No operation file is larger: a bigger one is a mistake (a data file in
/// the wrong directory), refused before it is read.
pub(crate) const MAX_OPERATION_FILE_BYTES: u64 = 8 * 1024 * 1024;

impl Document {
    pub(crate) fn read(path: &Path, shown: PathBuf) -> Result<Document, Error> {
        use std::io::Read as _;
        let file = std::fs::File::open(path)
            .map_err(|e| error(format!("reading {}: {e}", shown.display())))?;
        let mut source = String::new();
        file.take(MAX_OPERATION_FILE_BYTES + 1)
            .read_to_string(&mut source)
            .map_err(|e| error(format!("reading {}: {e}", shown.display())))?;
        if source.len() as u64 > MAX_OPERATION_FILE_BYTES {
            return Err(error(format!(
                "{}: over {} MiB, too large for an operation file",
                shown.display(),
                MAX_OPERATION_FILE_BYTES / 1024 / 1024
            )));
        }
        let ast = graphql_parser::query::parse_query::<String>(&source)
            .map_err(|e| error(format!("{}: invalid GraphQL: {e}", shown.display())))?
            .into_static();
        let marked = source.lines().any(|line| line.trim() == STARTS_WORK_MARK);
        Ok(Document {
            shown,
            source,
            ast,
            marked,
        })
    }

    /// Its operations, each named; subscriptions and unnamed ones refused.
    pub(crate) fn operations(&self) -> Result<Vec<Named>, Error> {
        let mut operations = Vec::new();
        for definition in &self.ast.definitions {
            let (name, mutation) = match definition {
                Definition::Operation(OperationDefinition::Query(query)) => (&query.name, false),
                Definition::Operation(OperationDefinition::Mutation(mutation)) => {
                    (&mutation.name, true)
                }
                Definition::Operation(OperationDefinition::SelectionSet(_)) => (&None, false),
                Definition::Operation(OperationDefinition::Subscription(_)) => {
                    return Err(error(format!(
                        "{}: Datasaur has no subscriptions; only queries and mutations",
                        self.shown.display()
                    )));
                }
                Definition::Fragment(_) => continue,
            };
            let name = name.clone().ok_or_else(|| {
                error(format!(
                    "{}: an operation needs a name (`query Name {{ ... }}`)",
                    self.shown.display()
                ))
            })?;
            operations.push(Named { name, mutation });
        }
        Ok(operations)
    }

    /// Its fragments.
    pub(crate) fn fragments(&self) -> impl Iterator<Item = &FragmentDefinition<'static, String>> {
        self.ast
            .definitions
            .iter()
            .filter_map(|definition| match definition {
                Definition::Fragment(fragment) => Some(fragment),
                Definition::Operation(_) => None,
            })
    }

    /// Whether it holds fragments only: those are the shared selections.
    pub(crate) fn is_fragments_only(&self) -> bool {
        self.ast
            .definitions
            .iter()
            .all(|definition| matches!(definition, Definition::Fragment(_)))
    }

    /// What it sends: its text without comment lines (the starts-work mark
    /// among them), then the fragments it spreads from other files.
    pub(crate) fn sent_text(&self, fragments: &BTreeMap<String, SharedFragment<'_>>) -> String {
        format!(
            "{}{}",
            self.own_text(),
            borrowed_fragments(&self.ast, fragments)
        )
    }

    /// Its text without comment lines (the starts-work mark among them).
    fn own_text(&self) -> String {
        self.source
            .lines()
            .filter(|line| !line.trim_start().starts_with('#'))
            .map(|line| format!("{line}\n"))
            .collect()
    }

    /// The fragment of its one operation's one field, when that field
    /// selects nothing else: `{ job: startIt { ...Job } }` gives `Job`.
    pub(crate) fn single_spread(&self) -> Option<&str> {
        let mut operations = self.ast.definitions.iter().filter_map(|d| match d {
            Definition::Operation(operation) => Some(operation),
            Definition::Fragment(_) => None,
        });
        let operation = operations.next()?;
        if operations.next().is_some() {
            return None;
        }
        let selection = match operation {
            OperationDefinition::Query(query) => &query.selection_set,
            OperationDefinition::Mutation(mutation) => &mutation.selection_set,
            _ => return None,
        };
        let [Selection::Field(field)] = &selection.items[..] else {
            return None;
        };
        match &field.selection_set.items[..] {
            [Selection::FragmentSpread(spread)] if spread.directives.is_empty() => {
                Some(&spread.fragment_name)
            }
            _ => None,
        }
    }
}

/// Every fragment of every file, by name; a name defined twice is refused.
pub(crate) fn gather_fragments(
    documents: &[Document],
) -> Result<BTreeMap<String, SharedFragment<'_>>, Error> {
    let mut fragments = BTreeMap::new();
    for document in documents {
        for definition in document.fragments() {
            let shared = SharedFragment {
                definition,
                file: &document.shown,
            };
            if let Some(earlier) = fragments.insert(definition.name.clone(), shared) {
                return Err(error(format!(
                    "{}:{}:{}: fragment `{}` is also defined in {}",
                    document.shown.display(),
                    definition.position.line,
                    definition.position.column,
                    definition.name,
                    earlier.file.display()
                )));
            }
        }
    }
    Ok(fragments)
}

/// The fragments `selection` spreads, and those they spread, in order.
pub(crate) fn spread_from(
    selection: &SelectionSet<'static, String>,
    fragments: &BTreeMap<String, SharedFragment<'_>>,
    found: &mut Vec<String>,
) {
    for item in &selection.items {
        match item {
            Selection::Field(field) => spread_from(&field.selection_set, fragments, found),
            Selection::InlineFragment(inline) => {
                spread_from(&inline.selection_set, fragments, found);
            }
            Selection::FragmentSpread(spread) => {
                if found.contains(&spread.fragment_name) {
                    continue;
                }
                found.push(spread.fragment_name.clone());
                if let Some(fragment) = fragments.get(&spread.fragment_name) {
                    spread_from(&fragment.definition.selection_set, fragments, found);
                }
            }
        }
    }
}

/// The definitions of the fragments `document` spreads that other files
/// define, as text to follow its own.
pub(crate) fn borrowed_fragments(
    document: &Ast<'static, String>,
    fragments: &BTreeMap<String, SharedFragment<'_>>,
) -> String {
    let own: BTreeSet<&str> = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(fragment) => Some(fragment.name.as_str()),
            Definition::Operation(_) => None,
        })
        .collect();
    let mut found = Vec::new();
    for definition in &document.definitions {
        let selection = match definition {
            Definition::Operation(OperationDefinition::Query(query)) => &query.selection_set,
            Definition::Operation(OperationDefinition::Mutation(mutation)) => {
                &mutation.selection_set
            }
            Definition::Operation(OperationDefinition::SelectionSet(selection)) => selection,
            Definition::Operation(OperationDefinition::Subscription(_)) => continue,
            Definition::Fragment(fragment) => &fragment.selection_set,
        };
        spread_from(selection, fragments, &mut found);
    }
    found
        .iter()
        .filter(|name| !own.contains(name.as_str()))
        .filter_map(|name| fragments.get(name))
        .map(|fragment| format!("\n{}", fragment.definition))
        .collect()
}

/// `document` with its one field's spread of `fragment` written out in
/// place (`... on Job { id status }`): what the engine reads for an
/// operation whose answer is a shared type, so that it writes no copy of
/// the fragment's struct.
pub(crate) fn spread_written_out(
    document: &Ast<'static, String>,
    fragment: &FragmentDefinition<'static, String>,
) -> Ast<'static, String> {
    use graphql_parser::query::InlineFragment;
    let mut document = document.clone();
    for definition in &mut document.definitions {
        let selection = match definition {
            Definition::Operation(OperationDefinition::Query(query)) => &mut query.selection_set,
            Definition::Operation(OperationDefinition::Mutation(mutation)) => {
                &mut mutation.selection_set
            }
            _ => continue,
        };
        for item in &mut selection.items {
            let Selection::Field(field) = item else {
                continue;
            };
            for inner in &mut field.selection_set.items {
                if let Selection::FragmentSpread(spread) = inner
                    && spread.fragment_name == fragment.name
                {
                    *inner = Selection::InlineFragment(InlineFragment {
                        position: spread.position,
                        type_condition: Some(fragment.type_condition.clone()),
                        directives: Vec::new(),
                        selection_set: fragment.selection_set.clone(),
                    });
                }
            }
        }
    }
    document
}
