//! The losses of chapter 12: cross entropy on the next token (what is recorded and validated),
//! and LMModel7's activation regularization, AR and TAR (added to the training loss only).

use burn::tensor::activation::log_softmax;
use burn::tensor::{Int, Tensor};

/// Mean cross-entropy of logits [n, vocab] against targets [n].
pub fn cross_entropy(logits: Tensor<2>, targets: Tensor<1, Int>) -> Tensor<1> {
    let n = targets.dims()[0];
    log_softmax(logits, 1)
        .gather(1, targets.reshape([n, 1]))
        .mean()
        .neg()
}

/// AR on the dropped output and TAR on the raw output (training only; the caller decides):
/// `ar` x mean(dropped²) + `tar` x mean((h_t+1 - h_t)²).
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
