//! A checkpoint's bytes: everything a run needs to go on elsewhere (weights, the optimizer's
//! averages, the generator's position, the carried hidden state, the history), in a form that
//! outlives the device, the wasm instance and the worker, and is checked before it is trusted.
//! Taking one from a `Trainer` and restoring one is in `trainer/checkpoint.rs`.
//!
//! Layout: the 8 bytes `RNNPCKPT`, the header's length (u32, little-endian), the header (JSON),
//! zero padding to a multiple of 8, the history as f64 (little-endian; JSON would round some
//! floats), then the tensors as f32 little-endian, in header order.

use serde::{Deserialize, Serialize};

use super::metrics::{EpochRecord, History, SmoothLoss, StepRecord};
use super::trainer::Phase;
use crate::config::{BackendChoice, ConfigError, RunConfig};
use crate::rng::Draws;

const MAGIC: &[u8; 8] = b"RNNPCKPT";
pub(super) const VERSION: u32 = 1;

/// Why bytes are not a checkpoint this build can restore.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckpointError {
    /// The bytes do not start with `RNNPCKPT`.
    NotACheckpoint,
    /// The bytes end inside this part.
    CutShort(Part),
    /// The header is not the JSON this build writes.
    UnreadableHeader(String),
    /// Written in another format version.
    Version(u32),
    /// The header's config does not validate.
    InvalidConfig(ConfigError),
    /// The header describes more numbers than any memory could hold.
    Oversized,
    /// The header describes another count of numbers than the bytes hold.
    WrongCount { held: usize, described: usize },
    /// This part does not fit the model or the run that the checkpoint's config builds.
    DoesNotFit(Part),
}

/// A part of a checkpoint, as a `CheckpointError` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Header,
    History,
    Numbers,
    HiddenState,
    Weights,
    Position,
}

impl std::fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not a usable checkpoint: ")?;
        match self {
            CheckpointError::NotACheckpoint => write!(f, "it does not start with RNNPCKPT"),
            CheckpointError::CutShort(Part::Numbers) => write!(f, "its numbers are cut short"),
            CheckpointError::CutShort(part) => write!(f, "{} is cut short", part.name()),
            CheckpointError::UnreadableHeader(why) => write!(f, "its header is unreadable ({why})"),
            CheckpointError::Version(found) => write!(
                f,
                "it has format version {found}, this build reads {VERSION}"
            ),
            CheckpointError::InvalidConfig(e) => write!(f, "its config is invalid ({e})"),
            CheckpointError::Oversized => {
                write!(f, "its header describes more numbers than it could hold")
            }
            CheckpointError::WrongCount { held, described } => write!(
                f,
                "it holds {held} numbers where its header describes {described}"
            ),
            CheckpointError::DoesNotFit(Part::Weights) => {
                write!(f, "its weights do not fit the model its config builds")
            }
            CheckpointError::DoesNotFit(part) => {
                write!(f, "{} does not fit its config", part.name())
            }
        }
    }
}

impl std::error::Error for CheckpointError {}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Header => "its header",
            Part::History => "its history",
            Part::Numbers => "its numbers",
            Part::HiddenState => "its hidden state",
            Part::Weights => "its weights",
            Part::Position => "its position in the run",
        }
    }
}

/// One parameter: its shape, and the optimizer steps behind its averages (0: none yet).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub(super) struct ParamEntry {
    pub(super) shape: Vec<usize>,
    pub(super) adam_steps: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Header {
    pub(super) version: u32,
    pub(super) config: RunConfig,
    pub(super) phase: Phase,
    pub(super) epoch: usize,
    pub(super) batch: usize,
    pub(super) step: usize,
    /// Seconds the current epoch had run when the checkpoint was taken.
    pub(super) epoch_seconds: f64,
    /// The history's parameter groups, and how many step and epoch records follow as f64.
    pub(super) groups: Vec<String>,
    pub(super) steps: usize,
    pub(super) epochs: usize,
    pub(super) draws: Draws,
    pub(super) params: Vec<ParamEntry>,
    /// The carried hidden state: [rows, hidden] per layer, and whether a cell state follows.
    pub(super) hidden: Option<Vec<(Vec<usize>, bool)>>,
}

/// A run's state, off the device.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub(super) header: Header,
    pub(super) history: History,
    pub(super) smooth: SmoothLoss,
    /// The weights (and the optimizer's averages), then the hidden state, in header order.
    pub(super) values: Vec<f32>,
}

/// Numbers per step record: step, epoch, loss, lr, mom, grad_norm, then one per group.
const STEP_FIELDS: usize = 6;
/// Numbers per epoch record: epoch, train_loss, valid_loss, accuracy, seconds.
const EPOCH_FIELDS: usize = 5;

fn history_numbers(history: &History, smooth: &SmoothLoss) -> Vec<f64> {
    let (value, count) = smooth.parts();
    let mut out = vec![value, count as f64];
    for s in &history.steps {
        out.extend([
            s.step as f64,
            s.epoch as f64,
            s.loss,
            s.lr,
            s.mom,
            s.grad_norm,
        ]);
        out.extend(&s.group_grad_norms);
    }
    for e in &history.epochs {
        out.extend([
            e.epoch as f64,
            e.train_loss,
            e.valid_loss,
            e.accuracy,
            e.seconds,
        ]);
    }
    out
}

fn history_from_numbers(header: &Header, numbers: &[f64]) -> (History, SmoothLoss) {
    let smooth = SmoothLoss::from_parts(numbers[0], numbers[1] as i32);
    let groups = header.groups.len();
    let (steps, epochs) = numbers[2..].split_at(header.steps * (STEP_FIELDS + groups));
    let steps = steps
        .chunks_exact(STEP_FIELDS + groups)
        .map(|v| StepRecord {
            step: v[0] as usize,
            epoch: v[1] as usize,
            loss: v[2],
            lr: v[3],
            mom: v[4],
            grad_norm: v[5],
            group_grad_norms: v[STEP_FIELDS..].to_vec(),
        })
        .collect();
    let epochs = epochs
        .chunks_exact(EPOCH_FIELDS)
        .map(|v| EpochRecord {
            epoch: v[0] as usize,
            train_loss: v[1],
            valid_loss: v[2],
            accuracy: v[3],
            seconds: v[4],
        })
        .collect();
    let history = History {
        groups: header.groups.clone(),
        steps,
        epochs,
    };
    (history, smooth)
}

impl Checkpoint {
    /// The run's config (its `backend` is the one it was asked to use).
    pub fn config(&self) -> &RunConfig {
        &self.header.config
    }

    /// Moves the restored run to another backend choice.
    pub fn set_backend(&mut self, backend: BackendChoice) {
        self.header.config.backend = backend;
    }

    /// Training batches done when it was taken.
    pub fn step(&self) -> usize {
        self.header.step
    }

    /// Epochs finished when it was taken.
    pub fn epoch(&self) -> usize {
        self.header.epoch
    }

    /// The run's records up to the checkpoint.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// The checkpoint as bytes in the layout above (`from_bytes` reads them back).
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).expect("a checkpoint header serialises");
        let mut bytes = Vec::with_capacity(16 + header.len() + 4 * self.values.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        while !bytes.len().is_multiple_of(8) {
            bytes.push(0);
        }
        for v in history_numbers(&self.history, &self.smooth) {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        for v in &self.values {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        bytes
    }

    /// Reads bytes from `to_bytes`, checking everything that a restore relies on.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CheckpointError> {
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(CheckpointError::NotACheckpoint);
        }
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        let header_end = 12usize
            .checked_add(header_len)
            .filter(|&end| end <= bytes.len())
            .ok_or(CheckpointError::CutShort(Part::Header))?;
        let header: Header = serde_json::from_slice(&bytes[12..header_end])
            .map_err(|e| CheckpointError::UnreadableHeader(e.to_string()))?;
        if header.version != VERSION {
            return Err(CheckpointError::Version(header.version));
        }
        header
            .config
            .validate()
            .map_err(CheckpointError::InvalidConfig)?;
        let history_start = header_end.div_ceil(8) * 8;
        let history_len = header
            .steps
            .checked_mul(STEP_FIELDS + header.groups.len())
            .zip(header.epochs.checked_mul(EPOCH_FIELDS))
            .and_then(|(a, b)| a.checked_add(b)?.checked_add(2))
            .ok_or(CheckpointError::CutShort(Part::History))?;
        let data_start = history_len
            .checked_mul(8)
            .and_then(|n| n.checked_add(history_start))
            .filter(|&end| end <= bytes.len())
            .ok_or(CheckpointError::CutShort(Part::History))?;
        let numbers: Vec<f64> = bytes[history_start..data_start]
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let (history, smooth) = history_from_numbers(&header, &numbers);
        let data = &bytes[data_start..];
        if !data.len().is_multiple_of(4) {
            return Err(CheckpointError::CutShort(Part::Numbers));
        }
        let values: Vec<f32> = data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect();
        let hidden_ok = header.hidden.iter().flatten().all(|(shape, _)| {
            shape.len() == 2
                && shape[0] == header.config.batch_size
                && shape[1] == header.config.hidden
        }) && header
            .hidden
            .as_ref()
            .is_none_or(|layers| layers.len() == header.config.layers);
        if !hidden_ok {
            return Err(CheckpointError::DoesNotFit(Part::HiddenState));
        }
        let sizes = header
            .params
            .iter()
            .map(|p| (&p.shape, if p.adam_steps > 0 { 3 } else { 1 }))
            .chain(
                header
                    .hidden
                    .iter()
                    .flatten()
                    .map(|(shape, cell)| (shape, if *cell { 2 } else { 1 })),
            );
        let mut expected = 0usize;
        for (shape, copies) in sizes {
            expected = shape
                .iter()
                .try_fold(copies, |n: usize, &d| n.checked_mul(d))
                .and_then(|n| expected.checked_add(n))
                .ok_or(CheckpointError::Oversized)?;
        }
        if values.len() != expected {
            return Err(CheckpointError::WrongCount {
                held: values.len(),
                described: expected,
            });
        }
        Ok(Checkpoint {
            header,
            history,
            smooth,
            values,
        })
    }
}
