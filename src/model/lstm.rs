//! An LSTM layer written out, with PyTorch's nn.LSTM semantics (LMModel6 and 7). As in the book's
//! refactored LSTMCell, one product gives all four gates, split with `chunk`: here the input and
//! the hidden state are joined first, so each step is a single [x_t, h] @ [W_ih; W_hh].

use burn::module::{Module, Param};
use burn::tensor::activation::{sigmoid, tanh};
use burn::tensor::{Device, Int, Tensor};

use super::rnn::masked;
use super::{Init, LayerState, joined_weights, lookup, step_product, time_steps};
use crate::kernels::lstm_autodiff::{has_fused_kernel, lstm_sequence};

/// One LSTM layer: its input and hidden-to-hidden weights for the four gates.
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
    /// A layer from `input` to `hidden` units, initialised as nn.LSTM is.
    pub fn new(input: usize, hidden: usize, init: &mut Init) -> Self {
        let (w_ih, b_ih, w_hh, b_hh) = init.gate_params(input, hidden, 4);
        LstmCell {
            w_ih,
            b_ih,
            w_hh,
            b_hh,
        }
    }

    /// Runs the layer over x [batch, time, in] from `state`; `weight_mask` is DropConnect on W_hh.
    pub fn forward(
        &self,
        x: Tensor<3>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        let [batch, time, _] = x.dims();
        if self.runs_fused(&x.device(), [batch, time]) {
            self.forward_fused(x, state, weight_mask)
        } else {
            self.forward_composed(x, state, weight_mask)
        }
    }

    /// As the first layer: runs over the rows of `embedding` [vocab, in] for `tokens` [batch, time].
    ///
    /// On the CPU it projects the embedding once, [vocab, in] @ W_ih, and picks that projection's
    /// rows: the same sums as projecting each picked row, in vocab rows of work instead of
    /// batch x time (30 against 1,024 for m7), a quarter of an m7 step's arithmetic.
    pub fn forward_embedded(
        &self,
        embedding: Tensor<2>,
        tokens: Tensor<2, Int>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        if self.runs_fused(&embedding.device(), tokens.dims()) {
            let x_gates = lookup(self.input_gates(embedding), tokens);
            self.forward_gates(x_gates, state, weight_mask)
        } else {
            self.forward(lookup(embedding, tokens), state, weight_mask)
        }
    }

    /// Whether a [batch, time] input on this device runs the recurrence as one fused operation
    /// (on the CPU and on wgpu, for a sequence that is not empty).
    fn runs_fused(&self, device: &Device, [batch, time]: [usize; 2]) -> bool {
        let hidden = self.w_hh.dims()[0];
        batch > 0 && time > 0 && has_fused_kernel(device, hidden)
    }

    /// x W_ih + b_ih + b_hh for input rows x [rows, in]: [rows, 4 hidden].
    fn input_gates(&self, x: Tensor<2>) -> Tensor<2> {
        let bias = (self.b_ih.val() + self.b_hh.val()).unsqueeze();
        x.matmul(self.w_ih.val()) + bias
    }

    /// On the CPU and on wgpu: the input projection of all steps in one product, then the
    /// recurrence as one operation (`kernels::lstm_autodiff`).
    fn forward_fused(
        &self,
        x: Tensor<3>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        let [batch, time, input] = x.dims();
        let x_gates = self.input_gates(x.reshape([batch * time, input]));
        let width = x_gates.dims()[1];
        self.forward_gates(x_gates.reshape([batch, time, width]), state, weight_mask)
    }

    /// The recurrence from the gates' input part x W_ih + biases [batch, time, 4 hidden], as one
    /// fused operation (only where `runs_fused`).
    fn forward_gates(
        &self,
        x_gates: Tensor<3>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        let w_hh = masked(self.w_hh.val(), weight_mask);
        let cell = state.cell.unwrap_or_else(|| state.hidden.zeros_like());
        let (outputs, cell) = lstm_sequence(x_gates, w_hh, state.hidden, cell);
        let [batch, time, hidden] = outputs.dims();
        let last = outputs.clone().slice([0..batch, time - 1..time, 0..hidden]);
        let state = LayerState {
            hidden: last.reshape([batch, hidden]),
            cell: Some(cell),
        };
        (outputs, state)
    }

    /// Step by step in tensor operations, as the book's LSTMCell: any device.
    fn forward_composed(
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

    /// A layer with uniform weights from a fixed pattern, on an autodiff device.
    fn layer(input: usize, hidden: usize) -> LstmCell {
        layer_on(&device(), input, hidden)
    }

    fn layer_on(device: &Device, input: usize, hidden: usize) -> LstmCell {
        let device = device.clone().autodiff();
        let pattern = |n: usize, k: usize| -> Vec<f32> {
            (0..n)
                .map(|i| (((i * 37 + k * 11) % 101) as f32 / 101.0 - 0.5) * 0.8)
                .collect()
        };
        let param = |k: usize, shape: [usize; 2]| {
            let values = pattern(shape[0] * shape[1], k);
            Tensor::<2>::from_data(burn::tensor::TensorData::new(values, shape), &device)
        };
        let bias = |k: usize| param(k, [1, 4 * hidden]).reshape([4 * hidden]);
        LstmCell {
            w_ih: Param::from_tensor(param(1, [input, 4 * hidden])),
            b_ih: Param::from_tensor(bias(2)),
            w_hh: Param::from_tensor(param(3, [hidden, 4 * hidden])),
            b_hh: Param::from_tensor(bias(4)),
        }
    }

    /// Runs a layer fused and composed on `device` (with a weight-dropout mask, every output
    /// and the carried state in the loss) and checks outputs and every gradient agree: inputs,
    /// W_ih, W_hh, both biases, h0 and c0.
    fn check_fused_against_composed(device: &Device, [batch, time, input, hidden]: [usize; 4]) {
        let cell = layer_on(device, input, hidden);
        let device = device.clone().autodiff();
        let tensor = |values: Vec<f32>, shape: [usize; 3]| {
            Tensor::<3>::from_data(burn::tensor::TensorData::new(values, shape), &device)
        };
        let x = Param::from_tensor(tensor(
            (0..batch * time * input)
                .map(|i| ((i * 13) % 17) as f32 / 8.0 - 1.0)
                .collect(),
            [batch, time, input],
        ));
        let state_values = |k: usize| {
            let values = (0..batch * hidden)
                .map(|i| ((i * 7 + k) % 11) as f32 / 11.0 - 0.5)
                .collect::<Vec<_>>();
            Param::from_tensor(Tensor::<2>::from_data(
                burn::tensor::TensorData::new(values, [batch, hidden]),
                &device,
            ))
        };
        let (h0, c0) = (state_values(1), state_values(4));
        let state = || LayerState {
            hidden: h0.val(),
            cell: Some(c0.val()),
        };
        // A weight mask as weight dropout gives, so its product is differentiated too.
        let mask = Tensor::<2>::from_data(
            burn::tensor::TensorData::new(
                (0..hidden * 4 * hidden)
                    .map(|i| if i % 3 == 0 { 0.0 } else { 1.5 })
                    .collect::<Vec<_>>(),
                [hidden, 4 * hidden],
            ),
            &device,
        );
        let scale = tensor(
            (0..batch * time * hidden)
                .map(|i| (i % 5) as f32 - 2.0)
                .collect(),
            [batch, time, hidden],
        );
        // Every output and the carried state feed the loss, with unequal weights.
        let run = |fused: bool| {
            let (out, end) = if fused {
                cell.forward_fused(x.val(), state(), Some(mask.clone()))
            } else {
                cell.forward_composed(x.val(), state(), Some(mask.clone()))
            };
            let loss = (out.clone() * scale.clone()).sum()
                + end.hidden.clone().sum() * 0.5
                + end.cell.clone().unwrap().sum() * 0.25;
            let grads = loss.backward();
            let grad = |p: &Param<Tensor<2>>| values(p.val().grad(&grads).unwrap());
            let grad1 = |p: &Param<Tensor<1>>| values(p.val().grad(&grads).unwrap());
            (
                [
                    values(out.inner()),
                    values(end.hidden.inner()),
                    values(end.cell.unwrap().inner()),
                ],
                [
                    grad(&cell.w_ih),
                    grad(&cell.w_hh),
                    grad1(&cell.b_ih),
                    grad1(&cell.b_hh),
                    values(x.val().grad(&grads).unwrap()),
                    grad(&h0),
                    grad(&c0),
                ],
            )
        };
        let (fused, composed) = (run(true), run(false));
        for k in 0..3 {
            assert_close(&fused.0[k], &composed.0[k], 1e-5);
        }
        let names = ["W_ih", "W_hh", "b_ih", "b_hh", "x", "h0", "c0"];
        for (k, name) in names.iter().enumerate() {
            let scale = composed.1[k].iter().fold(1.0f32, |m, g| m.max(g.abs()));
            let tolerance = 1e-4 * scale;
            for (i, (a, e)) in fused.1[k].iter().zip(&composed.1[k]).enumerate() {
                assert!(
                    (a - e).abs() <= tolerance,
                    "{name} gradient, element {i}: fused {a} vs composed {e}"
                );
            }
            assert_eq!(fused.1[k].len(), composed.1[k].len(), "{name}");
        }
        assert!(
            fused.1[1].iter().any(|g| g.abs() > 1e-3),
            "W_hh gets a gradient"
        );
    }

    #[test]
    fn fused_and_composed_layers_agree_in_outputs_and_gradients() {
        check_fused_against_composed(&device(), [5, 7, 3, 4]);
    }

    /// The GPU kernels (`kernels::lstm_gpu`) on a native wgpu device (lavapipe without a GPU):
    /// shapes where a cube carries several rows, where the last cube is partly empty, and where a
    /// unit owns several (row, unit) pairs.
    #[cfg(all(feature = "wgpu", not(target_arch = "wasm32")))]
    #[test]
    fn on_wgpu_the_fused_kernels_agree_with_the_composed_layer() {
        let (device, _, _) = crate::backend::native_device(crate::config::BackendChoice::Wgpu)
            .expect("a wgpu device (natively: a Vulkan driver such as lavapipe)");
        for shape in [[5, 7, 3, 4], [5, 3, 6, 64], [3, 4, 5, 96], [2, 3, 4, 300]] {
            check_fused_against_composed(&device, shape);
        }
    }

    #[test]
    fn the_first_layer_picks_rows_of_the_projected_embedding_like_projected_rows() {
        let (vocab, input, hidden, batch, time) = (30, 5, 4, 4, 6);
        let cell = layer(input, hidden);
        let device = device().autodiff();
        let embedding = Param::from_tensor(Tensor::<2>::from_data(
            burn::tensor::TensorData::new(
                (0..vocab * input)
                    .map(|i| ((i * 29) % 23) as f32 / 11.0 - 1.0)
                    .collect::<Vec<_>>(),
                [vocab, input],
            ),
            &device,
        ));
        let ids: Vec<i64> = (0..batch * time).map(|i| (i * 7 % vocab) as i64).collect();
        let tokens =
            Tensor::<2, Int>::from_data(burn::tensor::TensorData::new(ids, [batch, time]), &device);
        let state = || LayerState {
            hidden: Tensor::zeros([batch, hidden], &device),
            cell: None,
        };
        let run = |picked: bool| {
            let (out, _) = if picked {
                cell.forward_embedded(embedding.val(), tokens.clone(), state(), None)
            } else {
                cell.forward(lookup(embedding.val(), tokens.clone()), state(), None)
            };
            let weights = Tensor::<3>::ones([batch, time, hidden], &device).cumsum(2) / 4.0;
            let grads = (out.clone() * weights).sum().backward();
            (
                values(out.inner()),
                values(embedding.val().grad(&grads).unwrap()),
                values(cell.w_ih.val().grad(&grads).unwrap()),
            )
        };
        let (by_table, by_rows) = (run(true), run(false));
        assert_close(&by_table.0, &by_rows.0, 1e-5);
        assert_close(&by_table.1, &by_rows.1, 1e-4);
        assert_close(&by_table.2, &by_rows.2, 1e-4);
    }
}
