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
        .ok_or_else(|| "the answer holds no __schema (is introspection disabled?)".to_owned())
}

fn type_ref(value: &Value) -> String {
    match value["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&value["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&value["ofType"])),
        _ => value["name"].as_str().unwrap_or("Unknown").to_owned(),
    }
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
    let list: Vec<String> = args
        .iter()
        .map(|arg| {
            let mut text = format!(
                "{}: {}",
                arg["name"].as_str().unwrap_or("_"),
                type_ref(&arg["type"])
            );
            if let Some(default) = arg["defaultValue"].as_str() {
                let _ = write!(text, " = {default}");
            }
            text
        })
        .collect();
    format!("({})", list.join(", "))
}

/// The schema as SDL, introspection's own types left out.
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
                let _ = writeln!(out, "enum {name} {{");
                for value in ty["enumValues"].as_array().into_iter().flatten() {
                    let _ = writeln!(out, "  {}", value["name"].as_str().unwrap_or_default());
                }
                let _ = writeln!(out, "}}");
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
                let _ = writeln!(out, "input {name} {{");
                for field in ty["inputFields"].as_array().into_iter().flatten() {
                    description(&mut out, field, "  ");
                    let mut line = format!(
                        "  {}: {}",
                        field["name"].as_str().unwrap_or_default(),
                        type_ref(&field["type"])
                    );
                    if let Some(default) = field["defaultValue"].as_str() {
                        let _ = write!(line, " = {default}");
                    }
                    let _ = writeln!(out, "{line}");
                }
                let _ = writeln!(out, "}}");
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
                let _ = writeln!(out, "{keyword} {name}{implements} {{");
                for field in ty["fields"].as_array().into_iter().flatten() {
                    description(&mut out, field, "  ");
                    let _ = writeln!(
                        out,
                        "  {}{}: {}",
                        field["name"].as_str().unwrap_or_default(),
                        arguments(&field["args"]),
                        type_ref(&field["type"])
                    );
                }
                let _ = writeln!(out, "}}");
            }
        }
    }
    out
}
