//! The chapter's models: hand-written recurrent cells (one file each), the dropout used by the
//! regularized model, and `ladder.rs`, the one configurable language model whose presets are the
//! book's LMModel1..7. Here: what the cells share (their state, PyTorch's initialisation, lookups
//! and products over time steps).

pub mod dropout;
pub mod gru;
pub mod ladder;
pub mod lstm;
pub mod rnn;

use crate::rng::RunRng;
use burn::module::Param;
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::Rng;

pub use ladder::{ForwardOutput, LanguageModel, Noise};

/// The state one recurrent layer carries from step to step (and, when stateful, from batch to
/// batch): the hidden state, plus the cell state for an LSTM.
#[derive(Debug, Clone)]
pub struct LayerState {
    pub hidden: Tensor<2>,
    pub cell: Option<Tensor<2>>,
}

impl LayerState {
    /// The state cut from the graph that produced it (truncated BPTT) and from autodiff.
    pub fn detached(self) -> Self {
        LayerState {
            hidden: self.hidden.detach().inner(),
            cell: self.cell.map(|c| c.detach().inner()),
        }
    }
}

/// (w_ih, b_ih, w_hh, b_hh) of one recurrent layer.
pub type GateParams = (
    Param<Tensor<2>>,
    Param<Tensor<1>>,
    Param<Tensor<2>>,
    Param<Tensor<1>>,
);

/// Draws initial weights on the host from a seeded generator, so every backend starts from the
/// same numbers (PyTorch's default initialisations, which the book relies on).
pub struct Init<'a> {
    pub rng: &'a mut RunRng,
    pub device: &'a Device,
}

impl Init<'_> {
    /// U(-bound, bound): nn.Linear, nn.RNN, nn.LSTM and nn.GRU use bound = 1/sqrt(fan).
    pub fn uniform<const D: usize>(&mut self, shape: [usize; D], bound: f64) -> Tensor<D> {
        let n = shape.iter().product();
        let values: Vec<f32> = (0..n)
            .map(|_| self.rng.random_range(-bound..bound) as f32)
            .collect();
        Tensor::from_data(TensorData::new(values, shape), self.device)
    }

    /// The parameters of an nn.RNN/LSTM/GRU layer with `gates` blocks of `hidden` columns side
    /// by side: (w_ih [input, gates * hidden], b_ih, w_hh [hidden, gates * hidden], b_hh), all
    /// U(-1/sqrt(hidden), 1/sqrt(hidden)) as PyTorch initialises them.
    pub fn gate_params(&mut self, input: usize, hidden: usize, gates: usize) -> GateParams {
        let bound = 1.0 / (hidden as f64).sqrt();
        (
            Param::from_tensor(self.uniform([input, gates * hidden], bound)),
            Param::from_tensor(self.uniform([gates * hidden], bound)),
            Param::from_tensor(self.uniform([hidden, gates * hidden], bound)),
            Param::from_tensor(self.uniform([gates * hidden], bound)),
        )
    }

    /// N(0, 1): nn.Embedding's initialisation.
    pub fn normal<const D: usize>(&mut self, shape: [usize; D]) -> Tensor<D> {
        let n = shape.iter().product();
        let values: Vec<f32> = (0..n).map(|_| standard_normal(self.rng) as f32).collect();
        Tensor::from_data(TensorData::new(values, shape), self.device)
    }
}

/// Box-Muller transform: one standard normal draw.
fn standard_normal(rng: &mut RunRng) -> f64 {
    let u1: f64 = rng.random_range(f64::EPSILON..1.0);
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// The rows of `table` [rows, width] for `tokens` [batch, time]: [batch, time, width]. With the
/// embedding as the table, this is the book's i_h.
pub(crate) fn lookup(table: Tensor<2>, tokens: Tensor<2, Int>) -> Tensor<3> {
    let [batch, time] = tokens.dims();
    let width = table.dims()[1];
    table
        .select(0, tokens.reshape([batch * time]))
        .reshape([batch, time, width])
}

/// Splits a projected sequence [batch, time, width] into one [batch, width] tensor per time step.
pub(crate) fn time_steps(projected: Tensor<3>) -> Vec<Tensor<2>> {
    let [batch, time, width] = projected.dims();
    projected
        .chunk(time, 1)
        .into_iter()
        .map(|t| t.reshape([batch, width]))
        .collect()
}

/// The weights of a step that multiplies [x_t, h] by one matrix: w_ih over w_hh [in + hidden,
/// gates * hidden], and the two biases summed [1, gates * hidden]. Built once per forward.
pub(crate) fn joined_weights(
    w_ih: Tensor<2>,
    w_hh: Tensor<2>,
    b_ih: Tensor<1>,
    b_hh: Tensor<1>,
) -> (Tensor<2>, Tensor<2>) {
    (Tensor::cat(vec![w_ih, w_hh], 0), (b_ih + b_hh).unsqueeze())
}

/// x_t W_ih + h W_hh + b_ih + b_hh as one product: [x_t, h] @ [w_ih; w_hh] + b.
///
/// On the CPU this beats projecting every time step at once and slicing the result by time:
/// autodiff's backward of each slice writes a zero tensor of the whole sliced input, so slicing
/// the projection (gates x wider than the input) costs time x its size again; slicing the narrow
/// input instead costs a quarter of that for an LSTM (BENCHMARKS.md).
pub(crate) fn step_product(
    x_t: Tensor<2>,
    hidden: &Tensor<2>,
    weights: &(Tensor<2>, Tensor<2>),
) -> Tensor<2> {
    Tensor::cat(vec![x_t, hidden.clone()], 1).matmul(weights.0.clone()) + weights.1.clone()
}

/// x [batch, time, in] @ weight [in, out] + bias, for all time steps in one matrix product.
pub(crate) fn project(x: Tensor<3>, weight: Tensor<2>, bias: Tensor<1>) -> Tensor<3> {
    let [batch, time, width] = x.dims();
    let out = weight.dims()[1];
    (x.reshape([batch * time, width]).matmul(weight) + bias.unsqueeze()).reshape([batch, time, out])
}

#[cfg(test)]
pub(crate) mod test_support {
    use burn::tensor::{Device, Tensor, TensorData};

    pub fn device() -> Device {
        crate::backend::cpu_device()
    }

    pub fn tensor<const D: usize>(values: &[f32], shape: [usize; D]) -> Tensor<D> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &device())
    }

    pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    pub fn assert_close(actual: &[f32], expected: &[f32], tol: f32) {
        assert_eq!(actual.len(), expected.len());
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= tol,
                "element {i}: {a} vs {e} (all: {actual:?} vs {expected:?})"
            );
        }
    }
}
