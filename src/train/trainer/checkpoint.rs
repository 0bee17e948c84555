//! Checkpoints: everything a run needs to go on elsewhere (weights, the optimizer's averages, the
//! generator's position, the carried hidden state, the history), read off the device in one go
//! and packed into bytes that outlive the device, the wasm instance and the worker. A run on a GPU
//! that is lost continues on the CPU from its last checkpoint.
//!
//! Layout: the 8 bytes `RNNPCKPT`, the header's length (u32, little-endian), the header (JSON),
//! zero padding to a multiple of 8, the history as f64 (little-endian; JSON would round some
//! floats), then the tensors as f32 little-endian, in header order.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use web_time::{Duration, Instant};

use super::{Phase, TrainError, Trainer};
use crate::config::{BackendChoice, RunConfig};
use crate::model::LayerState;
use crate::rng::{Draws, RunRng};
use crate::train::metrics::{EpochRecord, History, SmoothLoss, StepRecord};

const MAGIC: &[u8; 8] = b"RNNPCKPT";
const VERSION: u32 = 1;

/// One parameter: its shape, and the optimizer steps behind its averages (0: none yet).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct ParamEntry {
    shape: Vec<usize>,
    adam_steps: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    version: u32,
    config: RunConfig,
    phase: Phase,
    epoch: usize,
    batch: usize,
    step: usize,
    /// Seconds the current epoch had run when the checkpoint was taken.
    epoch_seconds: f64,
    /// The history's parameter groups, and how many step and epoch records follow as f64.
    groups: Vec<String>,
    steps: usize,
    epochs: usize,
    draws: Draws,
    params: Vec<ParamEntry>,
    /// The carried hidden state: [rows, hidden] per layer, and whether a cell state follows.
    hidden: Option<Vec<(Vec<usize>, bool)>>,
}

/// A run's state, off the device.
#[derive(Debug, Clone)]
pub struct Checkpoint {
    header: Header,
    history: History,
    smooth: SmoothLoss,
    values: Vec<f32>,
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

    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let header = serde_json::to_vec(&self.header).expect("a checkpoint header serialises");
        let mut bytes = Vec::with_capacity(16 + header.len() + 4 * self.values.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(header.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&header);
        while bytes.len() % 8 != 0 {
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
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        let bad = |why: &str| format!("not a usable checkpoint: {why}");
        if bytes.len() < 12 || &bytes[..8] != MAGIC {
            return Err(bad("it does not start with RNNPCKPT"));
        }
        let header_len = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
        let header_end = 12usize
            .checked_add(header_len)
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| bad("it is cut short"))?;
        let header: Header = serde_json::from_slice(&bytes[12..header_end])
            .map_err(|e| bad(&format!("its header is unreadable ({e})")))?;
        if header.version != VERSION {
            return Err(bad(&format!(
                "it has format version {}, this build reads {VERSION}",
                header.version
            )));
        }
        header
            .config
            .validate()
            .map_err(|e| bad(&format!("its config is invalid ({e})")))?;
        let history_start = header_end.div_ceil(8) * 8;
        let history_len = header
            .steps
            .checked_mul(STEP_FIELDS + header.groups.len())
            .zip(header.epochs.checked_mul(EPOCH_FIELDS))
            .and_then(|(a, b)| a.checked_add(b)?.checked_add(2))
            .ok_or_else(|| bad("its history is cut short"))?;
        let data_start = history_len
            .checked_mul(8)
            .and_then(|n| n.checked_add(history_start))
            .filter(|&end| end <= bytes.len())
            .ok_or_else(|| bad("its history is cut short"))?;
        let numbers: Vec<f64> = bytes[history_start..data_start]
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        let (history, smooth) = history_from_numbers(&header, &numbers);
        let data = &bytes[data_start..];
        if data.len() % 4 != 0 {
            return Err(bad("its numbers are cut short"));
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
            return Err(bad("its hidden state does not fit its config"));
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
                .ok_or_else(|| bad("its header describes more numbers than it could hold"))?;
        }
        if values.len() != expected {
            return Err(bad(&format!(
                "it holds {} numbers where its header describes {expected}",
                values.len()
            )));
        }
        Ok(Checkpoint {
            header,
            history,
            smooth,
            values,
        })
    }
}

/// The model's parameters in visiting order (the order is fixed by the config).
struct Collect(Vec<(ParamId, Tensor<1>, Vec<usize>)>);

impl ModuleVisitor for Collect {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val().inner();
        let shape = tensor.dims().to_vec();
        let n: usize = shape.iter().product();
        self.0.push((param.id, tensor.reshape([n]), shape));
    }
}

/// Replaces each parameter's value, in visiting order, keeping its id.
struct Load<'a> {
    values: std::vec::IntoIter<Vec<f32>>,
    device: &'a Device,
}

impl ModuleMapper for Load<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let shape = tensor.dims();
        let values = self
            .values
            .next()
            .expect("one value list per parameter, checked before");
        let loaded = Tensor::from_data(TensorData::new(values, shape), self.device).require_grad();
        Param::from_mapped_value(id, loaded, mapper)
    }
}

/// Refuses a position the restored run could not go on from (it would index past its batches):
/// where a checkpoint is taken, the step is the epochs' batches plus the batch, and the history
/// has one record per step and epoch, under the model's parameter groups.
fn check_position(header: &Header, history: &History, fresh: &Trainer) -> Result<(), String> {
    let per_epoch = fresh.batches_per_epoch();
    let epochs = header.config.epochs;
    let placed = match header.phase {
        Phase::Train => header.epoch < epochs && header.batch < per_epoch,
        Phase::Done => header.epoch == epochs && header.batch == 0,
        Phase::Valid => false,
    };
    let consistent = placed
        && header.step == header.epoch * per_epoch + header.batch
        && history.steps.len() == header.step
        && history.epochs.len() == header.epoch
        && history.groups == fresh.history.groups;
    if consistent {
        Ok(())
    } else {
        Err("not a usable checkpoint: its position in the run does not fit its config".into())
    }
}

impl Trainer {
    /// What a checkpoint reads off the device, as one flat tensor, with the header that
    /// describes it. Flushes pending metrics first (blocking: native only; see `checkpoint_async`).
    fn checkpoint_parts(&self) -> Result<(Header, Option<Tensor<1>>), TrainError> {
        if let Some(error) = &self.diverged {
            return Err(error.clone());
        }
        if self.phase == Phase::Valid {
            return Err(TrainError::NotNow(
                "a checkpoint is taken between training batches, and this run is validating: \
                 advance to the end of the epoch first"
                    .into(),
            ));
        }
        let mut collect = Collect(Vec::new());
        self.model().visit(&mut collect);
        let mut pieces = Vec::new();
        let mut params = Vec::new();
        for (id, value, shape) in collect.0 {
            pieces.push(value);
            let adam_steps = match self.optim.moments(&id) {
                Some((grad_avg, sqr_avg, steps)) => {
                    pieces.push(grad_avg);
                    pieces.push(sqr_avg);
                    steps
                }
                None => 0,
            };
            params.push(ParamEntry { shape, adam_steps });
        }
        let hidden = self.hidden_state.as_ref().map(|layers| {
            layers
                .iter()
                .map(|layer| {
                    let shape = layer.hidden.dims().to_vec();
                    let n: usize = shape.iter().product();
                    pieces.push(layer.hidden.clone().inner().reshape([n]));
                    if let Some(cell) = &layer.cell {
                        pieces.push(cell.clone().inner().reshape([n]));
                    }
                    (shape, layer.cell.is_some())
                })
                .collect()
        });
        let header = Header {
            version: VERSION,
            config: self.config.clone(),
            phase: self.phase,
            epoch: self.epoch,
            batch: self.batch,
            step: self.step,
            epoch_seconds: if self.phase == Phase::Train && self.batch > 0 {
                self.epoch_started.elapsed().as_secs_f64()
            } else {
                0.0
            },
            groups: self.history.groups.clone(),
            steps: self.history.steps.len(),
            epochs: self.history.epochs.len(),
            draws: self.rng.draws(),
            params,
            hidden,
        };
        let flat = (!pieces.is_empty()).then(|| Tensor::cat(pieces, 0));
        Ok((header, flat))
    }

    fn packed(&self, header: Header, values: Vec<f32>) -> Checkpoint {
        Checkpoint {
            header,
            history: self.history.clone(),
            smooth: self.smooth.clone(),
            values,
        }
    }

    /// The run's state, off the device (blocking: native only).
    pub fn checkpoint(&mut self) -> Result<Checkpoint, TrainError> {
        self.flush()?;
        let (header, flat) = self.checkpoint_parts()?;
        let values = match flat {
            Some(t) => t
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .map_err(|e| TrainError::Device(format!("{e:?}")))?,
            None => Vec::new(),
        };
        Ok(self.packed(header, values))
    }

    /// The run's state, off the device, without blocking (required on WebGPU).
    pub async fn checkpoint_async(&mut self) -> Result<Checkpoint, TrainError> {
        self.flush_async().await?;
        let (header, flat) = self.checkpoint_parts()?;
        let values = match flat {
            Some(t) => t
                .into_data_async()
                .await
                .map_err(|e| TrainError::Device(format!("{e:?}")))?
                .convert::<f32>()
                .try_to_vec::<f32>()
                .map_err(|e| TrainError::Device(format!("{e:?}")))?,
            None => Vec::new(),
        };
        Ok(self.packed(header, values))
    }

    /// A run that goes on from `checkpoint` on `device`: the same weights, optimizer, generator,
    /// hidden state and history, so it continues as the original would have.
    pub fn from_checkpoint(checkpoint: Checkpoint, device: Device) -> Result<Trainer, String> {
        let Checkpoint {
            header,
            history,
            smooth,
            values,
        } = checkpoint;
        let mut trainer = Trainer::new(header.config.clone(), device).map_err(|e| e.to_string())?;
        check_position(&header, &history, &trainer)?;
        let mut collect = Collect(Vec::new());
        trainer.model().visit(&mut collect);
        let shapes: Vec<&Vec<usize>> = collect.0.iter().map(|(_, _, s)| s).collect();
        let stored: Vec<&Vec<usize>> = header.params.iter().map(|p| &p.shape).collect();
        if shapes != stored {
            return Err(
                "not a usable checkpoint: its weights do not fit the model its config builds"
                    .into(),
            );
        }
        let mut values = values.into_iter();
        let mut take = |n: usize| -> Vec<f32> { values.by_ref().take(n).collect() };
        let mut weights = Vec::new();
        for ((id, _, _), entry) in collect.0.iter().zip(&header.params) {
            let n: usize = entry.shape.iter().product();
            weights.push(take(n));
            if entry.adam_steps > 0 {
                let tensor =
                    |v: Vec<f32>| Tensor::from_data(TensorData::new(v, [n]), &trainer.base_device);
                let grad_avg = tensor(take(n));
                let sqr_avg = tensor(take(n));
                trainer
                    .optim
                    .set_moments(*id, grad_avg, sqr_avg, entry.adam_steps);
            }
        }
        let model = trainer.model.take().expect("a new trainer has its model");
        let mut load = Load {
            values: weights.into_iter(),
            device: &trainer.device,
        };
        trainer.model = Some(model.map(&mut load));
        trainer.hidden_state = header.hidden.as_ref().map(|layers| {
            layers
                .iter()
                .map(|(shape, has_cell)| {
                    let n: usize = shape.iter().product();
                    let tensor = |v: Vec<f32>| {
                        Tensor::from_data(
                            TensorData::new(v, [shape[0], shape[1]]),
                            &trainer.base_device,
                        )
                    };
                    let hidden = tensor(take(n));
                    let cell = has_cell.then(|| tensor(take(n)));
                    LayerState { hidden, cell }
                })
                .collect()
        });
        trainer.phase = header.phase;
        trainer.epoch = header.epoch;
        trainer.batch = header.batch;
        trainer.step = header.step;
        trainer.history = history;
        trainer.smooth = smooth;
        trainer.rng = RunRng::resume(header.config.seed, header.draws);
        trainer.epoch_started = Duration::try_from_secs_f64(header.epoch_seconds)
            .ok()
            .and_then(|d| Instant::now().checked_sub(d))
            .unwrap_or_else(Instant::now);
        if trainer.phase == Phase::Train && trainer.batch > 0 {
            trainer.train_batches = trainer.data.train_batches(trainer.shuffle_seed());
        }
        Ok(trainer)
    }
}
