//! GPU kernel launches per training batch, as the CLI and the JS API report them: the launch
//! counter (`backend::gpu_dispatches`) read around each batch the trainer advances.

use super::{Progress, TrainError, Trainer};
use crate::backend::gpu_dispatches;

/// Launches over the training batches advanced through it (validation batches are not counted).
#[derive(Debug, Default)]
pub struct DispatchTally {
    launches: u64,
    batches: u64,
}

impl DispatchTally {
    /// `trainer.advance()`, adding the batch's launches when it was a training batch.
    pub fn advance(&mut self, trainer: &mut Trainer) -> Result<Progress, TrainError> {
        let (step, before) = (trainer.progress(false).step, gpu_dispatches());
        let progress = trainer.advance()?;
        if let (true, Some(before), Some(after)) = (progress.step > step, before, gpu_dispatches())
        {
            self.launches += after - before;
            self.batches += 1;
        }
        Ok(progress)
    }

    /// The mean per training batch; `None` when nothing counted them (no wgpu device started, or
    /// no training batch yet).
    pub fn per_batch(&self) -> Option<f64> {
        (self.batches > 0).then(|| self.launches as f64 / self.batches as f64)
    }
}
