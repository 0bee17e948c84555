//! The JS API in a real browser (wasm-bindgen-test, headless Chromium): `wasm-pack test
//! --headless --chrome --release`. WebGPU here is SwiftShader (a CPU Vulkan): correct but slow,
//! so its tests use tiny configs.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use rnn_playground::web::{Run, parse_query, validate_config};
use wasm_bindgen::convert::TryFromJsValue;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_dedicated_worker);

fn config(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

async fn create(json: &str) -> Result<Run, String> {
    match JsFuture::from(Run::create(config(json))).await {
        Ok(run) => Ok(Run::try_from_js_value(run).expect("create resolves to a Run")),
        Err(e) => Err(error_message(&e)),
    }
}

fn error_message(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_else(|| format!("{e:?}"))
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

async fn advance(run: &Run, batches: u32) -> JsValue {
    JsFuture::from(run.advance(batches))
        .await
        .expect("advance resolves")
}

/// Trains to the end; returns every epoch record.
async fn train_to_end(run: &Run) -> Vec<JsValue> {
    let mut epochs = Vec::new();
    loop {
        let out = advance(run, 100).await;
        assert!(
            get(&out, "error").is_null() || get(&out, "error").is_undefined(),
            "{:?}",
            get(&out, "error")
        );
        epochs.extend(Array::from(&get(&out, "epochs")).iter());
        if get(&out, "done").as_bool() == Some(true) {
            return epochs;
        }
    }
}

#[wasm_bindgen_test]
async fn cpu_run_beats_the_baseline() {
    let run = create(r#"{"model": "m7", "hidden": 32, "epochs": 2, "backend": "cpu"}"#)
        .await
        .unwrap();
    assert_ne!(run.backend().unwrap(), "webgpu");
    let epochs = train_to_end(&run).await;
    assert_eq!(epochs.len(), 2);
    let accuracy = get(epochs.last().unwrap(), "accuracy").as_f64().unwrap();
    assert!(
        accuracy > 0.35,
        "accuracy {accuracy} should clearly beat the 0.15 baseline"
    );
}

#[wasm_bindgen_test]
async fn invalid_configs_name_the_field() {
    let err = create(r#"{"model": "m7", "hidden": 100000}"#)
        .await
        .err()
        .unwrap();
    assert!(err.contains("hidden") && err.contains("512"), "{err}");
    let err = create(r#"{"colour": "red"}"#).await.err().unwrap();
    assert!(err.contains("colour"), "{err}");
    let err = validate_config(config(r#"{"dropout": -1}"#))
        .err()
        .map(|e| error_message(&e))
        .unwrap();
    assert!(err.contains("dropout"), "{err}");
    let parsed = parse_query("?model=m4&bptt=abc".into()).unwrap();
    assert_eq!(Array::from(&get(&parsed, "notices")).length(), 1);
}

#[wasm_bindgen_test]
async fn predictions_are_probabilities_and_unknown_words_are_reported() {
    let run = create(r#"{"model": "m7", "hidden": 16, "epochs": 1, "backend": "cpu"}"#)
        .await
        .unwrap();
    advance(&run, 5).await;
    let ranked = Array::from(
        &JsFuture::from(run.predict("four thousand one hundred".into()))
            .await
            .unwrap(),
    );
    assert_eq!(ranked.length(), 30);
    let total: f64 = ranked
        .iter()
        .map(|p| get(&p, "prob").as_f64().unwrap())
        .sum();
    assert!((total - 1.0).abs() < 1e-3, "sum {total}");
    let err = JsFuture::from(run.predict("four zillion".into()))
        .await
        .err()
        .unwrap();
    assert!(error_message(&err).contains("zillion"));
    let continuation = JsFuture::from(run.count_on("one . two".into(), 3))
        .await
        .unwrap()
        .as_string()
        .unwrap();
    assert_eq!(continuation.split(' ').count(), 3);
}

#[wasm_bindgen_test]
async fn auto_uses_the_cpu_when_forced_and_webgpu_only_on_a_real_adapter() {
    let cpu = create(r#"{"model": "m7", "hidden": 8, "epochs": 1, "backend": "cpu"}"#)
        .await
        .unwrap();
    assert_ne!(cpu.backend().unwrap(), "webgpu");
    assert!(cpu.backend_reason().unwrap().is_none());
    let auto = create(r#"{"model": "m7", "hidden": 8, "epochs": 1, "backend": "auto"}"#)
        .await
        .unwrap();
    let reason = auto.backend_reason().unwrap();
    if auto.backend().unwrap() == "webgpu" {
        assert!(reason.is_none());
    } else {
        // Headless Chromium here only has SwiftShader: auto must say why it chose the CPU.
        let reason = reason.expect("auto on the CPU says why");
        assert!(
            reason.contains("WebGPU") && reason.contains("CPU"),
            "{reason}"
        );
    }
    // Forcing WebGPU still works on a software adapter: the user asked for it.
    if rnn_playground::web::webgpu_available() {
        let gpu = create(r#"{"model": "m7", "hidden": 8, "epochs": 1, "backend": "webgpu"}"#)
            .await
            .unwrap();
        assert_eq!(gpu.backend().unwrap(), "webgpu");
    }
}

#[wasm_bindgen_test]
async fn webgpu_first_loss_matches_the_cpu() {
    if !rnn_playground::web::webgpu_available() {
        panic!(
            "this browser exposes no WebGPU: start Chromium with --enable-unsafe-webgpu (webdriver.json)"
        );
    }
    let tiny = |backend| {
        format!(
            r#"{{"model": "m6", "hidden": 8, "bs": 8, "bptt": 4, "epochs": 1, "lr": 0.05, "backend": "{backend}"}}"#
        )
    };
    let gpu = create(&tiny("webgpu")).await.unwrap();
    assert_eq!(gpu.backend().unwrap(), "webgpu");
    let cpu = create(&tiny("cpu")).await.unwrap();
    let first = |out: JsValue| {
        get(&Array::from(&get(&out, "steps")).get(0), "loss")
            .as_f64()
            .unwrap()
    };
    let gpu_out = advance(&gpu, 12).await;
    let cpu_out = advance(&cpu, 12).await;
    // The GPU's kernel launches are counted; a CPU run has none to count. With the LSTM's
    // recurrence fused (one forward and one backward dispatch per layer) a batch of this model
    // launches about 260 kernels, most of them the optimizer's and the loss's elementwise ones;
    // composed step by step it launched about 1,055.
    let dispatches = get(&gpu_out, "gpuDispatchesPerBatch").as_f64();
    web_sys::console::log_1(
        &format!("WebGPU dispatches per batch (tiny m6): {dispatches:?}").into(),
    );
    assert!(
        dispatches.is_some_and(|d| d > 50.0 && d < 400.0),
        "{dispatches:?}"
    );
    assert!(get(&cpu_out, "gpuDispatchesPerBatch").is_null());
    let (g, c) = (first(gpu_out.clone()), first(cpu_out.clone()));
    assert!(
        (g - c).abs() < 1e-3,
        "first-step loss: WebGPU {g} vs CPU {c}"
    );
    let loss = |out: &JsValue, i| {
        get(&Array::from(&get(out, "steps")).get(i), "loss")
            .as_f64()
            .unwrap()
    };
    // Twelve steps at a brisk learning rate: the last three losses average below the first three.
    let mean = |from: u32| (from..from + 3).map(|i| loss(&gpu_out, i)).sum::<f64>() / 3.0;
    assert!(
        mean(9) < mean(0),
        "WebGPU training lowers the loss: {} -> {}",
        mean(0),
        mean(9)
    );
}

/// 50 cycles of create, train, reset, train and drop in one worker: the figures after cycles 1,
/// 10 and 50, and the growth from 10 to 50, which must stay under 10%.
async fn soak(json: &str) -> (Vec<f64>, Vec<f64>) {
    let mut wasm = Vec::new();
    let mut device = Vec::new();
    let started = js_sys::Date::now();
    for _ in 0..50 {
        let run = create(json).await.unwrap();
        advance(&run, 1).await;
        run.reset().unwrap();
        advance(&run, 1).await;
        let usage = run.memory_usage().unwrap();
        wasm.push(get(&usage, "wasmBytes").as_f64().unwrap());
        device.push(get(&usage, "deviceBytesReserved").as_f64().unwrap_or(0.0));
        drop(run);
    }
    web_sys::console::log_1(
        &format!(
            "soak {json}: 50 cycles in {:.1} s",
            (js_sys::Date::now() - started) / 1e3
        )
        .into(),
    );
    let figures = |v: &[f64]| vec![v[0], v[9], v[49]];
    (figures(&wasm), figures(&device))
}

fn assert_bounded(what: &str, figures: &[f64]) {
    web_sys::console::log_1(&format!("soak {what} after cycles 1, 10, 50: {figures:?}").into());
    assert!(
        figures[2] <= figures[1] * 1.1,
        "{what} grew by more than 10% from cycle 10 to 50: {figures:?}"
    );
}

#[wasm_bindgen_test]
async fn fifty_train_reset_cycles_keep_memory_bounded_on_the_cpu() {
    let (wasm, _) = soak(r#"{"model": "m7", "hidden": 16, "epochs": 1, "backend": "cpu"}"#).await;
    assert_bounded("cpu: wasm memory (bytes)", &wasm);
}

#[wasm_bindgen_test]
async fn fifty_train_reset_cycles_keep_memory_bounded_on_webgpu() {
    let (wasm, device) = soak(
        // SwiftShader runs a batch in seconds: the smallest model, one batch before and after.
        r#"{"model": "m1", "hidden": 4, "bs": 8, "epochs": 1, "backend": "webgpu"}"#,
    )
    .await;
    assert_bounded("webgpu: wasm memory (bytes)", &wasm);
    assert!(device[0] > 0.0, "the GPU allocator reports its buffers");
    assert_bounded("webgpu: GPU buffers reserved (bytes)", &device);
}

async fn checkpoint(run: &Run) -> js_sys::Uint8Array {
    JsFuture::from(run.checkpoint())
        .await
        .expect("checkpoint resolves")
        .unchecked_into()
}

async fn restore(bytes: &js_sys::Uint8Array, backend: Option<&str>) -> Result<Run, String> {
    match JsFuture::from(Run::restore(bytes.clone(), backend.map(String::from))).await {
        Ok(run) => Ok(Run::try_from_js_value(run).expect("restore resolves to a Run")),
        Err(e) => Err(error_message(&e)),
    }
}

async fn top_prediction(run: &Run) -> (String, f64) {
    let ranked = JsFuture::from(run.predict("one two three".into()))
        .await
        .unwrap();
    let best = Array::from(&ranked).get(0);
    (
        get(&best, "token").as_string().unwrap(),
        get(&best, "prob").as_f64().unwrap(),
    )
}

#[wasm_bindgen_test]
async fn a_webgpu_run_moves_to_the_cpu_through_a_checkpoint() {
    let gpu = create(
        r#"{"model": "m6", "hidden": 8, "bs": 8, "bptt": 4, "lr": 0.05, "backend": "webgpu"}"#,
    )
    .await
    .unwrap();
    advance(&gpu, 3).await;
    let bytes = checkpoint(&gpu).await;
    let cpu = restore(&bytes, Some("cpu")).await.unwrap();
    assert_ne!(cpu.backend().unwrap(), "webgpu");
    let steps = |run: &Run| Array::from(&get(&run.history().unwrap(), "steps")).length();
    assert_eq!(steps(&cpu), 3, "the history moves with the run");
    let (gpu_token, gpu_prob) = top_prediction(&gpu).await;
    let (cpu_token, cpu_prob) = top_prediction(&cpu).await;
    assert_eq!(gpu_token, cpu_token);
    assert!(
        (gpu_prob - cpu_prob).abs() < 1e-3,
        "the same weights on both backends: {gpu_prob} vs {cpu_prob}"
    );
    let out = advance(&cpu, 2).await;
    let next = get(&Array::from(&get(&out, "steps")).get(0), "step");
    assert_eq!(next.as_f64(), Some(3.0), "the step count goes on");
}

#[wasm_bindgen_test]
async fn a_restore_refuses_what_is_not_a_checkpoint() {
    let bytes = js_sys::Uint8Array::from(&b"definitely not a checkpoint"[..]);
    let error = restore(&bytes, None).await.err().unwrap();
    assert!(error.contains("RNNPCKPT"), "{error}");
    let run = create(r#"{"model": "m4", "hidden": 8, "backend": "cpu"}"#)
        .await
        .unwrap();
    let good = checkpoint(&run).await;
    let error = restore(&good, Some("tpu")).await.err().unwrap();
    assert!(error.contains("backend"), "{error}");
}
