//! The table as others read it: the schema the page builds its controls from, the book's values
//! in words for the CLI's help, and another valid value of each setting for the tests that check
//! every setting travels through every form.

use serde::Serialize;

use super::setting::{Choice, Range, Setting, show};
use super::settings::SETTINGS;
use super::{Preset, RunConfig};

/// The table as the page builds its controls from it (`settingsSchema()` in the JS API): each
/// setting with its kind, range, help, and its value in each of the book's presets.
#[derive(Debug, Serialize)]
pub struct SettingSchema {
    pub key: &'static str,
    pub group: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    /// select | number | toggle
    pub kind: &'static str,
    pub options: Vec<Choice>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub above: bool,
    pub below: bool,
    pub step: Option<f64>,
    pub allowed: String,
    pub recipe: bool,
    /// The value in each preset's recipe, as the URL writes it: `[["m1", "64"], ...]`.
    pub presets: Vec<(&'static str, String)>,
}

pub fn schema() -> Vec<SettingSchema> {
    SETTINGS
        .iter()
        .map(|s| {
            let (kind, options, min, max, above, below, step) = match s.range {
                Range::Choice(choices) => ("select", choices(), None, None, false, false, None),
                Range::Int { min, max } => (
                    "number",
                    vec![],
                    Some(min as f64),
                    Some(max as f64),
                    false,
                    false,
                    Some(1.0),
                ),
                Range::Number {
                    min,
                    max,
                    above,
                    below,
                    step,
                } => (
                    "number",
                    vec![],
                    Some(min),
                    Some(max),
                    above,
                    below,
                    Some(step),
                ),
                Range::Toggle => ("toggle", vec![], None, None, false, false, None),
            };
            SettingSchema {
                key: s.key,
                group: s.group,
                label: s.label,
                help: s.help,
                kind,
                options,
                min,
                max,
                above,
                below,
                step,
                allowed: s.range.allowed(),
                recipe: s.recipe,
                presets: Preset::ALL
                    .into_iter()
                    .map(|p| (p.name(), s.get(&RunConfig::preset(p))))
                    .collect(),
            }
        })
        .collect()
}

/// A setting's value in the book's recipes in a few words, as the CLI's help shows it: "book: 1
/// (m1-m4), 2 (m5-m7)"; "default: 3" for a setting outside the recipes (or one that names them).
pub fn defaults_in_words(setting: &Setting) -> String {
    let words = |config: &RunConfig| {
        let v = setting.get(config);
        match (setting.range, v.as_str()) {
            (Range::Toggle, "1") => "on".to_string(),
            (Range::Toggle, _) => "off".to_string(),
            _ => v,
        }
    };
    let mut runs: Vec<(String, Preset, Preset)> = Vec::new();
    for p in Preset::ALL {
        let v = words(&RunConfig::preset(p));
        match runs.last_mut() {
            Some((last, _, end)) if *last == v => *end = p,
            _ => runs.push((v, p, p)),
        }
    }
    if !setting.recipe || runs.len() == Preset::ALL.len() {
        return format!("default: {}", words(&RunConfig::default()));
    }
    if let [(only, _, _)] = runs.as_slice() {
        return format!("book: {only}");
    }
    let runs: Vec<String> = runs
        .iter()
        .map(|(v, a, b)| {
            if a == b {
                format!("{v} ({})", a.name())
            } else {
                format!("{v} ({}-{})", a.name(), b.name())
            }
        })
        .collect();
    format!("book: {}", runs.join(", "))
}

/// A value of `setting` that differs from `config`'s and that `config` accepts: what tests use to
/// check that every setting travels through every form (URL, JSON, CLI, the page).
pub fn another_value(setting: &Setting, config: &RunConfig) -> Option<String> {
    let current = setting.get(config);
    let candidates: Vec<String> = match setting.range {
        Range::Choice(choices) => choices().iter().map(|c| c.value.to_string()).collect(),
        Range::Toggle => vec!["1".into(), "0".into()],
        Range::Int { min, max } => vec![
            min.to_string(),
            max.to_string(),
            ((min + max) / 2).to_string(),
        ],
        Range::Number {
            min,
            max,
            above,
            below,
            ..
        } => {
            let mut v = vec![show((min + max) / 2.0)];
            if !above {
                v.insert(0, show(min));
            }
            if !below {
                v.push(show(max));
            }
            v
        }
    };
    candidates.into_iter().find(|v| {
        let mut c = config.clone();
        *v != current && c.set(setting.key, v).is_ok() && c.validate().is_ok()
    })
}
