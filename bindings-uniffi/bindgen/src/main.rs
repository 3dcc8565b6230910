//! `uniffi-bindgen generate --library target/debug/libordercore_uniffi.so --language python --out-dir DIR`
fn main() {
    uniffi::uniffi_bindgen_main()
}
