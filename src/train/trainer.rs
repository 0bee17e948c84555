//! The training loop of chapter 12, one batch per call to `advance`, so that a browser can drive
//! it a few batches at a time, pause, and draw in between.
//!
//! Per epoch: reset the hidden state (ModelResetter), train on every batch in order (the state is
//! carried from batch to batch and detached: truncated BPTT), reset again, validate. The losses
//! are in `loss.rs`, validation and prediction in `inference.rs`; metrics wait on the device until
//! a flush (`trainer/pending.rs`); checkpoints are taken and restored in `trainer/checkpoint.rs`.

use burn::module::{Module, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::inference::{batch_tensors, prediction_count, valid_batch_sums};
use super::loss::{activation_penalties, cross_entropy};
use super::metrics::{EpochRecord, History, SmoothLoss};
use super::optim::{FastaiAdam, StepSettings, grad_square_sums};
use super::schedule::one_cycle;
use crate::config::RunConfig;
use crate::data::{Batch, Corpus, DataLayout, DataSplits};
use crate::model::{LanguageModel, LayerState};
use crate::rng::RunRng;

mod asking;
mod checkpoint;
mod pending;

use pending::Pending;

/// Which part of the epoch the next `advance` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Train,
    Valid,
    Done,
}

/// Where the run stands after an `advance`.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub phase: Phase,
    /// 0-based epoch the next batch belongs to (equals `epochs` when done).
    pub epoch: usize,
    pub epochs: usize,
    /// Batches done in the current phase, and how many it has.
    pub batch: usize,
    pub batches: usize,
    /// Training batches done over the whole run, and how many the run has.
    pub step: usize,
    pub total_steps: usize,
    /// True when this call finished an epoch (its record arrives with the next flush).
    pub epoch_finished: bool,
}

/// Why training stopped early.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TrainError {
    /// The loss became NaN or infinite at `step`; everything recorded before it is kept.
    Diverged {
        step: usize,
        epoch: usize,
        loss: f64,
    },
    /// The device could not run or read back the computation (e.g. a lost GPU).
    Device(String),
    /// The run cannot do what was asked where it stands (e.g. a checkpoint while validating).
    NotNow(String),
}

impl std::fmt::Display for TrainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TrainError::Diverged { step, epoch, loss } => write!(
                f,
                "training diverged: the loss became {loss} at step {step} (epoch {epoch}). Try a lower learning rate, \
                 gradient clipping (clip=1), or an LSTM, which tolerates higher rates than a plain RNN"
            ),
            TrainError::Device(message) => write!(f, "the compute device failed: {message}"),
            TrainError::NotNow(message) => write!(f, "{message}"),
        }
    }
}

impl std::error::Error for TrainError {}

/// One run: its data, model, optimizer and place in the schedule, advanced a batch at a time.
pub struct Trainer {
    config: RunConfig,
    corpus: Corpus,
    data: DataSplits,
    /// `base_device` under autodiff: training.
    device: Device,
    /// The plain device: validation, inference and metrics.
    base_device: Device,
    /// `None` only while the optimizer is updating it.
    model: Option<LanguageModel>,
    valid_model: Option<LanguageModel>,
    optim: FastaiAdam,
    groups: Vec<(String, Vec<ParamId>)>,
    rng: RunRng,
    hidden_state: Option<Vec<LayerState>>,
    phase: Phase,
    epoch: usize,
    batch: usize,
    train_batches: Vec<Batch>,
    step: usize,
    total_steps: usize,
    epoch_started: Instant,
    pending: Vec<Tensor<1>>,
    pending_meta: Vec<Pending>,
    history: History,
    smooth: SmoothLoss,
    valid_sums: (f64, f64, usize, usize),
    diverged: Option<TrainError>,
}

impl Trainer {
    /// Builds the data and the model for `config` on `device` (a plain device: autodiff is added
    /// here). The config is validated first.
    pub fn new(config: RunConfig, device: Device) -> Result<Self, crate::config::ConfigError> {
        config.validate()?;
        let corpus = Corpus::human_numbers();
        let layout = DataLayout {
            seq_len: config.bptt,
            batch_size: config.batch_size,
            stateful: config.stateful,
        };
        let data = DataSplits::new(&corpus, layout);
        let base_device = device;
        let device = base_device.clone().autodiff();
        let mut rng = RunRng::new(config.seed);
        let model = LanguageModel::new(&config, corpus.vocab.len(), &device, &mut rng);
        let groups = model.param_groups();
        let history = History {
            groups: groups.iter().map(|(name, _)| name.clone()).collect(),
            ..History::default()
        };
        let total_steps = data.train_batch_count() * config.epochs;
        Ok(Trainer {
            optim: FastaiAdam::new(model.no_decay_params()),
            model: Some(model),
            valid_model: None,
            groups,
            rng,
            hidden_state: None,
            phase: Phase::Train,
            epoch: 0,
            batch: 0,
            train_batches: Vec::new(),
            step: 0,
            total_steps,
            epoch_started: Instant::now(),
            pending: Vec::new(),
            pending_meta: Vec::new(),
            history,
            smooth: SmoothLoss::default(),
            valid_sums: (0.0, 0.0, 0, 0),
            diverged: None,
            config,
            corpus,
            data,
            device,
            base_device,
        })
    }

    /// The settings the run was built from.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The text and its vocabulary (for encoding prompts).
    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    /// The model with its current weights.
    pub fn model(&self) -> &LanguageModel {
        self.model
            .as_ref()
            .expect("the model is only absent during an optimizer step")
    }

    /// Everything recorded so far (up to the last flush).
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Whether every epoch has run (or the run stopped at an error).
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The hidden state carried to the next batch (`None` after a reset).
    pub fn hidden_state(&self) -> Option<&[LayerState]> {
        self.hidden_state.as_deref()
    }

    /// Where the run stands; `epoch_finished`: whether the call that reports it ended an epoch.
    pub fn progress(&self, epoch_finished: bool) -> Progress {
        let batches = match self.phase {
            Phase::Train => self.data.train_batch_count(),
            Phase::Valid => self.data.valid_batches.len(),
            Phase::Done => 0,
        };
        Progress {
            phase: self.phase,
            epoch: self.epoch,
            epochs: self.config.epochs,
            batch: self.batch,
            batches,
            step: self.step,
            total_steps: self.total_steps,
            epoch_finished,
        }
    }

    /// Runs the next batch: a training batch, or a validation batch once the epoch's training
    /// batches are done. Returns an error once the run has diverged.
    pub fn advance(&mut self) -> Result<Progress, TrainError> {
        if let Some(error) = &self.diverged {
            return Err(error.clone());
        }
        let mut epoch_finished = false;
        match self.phase {
            Phase::Done => {}
            Phase::Train => {
                if self.batch == 0 {
                    self.begin_epoch();
                }
                self.train_batch();
                self.batch += 1;
                if self.batch == self.train_batches.len() {
                    self.phase = Phase::Valid;
                    self.batch = 0;
                    if self.config.reset_state {
                        self.hidden_state = None;
                    }
                    self.valid_model = Some(self.model().valid());
                }
            }
            Phase::Valid => {
                self.valid_batch();
                self.batch += 1;
                if self.batch == self.data.valid_batches.len() {
                    self.pending_meta.push(Pending::EpochEnd {
                        epoch: self.epoch,
                        started: self.epoch_started,
                    });
                    self.valid_model = None;
                    self.epoch += 1;
                    self.batch = 0;
                    epoch_finished = true;
                    self.phase = if self.epoch == self.config.epochs {
                        Phase::Done
                    } else {
                        Phase::Train
                    };
                    if self.phase == Phase::Done && self.config.reset_state {
                        self.hidden_state = None;
                    }
                }
            }
        }
        Ok(self.progress(epoch_finished))
    }

    fn begin_epoch(&mut self) {
        self.epoch_started = Instant::now();
        if self.config.reset_state {
            self.hidden_state = None;
        }
        self.train_batches = self.data.train_batches(self.shuffle_seed());
    }

    /// The seed of this epoch's order of training batches, when they are shuffled.
    fn shuffle_seed(&self) -> Option<u64> {
        self.config
            .shuffle
            .then(|| self.config.seed.wrapping_add(1 + self.epoch as u64))
    }

    fn train_batch(&mut self) {
        let config = &self.config;
        let (lr, mom) = one_cycle(
            self.step as f64 / self.total_steps as f64,
            config.lr,
            config.mom_high,
            config.mom_low,
        );
        let batch = &self.train_batches[self.batch];
        let (inputs, targets) = batch_tensors(batch, config.every_token, &self.device);
        let model = self.model.take().expect("model present between steps");
        let noise = model.sample_noise(
            config,
            batch.rows,
            batch.seq_len,
            &mut self.rng,
            &self.device,
        );
        let state_in = if config.stateful {
            self.hidden_state.take()
        } else {
            None
        };
        let out = model.forward(inputs, state_in, &noise);

        let ce = cross_entropy(out.logits, targets);
        let loss = ce.clone() + activation_penalties(&out.raw, &out.dropped, config.ar, config.tar);
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let group_sq = grad_square_sums(&model, &grads, &self.groups);
        let total_sq = group_sq
            .iter()
            .cloned()
            .reduce(|a, b| a + b)
            .expect("at least one group");
        let grad_scale = (config.grad_clip > 0.0).then(|| {
            // clip / max(norm, clip): 1 below the threshold, shrinking the step above it.
            let clip = config.grad_clip;
            total_sq
                .clone()
                .sqrt()
                .clamp_min(clip)
                .recip()
                .mul_scalar(clip)
        });
        let settings = StepSettings {
            lr,
            beta1: mom,
            wd: config.wd,
        };
        self.model = Some(self.optim.step(model, grads, settings, grad_scale));
        if config.stateful {
            self.hidden_state = Some(out.state.into_iter().map(LayerState::detached).collect());
        }

        let mut values = vec![ce.inner(), total_sq];
        values.extend(group_sq);
        self.pending.push(Tensor::cat(values, 0));
        self.pending_meta.push(Pending::Train {
            step: self.step,
            epoch: self.epoch,
            lr,
            mom,
        });
        self.step += 1;
    }

    fn valid_batch(&mut self) {
        let batch = &self.data.valid_batches[self.batch];
        let model = self
            .valid_model
            .as_ref()
            .expect("validation model set at the end of training batches");
        let state_in = if self.config.stateful {
            self.hidden_state.take()
        } else {
            None
        };
        let (sums, state) = valid_batch_sums(
            model,
            batch,
            state_in,
            self.config.every_token,
            &self.base_device,
        );
        if self.config.stateful {
            self.hidden_state = Some(state);
        }
        self.pending.push(sums);
        self.pending_meta.push(Pending::Valid {
            rows: batch.rows,
            predictions: prediction_count(batch, self.config.every_token),
        });
    }

    /// Runs the rest of the current epoch (training and validation) and reads its record.
    pub fn run_epoch(&mut self) -> Result<Option<EpochRecord>, TrainError> {
        while !self.is_done() {
            if self.advance()?.epoch_finished {
                break;
            }
        }
        self.flush()?;
        Ok(self.history.epochs.last().cloned())
    }

    /// Zeroes the hidden state (what ModelResetter does).
    pub fn reset_state(&mut self) {
        self.hidden_state = None;
    }

    /// Training batches per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.data.train_batch_count()
    }

    /// Parameters in the model (the tied weight counts once).
    pub fn param_count(&self) -> usize {
        self.model().num_params()
    }
}
