//! What the run's model says without training it: validation loss and accuracy, accuracy by
//! position in the sequence, next-token probabilities and hidden states. The `Trainer`'s thin
//! doors to `train/inference.rs`, with its current weights, data and device.

use burn::module::Module;
use burn::tensor::Tensor;

use super::super::inference;
use super::{TrainError, Trainer};

impl Trainer {
    /// Validation loss and accuracy of the current weights, from a zero state, without training
    /// and without touching the run's own state: [loss, accuracy], still on the device.
    pub fn evaluate_tensor(&self) -> Tensor<1> {
        inference::evaluate(
            &self.model().valid(),
            &self.data.valid_batches,
            self.config.every_token,
            self.config.stateful,
            &self.base_device,
        )
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

    /// Validation accuracy at each position within the sequence (`inference::accuracy_by_position`,
    /// state handled as `evaluate_tensor` does), still on the device; an error for a model that
    /// predicts only the last token.
    pub fn accuracy_by_position_tensor(&self) -> Result<Tensor<1>, TrainError> {
        if !self.config.every_token {
            return Err(TrainError::NotNow(
                "accuracy by position needs a prediction after every token (every=1)".into(),
            ));
        }
        Ok(inference::accuracy_by_position(
            &self.model().valid(),
            &self.data.valid_batches,
            self.config.stateful,
            &self.base_device,
        ))
    }

    /// `accuracy_by_position_tensor`, read back (blocking: native only).
    pub fn accuracy_by_position(&self) -> Result<Vec<f32>, TrainError> {
        Ok(self
            .accuracy_by_position_tensor()?
            .into_data()
            .convert::<f32>()
            .try_to_vec::<f32>()
            .expect("f32 accuracies"))
    }

    /// Next-token probabilities after `ids` (not empty; eval mode, from a zero state), still on
    /// the device.
    pub fn next_token_probs(&self, ids: &[usize]) -> Tensor<1> {
        inference::next_token_probs(&self.model().valid(), ids, &self.base_device)
    }

    /// Every layer's hidden state after each token of `ids`: [layers, time, hidden].
    pub fn hidden_activations(&self, ids: &[usize]) -> Tensor<3> {
        inference::hidden_activations(&self.model().valid(), ids, &self.base_device)
    }
}
