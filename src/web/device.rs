//! Where a run computes in the browser: WebGPU when it starts (and, for `auto`, when the adapter
//! is a hardware one), else the wasm CPU backend; and the two probes the page asks before loading
//! the WebGPU module.

use std::cell::RefCell;

use burn::tensor::Device;
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::{js_error, to_js};
use crate::backend::{DEFAULT_CPU, cpu_device_for, describe};
use crate::config::BackendChoice;

thread_local! {
    /// burn's wgpu runtime initialises once per page or worker; later runs reuse its device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

/// Whether this global scope (page or worker) exposes `navigator.gpu`.
fn has_navigator_gpu() -> bool {
    let global = js_sys::global();
    js_sys::Reflect::get(&global, &"navigator".into())
        .and_then(|nav| js_sys::Reflect::get(&nav, &"gpu".into()))
        .map(|gpu| !gpu.is_undefined() && !gpu.is_null())
        .unwrap_or(false)
}

#[cfg(not(feature = "wgpu"))]
async fn webgpu_device() -> Result<Device, String> {
    if !has_navigator_gpu() {
        return Err("WebGPU unavailable: this browser has no navigator.gpu".into());
    }
    Err("WebGPU is in the other build of this module (pkg/); this one is CPU-only".into())
}

#[cfg(feature = "wgpu")]
async fn webgpu_device() -> Result<Device, String> {
    if let Some(device) = WEBGPU.with(|d| d.borrow().clone()) {
        return Ok(device);
    }
    if !has_navigator_gpu() {
        return Err("WebGPU unavailable: this browser has no navigator.gpu".into());
    }
    let device = Device::wgpu_options()
        .init_async()
        .await
        .map_err(|e| format!("WebGPU unavailable: {e}"))?;
    crate::backend::dispatch_count::start();
    WEBGPU.with(|d| *d.borrow_mut() = Some(device.clone()));
    Ok(device)
}

/// The WebGPU adapter the browser offers: `Err` with why when there is none, else `Some(name)`
/// when it is a software one (a fallback adapter, or SwiftShader) and `None` for hardware.
async fn adapter_kind() -> Result<Option<String>, String> {
    let get = |v: &JsValue, k: &str| {
        js_sys::Reflect::get(v, &k.into())
            .ok()
            .filter(|x| !x.is_undefined() && !x.is_null())
    };
    let no_gpu = || "this browser has no navigator.gpu".to_string();
    let gpu = get(&js_sys::global(), "navigator")
        .and_then(|nav| get(&nav, "gpu"))
        .ok_or_else(no_gpu)?;
    let promise = get(&gpu, "requestAdapter")
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&gpu).ok())
        .and_then(|p| p.dyn_into::<Promise>().ok())
        .ok_or_else(no_gpu)?;
    let adapter = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .filter(|a| !a.is_null() && !a.is_undefined())
        .ok_or("the browser offers no WebGPU adapter")?;
    let info = get(&adapter, "info");
    let text = |k: &str| {
        info.as_ref()
            .and_then(|i| get(i, k))
            .and_then(|v| v.as_string())
            .unwrap_or_default()
    };
    let fallback = info
        .as_ref()
        .and_then(|i| get(i, "isFallbackAdapter"))
        .or_else(|| get(&adapter, "isFallbackAdapter"))
        .and_then(|f| f.as_bool())
        .unwrap_or(false);
    let name = [text("vendor"), text("architecture"), text("description")]
        .into_iter()
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let software = fallback || name.to_lowercase().contains("swiftshader");
    Ok(software.then(|| {
        if name.is_empty() {
            "a fallback adapter".to_string()
        } else {
            name
        }
    }))
}

/// The backend's name as the page and the JS API report it ("webgpu", "flex", "ndarray").
pub(super) fn backend_name(backend: BackendChoice) -> &'static str {
    if backend == BackendChoice::Wgpu {
        "webgpu"
    } else {
        backend.name()
    }
}

/// The backend in words, followed by why it is not the one asked for, if it is not.
pub(super) fn backend_description(backend: BackendChoice, reason: Option<&str>) -> String {
    let name = if backend == BackendChoice::Wgpu {
        "GPU (WebGPU)"
    } else {
        describe(backend)
    };
    match reason {
        Some(why) => format!("{name}: {why}"),
        None => name.to_string(),
    }
}

/// Picks the device for a choice. Returns the device, the backend name, and why it is not the
/// one asked for, if it is not.
pub(super) async fn choose_device(
    choice: BackendChoice,
) -> Result<(Device, BackendChoice, Option<String>), String> {
    match choice {
        BackendChoice::Wgpu => webgpu_device()
            .await
            .map(|d| (d, BackendChoice::Wgpu, None)),
        BackendChoice::Auto => {
            // A software adapter (SwiftShader, or any the browser marks as a fallback) trains
            // far slower than the wasm CPU backend (BENCHMARKS.md): skip it.
            let gpu = match adapter_kind().await {
                Err(why) => Err(format!("WebGPU unavailable: {why}")),
                Ok(Some(name)) => Err(format!(
                    "the only WebGPU adapter is a software renderer ({name}), slower than the CPU"
                )),
                Ok(None) => webgpu_device().await,
            };
            match gpu {
                Ok(d) => Ok((d, BackendChoice::Wgpu, None)),
                Err(why) => Ok((
                    cpu_device_for(DEFAULT_CPU),
                    DEFAULT_CPU,
                    Some(format!("{why}; using the CPU")),
                )),
            }
        }
        BackendChoice::Ndarray => Ok((
            cpu_device_for(DEFAULT_CPU),
            DEFAULT_CPU,
            Some("the browser build has no ndarray backend; using flex".into()),
        )),
        BackendChoice::Cpu | BackendChoice::Flex => {
            Ok((cpu_device_for(DEFAULT_CPU), DEFAULT_CPU, None))
        }
    }
}

/// Starts the device a backend choice would use (WebGPU's takes a moment, so the page does this
/// while the visitor reads): resolves to `{backend, description, reason}`.
#[wasm_bindgen(js_name = probeBackend)]
pub fn probe_backend(choice: String) -> Promise {
    future_to_promise(async move {
        let choice: BackendChoice = choice.parse().map_err(js_error)?;
        let (_, backend, reason) = choose_device(choice).await.map_err(js_error)?;
        #[derive(Serialize)]
        struct Probed {
            backend: &'static str,
            description: String,
            reason: Option<String>,
        }
        to_js(&Probed {
            backend: backend_name(backend),
            description: backend_description(backend, reason.as_deref()),
            reason,
        })
    })
}

/// The WebGPU adapter this scope would get, without starting a device (so the CPU-only module
/// can answer it): resolves to `{available, software, reason}`: `software` names a software
/// adapter (SwiftShader, or one the browser marks as a fallback), `reason` says why none is
/// available. The page loads the WebGPU module only when this says it is worth it.
#[wasm_bindgen(js_name = webgpuAdapter)]
pub fn webgpu_adapter() -> Promise {
    future_to_promise(async move {
        #[derive(Serialize)]
        struct Adapter {
            available: bool,
            software: Option<String>,
            reason: Option<String>,
        }
        to_js(&match adapter_kind().await {
            Ok(software) => Adapter {
                available: true,
                software,
                reason: None,
            },
            Err(why) => Adapter {
                available: false,
                software: None,
                reason: Some(why),
            },
        })
    })
}

/// Whether this scope exposes WebGPU at all (an adapter may still be refused).
#[wasm_bindgen(js_name = webgpuAvailable)]
pub fn webgpu_available() -> bool {
    has_navigator_gpu()
}
