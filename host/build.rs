//! Embeds the console's built assets (`console/dist`, made by scripts/build-console.sh) into
//! pim-host: writes `$OUT_DIR/console_assets.rs`, a table of `(path, bytes)` with one
//! `include_bytes!` per file. Without a `dist` folder the table is empty and `GET /` answers a
//! page that says how to build the console.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let dist = manifest.join("console").join("dist");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    // Cargo looks at every file under a directory it is told to watch. Without `dist` yet,
    // watch `console` itself, so the first build of the assets is picked up.
    if dist.is_dir() {
        println!("cargo::rerun-if-changed={}", dist.display());
    } else {
        println!(
            "cargo::rerun-if-changed={}",
            manifest.join("console").display()
        );
    }
    let mut files = Vec::new();
    if dist.is_dir() {
        collect(&dist, &dist, &mut files);
    }
    files.sort();
    let mut table = String::from("/// The console's files: path under `dist`, contents.\n");
    table.push_str("pub static ASSETS: &[(&str, &[u8])] = &[\n");
    for (name, path) in &files {
        table.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
    }
    table.push_str("];\n");
    std::fs::write(out.join("console_assets.rs"), table).expect("OUT_DIR is writable");
}

/// Every file under `dir`, as (path relative to `root` with `/`, absolute path).
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path.display().to_string()));
        }
    }
}
