//! The `Run` class: one training run in the browser, advanced a few batches at a time by the
//! page's worker (or a course author's script), with its checkpoints and the model's views.

use std::cell::RefCell;
use std::rc::Rc;

use burn::tensor::Device;
use js_sys::Promise;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use super::device::{backend_description, backend_name, choose_device};
use super::{config_from_js, js_error, to_js};
use crate::config::BackendChoice;
use crate::train::{
    Checkpoint, DispatchTally, EpochRecord, Progress, StepRecord, TrainError, Trainer,
};

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
    /// On WebGPU, the mean GPU kernel launches per training batch of this call (else null).
    gpu_dispatches_per_batch: Option<f64>,
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
            let mut tally = DispatchTally::default();
            for _ in 0..batches.max(1) {
                if run.trainer.is_done() {
                    break;
                }
                match tally.advance(&mut run.trainer) {
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
                // The counter may run in this module for another run on WebGPU: only a WebGPU
                // run's figure is its own.
                gpu_dispatches_per_batch: tally
                    .per_batch()
                    .filter(|_| run.backend == BackendChoice::Wgpu),
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
                let choice: BackendChoice = name.parse().map_err(js_error)?;
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
            #[derive(Serialize)]
            #[serde(rename_all = "camelCase")]
            struct Evaluated {
                valid_loss: f32,
                accuracy: f32,
            }
            to_js(&Evaluated {
                valid_loss: v[0],
                accuracy: v[1],
            })
        })
    }

    /// Validation accuracy at each position within the sequence (first word first), without
    /// training: resolves to an array of numbers; rejects for a model that predicts only the
    /// last token.
    #[wasm_bindgen(js_name = accuracyByPosition)]
    pub fn accuracy_by_position(&self) -> Promise {
        let state = self.state.clone();
        future_to_promise(async move {
            let guard = state.try_borrow().map_err(|_| busy())?;
            let tensor = guard
                .trainer
                .accuracy_by_position_tensor()
                .map_err(js_error)?;
            let values = read_floats(tensor).await?;
            to_js(&values)
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
            #[derive(Serialize)]
            struct States {
                layers: usize,
                tokens: usize,
                hidden: usize,
                words: Vec<String>,
            }
            let out = to_js(&States {
                layers,
                tokens,
                hidden,
                words: text.split_whitespace().map(str::to_lowercase).collect(),
            })?;
            // A typed array, which serde would write as a plain array of numbers.
            let values = js_sys::Float32Array::from(values.as_slice());
            js_sys::Reflect::set(&out, &"values".into(), &values.into())?;
            Ok(out)
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
