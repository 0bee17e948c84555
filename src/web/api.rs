//! The JS API's free functions: settings (validation, presets, the URL form, the table the page
//! builds its controls from), the dataset's facts, the book's results and parameter counts.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use super::{config_from_js, js_error, to_js};
use crate::backend::{DEFAULT_CPU, cpu_device_for};
use crate::config::RunConfig;
use crate::data::{Corpus, dataset_facts};

/// Validates a config object and returns it complete (every field), or throws naming the field.
#[wasm_bindgen(js_name = validateConfig)]
pub fn validate_config(config: JsValue) -> Result<JsValue, JsValue> {
    to_js(&config_from_js(&config)?)
}

/// The book's recipe for a preset ("m1".."m7").
#[wasm_bindgen(js_name = presetConfig)]
pub fn preset_config(model: String) -> Result<JsValue, JsValue> {
    let preset = model.parse().map_err(js_error)?;
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

/// The table of settings, from which the page builds its controls: `[{key, group, label, help,
/// kind ("select" | "number" | "toggle"), options: [{value, label, page}], min, max, above, below,
/// step, allowed, recipe, presets: [[model, value], ...]}]`, in the URL's order.
#[wasm_bindgen(js_name = settingsSchema)]
pub fn settings_schema() -> Result<JsValue, JsValue> {
    to_js(&crate::config::schema::schema())
}
