//! An LSTM layer written out, with PyTorch's nn.LSTM semantics (LMModel6 and 7). As in the book's
//! refactored LSTMCell, one product gives all four gates, split with `chunk`: here the input and
//! the hidden state are joined first, so each step is a single [x_t, h] @ [W_ih; W_hh].

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::activation::{sigmoid, tanh};

use super::rnn::masked;
use super::{Init, LayerState, joined_weights, step_product, time_steps};

#[derive(Module, Debug)]
pub struct LstmCell {
    /// Input weights of the gates i, f, g, o side by side: [in, 4 * hidden].
    pub w_ih: Param<Tensor<2>>,
    pub b_ih: Param<Tensor<1>>,
    /// Hidden-to-hidden weights of the four gates: [hidden, 4 * hidden].
    pub w_hh: Param<Tensor<2>>,
    pub b_hh: Param<Tensor<1>>,
}

impl LstmCell {
    pub fn new(input: usize, hidden: usize, init: &mut Init) -> Self {
        let (w_ih, b_ih, w_hh, b_hh) = init.gate_params(input, hidden, 4);
        LstmCell {
            w_ih,
            b_ih,
            w_hh,
            b_hh,
        }
    }

    pub fn forward(
        &self,
        x: Tensor<3>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        let w_hh = masked(self.w_hh.val(), weight_mask);
        let weights = joined_weights(self.w_ih.val(), w_hh, self.b_ih.val(), self.b_hh.val());
        let mut hidden = state.hidden;
        let mut cell = state.cell.unwrap_or_else(|| hidden.zeros_like());
        let mut outputs = Vec::new();
        for x_t in time_steps(x) {
            let gates = step_product(x_t, &hidden, &weights);
            let [input_gate, forget_gate, cell_gate, output_gate]: [Tensor<2>; 4] =
                gates.chunk(4, 1).try_into().expect("four gates");
            cell = sigmoid(forget_gate) * cell + sigmoid(input_gate) * tanh(cell_gate);
            hidden = sigmoid(output_gate) * tanh(cell.clone());
            outputs.push(hidden.clone());
        }
        (
            Tensor::stack(outputs, 1),
            LayerState {
                hidden,
                cell: Some(cell),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::*;

    fn sig(x: f32) -> f32 {
        1.0 / (1.0 + (-x).exp())
    }

    #[test]
    fn lstm_step_matches_hand_computation() {
        // hidden 1, input 1: gates i, f, g, o each get one column.
        let cell = LstmCell {
            w_ih: Param::from_tensor(tensor(&[0.5, -0.5, 1.0, 0.25], [1, 4])),
            b_ih: Param::from_tensor(tensor(&[0.1, 0.2, 0.0, -0.1], [4])),
            w_hh: Param::from_tensor(tensor(&[1.0, 0.5, -1.0, 2.0], [1, 4])),
            b_hh: Param::from_tensor(tensor(&[0.0, 0.1, 0.3, 0.0], [4])),
        };
        let (x, h0, c0) = (2.0f32, 0.4f32, -0.6f32);
        let (out, state) = cell.forward(
            tensor(&[x], [1, 1, 1]),
            LayerState {
                hidden: tensor(&[h0], [1, 1]),
                cell: Some(tensor(&[c0], [1, 1])),
            },
            None,
        );
        let i = sig(0.5 * x + 0.1 + 1.0 * h0);
        let f = sig(-0.5 * x + 0.3 + 0.5 * h0);
        let g = (1.0 * x + 0.3 - 1.0 * h0).tanh();
        let o = sig(0.25 * x - 0.1 + 2.0 * h0);
        let c1 = f * c0 + i * g;
        let h1 = o * c1.tanh();
        assert_close(&values(out), &[h1], 1e-6);
        assert_close(&values(state.cell.unwrap()), &[c1], 1e-6);
    }
}
