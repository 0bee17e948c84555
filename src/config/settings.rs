//! The table of settings: every setting of a run once, with its URL key (also its JSON key and its
//! CLI flag), its allowed range, its help and where the page shows it. Validation, the URL and
//! JSON forms, the CLI's flags and the page's controls are all read off this table.

use serde::Serialize;

use super::{BackendChoice, CellKind, ConfigError, Preset, RunConfig};

/// Limits that keep a run inside a browser tab (memory grows with hidden^2, bptt and batch size).
pub const MAX_HIDDEN: usize = 512;
pub const MAX_LAYERS: usize = 4;
pub const MAX_BPTT: usize = 128;
pub const MAX_EPOCHS: usize = 200;
pub const MAX_BATCH: usize = 512;
/// The largest seed a JS number carries exactly (2^53 - 1): the page and the CLI agree on it.
pub const MAX_SEED: u64 = (1 << 53) - 1;

/// What values a setting takes.
#[derive(Debug, Clone, Copy)]
pub enum Range {
    /// One of a list of names.
    Choice(fn() -> Vec<Choice>),
    /// A whole number from `min` to `max`.
    Int { min: u64, max: u64 },
    /// A number from `min` to `max`; `below` excludes `max` itself; `above` excludes `min`.
    /// `step` is the page's step between values.
    Number {
        min: f64,
        max: f64,
        above: bool,
        below: bool,
        step: f64,
    },
    /// On or off: `1`/`0` in URLs, `--key`/`--no-key` on the command line.
    Toggle,
}

/// One value of a `Range::Choice`: its name, its words, and whether the page offers it.
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    pub value: &'static str,
    pub label: String,
    pub page: bool,
}

/// Where a setting's value lives in `RunConfig`.
#[derive(Clone, Copy)]
enum Field {
    Model,
    Cell,
    Backend,
    Size(fn(&mut RunConfig) -> &mut usize),
    Seed(fn(&mut RunConfig) -> &mut u64),
    Float(fn(&mut RunConfig) -> &mut f64),
    Flag(fn(&mut RunConfig) -> &mut bool),
}

/// One setting of a run.
#[derive(Clone, Copy)]
pub struct Setting {
    /// The URL key, the JSON key, and (with `_` as `-`) the CLI flag.
    pub key: &'static str,
    /// The page's group and label.
    pub group: &'static str,
    pub label: &'static str,
    /// One line on what it does, in the chapter's words.
    pub help: &'static str,
    pub range: Range,
    /// Other names the CLI accepts for the flag (and, for a toggle, for its `--no-` form).
    pub cli_aliases: &'static [&'static str],
    pub cli_off_aliases: &'static [&'static str],
    /// Whether it belongs to the book's recipe (the seed and the backend do not).
    pub recipe: bool,
    field: Field,
}

const fn setting(
    key: &'static str,
    group: &'static str,
    label: &'static str,
    help: &'static str,
    range: Range,
    field: Field,
) -> Setting {
    Setting {
        key,
        group,
        label,
        help,
        range,
        cli_aliases: &[],
        cli_off_aliases: &[],
        recipe: true,
        field,
    }
}

const fn int(min: u64, max: usize) -> Range {
    Range::Int {
        min,
        max: max as u64,
    }
}

const fn number(min: f64, max: f64, step: f64) -> Range {
    Range::Number {
        min,
        max,
        above: false,
        below: false,
        step,
    }
}

const PROBABILITY: Range = number(0.0, 0.9, 0.05);
const MOMENTUM: Range = Range::Number {
    min: 0.0,
    max: 1.0,
    above: false,
    below: true,
    step: 0.01,
};

fn model_choices() -> Vec<Choice> {
    Preset::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.name(),
            label: format!("{} · {}", p.name(), p.description()),
            page: true,
        })
        .collect()
}

fn cell_choices() -> Vec<Choice> {
    CellKind::ALL
        .into_iter()
        .map(|c| Choice {
            value: c.name(),
            label: c.label().into(),
            page: true,
        })
        .collect()
}

fn backend_choices() -> Vec<Choice> {
    BackendChoice::ALL
        .into_iter()
        .map(|b| Choice {
            value: b.key(),
            label: b.label().into(),
            page: b.in_browser(),
        })
        .collect()
}

use Field::{Flag, Float, Size};

/// Every setting, in the order the URL writes them and the page shows them.
pub static SETTINGS: [Setting; 24] = [
    setting(
        "model",
        "Model",
        "Model",
        "A rung of the chapter's ladder (LMModel1..7): sets the book's recipe for it.",
        Range::Choice(model_choices),
        Field::Model,
    ),
    setting(
        "cell",
        "Model",
        "Cell",
        "What each step computes. An LSTM keeps a cell state beside the hidden state.",
        Range::Choice(cell_choices),
        Field::Cell,
    ),
    setting(
        "hidden",
        "Model",
        "Hidden size",
        "Numbers in the hidden state (and in each word's embedding).",
        int(1, MAX_HIDDEN),
        Size(|c| &mut c.hidden),
    ),
    setting(
        "layers",
        "Model",
        "Layers",
        "Stacked RNNs: each layer reads the outputs of the one below.",
        int(1, MAX_LAYERS),
        Size(|c| &mut c.layers),
    ),
    setting(
        "bptt",
        "Sequence",
        "BPTT length",
        "Tokens per sequence: how far back gradients flow before the state is detached.",
        int(1, MAX_BPTT),
        Size(|c| &mut c.bptt),
    ),
    Setting {
        cli_aliases: &["every-token"],
        cli_off_aliases: &["last-token"],
        ..setting(
            "every",
            "Sequence",
            "Predict every token",
            "One prediction per token (m4+) instead of one per sequence: more signal per batch.",
            Range::Toggle,
            Flag(|c| &mut c.every_token),
        )
    },
    setting(
        "stateful",
        "Sequence",
        "Keep hidden state",
        "Carry the hidden state from batch to batch (m3+), detached after each batch.",
        Range::Toggle,
        Flag(|c| &mut c.stateful),
    ),
    setting(
        "reset",
        "Sequence",
        "Reset state (ModelResetter)",
        "Zero the hidden state at each epoch start and before validation.",
        Range::Toggle,
        Flag(|c| &mut c.reset_state),
    ),
    setting(
        "dropout",
        "Regularization",
        "Dropout p",
        "Zero a share p of the last layer's outputs in training (scaled by 1/(1-p)); off in eval.",
        PROBABILITY,
        Float(|c| &mut c.dropout),
    ),
    setting(
        "ar",
        "Regularization",
        "AR α",
        "Activation regularization: α · mean(dropped output²) keeps activations small.",
        number(0.0, 100.0, 0.5),
        Float(|c| &mut c.ar),
    ),
    setting(
        "tar",
        "Regularization",
        "TAR β",
        "Temporal AR: β · mean((h[t+1] − h[t])²) on the raw output keeps the state from jumping.",
        number(0.0, 100.0, 0.5),
        Float(|c| &mut c.tar),
    ),
    setting(
        "tie",
        "Regularization",
        "Tie weights",
        "The output layer uses the embedding matrix: one parameter, used twice.",
        Range::Toggle,
        Flag(|c| &mut c.tie),
    ),
    Setting {
        cli_aliases: &["embed-dropout"],
        ..setting(
            "edrop",
            "Regularization",
            "Embedding dropout",
            "AWD-LSTM extra: drop whole words' embeddings in training.",
            PROBABILITY,
            Float(|c| &mut c.embed_dropout),
        )
    },
    Setting {
        cli_aliases: &["weight-dropout"],
        ..setting(
            "wdrop",
            "Regularization",
            "Weight dropout",
            "AWD-LSTM extra: DropConnect on the hidden-to-hidden weights.",
            PROBABILITY,
            Float(|c| &mut c.weight_dropout),
        )
    },
    setting(
        "lr",
        "Training",
        "Learning rate",
        "Peak of the one-cycle schedule (warm up 25%, then anneal).",
        Range::Number {
            min: 0.0,
            max: 100.0,
            above: true,
            below: false,
            step: 0.0001,
        },
        Float(|c| &mut c.lr),
    ),
    setting(
        "wd",
        "Regularization",
        "Weight decay",
        "Shrinks weights each step (decoupled, as fastai does; not Linear biases); m7 uses 0.1.",
        number(0.0, 10.0, 0.01),
        Float(|c| &mut c.wd),
    ),
    setting(
        "epochs",
        "Training",
        "Epochs",
        "Passes over the 80% of the text that trains.",
        int(1, MAX_EPOCHS),
        Size(|c| &mut c.epochs),
    ),
    Setting {
        cli_aliases: &["batch-size"],
        ..setting(
            "bs",
            "Training",
            "Batch size",
            "Sequences per batch: also the number of parallel streams of text.",
            int(1, MAX_BATCH),
            Size(|c| &mut c.batch_size),
        )
    },
    setting(
        "mom_high",
        "Training",
        "Momentum, ends",
        "Adam's β1 at the start and end of the one-cycle schedule.",
        MOMENTUM,
        Float(|c| &mut c.mom_high),
    ),
    setting(
        "mom_low",
        "Training",
        "Momentum, middle",
        "Adam's β1 at the peak learning rate, in the middle of the schedule.",
        MOMENTUM,
        Float(|c| &mut c.mom_low),
    ),
    setting(
        "clip",
        "Training",
        "Gradient clipping",
        "Cap the global gradient norm (0 = off): a cure for exploding gradients.",
        number(0.0, 1e6, 0.1),
        Float(|c| &mut c.grad_clip),
    ),
    setting(
        "shuffle",
        "Sequence",
        "Shuffle batches",
        "Feed the text out of order: a stateful model then carries the wrong context.",
        Range::Toggle,
        Flag(|c| &mut c.shuffle),
    ),
    Setting {
        recipe: false,
        ..setting(
            "seed",
            "Training",
            "Seed",
            "Same seed, same settings, same backend: the same numbers.",
            Range::Int {
                min: 0,
                max: MAX_SEED,
            },
            Field::Seed(|c| &mut c.seed),
        )
    },
    Setting {
        recipe: false,
        ..setting(
            "backend",
            "Training",
            "Backend",
            "Where the math runs. Backends round differently: results can differ slightly.",
            Range::Choice(backend_choices),
            Field::Backend,
        )
    },
];

/// The setting with this key, if there is one.
pub fn find(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// Every key, in the table's order.
pub fn keys() -> impl Iterator<Item = &'static str> {
    SETTINGS.iter().map(|s| s.key)
}

/// Writes a number the way the page and the URL show it (no trailing `.0`).
fn show(x: f64) -> String {
    x.to_string()
}

impl Range {
    /// The allowed values in words, as error messages name them.
    pub fn allowed(&self) -> String {
        match *self {
            Range::Choice(choices) => {
                let names: Vec<_> = choices().iter().map(|c| c.value).collect();
                format!("one of {}", names.join(", "))
            }
            Range::Int { min, max } => format!("a whole number from {min} to {max}"),
            Range::Number {
                min,
                max,
                above,
                below,
                ..
            } => {
                let (min, max) = (show(min), show(max));
                match (above, below) {
                    (false, false) => format!("a number from {min} to {max}"),
                    (false, true) => format!("a number from {min} to below {max}"),
                    (true, false) => format!("a number above {min}, at most {max}"),
                    (true, true) => format!("a number above {min} and below {max}"),
                }
            }
            Range::Toggle => "1 or 0 (true or false)".into(),
        }
    }

    fn admits_number(&self, x: f64) -> bool {
        match *self {
            Range::Number {
                min,
                max,
                above,
                below,
                ..
            } => {
                x.is_finite()
                    && (if above { x > min } else { x >= min })
                    && (if below { x < max } else { x <= max })
            }
            Range::Int { min, max } => x.fract() == 0.0 && x >= min as f64 && x <= max as f64,
            _ => false,
        }
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Some(true),
        "0" | "false" | "off" | "no" => Some(false),
        _ => None,
    }
}

impl Setting {
    fn error(&self, value: &str) -> ConfigError {
        ConfigError {
            field: self.key.into(),
            value: value.into(),
            allowed: self.range.allowed(),
        }
    }

    /// The text form of this setting's value in `config`, as the URL writes it.
    pub fn get(&self, config: &RunConfig) -> String {
        let mut c = config.clone();
        match self.field {
            Field::Model => c.model.name().into(),
            Field::Cell => c.cell.name().into(),
            Field::Backend => c.backend.key().into(),
            Field::Size(f) => f(&mut c).to_string(),
            Field::Seed(f) => f(&mut c).to_string(),
            Field::Float(f) => show(*f(&mut c)),
            Field::Flag(f) => if *f(&mut c) { "1" } else { "0" }.into(),
        }
    }

    /// Sets this setting from its text form, refusing a value outside its range. A model sets the
    /// book's whole recipe for it (keeping the seed and the backend).
    pub fn set(&self, config: &mut RunConfig, value: &str) -> Result<(), ConfigError> {
        let bad = || self.error(value);
        match self.field {
            Field::Model => {
                let preset: Preset = value.parse().map_err(|_| bad())?;
                *config = RunConfig {
                    seed: config.seed,
                    backend: config.backend,
                    ..RunConfig::preset(preset)
                };
            }
            Field::Cell => config.cell = value.parse().map_err(|_| bad())?,
            Field::Backend => config.backend = value.parse().map_err(|_| bad())?,
            Field::Size(f) => *f(config) = self.parse_int(value)? as usize,
            Field::Seed(f) => *f(config) = self.parse_int(value)?,
            Field::Float(f) => {
                let x: f64 = value.trim().parse().map_err(|_| bad())?;
                if !self.range.admits_number(x) {
                    return Err(bad());
                }
                *f(config) = x;
            }
            Field::Flag(f) => *f(config) = parse_bool(value).ok_or_else(bad)?,
        }
        Ok(())
    }

    fn parse_int(&self, value: &str) -> Result<u64, ConfigError> {
        let x: u64 = value.trim().parse().map_err(|_| self.error(value))?;
        if !self.range.admits_number(x as f64) {
            return Err(self.error(value));
        }
        Ok(x)
    }

    /// Whether `config`'s value is inside this setting's range.
    pub fn check(&self, config: &RunConfig) -> Result<(), ConfigError> {
        let value = self.get(config);
        match self.range {
            Range::Choice(_) | Range::Toggle => Ok(()),
            _ if self.range.admits_number(value.parse().unwrap_or(f64::NAN)) => Ok(()),
            _ => Err(self.error(&value)),
        }
    }
}

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
