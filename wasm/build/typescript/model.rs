//! Reads pim-core's source into a model of its serde types: names, docs, fields, variants and the
//! serde attributes that change their JSON shape.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Fields, Ident, Item, LitStr, Token, Type};

/// How an enum is written in JSON (serde's four representations).
pub enum Repr {
    External,
    Internal { tag: String },
    Adjacent { tag: String, content: String },
    Untagged,
}

/// One field as serde sees it.
pub struct Field {
    pub wire_name: String,
    pub doc: Option<String>,
    pub ty: Type,
    /// `default`, `skip_serializing_if` or `skip_serializing`: the key may be absent.
    pub has_default: bool,
    /// `skip_serializing_if = "..."`: absent instead of `null` when empty.
    pub skipped_when_empty: bool,
    /// `with` / `serialize_with`: the adapter's path.
    pub with: Option<String>,
    pub flatten: bool,
}

pub enum Shape {
    Unit,
    Newtype(Type),
    Tuple(Vec<Type>),
    Struct(Vec<Field>),
}

pub struct Variant {
    pub wire_name: String,
    pub doc: Option<String>,
    pub shape: Shape,
}

pub enum Body {
    Struct(Shape),
    Enum {
        repr: Repr,
        variants: Vec<Variant>,
    },
    /// `wire_enum!`: a closed set of strings.
    Literals(Vec<String>),
    /// `type X = ...;`
    Alias(Type),
}

pub struct TypeDef {
    pub name: String,
    pub doc: Option<String>,
    pub body: Body,
    /// Where it was found, for messages.
    pub file: PathBuf,
}

/// Every serde type of the crate, and the names of types whose serde impls are hand-written.
#[derive(Default)]
pub struct Model {
    pub types: BTreeMap<String, Vec<TypeDef>>,
    pub manual: Vec<String>,
    /// Docs of the structs and enums that do not derive serde traits.
    pub docs: BTreeMap<String, String>,
}

impl Model {
    /// Parses every `.rs` file under `dir`.
    pub fn read(dir: &Path) -> Model {
        let mut model = Model::default();
        let mut files = Vec::new();
        collect_files(dir, &mut files);
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
            let parsed = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()));
            model.items(&parsed.items, &file);
        }
        model
    }

    fn items(&mut self, items: &[Item], file: &Path) {
        for item in items {
            match item {
                Item::Mod(m) if !is_cfg_test(&m.attrs) => {
                    if let Some((_, inner)) = &m.content {
                        self.items(inner, file);
                    }
                }
                Item::Struct(s) if derives_serde(&s.attrs) => {
                    let c = ContainerAttrs::read(&s.attrs);
                    let shape = shape(&s.fields, c.rename_all.as_deref());
                    self.add(&s.ident, &s.attrs, Body::Struct(shape), file);
                }
                Item::Enum(e) if derives_serde(&e.attrs) => {
                    let c = ContainerAttrs::read(&e.attrs);
                    let variants = e
                        .variants
                        .iter()
                        .filter(|v| !SerdeAttrs::read(&v.attrs).skip)
                        .map(|v| {
                            let a = SerdeAttrs::read(&v.attrs);
                            let name = v.ident.to_string();
                            Variant {
                                wire_name: a.rename.unwrap_or_else(|| {
                                    rename_variant(&name, c.rename_all.as_deref())
                                }),
                                doc: doc(&v.attrs),
                                shape: shape(&v.fields, c.rename_all_fields.as_deref()),
                            }
                        })
                        .collect();
                    let body = Body::Enum {
                        repr: c.repr(),
                        variants,
                    };
                    self.add(&e.ident, &e.attrs, body, file);
                }
                Item::Struct(s) => self.doc_only(&s.ident, &s.attrs),
                Item::Enum(e) => self.doc_only(&e.ident, &e.attrs),
                Item::Type(t) => self.add(&t.ident, &t.attrs, Body::Alias((*t.ty).clone()), file),
                Item::Macro(m) if m.mac.path.is_ident("wire_enum") => {
                    let w: WireEnum = m
                        .mac
                        .parse_body()
                        .unwrap_or_else(|e| panic!("wire_enum! in {}: {e}", file.display()));
                    self.add(&w.name, &w.attrs, Body::Literals(w.texts), file);
                }
                // `ids!`: id newtypes over `String`, `#[serde(transparent)]`, so strings in JSON.
                Item::Macro(m) if m.mac.path.is_ident("ids") => {
                    let ids: Ids = m
                        .mac
                        .parse_body()
                        .unwrap_or_else(|e| panic!("ids! in {}: {e}", file.display()));
                    let string: Type = syn::parse_quote!(String);
                    for (attrs, name) in ids.0 {
                        self.add(&name, &attrs, Body::Alias(string.clone()), file);
                    }
                }
                Item::Impl(i) => {
                    let trait_name = i.trait_.as_ref().and_then(|(_, p, _)| p.segments.last());
                    let is_serde = trait_name
                        .is_some_and(|s| s.ident == "Serialize" || s.ident == "Deserialize");
                    if let (true, Type::Path(p)) = (is_serde, &*i.self_ty)
                        && let Some(seg) = p.path.segments.last()
                    {
                        self.manual.push(seg.ident.to_string());
                    }
                }
                _ => {}
            }
        }
    }

    fn doc_only(&mut self, ident: &Ident, attrs: &[Attribute]) {
        if let Some(d) = doc(attrs) {
            self.docs.insert(ident.to_string(), d);
        }
    }

    fn add(&mut self, ident: &Ident, attrs: &[Attribute], body: Body, file: &Path) {
        let name = ident.to_string();
        self.types.entry(name.clone()).or_default().push(TypeDef {
            name,
            doc: doc(attrs),
            body,
            file: file.to_path_buf(),
        });
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn is_cfg_test(attrs: &[Attribute]) -> bool {
    attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") && a.parse_args::<Ident>().is_ok_and(|i| i == "test"))
}

fn derives_serde(attrs: &[Attribute]) -> bool {
    let mut found = false;
    for a in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = a.parse_nested_meta(|meta| {
            if let Some(last) = meta.path.segments.last()
                && (last.ident == "Serialize" || last.ident == "Deserialize")
            {
                found = true;
            }
            Ok(())
        });
    }
    found
}

/// The `///` lines of an item, joined.
fn doc(attrs: &[Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_string()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn shape(fields: &Fields, rename_all: Option<&str>) -> Shape {
    match fields {
        Fields::Unit => Shape::Unit,
        Fields::Unnamed(u) if u.unnamed.len() == 1 => Shape::Newtype(u.unnamed[0].ty.clone()),
        Fields::Unnamed(u) => Shape::Tuple(u.unnamed.iter().map(|f| f.ty.clone()).collect()),
        Fields::Named(n) => Shape::Struct(
            n.named
                .iter()
                .filter_map(|f| {
                    let a = SerdeAttrs::read(&f.attrs);
                    if a.skip {
                        return None;
                    }
                    let ident = f.ident.as_ref()?;
                    let rust = syn::ext::IdentExt::unraw(ident).to_string();
                    Some(Field {
                        wire_name: a.rename.unwrap_or_else(|| rename_field(&rust, rename_all)),
                        doc: doc(&f.attrs),
                        ty: f.ty.clone(),
                        has_default: a.default || a.skip_serializing_if || a.skip_serializing,
                        skipped_when_empty: a.skip_serializing_if,
                        with: a.with,
                        flatten: a.flatten,
                    })
                })
                .collect(),
        ),
    }
}

/// Container attributes: `#[serde(rename_all, rename_all_fields, tag, content, untagged)]`.
#[derive(Default)]
struct ContainerAttrs {
    rename_all: Option<String>,
    rename_all_fields: Option<String>,
    tag: Option<String>,
    content: Option<String>,
    untagged: bool,
}

impl ContainerAttrs {
    fn read(attrs: &[Attribute]) -> Self {
        let mut c = ContainerAttrs::default();
        for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            a.parse_nested_meta(|meta| {
                let key = meta.path.get_ident().map(ToString::to_string);
                match key.as_deref() {
                    Some("rename_all") => c.rename_all = Some(string_value(&meta)?),
                    Some("rename_all_fields") => c.rename_all_fields = Some(string_value(&meta)?),
                    Some("tag") => c.tag = Some(string_value(&meta)?),
                    Some("content") => c.content = Some(string_value(&meta)?),
                    Some("untagged") => c.untagged = true,
                    Some("deny_unknown_fields") => {}
                    Some("default") => skip_value(&meta)?,
                    other => panic!("unsupported container attribute #[serde({other:?})]"),
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("reading #[serde] container attributes: {e}"));
        }
        c
    }

    fn repr(&self) -> Repr {
        match (&self.tag, &self.content, self.untagged) {
            (_, _, true) => Repr::Untagged,
            (Some(tag), Some(content), _) => Repr::Adjacent {
                tag: tag.clone(),
                content: content.clone(),
            },
            (Some(tag), None, _) => Repr::Internal { tag: tag.clone() },
            (None, _, _) => Repr::External,
        }
    }
}

/// Field and variant attributes.
#[derive(Default)]
struct SerdeAttrs {
    rename: Option<String>,
    skip: bool,
    skip_serializing: bool,
    skip_serializing_if: bool,
    default: bool,
    with: Option<String>,
    flatten: bool,
}

impl SerdeAttrs {
    fn read(attrs: &[Attribute]) -> Self {
        let mut s = SerdeAttrs::default();
        for a in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            a.parse_nested_meta(|meta| {
                let key = meta.path.get_ident().map(ToString::to_string);
                match key.as_deref() {
                    Some("rename") => s.rename = Some(string_value(&meta)?),
                    Some("skip") => s.skip = true,
                    Some("skip_serializing") => s.skip_serializing = true,
                    Some("skip_serializing_if") => {
                        skip_value(&meta)?;
                        s.skip_serializing_if = true;
                    }
                    Some("default") => {
                        skip_value(&meta)?;
                        s.default = true;
                    }
                    Some("with" | "serialize_with") => s.with = Some(string_value(&meta)?),
                    // Reading is more lenient than writing; the written shape is the type's.
                    Some("deserialize_with" | "alias") => skip_value(&meta)?,
                    Some("flatten") => s.flatten = true,
                    other => panic!("unsupported field attribute #[serde({other:?})]"),
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("reading #[serde] field attributes: {e}"));
        }
        s
    }
}

fn string_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<String> {
    Ok(meta.value()?.parse::<LitStr>()?.value())
}

fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<LitStr>()?;
    }
    Ok(())
}

/// serde's `rename_all` for fields (Rust names are snake_case).
fn rename_field(name: &str, rule: Option<&str>) -> String {
    match rule {
        None | Some("snake_case") => name.to_string(),
        Some("camelCase") => {
            let mut out = String::new();
            let mut upper = false;
            for ch in name.chars() {
                if ch == '_' {
                    upper = true;
                } else if upper {
                    out.extend(ch.to_uppercase());
                    upper = false;
                } else {
                    out.push(ch);
                }
            }
            out
        }
        Some("lowercase") => name.to_ascii_lowercase(),
        Some(other) => panic!("unsupported field rename rule `{other}`"),
    }
}

/// serde's `rename_all` for variants (Rust names are PascalCase).
fn rename_variant(name: &str, rule: Option<&str>) -> String {
    match rule {
        None | Some("PascalCase") => name.to_string(),
        Some("camelCase") => {
            let mut chars = name.chars();
            chars
                .next()
                .map(|c| c.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        }
        Some("lowercase") => name.to_ascii_lowercase(),
        Some(other) => panic!("unsupported variant rename rule `{other}`"),
    }
}

/// `wire_enum! { #[doc] pub enum Name { #[doc] Variant => "text", ... } }`.
struct WireEnum {
    attrs: Vec<Attribute>,
    name: Ident,
    texts: Vec<String>,
}

impl Parse for WireEnum {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        input.parse::<Token![pub]>()?;
        input.parse::<Token![enum]>()?;
        let name: Ident = input.parse()?;
        let body;
        syn::braced!(body in input);
        let mut texts = Vec::new();
        while !body.is_empty() {
            body.call(Attribute::parse_outer)?;
            body.parse::<Ident>()?;
            body.parse::<Token![=>]>()?;
            texts.push(body.parse::<LitStr>()?.value());
            if !body.is_empty() {
                body.parse::<Token![,]>()?;
            }
        }
        Ok(WireEnum { attrs, name, texts })
    }
}

/// `ids! { #[doc] Name, ... }`: each name a `#[serde(transparent)]` newtype over `String`.
struct Ids(Vec<(Vec<Attribute>, Ident)>);

impl Parse for Ids {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut ids = Vec::new();
        while !input.is_empty() {
            let attrs = input.call(Attribute::parse_outer)?;
            ids.push((attrs, input.parse::<Ident>()?));
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(Ids(ids))
    }
}
