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

#[wasm_bindgen_test]
async fn repeated_runs_do_not_grow_memory_without_bound() {
    let memory = || {
        wasm_bindgen::memory()
            .unchecked_into::<js_sys::WebAssembly::Memory>()
            .buffer()
            .unchecked_into::<js_sys::ArrayBuffer>()
            .byte_length()
    };
    let mut sizes = Vec::new();
    for _ in 0..20 {
        let run = create(r#"{"model": "m7", "hidden": 16, "epochs": 1, "backend": "cpu"}"#)
            .await
            .unwrap();
        advance(&run, 3).await;
        run.reset().unwrap();
        advance(&run, 1).await;
        drop(run);
        sizes.push(memory());
    }
    let (after_warmup, last) = (sizes[4] as f64, sizes[19] as f64);
    assert!(
        last <= after_warmup * 1.1,
        "wasm memory grew from {after_warmup} to {last} bytes: {sizes:?}"
    );
}
