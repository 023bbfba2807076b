//! Build step of pim-wasm: generates the TypeScript definitions of pim-core's wire types.
//!
//! The npm package passes pim-core's own serde types across the boundary (serde-wasm-bindgen), so
//! their TypeScript must say exactly what serde reads and writes. This step parses pim-core's
//! source with `syn`, reads each wire type's fields and serde attributes (`rename_all`, `tag`,
//! `content`, `default`, `skip_serializing_if`, `with`, ...) and the `wire_enum!` invocations, and
//! writes `$OUT_DIR/wire.d.ts`, which `src/bindgen/types.rs` embeds as a wasm-bindgen
//! `typescript_custom_section`. Nothing in it is written by hand; the only inputs besides
//! pim-core's source are the tables in `typescript/shapes.rs` for the few types whose serde impls
//! are hand-written in pim-core.

#[cfg(feature = "bindgen")]
mod typescript;

fn main() {
    println!("cargo::rerun-if-changed=build");
    #[cfg(feature = "bindgen")]
    typescript::generate();
}
