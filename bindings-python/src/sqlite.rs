//! `ordercore._native.SqliteStore`: the SQLite store of `ordercore-sqlite`, handed to an engine
//! as it is, so the engine's calls on it run in Rust from start to end, without the GIL.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::prelude::*;

use crate::errors::raise;

/// A SQLite file as the engine's store (see the crate `ordercore-sqlite`).
#[pyclass(frozen, module = "ordercore._native")]
pub(crate) struct SqliteStore {
    pub(crate) inner: Arc<ordercore_sqlite::SqliteStore>,
}

#[pymethods]
impl SqliteStore {
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let store = py
            .detach(|| ordercore_sqlite::SqliteStore::open(path))
            .map_err(raise)?;
        Ok(SqliteStore {
            inner: Arc::new(store),
        })
    }

    /// Creates the tables the file lacks (see `SqliteStore::migrate`).
    fn migrate(&self, py: Python<'_>) -> PyResult<()> {
        py.detach(|| self.inner.migrate()).map_err(raise)
    }

    /// The file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path().to_path_buf()
    }

    fn __repr__(&self) -> String {
        format!("SqliteStore({:?})", self.inner.path())
    }
}
