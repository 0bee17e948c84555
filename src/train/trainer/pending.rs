//! Metrics stay on the device while a run trains: each batch adds its numbers to `pending`, and
//! a flush reads them all back in one go (blocking natively, without blocking on WebGPU) and turns
//! them into the history's records, stopping the run at a loss that is not finite.

use burn::tensor::{Tensor, TensorData};
use web_time::Instant;

use super::{Phase, TrainError, Trainer};
use crate::train::metrics::{EpochRecord, StepRecord};

/// Metrics waiting on the device, in the order they were produced.
pub(super) enum Pending {
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

impl Trainer {
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
            Some(t) => f32_values(t.into_data())?,
            None => Vec::new(),
        };
        self.absorb(values)
    }

    /// Reads pending metrics without blocking (required on WebGPU) and records them.
    pub async fn flush_async(&mut self) -> Result<(usize, usize), TrainError> {
        let values = match self.take_pending() {
            Some(t) => f32_values(t.into_data_async().await.map_err(device_error)?)?,
            None => Vec::new(),
        };
        self.absorb(values)
    }

    /// Turns read-back values into records, in the order `pending_meta` gives; a loss that is
    /// not finite stops the run.
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

    /// Ends the run at `error`: what was pending is dropped, and later calls return the error.
    fn stop(&mut self, error: TrainError) -> TrainError {
        self.pending.clear();
        self.pending_meta.clear();
        self.phase = Phase::Done;
        self.diverged = Some(error.clone());
        error
    }
}

/// A failed readback or computation on the device, as the error a run reports.
pub(super) fn device_error(error: impl std::fmt::Debug) -> TrainError {
    TrainError::Device(format!("{error:?}"))
}

/// Values read back from the device, as f32.
pub(super) fn f32_values(data: TensorData) -> Result<Vec<f32>, TrainError> {
    data.convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(device_error)
}
