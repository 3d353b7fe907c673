//! What the generator knows of a schema, read from SDL or from
//! introspection JSON: its enums and input objects (the shared types are
//! generated from them), and the kind of every named type, the fields of
//! its objects and interfaces, its root types and directives (operations
//! are checked against them before graphql_client_codegen sees them).

use std::collections::{BTreeMap, BTreeSet};

use crate::{Error, error};

/// A type as a field declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeRef {
    Named(String),
    List(Box<TypeRef>),
    NonNull(Box<TypeRef>),
}

impl TypeRef {
    /// The named type at the bottom of lists and non-nulls.
    pub(crate) fn name(&self) -> &str {
        match self {
            TypeRef::Named(name) => name,
            TypeRef::List(inner) | TypeRef::NonNull(inner) => inner.name(),
        }
    }
}

/// An enum: its values, with their descriptions.
#[derive(Debug, Clone)]
pub(crate) struct EnumType {
    pub(crate) description: Option<String>,
    pub(crate) values: Vec<(String, Option<String>)>,
}

/// An input object's field.
#[derive(Debug, Clone)]
pub(crate) struct InputField {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) ty: TypeRef,
}

/// An input object.
#[derive(Debug, Clone)]
pub(crate) struct InputType {
    pub(crate) description: Option<String>,
    pub(crate) fields: Vec<InputField>,
}

/// What a named type is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Scalar,
    Object,
    Interface,
    Union,
    Enum,
    Input,
}

impl Kind {
    /// Whether a variable may have this type.
    pub(crate) fn is_input(self) -> bool {
        matches!(self, Kind::Scalar | Kind::Enum | Kind::Input)
    }

    /// Whether a selection of fields may follow a field of this type.
    pub(crate) fn has_fields(self) -> bool {
        matches!(self, Kind::Object | Kind::Interface | Kind::Union)
    }
}

/// A schema's enums and input objects, by name, and the rest of its shape.
#[derive(Debug, Clone)]
pub(crate) struct SchemaTypes {
    pub(crate) enums: BTreeMap<String, EnumType>,
    pub(crate) inputs: BTreeMap<String, InputType>,
    /// Every named type, the built-in scalars included.
    pub(crate) kinds: BTreeMap<String, Kind>,
    /// The fields of objects and interfaces, with their types.
    pub(crate) fields: BTreeMap<String, BTreeMap<String, TypeRef>>,
    pub(crate) query: String,
    pub(crate) mutation: Option<String>,
    /// The directives an operation may use.
    pub(crate) directives: BTreeSet<String>,
}

impl Default for SchemaTypes {
    fn default() -> Self {
        let kinds = ["String", "Int", "Float", "Boolean", "ID"]
            .into_iter()
            .map(|name| (name.to_owned(), Kind::Scalar))
            .collect();
        SchemaTypes {
            enums: BTreeMap::new(),
            inputs: BTreeMap::new(),
            kinds,
            fields: BTreeMap::new(),
            query: "Query".into(),
            mutation: None,
            directives: ["include", "skip", "deprecated", "specifiedBy"]
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }
}

impl EnumType {
    /// The same values, descriptions aside.
    pub(crate) fn same_shape(&self, other: &EnumType) -> bool {
        let names = |e: &EnumType| e.values.iter().map(|(v, _)| v.clone()).collect::<Vec<_>>();
        names(self) == names(other)
    }
}

impl InputType {
    /// The same fields of the same types, descriptions aside.
    pub(crate) fn same_shape(&self, other: &InputType) -> bool {
        let fields = |i: &InputType| {
            i.fields
                .iter()
                .map(|f| (f.name.clone(), f.ty.clone()))
                .collect::<Vec<_>>()
        };
        fields(self) == fields(other)
    }
}

/// Reads SDL (`is_json == false`) or introspection JSON.
pub(crate) fn read(text: &str, is_json: bool, origin: &str) -> Result<SchemaTypes, Error> {
    if is_json {
        from_json(text, origin)
    } else {
        from_sdl(text, origin)
    }
}

fn from_sdl(text: &str, origin: &str) -> Result<SchemaTypes, Error> {
    use graphql_parser::schema::{Definition, Type, TypeDefinition};
    let document = graphql_parser::schema::parse_schema::<String>(text)
        .map_err(|e| error(format!("{origin}: invalid GraphQL SDL: {e}")))?;
    fn convert(ty: &Type<'_, String>) -> TypeRef {
        match ty {
            Type::NamedType(name) => TypeRef::Named(name.clone()),
            Type::ListType(inner) => TypeRef::List(Box::new(convert(inner))),
            Type::NonNullType(inner) => TypeRef::NonNull(Box::new(convert(inner))),
        }
    }
    let mut types = SchemaTypes::default();
    let mut mutation_named = false;
    for definition in &document.definitions {
        let named_fields = |fields: &[graphql_parser::schema::Field<'_, String>]| {
            fields
                .iter()
                .map(|f| (f.name.clone(), convert(&f.field_type)))
                .collect::<BTreeMap<_, _>>()
        };
        match definition {
            Definition::SchemaDefinition(schema) => {
                if let Some(query) = &schema.query {
                    types.query = query.clone();
                }
                if schema.mutation.is_some() {
                    mutation_named = true;
                }
                types.mutation = schema.mutation.clone();
            }
            Definition::DirectiveDefinition(directive) => {
                types.directives.insert(directive.name.clone());
            }
            Definition::TypeDefinition(TypeDefinition::Scalar(scalar)) => {
                types.kinds.insert(scalar.name.clone(), Kind::Scalar);
            }
            Definition::TypeDefinition(TypeDefinition::Object(object)) => {
                types.kinds.insert(object.name.clone(), Kind::Object);
                types
                    .fields
                    .insert(object.name.clone(), named_fields(&object.fields));
            }
            Definition::TypeDefinition(TypeDefinition::Interface(interface)) => {
                types.kinds.insert(interface.name.clone(), Kind::Interface);
                types
                    .fields
                    .insert(interface.name.clone(), named_fields(&interface.fields));
            }
            Definition::TypeDefinition(TypeDefinition::Union(union)) => {
                types.kinds.insert(union.name.clone(), Kind::Union);
            }
            Definition::TypeDefinition(TypeDefinition::Enum(e)) => {
                types.kinds.insert(e.name.clone(), Kind::Enum);
                types.enums.insert(
                    e.name.clone(),
                    EnumType {
                        description: e.description.clone(),
                        values: e
                            .values
                            .iter()
                            .map(|v| (v.name.clone(), v.description.clone()))
                            .collect(),
                    },
                );
            }
            Definition::TypeDefinition(TypeDefinition::InputObject(input)) => {
                types.kinds.insert(input.name.clone(), Kind::Input);
                types.inputs.insert(
                    input.name.clone(),
                    InputType {
                        description: input.description.clone(),
                        fields: input
                            .fields
                            .iter()
                            .map(|f| InputField {
                                name: f.name.clone(),
                                description: f.description.clone(),
                                ty: convert(&f.value_type),
                            })
                            .collect(),
                    },
                );
            }
            _ => {}
        }
    }
    if !mutation_named && types.kinds.contains_key("Mutation") {
        types.mutation = Some("Mutation".into());
    }
    Ok(types)
}

fn from_json(text: &str, origin: &str) -> Result<SchemaTypes, Error> {
    use serde_json::Value;
    let invalid = |what: &str| error(format!("{origin}: not an introspection result: {what}"));
    let root: Value =
        serde_json::from_str(text).map_err(|e| error(format!("{origin}: invalid JSON: {e}")))?;
    let schema = root
        .pointer("/data/__schema")
        .or_else(|| root.pointer("/__schema"))
        .ok_or_else(|| invalid("no __schema"))?;
    let list = schema
        .get("types")
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("__schema.types is not a list"))?;
    fn type_ref(value: &Value) -> Option<TypeRef> {
        match value.get("kind")?.as_str()? {
            "NON_NULL" => Some(TypeRef::NonNull(Box::new(type_ref(value.get("ofType")?)?))),
            "LIST" => Some(TypeRef::List(Box::new(type_ref(value.get("ofType")?)?))),
            _ => Some(TypeRef::Named(value.get("name")?.as_str()?.to_owned())),
        }
    }
    let text = |value: &Value, key: &str| value.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut types = SchemaTypes::default();
    let root = |key: &str| {
        schema
            .get(key)
            .and_then(|root| root.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    if let Some(query) = root("queryType") {
        types.query = query;
    }
    types.mutation = root("mutationType");
    for directive in schema
        .get("directives")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(name) = text(directive, "name") {
            types.directives.insert(name);
        }
    }
    for ty in list {
        let (Some(kind), Some(name)) = (text(ty, "kind"), text(ty, "name")) else {
            continue;
        };
        let named_kind = match kind.as_str() {
            "SCALAR" => Some(Kind::Scalar),
            "OBJECT" => Some(Kind::Object),
            "INTERFACE" => Some(Kind::Interface),
            "UNION" => Some(Kind::Union),
            "ENUM" => Some(Kind::Enum),
            "INPUT_OBJECT" => Some(Kind::Input),
            _ => None,
        };
        if let Some(named_kind) = named_kind {
            types.kinds.insert(name.clone(), named_kind);
        }
        if matches!(named_kind, Some(Kind::Object | Kind::Interface)) {
            let fields = ty
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|field| Some((text(field, "name")?, type_ref(field.get("type")?)?)))
                .collect();
            types.fields.insert(name.clone(), fields);
        }
        match kind.as_str() {
            "ENUM" => {
                let values = ty
                    .get("enumValues")
                    .and_then(Value::as_array)
                    .ok_or_else(|| invalid(&format!("enum {name} has no enumValues")))?;
                types.enums.insert(
                    name,
                    EnumType {
                        description: text(ty, "description"),
                        values: values
                            .iter()
                            .filter_map(|v| Some((text(v, "name")?, text(v, "description"))))
                            .collect(),
                    },
                );
            }
            "INPUT_OBJECT" => {
                let fields = ty
                    .get("inputFields")
                    .and_then(Value::as_array)
                    .ok_or_else(|| invalid(&format!("input {name} has no inputFields")))?;
                let mut converted = Vec::new();
                for field in fields {
                    let field_name =
                        text(field, "name").ok_or_else(|| invalid("an input field has no name"))?;
                    let ty = field
                        .get("type")
                        .and_then(type_ref)
                        .ok_or_else(|| invalid(&format!("{name}.{field_name} has no type")))?;
                    converted.push(InputField {
                        name: field_name,
                        description: text(field, "description"),
                        ty,
                    });
                }
                types.inputs.insert(
                    name,
                    InputType {
                        description: text(ty, "description"),
                        fields: converted,
                    },
                );
            }
            _ => {}
        }
    }
    Ok(types)
}
