//! Generates `$OUT_DIR/wire.d.ts` from pim-core's source.

mod emit;
mod model;
mod shapes;

use std::path::PathBuf;

/// Reads pim-core's source and writes the declarations of its wire types.
pub fn generate() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let core_src = manifest.join("../core/src");
    println!("cargo::rerun-if-changed={}", core_src.display());
    let model = model::Model::read(&core_src);
    let mut text = String::from(
        "// The wire types of pim-core, generated from its Rust source by \
         wasm/build/typescript (serde attributes included). Do not edit.\n\n",
    );
    let mut roots = shapes::ROOTS.to_vec();
    if std::env::var_os("CARGO_FEATURE_SCENARIO").is_some() {
        roots.extend_from_slice(shapes::SCENARIO_ROOTS);
    }
    if std::env::var_os("CARGO_FEATURE_GOVERNANCE").is_some() {
        roots.extend_from_slice(shapes::GOVERNANCE_ROOTS);
    }
    text.push_str(&emit::declarations(&model, &roots));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("wire.d.ts");
    std::fs::write(&out, text).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
