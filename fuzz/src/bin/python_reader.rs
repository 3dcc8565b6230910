//! The Python binding's native reader (`bindings-python/src/de.rs`: Python objects read
//! straight into the core's types, with unsafe borrows of CPython's strings) fed what a
//! careless or hostile caller passes: `python_reader.py` turns each input into a cart and a
//! context, which `Pricer.quote` reads. Python is embedded (pyo3 `auto-initialize`).
//!
//! A crash is a panic (it aborts), or an answer the package does not promise: every failure
//! must be one of the package's errors (`OrderCoreError`), or the exception a hostile object's own method raised,
//! passed on unchanged (`Hostile`) — never `RecursionError`, `TypeError`, `SystemError`, ….

use std::ffi::CString;

use ordercore_native::fuzzing;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyModule, PyTuple, PyType};

const BUILDER: &str = include_str!("python_reader.py");

/// The builder's objects and the classes an answer may raise.
struct Harness<'py> {
    build: Bound<'py, PyAny>,
    default: Bound<'py, PyAny>,
    hostile: Bound<'py, PyAny>,
    native_error: Bound<'py, PyType>,
    /// `PYTHON_READER_SHOW=1`: print each answer (to read what a crashing input did).
    show: bool,
}

impl Harness<'_> {
    fn run(&self, data: &[u8]) {
        let py = self.build.py();
        let built = self
            .build
            .call1((PyBytes::new(py, data),))
            .expect("the builder answers every input");
        let Ok(pair) = built.cast::<PyTuple>() else {
            return; // not JSON
        };
        let cart = pair.get_item(0).expect("a cart");
        let context = pair.get_item(1).expect("a context");
        let context = (!context.is_none()).then_some(&context);
        let answer = fuzzing::quote(&cart, context, &self.default);
        if self.show {
            eprintln!("{answer:?}");
        }
        if let Err(error) = answer {
            let kind = error.get_type(py);
            let promised = kind.is_subclass(&self.native_error).unwrap_or(false) || kind.is(&self.hostile);
            assert!(promised, "the reader raised {kind}: {error}");
        }
    }
}

fn main() {
    Python::attach(|py| {
        let code = CString::new(BUILDER).expect("the builder has no NUL byte");
        let builder = PyModule::from_code(py, &code, c"python_reader.py", c"python_reader")
            .expect("the builder runs");
        let harness = std::panic::AssertUnwindSafe(Harness {
            build: builder.getattr("build").expect("build"),
            default: builder.getattr("default").expect("default"),
            hostile: builder.getattr("Hostile").expect("Hostile"),
            native_error: fuzzing::native_error(py),
            show: std::env::var_os("PYTHON_READER_SHOW").is_some(),
        });
        // A panic aborts the process (`panic = "abort"`): that is the crash AFL records.
        afl::fuzz!(|data: &[u8]| harness.run(data));
    });
}
