//! The part of a schema the shared types are generated from: its enums and
//! input objects, read from SDL or from introspection JSON.

use std::collections::BTreeMap;

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

/// A schema's enums and input objects, by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct SchemaTypes {
    pub(crate) enums: BTreeMap<String, EnumType>,
    pub(crate) inputs: BTreeMap<String, InputType>,
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
    for definition in &document.definitions {
        match definition {
            Definition::TypeDefinition(TypeDefinition::Enum(e)) => {
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
    for ty in list {
        let (Some(kind), Some(name)) = (text(ty, "kind"), text(ty, "name")) else {
            continue;
        };
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
