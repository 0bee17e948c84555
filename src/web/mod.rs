//! The browser shell: a JS API over the core `Trainer`, used by the page's worker and by course
//! authors from script. Only this module touches js-sys and web-sys. Every method that reads
//! tensor data is async (WebGPU forbids blocking reads), and no call panics across the boundary:
//! failures reject the promise with a message a person can act on.
//!
//! `device` chooses where a run computes, `run` is the `Run` class, `api` the free functions.

mod api;
mod device;
mod run;

pub use api::*;
pub use device::{probe_backend, webgpu_adapter, webgpu_available};
pub use run::Run;

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::config::RunConfig;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    // cubecl reports WGSL and device errors through `log`: make them visible in the console.
    let _ = console_log::init_with_level(log::Level::Warn);
}

fn js_error(message: impl std::fmt::Display) -> JsValue {
    js_sys::Error::new(&message.to_string()).into()
}

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(js_error)
}

/// Reads a config object (or a JSON string) from JS through the one validation path.
fn config_from_js(config: &JsValue) -> Result<RunConfig, JsValue> {
    let json = if let Some(text) = config.as_string() {
        text
    } else if config.is_undefined() || config.is_null() {
        "{}".to_string()
    } else {
        js_sys::JSON::stringify(config)
            .map_err(|_| js_error("config: could not read the object"))?
            .into()
    };
    RunConfig::from_json(&json).map_err(js_error)
}
