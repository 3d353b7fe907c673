//! The shared `types` module: one Rust type per schema enum and input
//! object, used by every operation (graphql_client would give each operation
//! its own copy). Inputs are `#[non_exhaustive]` with a constructor of the
//! required fields and setters for the optional ones, and a `Debug` that
//! hides fields holding secrets; the schema's descriptions are their docs.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::schema::{EnumType, InputField, InputType, SchemaTypes, TypeRef};

/// Schema enums that map to the `datasaur` crate's forward-compatible `JobStatus`.
pub(crate) const EXTERN_ENUMS: [&str; 2] = ["JobStatus", "ExportDeliveryStatus"];

/// How the module names what it does not define.
pub(crate) struct Paths<'a> {
    pub(crate) job_status: &'a str,
    pub(crate) scalars: &'a str,
    /// Where the `datasaur` crate's own shared types are, for re-exports.
    pub(crate) datasaur_types: &'a str,
}

/// The Rust name graphql_client gives a schema type (Rust normalization).
pub(crate) fn rust_type_name(name: &str) -> String {
    name.to_upper_camel_case()
}

/// The Rust name graphql_client gives a field.
pub(crate) fn rust_field_name(name: &str) -> String {
    let snake = name.to_snake_case();
    if RUST_KEYWORDS.contains(&snake.as_str()) {
        format!("{snake}_")
    } else {
        snake
    }
}

const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "if", "impl", "in",
    "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Field names whose values are credentials: never printed by `Debug`.
fn holds_secret(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    [
        "secret",
        "password",
        "token",
        "apikey",
        "api_key",
        "privatekey",
        "credential",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

/// The module's source: definitions for `define`, re-exports of the
/// `datasaur` crate's types for `reuse`.
pub(crate) fn module(
    schema: &SchemaTypes,
    define: &BTreeSet<String>,
    reuse: &BTreeSet<String>,
    paths: &Paths<'_>,
) -> String {
    let mut out = String::from(
        "/// The schema's enums and input objects, one Rust type each, shared by every operation.\n\
         #[allow(dead_code, clippy::all)]\npub mod types {\n",
    );
    for name in reuse {
        let _ = writeln!(
            out,
            "pub use {}::{};",
            paths.datasaur_types,
            rust_type_name(name)
        );
    }
    for name in define {
        if let Some(e) = schema.enums.get(name) {
            enum_type(&mut out, name, e);
        } else if let Some(input) = schema.inputs.get(name) {
            input_type(&mut out, name, input, schema, paths);
        }
    }
    out.push_str("}\n");
    out
}

fn doc(out: &mut String, indent: &str, text: Option<&str>, fallback: &str) {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(fallback);
    for line in text.lines() {
        let _ = writeln!(
            out,
            "{indent}#[doc = {:?}]",
            format!(" {}", line.trim_end())
        );
    }
}

fn enum_type(out: &mut String, name: &str, e: &EnumType) {
    let rust = rust_type_name(name);
    doc(
        out,
        "",
        e.description.as_deref(),
        &format!("`enum {name}` of the schema."),
    );
    let _ = writeln!(
        out,
        "#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n#[non_exhaustive]\npub enum {rust} {{"
    );
    for (value, description) in &e.values {
        doc(out, "    ", description.as_deref(), &format!("`{value}`."));
        let _ = writeln!(out, "    {},", value.to_upper_camel_case());
    }
    let _ = writeln!(
        out,
        "    /// A value this version of the schema does not know, as the server sent it.\n    Other(String),\n}}"
    );
    let _ = writeln!(
        out,
        "impl {rust} {{\n    /// The value as the schema spells it.\n    pub fn as_str(&self) -> &str {{\n        match self {{"
    );
    for (value, _) in &e.values {
        let _ = writeln!(
            out,
            "            {rust}::{} => {value:?},",
            value.to_upper_camel_case()
        );
    }
    let _ = writeln!(
        out,
        "            {rust}::Other(value) => value,\n        }}\n    }}\n}}\n\
         impl ::serde::Serialize for {rust} {{\n    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {{\n        serializer.serialize_str(self.as_str())\n    }}\n}}\n\
         impl<'de> ::serde::Deserialize<'de> for {rust} {{\n    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {{\n        let value = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;\n        Ok(match value.as_str() {{"
    );
    for (value, _) in &e.values {
        let _ = writeln!(
            out,
            "            {value:?} => {rust}::{},",
            value.to_upper_camel_case()
        );
    }
    let _ = writeln!(
        out,
        "            _ => {rust}::Other(value),\n        }})\n    }}\n}}"
    );
}

/// How a field's Rust type is spelled, and how a setter takes it.
struct Spelled {
    /// The type of the field, without the outer `Option` of a nullable one.
    inner: String,
    /// The setter's parameter type.
    param: String,
    /// Turns the parameter `value` into `inner`.
    convert: String,
}

fn base_type(name: &str, owner: &str, schema: &SchemaTypes, paths: &Paths<'_>) -> String {
    match name {
        "String" | "ID" => "String".into(),
        "Int" => "i64".into(),
        "Float" => "f64".into(),
        "Boolean" => "bool".into(),
        _ if EXTERN_ENUMS.contains(&name) => paths.job_status.into(),
        _ if name == owner => format!("Box<{}>", rust_type_name(name)),
        _ if schema.enums.contains_key(name) || schema.inputs.contains_key(name) => {
            rust_type_name(name)
        }
        _ => format!("{}::{name}", paths.scalars),
    }
}

/// The Rust type of `ty` (with `Option` where it is nullable).
fn full_type(ty: &TypeRef, owner: &str, schema: &SchemaTypes, paths: &Paths<'_>) -> String {
    match ty {
        TypeRef::NonNull(inner) => match &**inner {
            TypeRef::List(element) => format!("Vec<{}>", full_type(element, owner, schema, paths)),
            other => base_type(other.name(), owner, schema, paths),
        },
        TypeRef::List(element) => {
            format!("Option<Vec<{}>>", full_type(element, owner, schema, paths))
        }
        TypeRef::Named(name) => format!("Option<{}>", base_type(name, owner, schema, paths)),
    }
}

fn spell(field: &InputField, owner: &str, schema: &SchemaTypes, paths: &Paths<'_>) -> Spelled {
    let unwrapped = match &field.ty {
        TypeRef::NonNull(inner) => (**inner).clone(),
        other => other.clone(),
    };
    let inner = full_type(
        &TypeRef::NonNull(Box::new(unwrapped.clone())),
        owner,
        schema,
        paths,
    );
    match &unwrapped {
        TypeRef::List(element) => {
            let element_type = full_type(element, owner, schema, paths);
            if element_type == "String" {
                Spelled {
                    inner,
                    param: "impl IntoIterator<Item = impl Into<String>>".into(),
                    convert: "value.into_iter().map(Into::into).collect()".into(),
                }
            } else {
                Spelled {
                    inner,
                    param: format!("impl IntoIterator<Item = {element_type}>"),
                    convert: "value.into_iter().collect()".into(),
                }
            }
        }
        _ if inner == "String" => Spelled {
            inner,
            param: "impl Into<String>".into(),
            convert: "value.into()".into(),
        },
        _ if inner.starts_with("Box<") => Spelled {
            param: inner
                .trim_start_matches("Box<")
                .trim_end_matches('>')
                .to_owned(),
            inner,
            convert: "Box::new(value)".into(),
        },
        _ => Spelled {
            param: inner.clone(),
            inner,
            convert: "value".into(),
        },
    }
}

fn input_type(
    out: &mut String,
    name: &str,
    input: &InputType,
    schema: &SchemaTypes,
    paths: &Paths<'_>,
) {
    let rust = rust_type_name(name);
    doc(
        out,
        "",
        input.description.as_deref(),
        &format!("`input {name}` of the schema."),
    );
    let _ = writeln!(
        out,
        "///\n/// Build it with `{rust}::new` (the required fields) and the setters of the optional ones.\n\
         #[derive(Clone, PartialEq, ::serde::Serialize)]\n#[serde(crate = \"::serde\")]\n#[non_exhaustive]\npub struct {rust} {{"
    );
    let fields: Vec<(&InputField, String, bool, Spelled)> = input
        .fields
        .iter()
        .map(|field| {
            let required = matches!(field.ty, TypeRef::NonNull(_));
            (
                field,
                rust_field_name(&field.name),
                required,
                spell(field, name, schema, paths),
            )
        })
        .collect();
    for (field, rust_field, required, spelled) in &fields {
        doc(
            out,
            "    ",
            field.description.as_deref(),
            &format!("`{}`.", field.name),
        );
        if rust_field != &field.name {
            let _ = writeln!(out, "    #[serde(rename = {:?})]", field.name);
        }
        if *required {
            let _ = writeln!(out, "    pub {rust_field}: {},", spelled.inner);
        } else {
            let _ = writeln!(
                out,
                "    #[serde(skip_serializing_if = \"Option::is_none\")]\n    pub {rust_field}: Option<{}>,",
                spelled.inner
            );
        }
    }
    out.push_str("}\n");
    // The constructor: every required field, in the schema's order.
    let _ = writeln!(
        out,
        "impl {rust} {{\n    /// A `{name}` of its required fields; the optional ones are unset."
    );
    let params: Vec<String> = fields
        .iter()
        .filter(|(_, _, required, _)| *required)
        .map(|(_, rust_field, _, spelled)| format!("{rust_field}: {}", spelled.param))
        .collect();
    let _ = writeln!(
        out,
        "    pub fn new({}) -> Self {{\n        Self {{",
        params.join(", ")
    );
    for (_, rust_field, required, spelled) in &fields {
        if *required {
            let convert = spelled.convert.replace("value", rust_field);
            let _ = writeln!(out, "            {rust_field}: {convert},");
        } else {
            let _ = writeln!(out, "            {rust_field}: None,");
        }
    }
    out.push_str("        }\n    }\n");
    for (field, rust_field, required, spelled) in &fields {
        if *required {
            continue;
        }
        let setter = if rust_field == "new" {
            "with_new"
        } else {
            rust_field
        };
        let _ = writeln!(
            out,
            "    /// Sets `{}`.\n    #[must_use]\n    pub fn {setter}(mut self, value: {}) -> Self {{\n        self.{rust_field} = Some({});\n        self\n    }}",
            field.name, spelled.param, spelled.convert
        );
    }
    out.push_str("}\n");
    // Debug without the secrets.
    let _ = writeln!(
        out,
        "impl ::std::fmt::Debug for {rust} {{\n    fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {{\n        f.debug_struct({rust:?})"
    );
    for (field, rust_field, required, _) in &fields {
        if holds_secret(&field.name) {
            if *required {
                let _ = writeln!(out, "            .field({rust_field:?}, &\"[redacted]\")");
            } else {
                let _ = writeln!(
                    out,
                    "            .field({rust_field:?}, &self.{rust_field}.as_ref().map(|_| \"[redacted]\"))"
                );
            }
        } else {
            let _ = writeln!(
                out,
                "            .field({rust_field:?}, &self.{rust_field})"
            );
        }
    }
    out.push_str("            .finish()\n    }\n}\n");
}

/// Every enum and input object `roots` reach through input fields.
pub(crate) fn closure(
    schema: &SchemaTypes,
    roots: impl IntoIterator<Item = String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(name) = stack.pop() {
        if EXTERN_ENUMS.contains(&name.as_str()) || !seen.insert(name.clone()) {
            continue;
        }
        if let Some(input) = schema.inputs.get(&name) {
            for field in &input.fields {
                let inner = field.ty.name();
                if schema.inputs.contains_key(inner) || schema.enums.contains_key(inner) {
                    stack.push(inner.to_owned());
                }
            }
        }
    }
    seen
}

/// Which of `used` can be the `datasaur` crate's own type: the same shape in
/// both schemas, and so for every type it reaches.
pub(crate) fn reusable(
    used: &BTreeSet<String>,
    schema: &SchemaTypes,
    bundled: &SchemaTypes,
) -> BTreeSet<String> {
    let same = |name: &str| match (schema.enums.get(name), bundled.enums.get(name)) {
        (Some(a), Some(b)) => a.same_shape(b),
        _ => match (schema.inputs.get(name), bundled.inputs.get(name)) {
            (Some(a), Some(b)) => a.same_shape(b),
            _ => false,
        },
    };
    used.iter()
        .filter(|name| closure(schema, [(*name).clone()]).iter().all(|n| same(n)))
        .cloned()
        .collect()
}
