//! `RunConfig`: every setting of a training run and the book's recipes as presets m1..m7. The
//! table of settings (`settings.rs`, each row a `Setting` of `setting.rs`) validates them and gives
//! their URL, JSON and CLI forms (`forms.rs`) and the page's controls (`schema.rs`); the CLI, the
//! JS API and the page all go through it, so a bad value gets the same message wherever it comes
//! from.

use std::fmt;

use serde::{Deserialize, Serialize};

mod choices;
mod forms;
pub mod schema;
pub mod setting;
pub mod settings;

pub use choices::{BackendChoice, CellKind, Preset};
pub use setting::Setting;
pub use settings::{MAX_BATCH, MAX_BPTT, MAX_EPOCHS, MAX_HIDDEN, MAX_LAYERS, MAX_SEED, SETTINGS};

/// Every setting of one training run. Start from [`RunConfig::preset`] and change fields. Its
/// JSON names are the table's keys (the URL's); `alias` reads checkpoints written before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunConfig {
    /// The book model this run starts from (its recipe and its curve).
    pub model: Preset,
    pub cell: CellKind,
    /// Hidden size; the embedding has the same width.
    pub hidden: usize,
    /// Stacked recurrent layers.
    pub layers: usize,
    /// Tokens per sequence: how far back gradients flow (BPTT length).
    pub bptt: usize,
    /// Predict after every token (m4+) or only after the last one (m1-m3).
    #[serde(rename = "every", alias = "every_token")]
    pub every_token: bool,
    /// Keep the hidden state from one batch to the next (m3+), detached between batches.
    pub stateful: bool,
    /// Zero the hidden state at the start of each epoch and before validation (ModelResetter).
    #[serde(rename = "reset", alias = "reset_state")]
    pub reset_state: bool,
    /// Dropout on the last layer's output, before the output layer.
    pub dropout: f64,
    /// Activation regularization: alpha * mean(dropped output^2).
    pub ar: f64,
    /// Temporal activation regularization: beta * mean((h_t+1 - h_t)^2) on the raw output.
    pub tar: f64,
    /// The output layer's weight is the embedding matrix.
    pub tie: bool,
    /// Drop whole rows of the embedding (AWD-LSTM extra).
    #[serde(rename = "edrop", alias = "embed_dropout")]
    pub embed_dropout: f64,
    /// DropConnect on the hidden-to-hidden weights (AWD-LSTM extra).
    #[serde(rename = "wdrop", alias = "weight_dropout")]
    pub weight_dropout: f64,
    /// Peak learning rate of the one-cycle schedule.
    pub lr: f64,
    /// Decoupled weight decay (not applied to Linear biases).
    pub wd: f64,
    pub epochs: usize,
    #[serde(rename = "bs", alias = "batch_size")]
    pub batch_size: usize,
    /// Adam beta1 at the ends of the one-cycle schedule, and in its middle.
    pub mom_high: f64,
    pub mom_low: f64,
    /// Clip the global gradient norm to this value; 0 turns clipping off.
    #[serde(rename = "clip", alias = "grad_clip")]
    pub grad_clip: f64,
    /// Shuffle the training sequences every epoch (breaks the text order stateful models need).
    pub shuffle: bool,
    pub seed: u64,
    pub backend: BackendChoice,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig::preset(Preset::M7)
    }
}

/// A setting rejected by validation: which field, the value given, and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub field: String,
    pub value: String,
    pub allowed: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A pasted novel is not worth repeating back: show the start of a long value.
        const SHOWN: usize = 60;
        let mut value: String = self.value.chars().take(SHOWN).collect();
        if self.value.chars().nth(SHOWN).is_some() {
            value.push('…');
        }
        write!(
            f,
            "{} = {:?} is not allowed: {}",
            self.field, value, self.allowed
        )
    }
}

impl std::error::Error for ConfigError {}

/// Activations a training step keeps scale with bs x bptt x hidden x layers; this bound (16 times
/// the book's m7) keeps a step near 100 MB and every tensor well inside WebGPU's default 128 MB
/// binding limit.
pub const MAX_ACTIVATION_UNITS: usize = 1 << 21;

impl RunConfig {
    /// The book's recipe for one rung of the ladder.
    pub fn preset(model: Preset) -> Self {
        let base = RunConfig {
            model,
            cell: CellKind::Simple,
            hidden: 64,
            layers: 1,
            bptt: 3,
            every_token: false,
            stateful: false,
            reset_state: true,
            dropout: 0.0,
            ar: 0.0,
            tar: 0.0,
            tie: false,
            embed_dropout: 0.0,
            weight_dropout: 0.0,
            lr: 1e-3,
            wd: 0.01,
            epochs: 4,
            batch_size: 64,
            mom_high: 0.95,
            mom_low: 0.85,
            grad_clip: 0.0,
            shuffle: false,
            // Of the seeds measured in BENCHMARKS.md (1, 2, 3, 7, 42), the one whose ladder lands
            // closest to the book's figures; every seed's results are listed there.
            seed: 3,
            backend: BackendChoice::Cpu,
        };
        let sequence_stage = RunConfig {
            bptt: 16,
            every_token: true,
            stateful: true,
            epochs: 15,
            lr: 3e-3,
            ..base.clone()
        };
        match model {
            Preset::M1 | Preset::M2 => base,
            Preset::M3 => RunConfig {
                stateful: true,
                epochs: 10,
                lr: 3e-3,
                ..base
            },
            Preset::M4 => sequence_stage,
            Preset::M5 => RunConfig {
                cell: CellKind::Rnn,
                layers: 2,
                ..sequence_stage
            },
            Preset::M6 => RunConfig {
                cell: CellKind::Lstm,
                layers: 2,
                lr: 1e-2,
                ..sequence_stage
            },
            Preset::M7 => RunConfig {
                cell: CellKind::Lstm,
                layers: 2,
                lr: 1e-2,
                wd: 0.1,
                dropout: 0.4,
                ar: 2.0,
                tar: 1.0,
                tie: true,
                mom_high: 0.8,
                mom_low: 0.7,
                ..sequence_stage
            },
        }
    }

    /// Checks every setting against its range, then the limits between settings; the first
    /// problem found is returned with the setting named.
    pub fn validate(&self) -> Result<(), ConfigError> {
        for setting in &SETTINGS {
            setting.check(self)?;
        }
        let check = |field: &str, value: usize, ok: bool, allowed: String| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError {
                    field: field.into(),
                    value: value.to_string(),
                    allowed,
                })
            }
        };
        let units = self.batch_size * self.bptt * self.hidden * self.layers;
        check(
            "bs × bptt × hidden × layers",
            units,
            units <= MAX_ACTIVATION_UNITS,
            format!(
                "at most {MAX_ACTIVATION_UNITS} (16 times the book's m7; more does not fit a browser tab): \
                 lower bs, bptt, hidden or layers"
            ),
        )?;
        // The data must give at least one training and one validation batch.
        let (train, valid) = crate::data::split_sizes(crate::data::sequence_count(self.bptt));
        let most = train.min(valid);
        check(
            "bs",
            self.batch_size,
            self.batch_size <= most,
            format!(
                "at most {most} at bptt {} (the smaller of {train} training and {valid} validation sequences)",
                self.bptt
            ),
        )
    }

    /// Sets one setting from its text form (URL values, JS values, CLI strings all arrive here).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        match settings::find(key) {
            Some(setting) => setting.set(self, value),
            None => Err(ConfigError {
                field: forms::field_name(key),
                value: value.into(),
                allowed: format!(
                    "not a setting; the settings are {}",
                    settings::keys().collect::<Vec<_>>().join(", ")
                ),
            }),
        }
    }

    /// The text form of one setting, as `set` reads it back.
    pub fn get(&self, key: &str) -> Option<String> {
        settings::find(key).map(|s| s.get(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_carry_the_books_recipes() {
        let m7 = RunConfig::preset(Preset::M7);
        assert_eq!(
            (m7.epochs, m7.lr, m7.wd, m7.dropout, m7.ar, m7.tar, m7.tie),
            (15, 1e-2, 0.1, 0.4, 2.0, 1.0, true)
        );
        assert_eq!((m7.mom_high, m7.mom_low), (0.8, 0.7));
        let m3 = RunConfig::preset(Preset::M3);
        assert_eq!(
            (m3.epochs, m3.lr, m3.stateful, m3.every_token, m3.bptt),
            (10, 3e-3, true, false, 3)
        );
        assert_eq!(RunConfig::preset(Preset::M5).cell, CellKind::Rnn);
        for p in Preset::ALL {
            RunConfig::preset(p).validate().unwrap();
            assert!(RunConfig::preset(p).differences_from_book().is_empty());
        }
    }

    #[test]
    fn bad_values_name_the_field_and_the_range() {
        let err = RunConfig::from_pairs([("model", "m4"), ("hidden", "0")]).unwrap_err();
        assert_eq!(err.field, "hidden");
        assert!(err.to_string().contains("1 to 512"), "{err}");
        let err = RunConfig::from_pairs([("dropout", "NaN")]).unwrap_err();
        assert_eq!(err.field, "dropout");
        let err = RunConfig::from_pairs([("lr", "fast")]).unwrap_err();
        assert_eq!(err.field, "lr");
        let err = RunConfig::from_pairs([("colour", "red")]).unwrap_err();
        assert_eq!(err.field, "colour");
        let err = RunConfig::from_json(r#"{"model": "m9"}"#).unwrap_err();
        assert!(err.allowed.contains("m1"), "{err}");
        let err = RunConfig::from_json(r#"{"bs": 100000}"#).unwrap_err();
        assert_eq!(err.field, "bs");
        let err = RunConfig::from_json(r#"{"epochs": [1]}"#).unwrap_err();
        assert_eq!(err.field, "epochs");
    }

    #[test]
    fn url_round_trips_every_setting() {
        let mut c = RunConfig::preset(Preset::M6);
        c.tie = true;
        c.bptt = 8;
        c.dropout = 0.25;
        c.seed = 7;
        c.cell = CellKind::Gru;
        c.backend = BackendChoice::Wgpu;
        let (back, notices) = RunConfig::from_query_lenient(&c.to_query());
        assert!(notices.is_empty(), "{notices:?}");
        assert_eq!(back, c);
    }

    #[test]
    fn lenient_query_keeps_defaults_for_bad_values_and_reports_them() {
        let (c, notices) =
            RunConfig::from_query_lenient("?model=m7&hidden=-3&bptt=8&embed=1&tie=maybe");
        assert_eq!(c.hidden, 64);
        assert_eq!(c.bptt, 8);
        assert!(c.tie);
        let fields: Vec<_> = notices.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(fields, ["hidden", "tie"]);
    }

    #[test]
    fn json_names_are_the_tables_keys() {
        let json = serde_json::to_value(RunConfig::preset(Preset::M7)).unwrap();
        let mut names: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut keys: Vec<&str> = settings::keys().collect();
        names.sort_unstable();
        keys.sort_unstable();
        assert_eq!(names, keys);
    }

    #[test]
    fn every_setting_travels_through_the_url_and_json_forms() {
        for preset in [Preset::M1, Preset::M7] {
            let base = RunConfig::preset(preset);
            for s in &SETTINGS {
                let value = schema::another_value(s, &base)
                    .unwrap_or_else(|| panic!("{}: no other valid value", s.key));
                let mut changed = base.clone();
                changed.set(s.key, &value).unwrap();
                assert_ne!(changed, base, "{} = {value} changed nothing", s.key);
                assert!(changed.to_query().contains(&format!("{}={value}", s.key)));
                let (back, notices) = RunConfig::from_query_lenient(&changed.to_query());
                assert!(notices.is_empty(), "{}: {notices:?}", s.key);
                assert_eq!(back, changed, "{} through the URL", s.key);
                let json = serde_json::to_string(&changed).unwrap();
                assert_eq!(
                    RunConfig::from_json(&json).unwrap(),
                    changed,
                    "{} through JSON",
                    s.key
                );
            }
        }
    }

    #[test]
    fn every_range_refuses_its_edges_and_names_them() {
        let m7 = RunConfig::preset(Preset::M7);
        for s in &SETTINGS {
            let bad = match s.range {
                setting::Range::Int { max, .. } => (max + 1).to_string(),
                setting::Range::Number { max, below, .. } => {
                    if below {
                        max.to_string()
                    } else {
                        (max * 2.0 + 1.0).to_string()
                    }
                }
                setting::Range::Choice(_) => "no-such-choice".into(),
                setting::Range::Toggle => "maybe".into(),
            };
            let err = m7.clone().set(s.key, &bad).unwrap_err();
            assert_eq!(err.field, s.key);
            assert_eq!(err.allowed, s.range.allowed());
        }
        // The message names the edge it means: 0.9 is the largest dropout, and it is allowed.
        let mut c = m7.clone();
        c.set("dropout", "0.9").unwrap();
        assert!(
            c.set("dropout", "0.91")
                .unwrap_err()
                .to_string()
                .contains("from 0 to 0.9")
        );
        assert!(
            c.set("mom_low", "1")
                .unwrap_err()
                .to_string()
                .contains("from 0 to below 1")
        );
        assert!(
            c.set("lr", "0")
                .unwrap_err()
                .to_string()
                .contains("above 0")
        );
    }
}
