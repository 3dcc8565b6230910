//! The embedded interpreter's library is found where it was built against (an rpath), so the
//! targets run without `LD_LIBRARY_PATH`.
fn main() {
    pyo3_build_config::add_libpython_rpath_link_args();
}
