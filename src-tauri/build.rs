//! Checks that the UI was built (Tauri embeds ui/dist) and runs tauri-build.

fn main() {
    let dist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/dist");
    println!("cargo:rerun-if-changed=../ui/dist");
    if !dist.join("index.html").exists() {
        eprintln!(
            "error: {} has no index.html: build the UI first with `bash scripts/ui-test.sh` \
             (or `cd ui && npm ci && npm run build`)",
            dist.display()
        );
        std::process::exit(1);
    }
    tauri_build::build();
}
