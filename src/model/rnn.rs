//! The two plain recurrent cells: the book's first one (LMModel1-4), and PyTorch's nn.RNN (LMModel5).

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::activation::{relu, tanh};

use super::{Init, LayerState, joined_weights, project, step_product, time_steps};

/// The book's first cell: one linear layer H applied to the hidden state plus the new input,
/// h = relu(H(h + x)). LMModel1 writes it out for three tokens; LMModel2-4 loop over it.
#[derive(Module, Debug)]
pub struct SimpleCell {
    /// H's weight, stored [in, out] so that x @ weight applies it.
    pub weight: Param<Tensor<2>>,
    pub bias: Param<Tensor<1>>,
}

impl SimpleCell {
    pub fn new(hidden: usize, init: &mut Init) -> Self {
        let bound = 1.0 / (hidden as f64).sqrt();
        SimpleCell {
            weight: Param::from_tensor(init.uniform([hidden, hidden], bound)),
            bias: Param::from_tensor(init.uniform([hidden], bound)),
        }
    }

    /// Runs the cell over x [batch, time, hidden]. H(h + x) = H(h) + x W, so the input half is
    /// computed for every step in one product; `weight_mask` is DropConnect on W.
    pub fn forward(
        &self,
        x: Tensor<3>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        let weight = masked(self.weight.val(), weight_mask);
        let mut hidden = state.hidden;
        let mut outputs = Vec::new();
        for x_t in time_steps(project(x, weight.clone(), self.bias.val())) {
            hidden = relu(x_t + hidden.matmul(weight.clone()));
            outputs.push(hidden.clone());
        }
        (Tensor::stack(outputs, 1), LayerState { hidden, cell: None })
    }
}

/// PyTorch's nn.RNN layer: h = tanh(W_ih x + b_ih + W_hh h + b_hh).
#[derive(Module, Debug)]
pub struct RnnCell {
    pub w_ih: Param<Tensor<2>>,
    pub b_ih: Param<Tensor<1>>,
    pub w_hh: Param<Tensor<2>>,
    pub b_hh: Param<Tensor<1>>,
}

impl RnnCell {
    pub fn new(input: usize, hidden: usize, init: &mut Init) -> Self {
        let (w_ih, b_ih, w_hh, b_hh) = init.gate_params(input, hidden, 1);
        RnnCell {
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
        let mut outputs = Vec::new();
        for x_t in time_steps(x) {
            hidden = tanh(step_product(x_t, &hidden, &weights));
            outputs.push(hidden.clone());
        }
        (Tensor::stack(outputs, 1), LayerState { hidden, cell: None })
    }
}

/// Applies a DropConnect mask (already scaled by 1/(1-p)) to a weight, when there is one.
pub(crate) fn masked(weight: Tensor<2>, mask: Option<Tensor<2>>) -> Tensor<2> {
    match mask {
        Some(mask) => weight * mask,
        None => weight,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::test_support::*;

    #[test]
    fn simple_cell_step_matches_hand_computation() {
        // hidden 2: W = [[1, -1], [2, 0.5]] ([in, out]), b = [0.1, -0.2]
        let cell = SimpleCell {
            weight: Param::from_tensor(tensor(&[1.0, -1.0, 2.0, 0.5], [2, 2])),
            bias: Param::from_tensor(tensor(&[0.1, -0.2], [2])),
        };
        let x = tensor(&[0.5, 1.0], [1, 1, 2]);
        let h0 = tensor(&[0.2, -0.3], [1, 2]);
        let (out, state) = cell.forward(
            x,
            LayerState {
                hidden: h0,
                cell: None,
            },
            None,
        );
        // h + x = [0.7, 0.7]; @W = [0.7 + 1.4, -0.7 + 0.35] = [2.1, -0.35]; + b = [2.2, -0.55]; relu.
        assert_close(&values(out), &[2.2, 0.0], 1e-6);
        assert_close(&values(state.hidden), &[2.2, 0.0], 1e-6);
    }

    #[test]
    fn rnn_cell_step_matches_hand_computation() {
        let cell = RnnCell {
            w_ih: Param::from_tensor(tensor(&[0.5, -0.5], [1, 2])),
            b_ih: Param::from_tensor(tensor(&[0.1, 0.0], [2])),
            w_hh: Param::from_tensor(tensor(&[1.0, 0.0, 0.0, 2.0], [2, 2])),
            b_hh: Param::from_tensor(tensor(&[0.0, 0.2], [2])),
        };
        let x = tensor(&[2.0], [1, 1, 1]);
        let h0 = tensor(&[0.3, -0.1], [1, 2]);
        let (out, _) = cell.forward(
            x,
            LayerState {
                hidden: h0,
                cell: None,
            },
            None,
        );
        // pre = [1.0 + 0.1 + 0.3, -1.0 + 0.2 - 0.2] = [1.4, -1.0]
        let expected = [1.4f32.tanh(), (-1.0f32).tanh()];
        assert_close(&values(out), &expected, 1e-6);
    }
}
