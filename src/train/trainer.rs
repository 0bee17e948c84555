//! The training loop of chapter 12, one batch per call to `advance`, so that a browser can drive
//! it a few batches at a time, pause, and draw in between.
//!
//! Per epoch: reset the hidden state (ModelResetter), train on every batch in order (the state is
//! carried from batch to batch and detached: truncated BPTT), reset again, validate. Metrics stay
//! on the device until `flush`/`flush_async` reads them all in one go.

use crate::rng::RunRng;
use burn::module::{Module, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::activation::{log_softmax, softmax};
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};
use web_time::Instant;

use super::metrics::{EpochRecord, History, SmoothLoss, StepRecord};
use super::optim::{FastaiAdam, StepSettings, grad_square_sums};
use super::schedule::one_cycle;
use crate::config::RunConfig;
use crate::data::{Batch, Corpus, DataLayout, DataSplits};
use crate::model::{LanguageModel, LayerState, Noise};

mod checkpoint;
pub use checkpoint::Checkpoint;

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

/// Metrics waiting on the device, in the order they were produced.
enum Pending {
    Train {
        step: usize,
        epoch: usize,
        lr: f64,
        mom: f64,
    },
    Valid {
        rows: usize,
        predictions: usize,
    },
    EpochEnd {
        epoch: usize,
        started: Instant,
    },
}

pub struct Trainer {
    config: RunConfig,
    corpus: Corpus,
    data: DataSplits,
    device: Device,
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

    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    pub fn corpus(&self) -> &Corpus {
        &self.corpus
    }

    pub fn model(&self) -> &LanguageModel {
        self.model
            .as_ref()
            .expect("the model is only absent during an optimizer step")
    }

    /// Everything recorded so far (up to the last flush).
    pub fn history(&self) -> &History {
        &self.history
    }

    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The hidden state carried to the next batch (`None` after a reset).
    pub fn hidden_state(&self) -> Option<&[LayerState]> {
        self.hidden_state.as_deref()
    }

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

    /// Validation loss and accuracy of the current weights, from a zero state, without training
    /// and without touching the run's own state: [loss, accuracy], still on the device.
    pub fn evaluate_tensor(&self) -> Tensor<1> {
        let model = self.model().valid();
        let mut state = None;
        let mut totals: Option<Tensor<1>> = None;
        let (mut rows, mut predictions) = (0, 0);
        for batch in &self.data.valid_batches {
            let (sums, next) = valid_batch_sums(
                &model,
                batch,
                state.take(),
                self.config.every_token,
                &self.base_device,
            );
            if self.config.stateful {
                state = Some(next);
            }
            rows += batch.rows;
            predictions += prediction_count(batch, self.config.every_token);
            totals = Some(match totals {
                Some(t) => t + sums,
                None => sums,
            });
        }
        let scale = Tensor::from_floats(
            [1.0 / rows as f32, 1.0 / predictions as f32],
            &self.base_device,
        );
        totals.expect("at least one validation batch") * scale
    }

    /// `evaluate_tensor`, read back (blocking: native only). Returns (valid loss, accuracy).
    pub fn evaluate(&self) -> (f64, f64) {
        let v = self
            .evaluate_tensor()
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32 metrics");
        (v[0] as f64, v[1] as f64)
    }

    /// Concatenates everything pending into one tensor, so a flush is a single readback.
    fn take_pending(&mut self) -> Option<Tensor<1>> {
        if self.pending.is_empty() {
            return None;
        }
        let tensors: Vec<Tensor<1>> = self.pending.drain(..).map(|t| t.inner()).collect();
        Some(Tensor::cat(tensors, 0))
    }

    /// Reads pending metrics (blocking: native only) and records them. Returns how many step and
    /// epoch records were added.
    pub fn flush(&mut self) -> Result<(usize, usize), TrainError> {
        let values = match self.take_pending() {
            Some(t) => t
                .into_data()
                .convert::<f32>()
                .try_to_vec::<f32>()
                .expect("f32 metrics"),
            None => Vec::new(),
        };
        self.absorb(values)
    }

    /// Reads pending metrics without blocking (required on WebGPU) and records them.
    pub async fn flush_async(&mut self) -> Result<(usize, usize), TrainError> {
        let values = match self.take_pending() {
            Some(t) => t
                .into_data_async()
                .await
                .map_err(|e| TrainError::Device(format!("{e:?}")))
                .map(|d| d.convert::<f32>().try_to_vec::<f32>().expect("f32 metrics"))?,
            None => Vec::new(),
        };
        self.absorb(values)
    }

    fn absorb(&mut self, values: Vec<f32>) -> Result<(usize, usize), TrainError> {
        let (steps_before, epochs_before) = (self.history.steps.len(), self.history.epochs.len());
        let mut values = values.into_iter().map(f64::from);
        let groups = self.groups.len();
        for meta in std::mem::take(&mut self.pending_meta) {
            match meta {
                Pending::Train {
                    step,
                    epoch,
                    lr,
                    mom,
                } => {
                    let loss = values.next().unwrap_or(f64::NAN);
                    let total_sq = values.next().unwrap_or(f64::NAN);
                    let group_grad_norms: Vec<f64> =
                        values.by_ref().take(groups).map(f64::sqrt).collect();
                    if !loss.is_finite() || !total_sq.is_finite() {
                        let error = TrainError::Diverged {
                            step,
                            epoch,
                            loss: if loss.is_finite() { total_sq } else { loss },
                        };
                        return Err(self.stop(error));
                    }
                    self.smooth.add(loss);
                    let grad_norm = total_sq.sqrt();
                    self.history.steps.push(StepRecord {
                        step,
                        epoch,
                        loss,
                        lr,
                        mom,
                        grad_norm,
                        group_grad_norms,
                    });
                }
                Pending::Valid { rows, predictions } => {
                    let loss_sum = values.next().unwrap_or(f64::NAN);
                    let correct = values.next().unwrap_or(f64::NAN);
                    let s = &mut self.valid_sums;
                    s.0 += loss_sum;
                    s.1 += correct;
                    s.2 += rows;
                    s.3 += predictions;
                }
                Pending::EpochEnd { epoch, started } => {
                    let (loss_sum, correct, rows, predictions) =
                        std::mem::take(&mut self.valid_sums);
                    let valid_loss = loss_sum / rows as f64;
                    if !valid_loss.is_finite() {
                        let step = self.history.steps.last().map_or(0, |s| s.step);
                        return Err(self.stop(TrainError::Diverged {
                            step,
                            epoch,
                            loss: valid_loss,
                        }));
                    }
                    self.history.epochs.push(EpochRecord {
                        epoch,
                        train_loss: self.smooth.get(),
                        valid_loss,
                        accuracy: correct / predictions as f64,
                        seconds: started.elapsed().as_secs_f64(),
                    });
                }
            }
        }
        Ok((
            self.history.steps.len() - steps_before,
            self.history.epochs.len() - epochs_before,
        ))
    }

    fn stop(&mut self, error: TrainError) -> TrainError {
        self.pending.clear();
        self.pending_meta.clear();
        self.phase = Phase::Done;
        self.diverged = Some(error.clone());
        error
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

    /// Next-token probabilities after `ids` (eval mode, from a zero state), still on the device.
    pub fn next_token_probs(&self, ids: &[usize]) -> Tensor<1> {
        let model = self.model().valid();
        let out = model.forward(token_tensor(ids, &self.base_device), None, &Noise::none());
        let vocab = model.vocab_size();
        let last = out.logits.dims()[0] - 1;
        softmax(out.logits.narrow(0, last, 1), 1).reshape([vocab])
    }

    /// Every layer's hidden state after each token of `ids`: [layers, time, hidden].
    pub fn hidden_activations(&self, ids: &[usize]) -> Tensor<3> {
        let model = self.model().valid();
        let out = model.forward(token_tensor(ids, &self.base_device), None, &Noise::none());
        let layers: Vec<Tensor<2>> = out
            .layer_outputs
            .into_iter()
            .map(|o| o.squeeze_dim::<2>(0))
            .collect();
        Tensor::stack(layers, 0)
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

/// Summed loss (mean loss x rows, fastai's batch-size weighting) and correct predictions of one
/// validation batch, with the state after it.
fn valid_batch_sums(
    model: &LanguageModel,
    batch: &Batch,
    state: Option<Vec<LayerState>>,
    every_token: bool,
    device: &Device,
) -> (Tensor<1>, Vec<LayerState>) {
    let (inputs, targets) = batch_tensors(batch, every_token, device);
    let out = model.forward(inputs, state, &Noise::none());
    let predictions = targets.dims()[0];
    let correct = out
        .logits
        .clone()
        .argmax(1)
        .reshape([predictions])
        .equal(targets.clone())
        .int()
        .sum()
        .float();
    let loss = cross_entropy(out.logits, targets).mul_scalar(batch.rows as f64);
    let state = out.state.into_iter().map(LayerState::detached).collect();
    (Tensor::cat(vec![loss, correct], 0), state)
}

fn prediction_count(batch: &Batch, every_token: bool) -> usize {
    if every_token {
        batch.rows * batch.seq_len
    } else {
        batch.rows
    }
}

/// A batch's token ids as tensors: inputs [rows, time], targets flat (every token) or the last
/// token of each row.
fn batch_tensors(
    batch: &Batch,
    every_token: bool,
    device: &Device,
) -> (Tensor<2, Int>, Tensor<1, Int>) {
    let ids = |v: &[usize]| v.iter().map(|&t| t as i32).collect::<Vec<_>>();
    let inputs = Tensor::from_data(
        TensorData::new(ids(&batch.inputs), [batch.rows, batch.seq_len]),
        device,
    );
    let targets: Vec<usize> = if every_token {
        batch.targets.clone()
    } else {
        batch
            .targets
            .chunks(batch.seq_len)
            .map(|row| row[row.len() - 1])
            .collect()
    };
    let n = targets.len();
    (
        inputs,
        Tensor::from_data(TensorData::new(ids(&targets), [n]), device),
    )
}

fn token_tensor(ids: &[usize], device: &Device) -> Tensor<2, Int> {
    let values: Vec<i32> = ids.iter().map(|&t| t as i32).collect();
    Tensor::from_data(TensorData::new(values, [1, ids.len()]), device)
}

/// Mean cross-entropy of logits [n, vocab] against targets [n].
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let n = targets.dims()[0];
    log_softmax(logits, 1)
        .gather(1, targets.reshape([n, 1]))
        .mean()
        .neg()
}

/// AR on the dropped output and TAR on the raw output (training only; the caller decides).
pub fn activation_penalties(raw: &Tensor<3>, dropped: &Tensor<3>, ar: f64, tar: f64) -> Tensor<1> {
    let mut penalty = Tensor::zeros([1], &raw.device());
    if ar > 0.0 {
        penalty = penalty + dropped.clone().powi_scalar(2).mean().mul_scalar(ar);
    }
    let time = raw.dims()[1];
    if tar > 0.0 && time > 1 {
        let step_change = raw.clone().narrow(1, 1, time - 1) - raw.clone().narrow(1, 0, time - 1);
        penalty = penalty + step_change.powi_scalar(2).mean().mul_scalar(tar);
    }
    penalty
}
