//! Taking a checkpoint of a `Trainer` and restoring a `Trainer` from one: the weights, the
//! optimizer's averages and the carried state are read off the device in one go (one readback),
//! and a restored run goes on exactly as the original would have. The bytes are `train::checkpoint`.

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{Device, Tensor, TensorData};
use web_time::{Duration, Instant};

use super::pending::{device_error, f32_values};
use super::{Phase, TrainError, Trainer};
use crate::model::LayerState;
use crate::rng::RunRng;
use crate::train::checkpoint::{Checkpoint, CheckpointError, Header, ParamEntry, Part, VERSION};
use crate::train::metrics::History;

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
fn check_position(
    header: &Header,
    history: &History,
    fresh: &Trainer,
) -> Result<(), CheckpointError> {
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
        Err(CheckpointError::DoesNotFit(Part::Position))
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
            Some(t) => f32_values(t.into_data())?,
            None => Vec::new(),
        };
        Ok(self.packed(header, values))
    }

    /// The run's state, off the device, without blocking (required on WebGPU).
    pub async fn checkpoint_async(&mut self) -> Result<Checkpoint, TrainError> {
        self.flush_async().await?;
        let (header, flat) = self.checkpoint_parts()?;
        let values = match flat {
            Some(t) => f32_values(t.into_data_async().await.map_err(device_error)?)?,
            None => Vec::new(),
        };
        Ok(self.packed(header, values))
    }

    /// A run that goes on from `checkpoint` on `device`: the same weights, optimizer, generator,
    /// hidden state and history, so it continues as the original would have.
    pub fn from_checkpoint(
        checkpoint: Checkpoint,
        device: Device,
    ) -> Result<Trainer, CheckpointError> {
        let Checkpoint {
            header,
            history,
            smooth,
            values,
        } = checkpoint;
        let mut trainer =
            Trainer::new(header.config.clone(), device).map_err(CheckpointError::InvalidConfig)?;
        check_position(&header, &history, &trainer)?;
        let mut collect = Collect(Vec::new());
        trainer.model().visit(&mut collect);
        let shapes: Vec<&Vec<usize>> = collect.0.iter().map(|(_, _, s)| s).collect();
        let stored: Vec<&Vec<usize>> = header.params.iter().map(|p| &p.shape).collect();
        if shapes != stored {
            return Err(CheckpointError::DoesNotFit(Part::Weights));
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
