//! A GRU layer written out, with PyTorch's nn.GRU semantics (the chapter's "further research").

use burn::module::{Module, Param};
use burn::tensor::Tensor;
use burn::tensor::activation::{sigmoid, tanh};

use super::rnn::masked;
use super::{Init, LayerState, project, time_steps};

#[derive(Module, Debug)]
pub struct GruCell {
    /// Input weights of the gates r (reset), z (update) and n (new): [in, 3 * hidden].
    pub w_ih: Param<Tensor<2>>,
    pub b_ih: Param<Tensor<1>>,
    pub w_hh: Param<Tensor<2>>,
    pub b_hh: Param<Tensor<1>>,
}

impl GruCell {
    pub fn new(input: usize, hidden: usize, init: &mut Init) -> Self {
        let (w_ih, b_ih, w_hh, b_hh) = init.gate_params(input, hidden, 3);
        GruCell {
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
        let b_hh = self.b_hh.val().unsqueeze::<2>();
        let x_proj = project(x, self.w_ih.val(), self.b_ih.val());
        let mut hidden = state.hidden;
        let mut outputs = Vec::new();
        for x_t in time_steps(x_proj) {
            // b_hn stays inside the reset gate's product, as in nn.GRU, so it cannot join x_proj.
            let h_proj = hidden.clone().matmul(w_hh.clone()) + b_hh.clone();
            let [x_r, x_z, x_n]: [Tensor<2>; 3] = x_t.chunk(3, 1).try_into().expect("three gates");
            let [h_r, h_z, h_n]: [Tensor<2>; 3] =
                h_proj.chunk(3, 1).try_into().expect("three gates");
            let reset = sigmoid(x_r + h_r);
            let update = sigmoid(x_z + h_z);
            let new = tanh(x_n + reset * h_n);
            hidden = update.clone().neg().add_scalar(1.0) * new + update * hidden;
            outputs.push(hidden.clone());
        }
        (Tensor::stack(outputs, 1), LayerState { hidden, cell: None })
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
    fn gru_step_matches_hand_computation() {
        let cell = GruCell {
            w_ih: Param::from_tensor(tensor(&[0.5, -0.5, 1.0], [1, 3])),
            b_ih: Param::from_tensor(tensor(&[0.1, 0.2, 0.0], [3])),
            w_hh: Param::from_tensor(tensor(&[1.0, 0.5, -1.0], [1, 3])),
            b_hh: Param::from_tensor(tensor(&[0.0, 0.1, 0.3], [3])),
        };
        let (x, h0) = (2.0f32, 0.4f32);
        let (out, _) = cell.forward(
            tensor(&[x], [1, 1, 1]),
            LayerState {
                hidden: tensor(&[h0], [1, 1]),
                cell: None,
            },
            None,
        );
        let r = sig(0.5 * x + 0.1 + 1.0 * h0);
        let z = sig(-0.5 * x + 0.2 + 0.5 * h0 + 0.1);
        // Each weight as written above, -1.0 included.
        #[allow(clippy::neg_multiply)]
        let n = (1.0 * x + r * (-1.0 * h0 + 0.3)).tanh();
        let h1 = (1.0 - z) * n + z * h0;
        assert_close(&values(out), &[h1], 1e-6);
    }
}
