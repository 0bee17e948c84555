//! What a run records: one `StepRecord` per training batch, one `EpochRecord` per epoch (the book's
//! table), and fastai's smoothed training loss.

use serde::{Deserialize, Serialize};

/// One training batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StepRecord {
    /// Training batches done before this one, over the whole run.
    pub step: usize,
    pub epoch: usize,
    /// Cross-entropy of this batch (without AR/TAR, as fastai records it).
    pub loss: f64,
    pub lr: f64,
    pub mom: f64,
    /// Global gradient norm before any clipping.
    pub grad_norm: f64,
    /// Gradient norm per part of the model, named in `History::groups`.
    pub group_grad_norms: Vec<f64>,
}

/// One epoch, as the book's tables show it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct EpochRecord {
    pub epoch: usize,
    /// fastai's smoothed training loss at the end of the epoch.
    pub train_loss: f64,
    pub valid_loss: f64,
    pub accuracy: f64,
    pub seconds: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct History {
    pub groups: Vec<String>,
    pub steps: Vec<StepRecord>,
    pub epochs: Vec<EpochRecord>,
}

/// fastai's AvgSmoothLoss: an exponential moving average (beta 0.98), debiased, carried across
/// epochs from the start of training.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SmoothLoss {
    value: f64,
    count: i32,
}

impl SmoothLoss {
    const BETA: f64 = 0.98;

    pub fn add(&mut self, loss: f64) {
        self.count += 1;
        self.value = Self::BETA * self.value + (1.0 - Self::BETA) * loss;
    }

    /// The running value and count, for a checkpoint.
    pub fn parts(&self) -> (f64, i32) {
        (self.value, self.count)
    }

    pub fn from_parts(value: f64, count: i32) -> Self {
        SmoothLoss { value, count }
    }

    pub fn get(&self) -> f64 {
        if self.count == 0 {
            f64::NAN
        } else {
            self.value / (1.0 - Self::BETA.powi(self.count))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_loss_is_debiased() {
        let mut s = SmoothLoss::default();
        s.add(2.0);
        assert!(
            (s.get() - 2.0).abs() < 1e-12,
            "one value is its own average"
        );
        s.add(1.0);
        // (0.98 * 0.02 * 2 + 0.02 * 1) / (1 - 0.98^2)
        let expected = (0.98 * 0.02 * 2.0 + 0.02) / (1.0 - 0.98f64.powi(2));
        assert!((s.get() - expected).abs() < 1e-12);
    }
}
