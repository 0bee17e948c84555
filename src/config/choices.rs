//! The named choices among the settings: the chapter's model ladder (m1..m7), the recurrent
//! cell, and the backend. Each reads its name back (`FromStr`) with an error that lists the
//! choices as the table of settings has them.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{ConfigError, settings};

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
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        Preset::ALL
            .into_iter()
            .find(|p| p.name() == s.trim().to_lowercase())
            .ok_or_else(|| unknown_choice("model", s))
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
    pub const ALL: [CellKind; 4] = [
        CellKind::Simple,
        CellKind::Rnn,
        CellKind::Lstm,
        CellKind::Gru,
    ];

    /// The cell in a few words, as the page's menu shows it.
    pub fn label(self) -> &'static str {
        match self {
            CellKind::Simple => "simple: relu(H(h + x))",
            CellKind::Rnn => "RNN (tanh)",
            CellKind::Lstm => "LSTM",
            CellKind::Gru => "GRU",
        }
    }

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
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        CellKind::ALL
            .into_iter()
            .find(|c| c.name() == s.trim().to_lowercase())
            .ok_or_else(|| unknown_choice("cell", s))
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
    /// wgpu: Vulkan/Metal natively, WebGPU in a browser. Its key is the page's "webgpu".
    #[serde(rename = "webgpu", alias = "wgpu")]
    Wgpu,
}

impl BackendChoice {
    pub const ALL: [BackendChoice; 5] = [
        BackendChoice::Auto,
        BackendChoice::Wgpu,
        BackendChoice::Cpu,
        BackendChoice::Flex,
        BackendChoice::Ndarray,
    ];

    /// The setting's value in URLs and JSON ("webgpu" for the GPU, as the page says it).
    pub fn key(self) -> &'static str {
        match self {
            BackendChoice::Wgpu => "webgpu",
            other => other.name(),
        }
    }

    /// The choice in a few words, as the page's menu shows it.
    pub fn label(self) -> &'static str {
        match self {
            BackendChoice::Auto => "auto (WebGPU if it is faster)",
            BackendChoice::Wgpu => "WebGPU (wgpu natively)",
            BackendChoice::Cpu => "CPU",
            BackendChoice::Flex => "CPU: burn flex",
            BackendChoice::Ndarray => "CPU: burn ndarray (native only)",
        }
    }

    /// Whether the page offers it (the browser has one CPU backend, so it names only "cpu").
    pub fn in_browser(self) -> bool {
        matches!(
            self,
            BackendChoice::Auto | BackendChoice::Wgpu | BackendChoice::Cpu
        )
    }

    /// The name the CLI prints (`wgpu` for the GPU, as burn calls it).
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
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, ConfigError> {
        let name = s.trim().to_lowercase();
        // "wgpu" (burn's name) and "gpu" are read as the page's "webgpu".
        let name = if name == "wgpu" || name == "gpu" {
            "webgpu".into()
        } else {
            name
        };
        BackendChoice::ALL
            .into_iter()
            .find(|b| b.key() == name)
            .ok_or_else(|| unknown_choice("backend", s))
    }
}

/// A name that is none of a choice's: the error names the setting and its choices (from the
/// table of settings, so the list is written once).
fn unknown_choice(key: &str, given: &str) -> ConfigError {
    ConfigError {
        field: key.into(),
        value: given.into(),
        allowed: settings::find(key)
            .map(|s| s.range.allowed())
            .unwrap_or_default(),
    }
}
