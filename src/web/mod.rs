//! The browser shell: a JS API over the core `Trainer`, used by the page's worker and by course
//! authors from script. Only this module touches js-sys and web-sys. Every method that reads
//! tensor data is async (WebGPU forbids blocking reads), and no call panics across the boundary:
//! failures reject the promise with a message a person can act on.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::backend::{DEFAULT_CPU, cpu_device_for, describe};
use crate::config::{BackendChoice, RunConfig};
use crate::data::{Corpus, dataset_facts};
use crate::train::{Checkpoint, EpochRecord, Progress, StepRecord, TrainError, Trainer};

thread_local! {
    /// burn's wgpu runtime initialises once per page or worker; later runs reuse its device.
    static WEBGPU: RefCell<Option<Device>> = const { RefCell::new(None) };
}

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
fn backend_name(backend: BackendChoice) -> &'static str {
    if backend == BackendChoice::Wgpu {
        "webgpu"
    } else {
        backend.name()
    }
}

/// The backend in words, followed by why it is not the one asked for, if it is not.
fn backend_description(backend: BackendChoice, reason: Option<&str>) -> String {
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
async fn choose_device(
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

struct RunState {
    trainer: Trainer,
    device: Device,
    backend: BackendChoice,
    backend_reason: Option<String>,
}

/// What `advance` resolves to: where the run stands and the records added since the last call.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Advanced<'a> {
    progress: Progress,
    steps: &'a [StepRecord],
    epochs: &'a [EpochRecord],
    done: bool,
    error: Option<String>,
    /// The error came from the device (e.g. a lost GPU), not from the numbers: the run can go
    /// on elsewhere from its last checkpoint.
    device_error: bool,
}

#[derive(Serialize)]
struct Prediction {
    token: String,
    prob: f32,
}

/// One training run in the browser. Create it with `Run.create(config)`.
#[wasm_bindgen]
pub struct Run {
    state: Rc<RefCell<RunState>>,
}

impl Run {
    fn wrap(
        trainer: Trainer,
        device: Device,
        backend: BackendChoice,
        backend_reason: Option<String>,
    ) -> JsValue {
        let state = RunState {
            trainer,
            device,
            backend,
            backend_reason,
        };
        Run {
            state: Rc::new(RefCell::new(state)),
        }
        .into()
    }

    fn with_state<T>(&self, f: impl FnOnce(&RunState) -> Result<T, JsValue>) -> Result<T, JsValue> {
        let state = self
            .state
            .try_borrow()
            .map_err(|_| js_error("the run is busy: wait for the previous call to finish"))?;
        f(&state)
    }
}

fn busy() -> JsValue {
    js_error("the run is busy: wait for the previous call to finish")
}

#[wasm_bindgen]
impl Run {
    /// Creates a run from a config object (the same fields as the URL: model, cell, hidden, ...).
    /// Resolves to a `Run`; rejects with a message naming any bad field.
    pub fn create(config: JsValue) -> Promise {
        future_to_promise(async move {
            let config = config_from_js(&config)?;
            let (device, backend, backend_reason) =
                choose_device(config.backend).await.map_err(js_error)?;
            let trainer = Trainer::new(config, device.clone()).map_err(js_error)?;
            Ok(Run::wrap(trainer, device, backend, backend_reason))
        })
    }

    /// Runs up to `batches` batches (stopping at the end of an epoch), then reads the metrics in
    /// one go. Resolves to `{progress, steps, epochs, done, error}` with the new records only.
    pub fn advance(&self, batches: u32) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let run = &mut *guard;
            let (steps_before, epochs_before) = (
                run.trainer.history().steps.len(),
                run.trainer.history().epochs.len(),
            );
            let mut error: Option<TrainError> = None;
            let mut progress = run.trainer.progress(false);
            for _ in 0..batches.max(1) {
                if run.trainer.is_done() {
                    break;
                }
                match run.trainer.advance() {
                    Ok(p) => {
                        let finished = p.epoch_finished;
                        progress = p;
                        if finished {
                            break;
                        }
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
            if let Err(e) = run.trainer.flush_async().await {
                error = Some(e);
            }
            let history = run.trainer.history();
            let advanced = Advanced {
                progress,
                steps: &history.steps[steps_before..],
                epochs: &history.epochs[epochs_before..],
                done: run.trainer.is_done(),
                device_error: matches!(error, Some(TrainError::Device(_))),
                error: error.map(|e| e.to_string()),
            };
            to_js(&advanced)
        })
    }

    /// The run's state as bytes (weights, optimizer, generator, carried state, history), read off
    /// the device: resolves to a `Uint8Array` that `Run.restore` takes, here or in another worker.
    /// Taken between training batches (not while validating).
    pub fn checkpoint(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let mut guard = state.try_borrow_mut().map_err(|_| busy())?;
            let checkpoint = guard.trainer.checkpoint_async().await.map_err(js_error)?;
            Ok(js_sys::Uint8Array::from(checkpoint.to_bytes().as_slice()).into())
        })
    }

    /// A run that goes on from `checkpoint` (bytes from `checkpoint()`), on `backend` ("auto",
    /// "webgpu", "cpu"; omitted: the one the run asked for). Resolves to a `Run`.
    pub fn restore(checkpoint: js_sys::Uint8Array, backend: Option<String>) -> Promise {
        future_to_promise(async move {
            let mut checkpoint = Checkpoint::from_bytes(&checkpoint.to_vec()).map_err(js_error)?;
            if let Some(name) = backend {
                let choice: BackendChoice = name.parse().map_err(|allowed| {
                    js_error(format!("backend = {name:?} is not allowed: {allowed}"))
                })?;
                checkpoint.set_backend(choice);
            }
            let (device, backend, backend_reason) = choose_device(checkpoint.config().backend)
                .await
                .map_err(js_error)?;
            let trainer = Trainer::from_checkpoint(checkpoint, device.clone()).map_err(js_error)?;
            Ok(Run::wrap(trainer, device, backend, backend_reason))
        })
    }

    /// Validation loss and accuracy of the current weights, without training:
    /// resolves to `{validLoss, accuracy}`.
    pub fn evaluate(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let guard = state.try_borrow().map_err(|_| busy())?;
            let data = guard
                .trainer
                .evaluate_tensor()
                .into_data_async()
                .await
                .map_err(|e| js_error(format!("{e:?}")))?;
            let v = data
                .convert::<f32>()
                .try_to_vec::<f32>()
                .map_err(|e| js_error(format!("{e:?}")))?;
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"validLoss".into(), &v[0].into())?;
            js_sys::Reflect::set(&out, &"accuracy".into(), &v[1].into())?;
            Ok(out.into())
        })
    }

    /// Next-word probabilities after `text`, most likely first: `[{token, prob}, ...]` (all 30).
    pub fn predict(&self, text: String) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let guard = state.try_borrow().map_err(|_| busy())?;
            let trainer = &guard.trainer;
            let ids = trainer.corpus().encode(&text).map_err(js_error)?;
            let probs = read_floats(trainer.next_token_probs(&ids)).await?;
            let mut ranked: Vec<Prediction> = probs
                .iter()
                .enumerate()
                .map(|(i, p)| Prediction {
                    token: trainer.corpus().vocab[i].clone(),
                    prob: *p,
                })
                .collect();
            ranked.sort_by(|a, b| b.prob.total_cmp(&a.prob));
            to_js(&ranked)
        })
    }

    /// Continues `prompt` by `words` words, taking the most likely word each time ("count on").
    #[wasm_bindgen(js_name = countOn)]
    pub fn count_on(&self, prompt: String, words: u32) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let guard = state.try_borrow().map_err(|_| busy())?;
            let trainer = &guard.trainer;
            let mut ids = trainer.corpus().encode(&prompt).map_err(js_error)?;
            let max_context = trainer.config().bptt.max(16);
            let mut added = Vec::new();
            for _ in 0..words.min(200) {
                let context = &ids[ids.len().saturating_sub(max_context)..];
                let probs = read_floats(trainer.next_token_probs(context)).await?;
                let best = probs
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(i, _)| i)
                    .unwrap_or(0);
                ids.push(best);
                added.push(trainer.corpus().vocab[best].clone());
            }
            Ok(JsValue::from_str(&added.join(" ")))
        })
    }

    /// Each layer's hidden state after each word of `text`:
    /// `{layers, tokens, hidden, words, values: Float32Array}` with values in [layer][time][unit] order.
    #[wasm_bindgen(js_name = hiddenStates)]
    pub fn hidden_states(&self, text: String) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let guard = state.try_borrow().map_err(|_| busy())?;
            let trainer = &guard.trainer;
            let ids = trainer.corpus().encode(&text).map_err(js_error)?;
            let activations = trainer.hidden_activations(&ids);
            let [layers, tokens, hidden] = activations.dims();
            let values = read_floats(activations).await?;
            let out = js_sys::Object::new();
            js_sys::Reflect::set(&out, &"layers".into(), &(layers as u32).into())?;
            js_sys::Reflect::set(&out, &"tokens".into(), &(tokens as u32).into())?;
            js_sys::Reflect::set(&out, &"hidden".into(), &(hidden as u32).into())?;
            let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
            js_sys::Reflect::set(&out, &"words".into(), &to_js(&words)?)?;
            js_sys::Reflect::set(
                &out,
                &"values".into(),
                &js_sys::Float32Array::from(values.as_slice()).into(),
            )?;
            Ok(out.into())
        })
    }

    /// Starts the run over with fresh weights (same config, seed and device).
    pub fn reset(&self) -> Result<(), JsValue> {
        let mut guard = self.state.try_borrow_mut().map_err(|_| busy())?;
        let config = guard.trainer.config().clone();
        guard.trainer = Trainer::new(config, guard.device.clone()).map_err(js_error)?;
        Ok(())
    }

    /// Everything recorded so far: `{groups, steps, epochs}`.
    pub fn history(&self) -> Result<JsValue, JsValue> {
        self.with_state(|s| to_js(s.trainer.history()))
    }

    /// Where the run stands.
    pub fn progress(&self) -> Result<JsValue, JsValue> {
        self.with_state(|s| to_js(&s.trainer.progress(false)))
    }

    /// The full, validated config of this run.
    pub fn config(&self) -> Result<JsValue, JsValue> {
        self.with_state(|s| to_js(s.trainer.config()))
    }

    /// "webgpu", "flex" or "ndarray": what this run computes on.
    pub fn backend(&self) -> Result<String, JsValue> {
        self.with_state(|s| Ok(backend_name(s.backend).to_string()))
    }

    /// The backend in words, with the reason when it is not the one asked for.
    #[wasm_bindgen(js_name = backendDescription)]
    pub fn backend_description(&self) -> Result<String, JsValue> {
        self.with_state(|s| Ok(backend_description(s.backend, s.backend_reason.as_deref())))
    }

    /// Why the run is not on the backend asked for, if it is not.
    #[wasm_bindgen(js_name = backendReason)]
    pub fn backend_reason(&self) -> Result<Option<String>, JsValue> {
        self.with_state(|s| Ok(s.backend_reason.clone()))
    }

    /// Memory in use: `{wasmBytes, deviceBytesInUse, deviceBytesReserved}`; the device figures
    /// are the GPU allocator's (null where the backend does not report them).
    #[wasm_bindgen(js_name = memoryUsage)]
    pub fn memory_usage(&self) -> Result<JsValue, JsValue> {
        self.with_state(|s| {
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Usage {
                wasm_bytes: u32,
                device_bytes_in_use: Option<u64>,
                device_bytes_reserved: Option<u64>,
            }
            let pool = s.device.memory_pool_usage();
            to_js(&Usage {
                wasm_bytes: wasm_memory_bytes(),
                device_bytes_in_use: pool.as_ref().map(|p| p.bytes_in_use),
                device_bytes_reserved: pool.as_ref().map(|p| p.bytes_reserved),
            })
        })
    }

    /// Training batches per epoch.
    #[wasm_bindgen(js_name = batchesPerEpoch)]
    pub fn batches_per_epoch(&self) -> Result<u32, JsValue> {
        self.with_state(|s| Ok(s.trainer.batches_per_epoch() as u32))
    }

    /// Parameters in the model (a tied weight counts once).
    #[wasm_bindgen(js_name = paramCount)]
    pub fn param_count(&self) -> Result<u32, JsValue> {
        self.with_state(|s| Ok(s.trainer.param_count() as u32))
    }
}

/// The size of this module's linear memory (it only grows).
fn wasm_memory_bytes() -> u32 {
    wasm_bindgen::memory()
        .unchecked_into::<js_sys::WebAssembly::Memory>()
        .buffer()
        .unchecked_into::<js_sys::ArrayBuffer>()
        .byte_length()
}

async fn read_floats<const D: usize>(tensor: burn::tensor::Tensor<D>) -> Result<Vec<f32>, JsValue> {
    let data = tensor
        .into_data_async()
        .await
        .map_err(|e| js_error(format!("reading from the device failed: {e:?}")))?;
    data.convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| js_error(format!("{e:?}")))
}

/// Validates a config object and returns it complete (every field), or throws naming the field.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(config: JsValue) -> Result<JsValue, JsValue> {
    to_js(&config_from_js(&config)?)
}

/// The book's recipe for a preset ("m1".."m7").
#[wasm_bindgen(js_name = presetConfig)]
pub fn preset_config(model: String) -> Result<JsValue, JsValue> {
    let preset = model
        .parse()
        .map_err(|allowed| js_error(format!("model = {model:?} is not allowed: {allowed}")))?;
    to_js(&RunConfig::preset(preset))
}

/// Reads a URL query string: `{config, notices}`; bad values keep their defaults and are listed.
#[wasm_bindgen(js_name = parseQuery)]
pub fn parse_query(query: String) -> Result<JsValue, JsValue> {
    let (config, notices) = RunConfig::from_query_lenient(&query);
    let notices: Vec<String> = notices.iter().map(ToString::to_string).collect();
    #[derive(Serialize)]
    struct Parsed {
        config: RunConfig,
        notices: Vec<String>,
        differences: Vec<&'static str>,
    }
    let differences = config.differences_from_book();
    to_js(&Parsed {
        config,
        notices,
        differences,
    })
}

/// The URL query form of a config (every setting).
#[wasm_bindgen(js_name = configToQuery)]
pub fn config_to_query(config: JsValue) -> Result<String, JsValue> {
    Ok(config_from_js(&config)?.to_query())
}

/// The settings of a config that differ from its preset's book recipe.
#[wasm_bindgen(js_name = differencesFromBook)]
pub fn differences_from_book(config: JsValue) -> Result<JsValue, JsValue> {
    to_js(&config_from_js(&config)?.differences_from_book())
}

/// The dataset's facts (tokens, vocabulary, sequences, batches, baseline accuracy).
#[wasm_bindgen(js_name = datasetFacts)]
pub fn dataset_facts_js(bptt: u32, batch_size: u32) -> Result<JsValue, JsValue> {
    let mut probe = RunConfig::preset(crate::config::Preset::M4);
    probe.bptt = bptt as usize;
    probe.batch_size = batch_size as usize;
    probe.validate().map_err(js_error)?;
    to_js(&dataset_facts(
        &Corpus::human_numbers(),
        bptt as usize,
        batch_size as usize,
    ))
}

/// The book's per-epoch tables, as JSON text.
#[wasm_bindgen(js_name = bookResults)]
pub fn book_results() -> String {
    crate::book::book_results_json().to_string()
}

/// Parameters of the model a config builds (a tied weight counts once), without training it.
#[wasm_bindgen(js_name = countParams)]
pub fn count_params(config: JsValue) -> Result<u32, JsValue> {
    use burn::module::Module;
    let config = config_from_js(&config)?;
    let model = crate::model::LanguageModel::new(
        &config,
        crate::data::Corpus::human_numbers().vocab.len(),
        &cpu_device_for(DEFAULT_CPU),
        &mut crate::rng::RunRng::new(0),
    );
    Ok(model.num_params() as u32)
}

/// Starts the device a backend choice would use (WebGPU's takes a moment, so the page does this
/// while the visitor reads): resolves to `{backend, description, reason}`.
#[wasm_bindgen(js_name = probeBackend)]
pub fn probe_backend(choice: String) -> Promise {
    future_to_promise(async move {
        let choice: BackendChoice = choice.parse().map_err(|allowed| {
            js_error(format!("backend = {choice:?} is not allowed: {allowed}"))
        })?;
        let (_, backend, reason) = choose_device(choice).await.map_err(js_error)?;
        let out = js_sys::Object::new();
        let description = backend_description(backend, reason.as_deref());
        js_sys::Reflect::set(&out, &"backend".into(), &backend_name(backend).into())?;
        js_sys::Reflect::set(&out, &"description".into(), &description.into())?;
        js_sys::Reflect::set(
            &out,
            &"reason".into(),
            &reason.map(JsValue::from).unwrap_or(JsValue::NULL),
        )?;
        Ok(out.into())
    })
}

/// The WebGPU adapter this scope would get, without starting a device (so the CPU-only module
/// can answer it): resolves to `{available, software, reason}`: `software` names a software
/// adapter (SwiftShader, or one the browser marks as a fallback), `reason` says why none is
/// available. The page loads the WebGPU module only when this says it is worth it.
#[wasm_bindgen(js_name = webgpuAdapter)]
pub fn webgpu_adapter() -> Promise {
    future_to_promise(async move {
        let out = js_sys::Object::new();
        let kind = adapter_kind().await;
        let (available, software, reason) = match kind {
            Ok(software) => (true, software, None),
            Err(why) => (false, None, Some(why)),
        };
        let or_null = |v: Option<String>| v.map(JsValue::from).unwrap_or(JsValue::NULL);
        js_sys::Reflect::set(&out, &"available".into(), &available.into())?;
        js_sys::Reflect::set(&out, &"software".into(), &or_null(software))?;
        js_sys::Reflect::set(&out, &"reason".into(), &or_null(reason))?;
        Ok(out.into())
    })
}

/// Whether this scope exposes WebGPU at all (an adapter may still be refused).
#[wasm_bindgen(js_name = webgpuAvailable)]
pub fn webgpu_available() -> bool {
    has_navigator_gpu()
}
