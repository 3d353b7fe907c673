//! Pulling a live server's schema: the introspection query, and the answer
//! printed as SDL.

use std::fmt::Write as _;

use serde_json::Value;

/// The standard introspection query, deep enough for `[[T!]!]!`.
pub const QUERY: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}"#;

/// The `__schema` object of an introspection answer (`{"data": {"__schema"}}`
/// or `{"__schema"}`), or why there is none.
pub fn schema_of(answer: &Value) -> Result<&Value, String> {
    answer
        .get("data")
        .unwrap_or(answer)
        .get("__schema")
        .filter(|schema| schema.is_object())
        .ok_or_else(|| {
            "no __schema: not an introspection result (is introspection disabled?)".to_owned()
        })
}

/// Whether `schema` has the shape of an introspected schema: a list of
/// types, each named and kinded, whose member lists are lists of named
/// entries. Anything else is refused before it is printed or written.
pub fn check_shape(schema: &Value) -> Result<(), String> {
    let unexpected = |what: String| Err(format!("unexpected introspection shape: {what}"));
    let Some(types) = schema.get("types").and_then(Value::as_array) else {
        return unexpected("`types` is not a list".to_owned());
    };
    for (index, ty) in types.iter().enumerate() {
        let (Some(name), Some(_kind)) = (
            ty.get("name").and_then(Value::as_str),
            ty.get("kind").and_then(Value::as_str),
        ) else {
            return unexpected(format!("types[{index}] has no string `name` and `kind`"));
        };
        for list in [
            "fields",
            "inputFields",
            "enumValues",
            "interfaces",
            "possibleTypes",
        ] {
            match ty.get(list) {
                None | Some(Value::Null) => {}
                Some(Value::Array(entries))
                    if entries
                        .iter()
                        .all(|entry| entry.get("name").is_some_and(Value::is_string)) => {}
                Some(_) => {
                    return unexpected(format!("{name}.{list} is not a list of named entries"));
                }
            }
        }
    }
    Ok(())
}

fn type_ref(value: &Value) -> String {
    match value["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&value["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&value["ofType"])),
        _ => value["name"].as_str().unwrap_or("Unknown").to_owned(),
    }
}

/// A braced block of `entries` after a definition's head, or none at all
/// when there are no entries: `type Query {}` is not valid SDL.
fn block(out: &mut String, entries: impl Iterator<Item = String>) {
    let mut entries = entries.peekable();
    if entries.peek().is_none() {
        out.push('\n');
        return;
    }
    out.push_str(" {\n");
    entries.for_each(|entry| out.push_str(&entry));
    out.push_str("}\n");
}

fn description(out: &mut String, value: &Value, indent: &str) {
    if let Some(text) = value["description"]
        .as_str()
        .filter(|text| !text.is_empty())
    {
        let _ = writeln!(out, "{indent}{}", serde_json::Value::from(text));
    }
}

fn arguments(args: &Value) -> String {
    let Some(args) = args.as_array().filter(|args| !args.is_empty()) else {
        return String::new();
    };
    let list: Vec<String> = args.iter().map(input_value).collect();
    format!("({})", list.join(", "))
}

/// An argument or input field: `name: Type`, then ` = default` if it has one.
fn input_value(value: &Value) -> String {
    let mut text = format!(
        "{}: {}",
        value["name"].as_str().unwrap_or("_"),
        type_ref(&value["type"])
    );
    if let Some(default) = value["defaultValue"].as_str() {
        let _ = write!(text, " = {default}");
    }
    text
}

/// The schema as SDL, introspection's own types left out.
/// ` @deprecated(reason: "...")` for a field or enum value the schema
/// marks deprecated, else nothing.
fn deprecated(member: &Value) -> String {
    if member["isDeprecated"] != Value::Bool(true) {
        return String::new();
    }
    match member["deprecationReason"].as_str() {
        Some(reason) => format!(" @deprecated(reason: {})", Value::from(reason)),
        None => " @deprecated".to_owned(),
    }
}

pub fn to_sdl(schema: &Value) -> String {
    let mut out = String::new();
    let root = |key: &str| schema[key]["name"].as_str().map(str::to_owned);
    let _ = writeln!(out, "schema {{");
    for (key, field) in [
        ("queryType", "query"),
        ("mutationType", "mutation"),
        ("subscriptionType", "subscription"),
    ] {
        if let Some(name) = root(key) {
            let _ = writeln!(out, "  {field}: {name}");
        }
    }
    let _ = writeln!(out, "}}");
    let mut types: Vec<&Value> = schema["types"]
        .as_array()
        .map(|types| types.iter().collect())
        .unwrap_or_default();
    types.sort_by_key(|ty| ty["name"].as_str().unwrap_or_default().to_owned());
    for ty in types {
        let name = ty["name"].as_str().unwrap_or_default();
        if name.starts_with("__") || ["String", "Int", "Float", "Boolean", "ID"].contains(&name) {
            continue;
        }
        out.push('\n');
        description(&mut out, ty, "");
        match ty["kind"].as_str().unwrap_or_default() {
            "SCALAR" => {
                let _ = writeln!(out, "scalar {name}");
            }
            "ENUM" => {
                let values: Vec<String> = ty["enumValues"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|value| {
                        format!(
                            "  {}{}\n",
                            value["name"].as_str().unwrap_or_default(),
                            deprecated(value)
                        )
                    })
                    .collect();
                let _ = write!(out, "enum {name}");
                block(&mut out, values.into_iter());
            }
            "UNION" => {
                let members: Vec<String> = ty["possibleTypes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(type_ref)
                    .collect();
                let _ = writeln!(out, "union {name} = {}", members.join(" | "));
            }
            "INPUT_OBJECT" => {
                let _ = write!(out, "input {name}");
                let fields = ty["inputFields"].as_array().into_iter().flatten();
                block(
                    &mut out,
                    fields.map(|field| {
                        let mut text = String::new();
                        description(&mut text, field, "  ");
                        let _ = writeln!(text, "  {}", input_value(field));
                        text
                    }),
                );
            }
            kind => {
                let keyword = if kind == "INTERFACE" {
                    "interface"
                } else {
                    "type"
                };
                let interfaces: Vec<String> = ty["interfaces"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(type_ref)
                    .collect();
                let implements = if interfaces.is_empty() {
                    String::new()
                } else {
                    format!(" implements {}", interfaces.join(" & "))
                };
                let _ = write!(out, "{keyword} {name}{implements}");
                let fields = ty["fields"].as_array().into_iter().flatten();
                block(
                    &mut out,
                    fields.map(|field| {
                        let mut text = String::new();
                        description(&mut text, field, "  ");
                        let _ = writeln!(
                            text,
                            "  {}{}: {}{}",
                            field["name"].as_str().unwrap_or_default(),
                            arguments(&field["args"]),
                            type_ref(&field["type"]),
                            deprecated(field)
                        );
                        text
                    }),
                );
            }
        }
    }
    out
}
