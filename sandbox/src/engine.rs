//! The sandbox's one GraphQL engine: any SDL (Datasaur's, from
//! `datasaur-codegen`'s bundled copy of `graphql/schema.graphql`, or a
//! user's with `SandboxConfig::schema` / `datasaur sandbox --schema`) built
//! into a schema whose behaviour is the resolvers of `resolvers/`, by field
//! name: jobs and `getJob(s)`, every job starter, exports and their status.
//! Every other field answers schema-valid generated values, deterministic
//! per seed and field path (overridable per `Type.field`). Fidelity by
//! construction: the sandbox serves the schema the client is generated
//! against, with no second copy of it.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::Value;
use async_graphql::dynamic::{
    Enum, Field, FieldFuture, FieldValue, InputObject, InputValue, Interface, InterfaceField,
    Object, ResolverContext, Scalar, Schema, TypeRef, Union,
};
use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};

use crate::schema_limits::{MAX_COMPLEXITY, MAX_DEPTH};
use crate::state::SandboxState;

/// What one request may make: each field resolved counts once per item of
/// every list around it (the complexity limit counts a field once, however
/// many items its lists hold, so a recursive list type doubles what it
/// allows at every level).
#[derive(Default)]
pub(crate) struct Budget(std::sync::atomic::AtomicUsize);

impl Budget {
    /// Spends one value; false once [`MAX_COMPLEXITY`] are spent.
    fn spend(&self) -> bool {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < MAX_COMPLEXITY
    }
}

/// The null items of object lists in one request's answer, by response
/// path. async-graphql's dynamic schema resolves every list item as an
/// object (it has no null item for an object type), so such an item is
/// answered as an empty object and set to null after execution
/// ([`NullItems::apply`]).
#[derive(Default)]
pub(crate) struct NullItems(std::sync::Mutex<Vec<Vec<String>>>);

impl NullItems {
    /// Sets each recorded path of `data` to null.
    pub(crate) fn apply(&self, data: &mut Value) {
        for path in crate::sync::lock(&self.0).iter() {
            if let Some(at) = at_path(data, path) {
                *at = Value::Null;
            }
        }
    }
}

/// The value at `path` (object keys and list indices) of `data`.
fn at_path<'v>(data: &'v mut Value, path: &[String]) -> Option<&'v mut Value> {
    let Some((key, rest)) = path.split_first() else {
        return Some(data);
    };
    let next = match data {
        Value::Object(fields) => fields.get_mut(key.as_str())?,
        Value::List(items) => items.get_mut(key.parse::<usize>().ok()?)?,
        _ => return None,
    };
    at_path(next, rest)
}

/// Records the null items of `value`, a list of objects at the field `ctx`
/// resolves, so that they are answered null.
fn note_null_items(model: &Model, ty: &Type, ctx: &ResolverContext<'_>, value: &serde_json::Value) {
    let BaseType::List(item) = &ty.base else {
        return;
    };
    let is_object = matches!(
        model.kinds.get(named(item)).copied(),
        Some(Kind::Object | Kind::Abstract)
    );
    let (Some(items), true, true) = (value.as_array(), item.nullable, is_object) else {
        return;
    };
    let (Ok(nulls), Some(path)) = (ctx.data::<Arc<NullItems>>(), ctx.path_node) else {
        return;
    };
    let path = path.to_string_vec();
    let mut recorded = crate::sync::lock(&nulls.0);
    for (index, _) in items.iter().enumerate().filter(|(_, item)| item.is_null()) {
        let mut at = path.clone();
        at.push(index.to_string());
        recorded.push(at);
    }
}

/// Items in a generated list.
const LIST_LEN: usize = 2;

const BUILT_IN_SCALARS: [&str; 5] = ["String", "Int", "Float", "Boolean", "ID"];

/// What resolvers need to know of the schema.
struct Model {
    /// Enum values by enum name.
    enums: HashMap<String, Vec<String>>,
    /// The object types an interface or union value may be, by its name.
    concrete: HashMap<String, Vec<String>>,
    /// The kind of each named type.
    kinds: HashMap<String, Kind>,
    overrides: HashMap<String, serde_json::Value>,
    seed: u64,
    query: String,
    mutation: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scalar,
    Enum,
    Object,
    Abstract,
    Input,
}

/// An object being resolved: where it is (its field path, the seed of its
/// generated values), and the values it already has (a real job's or
/// export's, or an override).
struct Node {
    path: String,
    data: Option<serde_json::Value>,
}

/// The schema for `sdl`, or why it cannot be served.
pub(crate) fn build(
    sdl: &str,
    state: Arc<SandboxState>,
    seed: u64,
    overrides: HashMap<String, serde_json::Value>,
) -> Result<Schema, String> {
    let document = async_graphql::parser::parse_schema(sdl)
        .map_err(|e| format!("the schema does not parse: {e}"))?;
    let (mut query, mut mutation) = ("Query".to_owned(), None::<String>);
    let mut types = Vec::new();
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Schema(schema) => {
                if let Some(name) = &schema.node.query {
                    query = name.node.to_string();
                }
                mutation = schema
                    .node
                    .mutation
                    .as_ref()
                    .map(|name| name.node.to_string());
            }
            TypeSystemDefinition::Type(definition) => extend_or_push(&mut types, definition.node),
            TypeSystemDefinition::Directive(_) => {}
        }
    }
    if mutation.is_none() && types.iter().any(|ty| ty.name.node.as_str() == "Mutation") {
        mutation = Some("Mutation".to_owned());
    }
    let mut model = Model {
        enums: HashMap::new(),
        concrete: HashMap::new(),
        kinds: HashMap::new(),
        overrides,
        seed,
        query: query.clone(),
        mutation: mutation.clone(),
    };
    for ty in &types {
        let name = ty.name.node.to_string();
        let kind = match &ty.kind {
            TypeKind::Scalar => Kind::Scalar,
            TypeKind::Enum(values) => {
                let values = values.values.iter().map(|v| v.node.value.node.to_string());
                model.enums.insert(name.clone(), values.collect());
                Kind::Enum
            }
            TypeKind::Object(object) => {
                for interface in &object.implements {
                    let concrete = model
                        .concrete
                        .entry(interface.node.to_string())
                        .or_default();
                    concrete.push(name.clone());
                }
                Kind::Object
            }
            TypeKind::Union(union) => {
                let members = union.members.iter().map(|m| m.node.to_string()).collect();
                model.concrete.insert(name.clone(), members);
                Kind::Abstract
            }
            TypeKind::Interface(_) => Kind::Abstract,
            TypeKind::InputObject(_) => Kind::Input,
        };
        model.kinds.insert(name, kind);
    }
    for concrete in model.concrete.values_mut() {
        concrete.sort();
    }
    let model = Arc::new(model);
    let mut builder = Schema::build(&query, mutation.as_deref(), None)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_depth(MAX_DEPTH);
    for ty in types {
        let name = ty.name.node.to_string();
        builder = match ty.kind {
            TypeKind::Scalar if BUILT_IN_SCALARS.contains(&name.as_str()) => builder,
            TypeKind::Scalar => builder.register(Scalar::new(name)),
            TypeKind::Enum(values) => builder.register(
                Enum::new(name).items(values.values.iter().map(|v| v.node.value.node.to_string())),
            ),
            TypeKind::InputObject(input) => {
                let mut object = InputObject::new(name);
                for field in input.fields {
                    object = object.field(input_value(&field.node));
                }
                builder.register(object)
            }
            TypeKind::Union(union) => {
                let mut out = Union::new(name);
                for member in union.members {
                    out = out.possible_type(member.node.to_string());
                }
                builder.register(out)
            }
            TypeKind::Interface(interface) => {
                let mut out = Interface::new(name);
                for field in interface.fields {
                    let field = field.node;
                    let mut f =
                        InterfaceField::new(field.name.node.to_string(), type_ref(&field.ty.node));
                    for argument in &field.arguments {
                        f = f.argument(input_value(&argument.node));
                    }
                    out = out.field(f);
                }
                for parent in interface.implements {
                    out = out.implement(parent.node.to_string());
                }
                builder.register(out)
            }
            TypeKind::Object(object_type) => {
                let mut object = Object::new(name.clone());
                for parent in object_type.implements {
                    object = object.implement(parent.node.to_string());
                }
                for field in object_type.fields {
                    let field = field.node;
                    let field_name = field.name.node.to_string();
                    let ty = field.ty.node.clone();
                    let (model, state, owner) = (model.clone(), state.clone(), name.clone());
                    let resolver_name = field_name.clone();
                    let mut f = Field::new(field_name, type_ref(&ty), move |ctx| {
                        let (model, state, owner, field, ty) = (
                            model.clone(),
                            state.clone(),
                            owner.clone(),
                            resolver_name.clone(),
                            ty.clone(),
                        );
                        FieldFuture::new(async move {
                            if let Ok(budget) = ctx.data::<Arc<Budget>>()
                                && !budget.spend()
                            {
                                return Err(async_graphql::Error::new(format!(
                                    "this request would make more than {MAX_COMPLEXITY} values \
                                     (each item of a list counts): ask for less"
                                )));
                            }
                            resolve(&model, &state, &owner, &field, &ty, &ctx)
                        })
                    });
                    for argument in &field.arguments {
                        f = f.argument(input_value(&argument.node));
                    }
                    object = object.field(f);
                }
                builder.register(object)
            }
        };
    }
    builder
        .finish()
        .map_err(|e| format!("the schema cannot be served: {e}"))
}

/// Adds a type definition; an `extend type` adds its fields to the object
/// defined before it.
fn extend_or_push(
    types: &mut Vec<async_graphql::parser::types::TypeDefinition>,
    definition: async_graphql::parser::types::TypeDefinition,
) {
    if definition.extend
        && let TypeKind::Object(extension) = &definition.kind
        && let Some(TypeKind::Object(base)) = types
            .iter_mut()
            .find(|ty| ty.name.node == definition.name.node)
            .map(|ty| &mut ty.kind)
    {
        base.fields.extend(extension.fields.iter().cloned());
        return;
    }
    types.push(definition);
}

fn input_value(definition: &async_graphql::parser::types::InputValueDefinition) -> InputValue {
    let value = InputValue::new(
        definition.name.node.to_string(),
        type_ref(&definition.ty.node),
    );
    match &definition.default_value {
        Some(default) => value.default_value(default.node.clone()),
        None => value,
    }
}

fn type_ref(ty: &Type) -> TypeRef {
    let inner = match &ty.base {
        BaseType::Named(name) => TypeRef::Named(name.to_string().into()),
        BaseType::List(item) => TypeRef::List(Box::new(type_ref(item))),
    };
    if ty.nullable {
        inner
    } else {
        TypeRef::NonNull(Box::new(inner))
    }
}

/// The named type at the bottom of `ty` (`[Job!]!` -> `Job`).
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// One field of an object: from the parent's data, an override, real work,
/// the real store, or generated.
fn resolve<'a>(
    model: &Model,
    state: &Arc<SandboxState>,
    owner: &str,
    field: &str,
    ty: &Type,
    ctx: &ResolverContext<'_>,
) -> async_graphql::Result<Option<FieldValue<'a>>> {
    let parent = ctx.parent_value.downcast_ref::<Node>();
    let path = match parent {
        Some(node) => format!("{}.{field}", node.path),
        None => format!("{owner}.{field}"),
    };
    if let Some(data) = parent.and_then(|node| node.data.as_ref()) {
        let value = data.get(field).cloned().unwrap_or(serde_json::Value::Null);
        note_null_items(model, ty, ctx, &value);
        return Ok(from_json(model, ty, &path, value));
    }
    if let Some(value) = model.overrides.get(&format!("{owner}.{field}")) {
        return Ok(from_json(model, ty, &path, value.clone()));
    }
    let root = owner == model.query || Some(owner) == model.mutation.as_deref();
    if let Some(answer) =
        crate::resolvers::resolve(state, ctx, root, field, named(ty), &path, is_list(ty))
    {
        let value = answer.map_err(async_graphql::Error::new)?;
        note_null_items(model, ty, ctx, &value);
        return Ok(from_json(model, ty, &path, value));
    }
    // A pagination cursor is the end of the list: a client that pages
    // until it is null stops.
    if ty.nullable && field.to_ascii_lowercase().contains("cursor") {
        return Ok(None);
    }
    Ok(Some(generate(model, ty, &path)))
}

fn is_list(ty: &Type) -> bool {
    matches!(ty.base, BaseType::List(_))
}

/// A value of type `ty` read from JSON; an object keeps the JSON as its
/// data, and a field the JSON lacks is null if nullable, else generated.
fn from_json<'a>(
    model: &Model,
    ty: &Type,
    path: &str,
    value: serde_json::Value,
) -> Option<FieldValue<'a>> {
    if value.is_null() {
        return if ty.nullable {
            None
        } else {
            Some(generate(model, ty, path))
        };
    }
    match &ty.base {
        BaseType::List(item) => {
            let items = match value {
                serde_json::Value::Array(items) => items,
                one => vec![one],
            };
            let items: Vec<FieldValue<'a>> = items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    let at = format!("{path}[{i}]");
                    // A null object item: an empty object here, null once
                    // answered (`NullItems`).
                    let object = matches!(
                        model.kinds.get(named(item)).copied(),
                        Some(Kind::Object | Kind::Abstract)
                    );
                    if v.is_null() && object && item.nullable {
                        return from_json(model, item, &at, serde_json::json!({}))
                            .unwrap_or(FieldValue::NULL);
                    }
                    from_json(model, item, &at, v).unwrap_or(FieldValue::NULL)
                })
                .collect();
            Some(FieldValue::list(items))
        }
        BaseType::Named(name) => match model.kinds.get(name.as_str()).copied() {
            Some(Kind::Object) => Some(FieldValue::owned_any(Node {
                path: path.to_owned(),
                data: Some(value),
            })),
            Some(Kind::Abstract) => {
                let concrete = model.concrete.get(name.as_str())?.first()?.clone();
                Some(
                    FieldValue::owned_any(Node {
                        path: path.to_owned(),
                        data: Some(value),
                    })
                    .with_type(concrete),
                )
            }
            _ => Value::from_json(value).ok().map(FieldValue::value),
        },
    }
}

/// A schema-valid value of type `ty`, the same for the same seed and path.
fn generate<'a>(model: &Model, ty: &Type, path: &str) -> FieldValue<'a> {
    let hash = fnv(model.seed, path);
    match &ty.base {
        BaseType::List(item) => {
            FieldValue::list((0..LIST_LEN).map(|i| generate(model, item, &format!("{path}[{i}]"))))
        }
        BaseType::Named(name) => {
            let name = name.as_str();
            let field = path.rsplit('.').next().unwrap_or(path);
            match (name, model.kinds.get(name).copied()) {
                ("Int", _) => FieldValue::value((hash % 100) as i32),
                ("Float", _) => FieldValue::value((hash % 10_000) as f64 / 100.0),
                ("Boolean", _) => FieldValue::value(hash % 2 == 0),
                ("ID", _) => FieldValue::value(format!("{field}-{:08x}", hash as u32)),
                (_, Some(Kind::Enum)) => {
                    let values = model.enums.get(name).map(Vec::as_slice).unwrap_or_default();
                    match values.get((hash as usize) % values.len().max(1)) {
                        Some(value) => {
                            FieldValue::value(Value::Enum(async_graphql::Name::new(value)))
                        }
                        None => FieldValue::NULL,
                    }
                }
                (_, Some(Kind::Object)) => FieldValue::owned_any(Node {
                    path: path.to_owned(),
                    data: None,
                }),
                (_, Some(Kind::Abstract)) => {
                    match model.concrete.get(name).and_then(|types| types.first()) {
                        Some(concrete) => FieldValue::owned_any(Node {
                            path: path.to_owned(),
                            data: None,
                        })
                        .with_type(concrete.clone()),
                        None => FieldValue::NULL,
                    }
                }
                // String and custom scalars.
                _ => FieldValue::value(format!("{field}-{}", hash % 1000)),
            }
        }
    }
}

/// FNV-1a of the seed and the path: stable across runs and platforms.
fn fnv(seed: u64, path: &str) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for byte in path.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
