//! Builds the N-API addon (link flags for Node).
fn main() {
    napi_build::setup();
}
