//! Writes the model as TypeScript declarations, following serde's JSON representations.

use std::collections::{BTreeMap, BTreeSet};

use syn::{GenericArgument, PathArguments, Type};

use super::model::{Body, Field, Model, Repr, Shape, TypeDef, Variant};
use super::shapes::{self, ADAPTERS, JSON_VALUE, MANUAL};

/// Declarations of `roots` and of every type they reach, sorted by name.
pub fn declarations(model: &Model, roots: &[&str]) -> String {
    let mut pending: Vec<String> = roots.iter().map(|r| (*r).to_string()).collect();
    let mut done: BTreeMap<String, String> = BTreeMap::new();
    let mut json_value = false;
    while let Some(name) = pending.pop() {
        if done.contains_key(&name) {
            continue;
        }
        let mut refs = Refs::default();
        let text = declaration(model, &name, &mut refs);
        json_value |= refs.json_value;
        pending.extend(refs.names.into_iter().filter(|n| !done.contains_key(n)));
        done.insert(name, text);
    }
    let mut out = String::new();
    if json_value {
        out.push_str("/** Any JSON value (`serde_json::Value`). */\n");
        out.push_str(JSON_VALUE);
        out.push_str("\n\n");
    }
    for text in done.values() {
        out.push_str(text);
        out.push_str("\n\n");
    }
    out
}

/// The names a declaration refers to.
#[derive(Default)]
struct Refs {
    names: BTreeSet<String>,
    json_value: bool,
}

fn declaration(model: &Model, name: &str, refs: &mut Refs) -> String {
    let defs = model.types.get(name);
    let def = match defs.map(Vec::as_slice) {
        Some([def]) => Some(def),
        Some(many) if many.len() > 1 => {
            let files: Vec<String> = many.iter().map(|d| d.file.display().to_string()).collect();
            panic!("`{name}` is defined more than once: {}", files.join(", "))
        }
        _ => None,
    };
    let doc = def
        .and_then(|d| d.doc.as_deref())
        .or_else(|| model.docs.get(name).map(String::as_str));
    if let Some(manual) = MANUAL.iter().find(|m| m.name == name) {
        refs.names
            .extend(manual.uses.iter().map(|u| (*u).to_string()));
        return format!("{}export type {name} = {};", comment(doc, ""), manual.ts);
    }
    if model.manual.iter().any(|m| m == name) {
        panic!(
            "`{name}` has a hand-written serde impl in pim-core: describe its JSON in \
             build/typescript/shapes.rs (MANUAL)"
        );
    }
    let Some(def) = def else {
        panic!("`{name}` is referenced by a wire type but is not a serde type of pim-core")
    };
    format!("{}{}", comment(doc, ""), body(def, refs))
}

fn body(def: &TypeDef, refs: &mut Refs) -> String {
    let name = &def.name;
    match &def.body {
        Body::Struct(Shape::Struct(fields)) if fields.iter().all(|f| !f.flatten) => {
            format!("export interface {name} {}", object(fields, refs, ""))
        }
        Body::Struct(shape) => format!("export type {name} = {};", payload(shape, refs, "")),
        Body::Literals(texts) => {
            let items: Vec<String> = texts.iter().map(|t| quote(t)).collect();
            format!("export type {name} = {};", items.join(" | "))
        }
        Body::Alias(ty) => format!("export type {name} = {};", ts(ty, refs)),
        Body::Enum { repr, variants } => {
            let arms: Vec<String> = variants
                .iter()
                .map(|v| {
                    format!(
                        "\n{}  | {}",
                        comment(v.doc.as_deref(), "  "),
                        arm(repr, v, refs)
                    )
                })
                .collect();
            format!("export type {name} ={};", arms.concat())
        }
    }
}

/// One variant, in the enum's representation.
fn arm(repr: &Repr, v: &Variant, refs: &mut Refs) -> String {
    let tag_only = |tag: &str| format!("{{ {}: {} }}", key(tag), quote(&v.wire_name));
    match (repr, &v.shape) {
        (Repr::External, Shape::Unit) => quote(&v.wire_name),
        (Repr::External, shape) => {
            format!(
                "{{ {}: {} }}",
                key(&v.wire_name),
                payload(shape, refs, "    ")
            )
        }
        (Repr::Internal { tag }, Shape::Unit) | (Repr::Adjacent { tag, .. }, Shape::Unit) => {
            tag_only(tag)
        }
        (Repr::Internal { tag }, Shape::Struct(fields)) => {
            let tag_field = format!("    {}: {};\n", key(tag), quote(&v.wire_name));
            let mut text = object(fields, refs, "  ");
            text.insert_str(2, &tag_field);
            text
        }
        (Repr::Internal { tag }, shape) => {
            format!("({} & {})", tag_only(tag), payload(shape, refs, "  "))
        }
        (Repr::Adjacent { tag, content }, shape) => format!(
            "{{ {}: {}; {}: {} }}",
            key(tag),
            quote(&v.wire_name),
            key(content),
            payload(shape, refs, "  ")
        ),
        (Repr::Untagged, shape) => payload(shape, refs, "  "),
    }
}

fn payload(shape: &Shape, refs: &mut Refs, indent: &str) -> String {
    match shape {
        Shape::Unit => "null".into(),
        Shape::Newtype(ty) => ts(ty, refs),
        Shape::Tuple(tys) => {
            let items: Vec<String> = tys.iter().map(|t| ts(t, refs)).collect();
            format!("[{}]", items.join(", "))
        }
        Shape::Struct(fields) => object(fields, refs, indent),
    }
}

/// `{ field: T; ... }`, with flattened fields as intersections.
fn object(fields: &[Field], refs: &mut Refs, indent: &str) -> String {
    let mut out = String::from("{\n");
    let mut flattened = Vec::new();
    for f in fields {
        if f.flatten {
            flattened.push(ts(&f.ty, refs));
            continue;
        }
        let (ty, optional) = field_type(f, refs);
        out.push_str(&comment(f.doc.as_deref(), &format!("{indent}  ")));
        let mark = if optional { "?" } else { "" };
        out.push_str(&format!("{indent}  {}{mark}: {ty};\n", key(&f.wire_name)));
    }
    out.push_str(indent);
    out.push('}');
    for f in flattened {
        out = format!("{out} & {f}");
    }
    out
}

/// A field's TypeScript type and whether the key may be absent.
fn field_type(f: &Field, refs: &mut Refs) -> (String, bool) {
    if let Some(with) = &f.with {
        let Some((_, text)) = ADAPTERS.iter().find(|(path, _)| path == with) else {
            panic!("serde adapter `{with}` has no entry in build/typescript/shapes.rs (ADAPTERS)")
        };
        return ((*text).to_string(), f.has_default);
    }
    match generic("Option", &f.ty) {
        // serde reads a missing `Option` as `None`; it writes `null` unless told to skip it.
        Some(inner) if f.skipped_when_empty => (ts(inner, refs), true),
        Some(inner) => (format!("{} | null", ts(inner, refs)), true),
        None => (ts(&f.ty, refs), f.has_default),
    }
}

/// The TypeScript for a Rust type, recording the names it refers to.
fn ts(ty: &Type, refs: &mut Refs) -> String {
    match ty {
        Type::Reference(r) => ts(&r.elem, refs),
        Type::Paren(p) => ts(&p.elem, refs),
        Type::Group(g) => ts(&g.elem, refs),
        Type::Tuple(t) if t.elems.is_empty() => "null".into(),
        Type::Tuple(t) => {
            let items: Vec<String> = t.elems.iter().map(|e| ts(e, refs)).collect();
            format!("[{}]", items.join(", "))
        }
        Type::Slice(s) => array(ts(&s.elem, refs)),
        Type::Array(a) => array(ts(&a.elem, refs)),
        Type::Path(p) => {
            let Some(last) = p.path.segments.last() else {
                panic!("empty type path")
            };
            let name = last.ident.to_string();
            let args = type_args(&last.arguments);
            match (name.as_str(), args.as_slice()) {
                ("Option", [inner]) => format!("{} | null", ts(inner, refs)),
                ("Vec" | "VecDeque" | "BTreeSet" | "HashSet", [inner]) => array(ts(inner, refs)),
                ("Box" | "Rc" | "Arc" | "Cow", [inner]) => ts(inner, refs),
                ("BTreeMap" | "HashMap", [_, value]) => {
                    format!("{{ [key: string]: {} }}", ts(value, refs))
                }
                (_, []) => match shapes::builtin(&name) {
                    Some(text) => {
                        refs.json_value |= text.contains("JsonValue");
                        text.into()
                    }
                    None => {
                        refs.names.insert(name.clone());
                        name
                    }
                },
                _ => panic!("unsupported generic type `{name}` on the wire"),
            }
        }
        other => panic!("unsupported type on the wire: {other:?}"),
    }
}

fn type_args(args: &PathArguments) -> Vec<&Type> {
    match args {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `T` when `ty` is `Container<T>`.
fn generic<'a>(container: &str, ty: &'a Type) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != container {
        return None;
    }
    match type_args(&last.arguments).as_slice() {
        [inner] => Some(inner),
        _ => None,
    }
}

fn array(elem: String) -> String {
    if elem.contains(' ') {
        format!("({elem})[]")
    } else {
        format!("{elem}[]")
    }
}

fn key(name: &str) -> String {
    let mut chars = name.chars();
    let ident = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident { name.into() } else { quote(name) }
}

fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TSDoc comment, or nothing.
fn comment(doc: Option<&str>, indent: &str) -> String {
    let Some(doc) = doc else {
        return String::new();
    };
    let doc = doc.replace("*/", "*\\/");
    let lines: Vec<&str> = doc.lines().collect();
    if let [one] = lines.as_slice() {
        return format!("{indent}/** {one} */\n");
    }
    let mut out = format!("{indent}/**\n");
    for line in lines {
        out.push_str(&format!("{indent} * {line}\n").replace(" * \n", " *\n"));
    }
    out.push_str(&format!("{indent} */\n"));
    out
}
