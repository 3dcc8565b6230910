//! Writes include/ordercore.h from the crate's exports (CI checks the committed copy is current).
fn main() {
    let crate_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    // Every source file: the header carries types declared outside lib.rs too (host.rs).
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config =
        cbindgen::Config::from_file(format!("{crate_dir}/cbindgen.toml")).unwrap_or_default();
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(format!("{crate_dir}/include/ordercore.h"));
        }
        Err(error) => println!("cargo:warning=cbindgen could not generate the header: {error}"),
    }
}
