//! `RunConfig`: every setting of a training run, the book's recipes as presets m1..m7, the one
//! place where settings are validated, and their URL form. The CLI, the JS API and the page all go
//! through here, so a bad value gets the same message wherever it comes from.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The chapter's model ladder: LMModel1..LMModel7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    M1,
    M2,
    M3,
    M4,
    M5,
    M6,
    M7,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::M1,
        Preset::M2,
        Preset::M3,
        Preset::M4,
        Preset::M5,
        Preset::M6,
        Preset::M7,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Preset::M1 => "m1",
            Preset::M2 => "m2",
            Preset::M3 => "m3",
            Preset::M4 => "m4",
            Preset::M5 => "m5",
            Preset::M6 => "m6",
            Preset::M7 => "m7",
        }
    }

    /// What the book built at this rung, in a line.
    pub fn description(self) -> &'static str {
        match self {
            Preset::M1 => "3 tokens in, one prediction, written out step by step",
            Preset::M2 => "the same net as a loop: the first RNN",
            Preset::M3 => "stateful RNN: hidden state kept across batches, detached (BPTT 3)",
            Preset::M4 => "predict after every token, sequences of 16",
            Preset::M5 => "two stacked tanh RNN layers",
            Preset::M6 => "two stacked LSTM layers",
            Preset::M7 => "LSTM with dropout, AR, TAR and weight tying (AWD-LSTM ideas)",
        }
    }
}

impl FromStr for Preset {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s.trim().to_lowercase())
            .ok_or_else(|| "one of m1, m2, m3, m4, m5, m6, m7".to_string())
    }
}

/// The recurrent cell of each layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    /// The book's first cell (LMModel1-4): h = relu(H(h + E x)), one shared linear layer.
    Simple,
    /// PyTorch's nn.RNN: h = tanh(W_ih x + b_ih + W_hh h + b_hh).
    Rnn,
    /// PyTorch's nn.LSTM: gates i, f, g, o; a cell state and a hidden state.
    Lstm,
    /// PyTorch's nn.GRU: reset and update gates.
    Gru,
}

impl CellKind {
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Simple => "simple",
            CellKind::Rnn => "rnn",
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
        }
    }
}

impl FromStr for CellKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "simple" => Ok(CellKind::Simple),
            "rnn" => Ok(CellKind::Rnn),
            "lstm" => Ok(CellKind::Lstm),
            "gru" => Ok(CellKind::Gru),
            _ => Err("one of simple, rnn, lstm, gru".into()),
        }
    }
}

/// Where a run computes. `Auto` means: a GPU through wgpu/WebGPU when one initialises, else CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendChoice {
    Auto,
    /// The default CPU backend (see `backend.rs` for which one and why).
    Cpu,
    /// burn's ndarray CPU backend.
    Ndarray,
    /// burn's flex CPU backend.
    Flex,
    /// wgpu: Vulkan/Metal natively, WebGPU in a browser.
    Wgpu,
}

impl BackendChoice {
    pub fn name(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto",
            BackendChoice::Cpu => "cpu",
            BackendChoice::Ndarray => "ndarray",
            BackendChoice::Flex => "flex",
            BackendChoice::Wgpu => "wgpu",
        }
    }
}

impl FromStr for BackendChoice {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_lowercase().as_str() {
            "auto" => Ok(BackendChoice::Auto),
            "cpu" => Ok(BackendChoice::Cpu),
            "ndarray" => Ok(BackendChoice::Ndarray),
            "flex" => Ok(BackendChoice::Flex),
            "wgpu" | "webgpu" | "gpu" => Ok(BackendChoice::Wgpu),
            _ => Err("one of auto, cpu, ndarray, flex, webgpu (or wgpu)".into()),
        }
    }
}

/// Every setting of one training run. Start from [`RunConfig::preset`] and change fields.
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
    pub every_token: bool,
    /// Keep the hidden state from one batch to the next (m3+), detached between batches.
    pub stateful: bool,
    /// Zero the hidden state at the start of each epoch and before validation (ModelResetter).
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
    pub embed_dropout: f64,
    /// DropConnect on the hidden-to-hidden weights (AWD-LSTM extra).
    pub weight_dropout: f64,
    /// Peak learning rate of the one-cycle schedule.
    pub lr: f64,
    /// Decoupled weight decay (not applied to Linear biases).
    pub wd: f64,
    pub epochs: usize,
    pub batch_size: usize,
    /// Adam beta1 at the ends of the one-cycle schedule, and in its middle.
    pub mom_high: f64,
    pub mom_low: f64,
    /// Clip the global gradient norm to this value; 0 turns clipping off.
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

/// Every field name the URL form and the JS API accept, in the order the URL writes them.
pub const FIELDS: [&str; 23] = [
    "model", "cell", "hidden", "layers", "bptt", "every", "stateful", "reset", "dropout", "ar",
    "tar", "tie", "edrop", "wdrop", "lr", "wd", "epochs", "bs", "mom_high", "mom_low", "clip",
    "shuffle", "seed",
];

/// Limits that keep a run inside a browser tab (memory grows with hidden^2, bptt and batch size).
pub const MAX_HIDDEN: usize = 512;
pub const MAX_LAYERS: usize = 4;
pub const MAX_BPTT: usize = 128;
pub const MAX_EPOCHS: usize = 200;
pub const MAX_BATCH: usize = 512;
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

    /// Checks every field; the first problem found is returned with the field named.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn check<T: fmt::Display>(
            field: &str,
            value: T,
            ok: bool,
            allowed: &str,
        ) -> Result<(), ConfigError> {
            if ok {
                Ok(())
            } else {
                Err(ConfigError {
                    field: field.into(),
                    value: value.to_string(),
                    allowed: allowed.into(),
                })
            }
        }
        let prob = |field: &str, p: f64| {
            check(
                field,
                p,
                p.is_finite() && (0.0..0.95).contains(&p),
                "a probability from 0 to 0.95",
            )
        };
        check(
            "hidden",
            self.hidden,
            (1..=MAX_HIDDEN).contains(&self.hidden),
            &format!("an integer from 1 to {MAX_HIDDEN}"),
        )?;
        check(
            "layers",
            self.layers,
            (1..=MAX_LAYERS).contains(&self.layers),
            &format!("an integer from 1 to {MAX_LAYERS}"),
        )?;
        check(
            "bptt",
            self.bptt,
            (1..=MAX_BPTT).contains(&self.bptt),
            &format!("an integer from 1 to {MAX_BPTT}"),
        )?;
        prob("dropout", self.dropout)?;
        prob("edrop", self.embed_dropout)?;
        prob("wdrop", self.weight_dropout)?;
        check(
            "ar",
            self.ar,
            self.ar.is_finite() && (0.0..=100.0).contains(&self.ar),
            "a number from 0 to 100",
        )?;
        check(
            "tar",
            self.tar,
            self.tar.is_finite() && (0.0..=100.0).contains(&self.tar),
            "a number from 0 to 100",
        )?;
        check(
            "lr",
            self.lr,
            self.lr.is_finite() && self.lr > 0.0 && self.lr <= 100.0,
            "a number above 0, at most 100",
        )?;
        check(
            "wd",
            self.wd,
            self.wd.is_finite() && (0.0..=10.0).contains(&self.wd),
            "a number from 0 to 10",
        )?;
        check(
            "epochs",
            self.epochs,
            (1..=MAX_EPOCHS).contains(&self.epochs),
            &format!("an integer from 1 to {MAX_EPOCHS}"),
        )?;
        check(
            "bs",
            self.batch_size,
            (1..=MAX_BATCH).contains(&self.batch_size),
            &format!("an integer from 1 to {MAX_BATCH}"),
        )?;
        let mom = |field: &str, m: f64| {
            check(
                field,
                m,
                m.is_finite() && (0.0..1.0).contains(&m),
                "a number from 0 to below 1",
            )
        };
        mom("mom_high", self.mom_high)?;
        mom("mom_low", self.mom_low)?;
        check(
            "clip",
            self.grad_clip,
            self.grad_clip.is_finite() && (0.0..=1e6).contains(&self.grad_clip),
            "0 (off) or a positive number up to 1e6",
        )?;
        let units = self.batch_size * self.bptt * self.hidden * self.layers;
        check(
            "bs × bptt × hidden × layers",
            units,
            units <= MAX_ACTIVATION_UNITS,
            &format!(
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
            &format!(
                "at most {most} at bptt {} (the smaller of {train} training and {valid} validation sequences)",
                self.bptt
            ),
        )?;
        Ok(())
    }

    /// Sets one field from its text form (URL values, JS values, CLI strings all arrive here).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        fn parse<T: FromStr>(key: &str, value: &str, allowed: &str) -> Result<T, ConfigError> {
            value.trim().parse::<T>().map_err(|_| ConfigError {
                field: key.into(),
                value: value.into(),
                allowed: allowed.into(),
            })
        }
        fn parse_bool(key: &str, value: &str) -> Result<bool, ConfigError> {
            match value.trim().to_lowercase().as_str() {
                "1" | "true" | "on" | "yes" => Ok(true),
                "0" | "false" | "off" | "no" => Ok(false),
                _ => Err(ConfigError {
                    field: key.into(),
                    value: value.into(),
                    allowed: "1 or 0 (true or false)".into(),
                }),
            }
        }
        let int = "a whole number";
        let num = "a number";
        match key {
            "model" => {
                let preset = value.parse().map_err(|allowed| ConfigError {
                    field: key.into(),
                    value: value.into(),
                    allowed,
                })?;
                let (seed, backend) = (self.seed, self.backend);
                *self = RunConfig {
                    seed,
                    backend,
                    ..RunConfig::preset(preset)
                };
            }
            "cell" => {
                self.cell = value.parse().map_err(|allowed| ConfigError {
                    field: key.into(),
                    value: value.into(),
                    allowed,
                })?
            }
            "backend" => {
                self.backend = value.parse().map_err(|allowed| ConfigError {
                    field: key.into(),
                    value: value.into(),
                    allowed,
                })?
            }
            "hidden" => self.hidden = parse(key, value, int)?,
            "layers" => self.layers = parse(key, value, int)?,
            "bptt" => self.bptt = parse(key, value, int)?,
            "every" => self.every_token = parse_bool(key, value)?,
            "stateful" => self.stateful = parse_bool(key, value)?,
            "reset" => self.reset_state = parse_bool(key, value)?,
            "dropout" => self.dropout = parse(key, value, num)?,
            "ar" => self.ar = parse(key, value, num)?,
            "tar" => self.tar = parse(key, value, num)?,
            "tie" => self.tie = parse_bool(key, value)?,
            "edrop" => self.embed_dropout = parse(key, value, num)?,
            "wdrop" => self.weight_dropout = parse(key, value, num)?,
            "lr" => self.lr = parse(key, value, num)?,
            "wd" => self.wd = parse(key, value, num)?,
            "epochs" => self.epochs = parse(key, value, int)?,
            "bs" => self.batch_size = parse(key, value, int)?,
            "mom_high" => self.mom_high = parse(key, value, num)?,
            "mom_low" => self.mom_low = parse(key, value, num)?,
            "clip" => self.grad_clip = parse(key, value, num)?,
            "shuffle" => self.shuffle = parse_bool(key, value)?,
            "seed" => self.seed = parse(key, value, "a whole number from 0 to 2^53")?,
            _ => {
                return Err(ConfigError {
                    field: field_name(key),
                    value: value.into(),
                    allowed: format!(
                        "not a setting; the settings are {} and backend",
                        FIELDS.join(", ")
                    ),
                });
            }
        }
        Ok(())
    }

    /// The text form of one field, as `set` reads it back.
    pub fn get(&self, key: &str) -> Option<String> {
        let b = |v: bool| if v { "1" } else { "0" }.to_string();
        Some(match key {
            "model" => self.model.name().into(),
            "cell" => self.cell.name().into(),
            // The page says "webgpu"; `set` reads "wgpu" and "webgpu" alike.
            "backend" if self.backend == BackendChoice::Wgpu => "webgpu".into(),
            "backend" => self.backend.name().into(),
            "hidden" => self.hidden.to_string(),
            "layers" => self.layers.to_string(),
            "bptt" => self.bptt.to_string(),
            "every" => b(self.every_token),
            "stateful" => b(self.stateful),
            "reset" => b(self.reset_state),
            "dropout" => self.dropout.to_string(),
            "ar" => self.ar.to_string(),
            "tar" => self.tar.to_string(),
            "tie" => b(self.tie),
            "edrop" => self.embed_dropout.to_string(),
            "wdrop" => self.weight_dropout.to_string(),
            "lr" => self.lr.to_string(),
            "wd" => self.wd.to_string(),
            "epochs" => self.epochs.to_string(),
            "bs" => self.batch_size.to_string(),
            "mom_high" => self.mom_high.to_string(),
            "mom_low" => self.mom_low.to_string(),
            "clip" => self.grad_clip.to_string(),
            "shuffle" => b(self.shuffle),
            "seed" => self.seed.to_string(),
            _ => return None,
        })
    }

    /// Builds a config from key/value pairs: `model` first (it picks the recipe), then the rest in
    /// order, then validation. Any bad pair is an error naming its field.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let pairs: Vec<_> = pairs.into_iter().collect();
        let mut config = RunConfig::default();
        for (k, v) in pairs.iter().filter(|(k, _)| *k == "model") {
            config.set(k, v)?;
        }
        for (k, v) in pairs.iter().filter(|(k, _)| *k != "model") {
            config.set(k, v)?;
        }
        config.validate()?;
        Ok(config)
    }

    /// Builds a config from a JSON object of settings (the JS API's form). Unknown keys, wrong
    /// types and out-of-range values are rejected, naming the field.
    pub fn from_json(json: &str) -> Result<Self, ConfigError> {
        let value: serde_json::Value = serde_json::from_str(json).map_err(|e| ConfigError {
            field: "config".into(),
            value: json.chars().take(80).collect(),
            allowed: format!("a JSON object of settings ({e})"),
        })?;
        let object = value.as_object().ok_or_else(|| ConfigError {
            field: "config".into(),
            value: value.to_string().chars().take(80).collect(),
            allowed: "an object such as {\"model\": \"m7\", \"epochs\": 2}".into(),
        })?;
        let mut pairs = Vec::new();
        for (key, value) in object {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => (if *b { "1" } else { "0" }).to_string(),
                other => {
                    return Err(ConfigError {
                        field: field_name(key),
                        value: other.to_string(),
                        allowed: "a number, a string or a boolean".into(),
                    });
                }
            };
            pairs.push((key.clone(), text));
        }
        Self::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }

    /// Fields whose value differs from the book's recipe for `self.model`.
    pub fn differences_from_book(&self) -> Vec<&'static str> {
        let book = RunConfig::preset(self.model);
        FIELDS
            .iter()
            .copied()
            .filter(|f| *f != "seed" && self.get(f) != book.get(f))
            .collect()
    }

    /// The URL query form of every setting (the page's share link).
    pub fn to_query(&self) -> String {
        FIELDS
            .iter()
            .chain(std::iter::once(&"backend"))
            .map(|f| format!("{f}={}", self.get(f).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Reads a URL query string leniently, as the page must: keys that are not settings are left to
    /// the page (`autostart`, `embed`, `controls`); a bad value keeps the default and is reported.
    pub fn from_query_lenient(query: &str) -> (Self, Vec<ConfigError>) {
        let pairs: Vec<(String, String)> = query
            .trim_start_matches('?')
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .filter(|(k, _)| FIELDS.contains(&k.as_str()) || k == "backend")
            .collect();
        let mut notices = Vec::new();
        let mut config = RunConfig::default();
        for (k, v) in pairs.iter().filter(|(k, _)| k == "model") {
            if let Err(e) = config.set(k, v) {
                notices.push(e);
            }
        }
        for (k, v) in pairs.iter().filter(|(k, _)| k != "model") {
            let before = config.clone();
            let result = config.set(k, v).and_then(|_| config.validate());
            if let Err(e) = result {
                config = before;
                notices.push(e);
            }
        }
        (config, notices)
    }
}

/// A key as an error names it: a blank one gets words, since an empty name reads as nothing.
fn field_name(key: &str) -> String {
    if key.trim().is_empty() {
        "(a setting with no name)".into()
    } else {
        key.into()
    }
}

/// Decodes %XX escapes and '+' in a URL query component; malformed escapes are kept as text.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn percent_escapes_decode() {
        assert_eq!(percent_decode("a%20b+c"), "a b c");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
