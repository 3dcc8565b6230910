//! The core's store contract (`ordercore::store_contract`) on a JS store: the one set of rules
//! every store is checked by, run on the worker pool so that the store's methods (values or
//! Promises) are answered by the JS thread meanwhile.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, Task};
use napi_derive::napi;
use ordercore::store::Store;

use crate::{bridge, plugins, throw};

/// One contract check on the worker pool.
pub struct StoreCheck {
    store: Arc<dyn Store>,
}

impl Task for StoreCheck {
    type Output = std::result::Result<(), String>;
    type JsValue = ();

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(ordercore::store_contract::check(&*self.store))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<()> {
        output.map_err(Error::from_reason)
    }
}

/// Checks a host store — empty when called — against the store contract; rejects with an
/// `Error` whose message names the rule broken.
#[napi(
    catch_unwind,
    ts_args_type = "store: Store",
    ts_return_type = "Promise<void>"
)]
pub fn check_store(env: Env, store: Unknown) -> Result<AsyncTask<StoreCheck>> {
    let store = plugins::store(store, bridge::DEFAULT_TIMEOUT).map_err(|e| throw(&env, e))?;
    Ok(AsyncTask::new(StoreCheck { store }))
}
