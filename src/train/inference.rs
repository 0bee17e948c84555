//! Using a model without training it: next-token probabilities, every layer's hidden state for a
//! prompt, and loss and accuracy over validation batches. Always in eval mode (no dropout); the
//! results stay on the device, so the browser can read them without blocking.

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor, TensorData};

use super::loss::cross_entropy;
use crate::data::Batch;
use crate::model::{LanguageModel, LayerState, Noise};

/// Next-token probabilities [vocab] after `ids` (not empty), from a zero state.
pub fn next_token_probs(model: &LanguageModel, ids: &[usize], device: &Device) -> Tensor<1> {
    let out = model.forward(token_tensor(ids, device), None, &Noise::none());
    let vocab = model.vocab_size();
    let last = out.logits.dims()[0] - 1;
    softmax(out.logits.narrow(0, last, 1), 1).reshape([vocab])
}

/// Every layer's hidden state after each token of `ids`, from a zero state: [layers, time, hidden].
pub fn hidden_activations(model: &LanguageModel, ids: &[usize], device: &Device) -> Tensor<3> {
    let out = model.forward(token_tensor(ids, device), None, &Noise::none());
    let layers: Vec<Tensor<2>> = out
        .layer_outputs
        .into_iter()
        .map(|o| o.squeeze_dim::<2>(0))
        .collect();
    Tensor::stack(layers, 0)
}

/// Validation loss and accuracy over `batches` (at least one), from a zero state carried from
/// batch to batch when `stateful`: [loss, accuracy].
pub fn evaluate(
    model: &LanguageModel,
    batches: &[Batch],
    every_token: bool,
    stateful: bool,
    device: &Device,
) -> Tensor<1> {
    let mut state = None;
    let mut totals: Option<Tensor<1>> = None;
    let (mut rows, mut predictions) = (0, 0);
    for batch in batches {
        let (sums, next) = valid_batch_sums(model, batch, state.take(), every_token, device);
        if stateful {
            state = Some(next);
        }
        rows += batch.rows;
        predictions += prediction_count(batch, every_token);
        totals = Some(match totals {
            Some(t) => t + sums,
            None => sums,
        });
    }
    let scale = Tensor::from_floats([1.0 / rows as f32, 1.0 / predictions as f32], device);
    totals.expect("at least one validation batch") * scale
}

/// Validation accuracy at each position t = 0..seq_len-1 within the sequence (every-token models
/// only): the share of validation rows whose prediction after the word at position t is the word
/// that follows. The state is handled as `evaluate` handles it (zero, carried from batch to batch
/// when `stateful`), so with equal counts per position the mean of these is `evaluate`'s accuracy.
/// [seq_len], still on the device.
pub fn accuracy_by_position(
    model: &LanguageModel,
    batches: &[Batch],
    stateful: bool,
    device: &Device,
) -> Tensor<1> {
    let positions = batches.iter().map(|b| b.seq_len).max().unwrap_or(0);
    let mut state = None;
    let mut correct: Option<Tensor<1>> = None;
    let mut counts = vec![0usize; positions];
    for batch in batches {
        let (inputs, targets) = batch_tensors(batch, true, device);
        let out = model.forward(inputs, state.take(), &Noise::none());
        if stateful {
            state = Some(out.state.into_iter().map(LayerState::detached).collect());
        }
        let [rows, time] = [batch.rows, batch.seq_len];
        let mut hits: Tensor<1> = out
            .logits
            .argmax(1)
            .reshape([rows * time])
            .equal(targets)
            .int()
            .float()
            .reshape([rows, time])
            .sum_dim(0)
            .reshape([time]);
        if time < positions {
            hits = Tensor::cat(vec![hits, Tensor::zeros([positions - time], device)], 0);
        }
        for count in counts.iter_mut().take(time) {
            *count += rows;
        }
        correct = Some(match correct {
            Some(c) => c + hits,
            None => hits,
        });
    }
    let scale: Vec<f32> = counts.iter().map(|&n| 1.0 / n.max(1) as f32).collect();
    let scale = Tensor::from_data(TensorData::new(scale, [positions]), device);
    correct.expect("at least one validation batch") * scale
}

/// Summed loss (mean loss x rows, fastai's batch-size weighting) and correct predictions of one
/// validation batch, with the state after it.
pub(crate) fn valid_batch_sums(
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

/// How many tokens of a batch the model predicts: every token (m4+), or the last of each row.
pub(crate) fn prediction_count(batch: &Batch, every_token: bool) -> usize {
    if every_token {
        batch.rows * batch.seq_len
    } else {
        batch.rows
    }
}

/// A batch's token ids as tensors (for training too): inputs [rows, time], and targets flat
/// (every token) or the last token of each row.
pub(crate) fn batch_tensors(
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

/// One row of token ids [1, time].
fn token_tensor(ids: &[usize], device: &Device) -> Tensor<2, Int> {
    let values: Vec<i32> = ids.iter().map(|&t| t as i32).collect();
    Tensor::from_data(TensorData::new(values, [1, ids.len()]), device)
}
