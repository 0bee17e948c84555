//! One configurable language model; the book's LMModel1..7 are its presets (`RunConfig::preset`).
//!
//! - m1, m2: three tokens in, the simple cell h = relu(H(h + E x)) from h = 0, one prediction.
//! - m3: the same, stateful: the hidden state carries over from batch to batch, detached.
//! - m4: sequences of 16 with a prediction after every token.
//! - m5: two stacked tanh RNN layers (nn.RNN). m6: two stacked LSTM layers (nn.LSTM).
//! - m7: m6 with dropout on the output, AR, TAR and the output weight tied to the embedding.

use crate::rng::RunRng;
use burn::module::{Module, Param, ParamId};
use burn::tensor::{Device, Int, Tensor};

use super::dropout::{self, dropout_mask};
use super::gru::GruCell;
use super::lstm::LstmCell;
use super::rnn::{RnnCell, SimpleCell};
use super::{Init, LayerState, lookup};
use crate::config::{CellKind, RunConfig};

/// One recurrent layer of whichever cell the run uses.
#[derive(Module, Debug)]
pub enum RecurrentLayer {
    Simple(SimpleCell),
    Rnn(RnnCell),
    Lstm(LstmCell),
    Gru(GruCell),
}

impl RecurrentLayer {
    /// Runs the layer over x [batch, time, in] (a layer below's outputs).
    fn forward(
        &self,
        x: Tensor<3>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        match self {
            RecurrentLayer::Simple(cell) => cell.forward(x, state, weight_mask),
            RecurrentLayer::Rnn(cell) => cell.forward(x, state, weight_mask),
            RecurrentLayer::Lstm(cell) => cell.forward(x, state, weight_mask),
            RecurrentLayer::Gru(cell) => cell.forward(x, state, weight_mask),
        }
    }

    /// The first layer: runs over the embedding's rows for `tokens` [batch, time] (i_h). An LSTM
    /// picks rows of its projected embedding instead (`LstmCell::forward_embedded`).
    fn forward_embedded(
        &self,
        embedding: Tensor<2>,
        tokens: Tensor<2, Int>,
        state: LayerState,
        weight_mask: Option<Tensor<2>>,
    ) -> (Tensor<3>, LayerState) {
        match self {
            RecurrentLayer::Lstm(cell) => {
                cell.forward_embedded(embedding, tokens, state, weight_mask)
            }
            _ => self.forward(lookup(embedding, tokens), state, weight_mask),
        }
    }

    /// The hidden-to-hidden weight, the one weight dropout (DropConnect) masks.
    fn hidden_weight_dims(&self) -> [usize; 2] {
        match self {
            RecurrentLayer::Simple(cell) => cell.weight.dims(),
            RecurrentLayer::Rnn(cell) => cell.w_hh.dims(),
            RecurrentLayer::Lstm(cell) => cell.w_hh.dims(),
            RecurrentLayer::Gru(cell) => cell.w_hh.dims(),
        }
    }
}

/// The model of every preset: an embedding, a stack of recurrent layers and an output layer.
#[derive(Module, Debug)]
pub struct LanguageModel {
    /// i_h: one row of `hidden` numbers per token.
    pub embedding: Param<Tensor<2>>,
    pub layers: Vec<RecurrentLayer>,
    /// h_o's weight [hidden, vocab]; `None` when tied: the output layer then uses the embedding.
    pub output_weight: Option<Param<Tensor<2>>>,
    pub output_bias: Param<Tensor<1>>,
    /// Predict after every token (m4+) rather than only after the last.
    pub every_token: bool,
}

/// The random masks of one training batch; `Noise::none()` in eval mode.
#[derive(Debug, Clone, Default)]
pub struct Noise {
    /// [vocab, 1]: drops whole embedding rows (embedding dropout).
    pub embedding: Option<Tensor<2>>,
    /// One DropConnect mask per layer for its hidden-to-hidden weight.
    pub hidden_weights: Vec<Option<Tensor<2>>>,
    /// [batch, time, hidden]: dropout on the last layer's output, before the output layer.
    pub output: Option<Tensor<3>>,
}

impl Noise {
    pub fn none() -> Self {
        Noise::default()
    }
}

/// What a forward pass returns.
#[derive(Debug, Clone)]
pub struct ForwardOutput {
    /// [batch * time, vocab] with every-token prediction, else [batch, vocab].
    pub logits: Tensor<2>,
    /// The last layer's output before dropout [batch, time, hidden] (TAR's input).
    pub raw: Tensor<3>,
    /// The same after dropout (AR's input, and what the output layer reads).
    pub dropped: Tensor<3>,
    /// Each layer's output [batch, time, hidden], for the hidden-state view.
    pub layer_outputs: Vec<Tensor<3>>,
    /// The state after the last step, one per layer.
    pub state: Vec<LayerState>,
}

impl LanguageModel {
    /// A model for `config` over `vocab` tokens, initialised as PyTorch does from `rng`.
    pub fn new(config: &RunConfig, vocab: usize, device: &Device, rng: &mut RunRng) -> Self {
        let h = config.hidden;
        let mut init = Init { rng, device };
        let embedding = Param::from_tensor(init.normal([vocab, h]));
        let layers = (0..config.layers)
            .map(|_| match config.cell {
                CellKind::Simple => RecurrentLayer::Simple(SimpleCell::new(h, &mut init)),
                CellKind::Rnn => RecurrentLayer::Rnn(RnnCell::new(h, h, &mut init)),
                CellKind::Lstm => RecurrentLayer::Lstm(LstmCell::new(h, h, &mut init)),
                CellKind::Gru => RecurrentLayer::Gru(GruCell::new(h, h, &mut init)),
            })
            .collect();
        let bound = 1.0 / (h as f64).sqrt();
        // nn.Linear(hidden, vocab); when tied, its weight is replaced by the embedding (m7).
        let output_weight =
            (!config.tie).then(|| Param::from_tensor(init.uniform([h, vocab], bound)));
        let output_bias = Param::from_tensor(init.uniform([vocab], bound));
        LanguageModel {
            embedding,
            layers,
            output_weight,
            output_bias,
            every_token: config.every_token,
        }
    }

    pub fn vocab_size(&self) -> usize {
        self.embedding.dims()[0]
    }

    pub fn hidden_size(&self) -> usize {
        self.embedding.dims()[1]
    }

    /// The weight the output layer multiplies by, [hidden, vocab]: its own, or the embedding's
    /// transpose when tied (one parameter used twice).
    pub fn output_matrix(&self) -> Tensor<2> {
        match &self.output_weight {
            Some(weight) => weight.val(),
            None => self.embedding.val().transpose(),
        }
    }

    /// Runs tokens [batch, time] through the model from `state` (zeros when `None`).
    pub fn forward(
        &self,
        tokens: Tensor<2, Int>,
        state: Option<Vec<LayerState>>,
        noise: &Noise,
    ) -> ForwardOutput {
        let [batch, time] = tokens.dims();
        let hidden = self.hidden_size();
        let embedding = dropout::apply(self.embedding.val(), noise.embedding.as_ref());
        let device = embedding.device();
        let zeros = || LayerState {
            hidden: Tensor::zeros([batch, hidden], &device),
            cell: None,
        };
        let state_in = match state {
            Some(state)
                if state.len() == self.layers.len() && state[0].hidden.dims()[0] == batch =>
            {
                state
            }
            _ => (0..self.layers.len()).map(|_| zeros()).collect(),
        };
        let masks = (0..self.layers.len()).map(|i| noise.hidden_weights.get(i).cloned().flatten());
        let mut state_out = Vec::with_capacity(self.layers.len());
        let mut layer_outputs: Vec<Tensor<3>> = Vec::with_capacity(self.layers.len());
        for ((layer, state), mask) in self.layers.iter().zip(state_in).zip(masks) {
            let (out, layer_state) = match layer_outputs.last() {
                None => layer.forward_embedded(embedding.clone(), tokens.clone(), state, mask),
                Some(x) => layer.forward(x.clone(), state, mask),
            };
            layer_outputs.push(out);
            state_out.push(layer_state);
        }
        let raw = layer_outputs.last().expect("at least one layer").clone();
        let dropped = dropout::apply(raw.clone(), noise.output.as_ref());
        let read = if self.every_token {
            dropped.clone().reshape([batch * time, hidden])
        } else {
            dropped
                .clone()
                .narrow(1, time - 1, 1)
                .reshape([batch, hidden])
        };
        let logits = read.matmul(self.output_matrix()) + self.output_bias.val().unsqueeze();
        ForwardOutput {
            logits,
            raw,
            dropped,
            layer_outputs,
            state: state_out,
        }
    }

    /// Draws the masks for one training batch of `batch` x `time` tokens.
    pub fn sample_noise(
        &self,
        config: &RunConfig,
        batch: usize,
        time: usize,
        rng: &mut RunRng,
        device: &Device,
    ) -> Noise {
        Noise {
            embedding: dropout_mask(config.embed_dropout, [self.vocab_size(), 1], rng, device),
            hidden_weights: self
                .layers
                .iter()
                .map(|layer| {
                    dropout_mask(
                        config.weight_dropout,
                        layer.hidden_weight_dims(),
                        rng,
                        device,
                    )
                })
                .collect(),
            output: dropout_mask(
                config.dropout,
                [batch, time, self.hidden_size()],
                rng,
                device,
            ),
        }
    }

    /// Parameters fastai keeps out of weight decay: the biases of Linear layers (the simple cell's
    /// H and the output layer). nn.RNN/LSTM/GRU biases are decayed, as fastai does.
    pub fn no_decay_params(&self) -> Vec<ParamId> {
        let mut ids = vec![self.output_bias.id];
        for layer in &self.layers {
            if let RecurrentLayer::Simple(cell) = layer {
                ids.push(cell.bias.id);
            }
        }
        ids
    }

    /// Parameters by part of the model, for per-layer gradient norms: embedding, each layer, output.
    pub fn param_groups(&self) -> Vec<(String, Vec<ParamId>)> {
        let mut groups = vec![("embedding".to_string(), vec![self.embedding.id])];
        for (i, layer) in self.layers.iter().enumerate() {
            let ids = match layer {
                RecurrentLayer::Simple(c) => vec![c.weight.id, c.bias.id],
                RecurrentLayer::Rnn(c) => vec![c.w_ih.id, c.b_ih.id, c.w_hh.id, c.b_hh.id],
                RecurrentLayer::Lstm(c) => vec![c.w_ih.id, c.b_ih.id, c.w_hh.id, c.b_hh.id],
                RecurrentLayer::Gru(c) => vec![c.w_ih.id, c.b_ih.id, c.w_hh.id, c.b_hh.id],
            };
            groups.push((format!("layer {}", i + 1), ids));
        }
        let mut output = vec![self.output_bias.id];
        output.extend(self.output_weight.as_ref().map(|w| w.id));
        groups.push(("output".to_string(), output));
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Preset;
    use crate::model::test_support::*;
    use burn::tensor::TensorData;
    use burn::tensor::activation::relu;

    fn model(config: &RunConfig) -> LanguageModel {
        LanguageModel::new(config, 30, &device(), &mut RunRng::new(0))
    }

    fn tokens(ids: &[i64], shape: [usize; 2]) -> Tensor<2, Int> {
        Tensor::from_data(TensorData::new(ids.to_vec(), shape), &device())
    }

    #[test]
    fn tied_output_weight_is_the_embedding() {
        let tied = model(&RunConfig::preset(Preset::M7));
        let untied = model(&RunConfig {
            tie: false,
            ..RunConfig::preset(Preset::M7)
        });
        assert!(tied.output_weight.is_none());
        assert_eq!(untied.num_params() - tied.num_params(), 30 * 64);
        // The output layer reads the embedding itself: changing it changes the output matrix.
        assert_close(
            &values(tied.output_matrix()),
            &values(tied.embedding.val().transpose()),
            0.0,
        );
        // One parameter: it appears once among the model's parameter ids.
        let ids: Vec<_> = tied
            .param_groups()
            .into_iter()
            .flat_map(|(_, ids)| ids)
            .collect();
        assert_eq!(ids.iter().filter(|id| **id == tied.embedding.id).count(), 1);
    }

    #[test]
    fn m1_unrolled_equals_the_loop() {
        // LMModel1 as the book writes it, against the loop of LMModel2 (the same function).
        let m = model(&RunConfig::preset(Preset::M1));
        let RecurrentLayer::Simple(cell) = &m.layers[0] else {
            panic!("m1 uses the simple cell")
        };
        let ids = [3i64, 29, 7];
        let emb = |i: i64| m.embedding.val().narrow(0, i as usize, 1);
        let h_h = |x: Tensor<2>| x.matmul(cell.weight.val()) + cell.bias.val().unsqueeze();
        let mut h = relu(h_h(emb(ids[0])));
        h = h + emb(ids[1]);
        h = relu(h_h(h));
        h = h + emb(ids[2]);
        h = relu(h_h(h));
        let unrolled = h.matmul(m.output_matrix()) + m.output_bias.val().unsqueeze();
        let looped = m.forward(tokens(&ids, [1, 3]), None, &Noise::none()).logits;
        assert_close(&values(looped), &values(unrolled), 1e-5);
    }

    #[test]
    fn output_shapes_follow_the_prediction_mode() {
        let m3 = model(&RunConfig::preset(Preset::M3));
        let out = m3.forward(tokens(&[1; 12], [4, 3]), None, &Noise::none());
        assert_eq!(out.logits.dims(), [4, 30]);
        for preset in [Preset::M4, Preset::M5, Preset::M6, Preset::M7] {
            let m = model(&RunConfig::preset(preset));
            let out = m.forward(tokens(&[1; 32], [2, 16]), None, &Noise::none());
            assert_eq!(out.logits.dims(), [32, 30], "{preset:?}");
            assert_eq!(out.raw.dims(), [2, 16, 64]);
            assert_eq!(out.state.len(), m.layers.len());
        }
        let gru = model(&RunConfig {
            cell: CellKind::Gru,
            layers: 3,
            ..RunConfig::preset(Preset::M6)
        });
        assert_eq!(
            gru.forward(tokens(&[1; 32], [2, 16]), None, &Noise::none())
                .state
                .len(),
            3
        );
    }

    #[test]
    fn state_carries_information_between_calls() {
        let m = model(&RunConfig::preset(Preset::M6));
        let first = m.forward(tokens(&[1, 2, 3, 4], [1, 4]), None, &Noise::none());
        let fresh = m.forward(tokens(&[5, 6], [1, 2]), None, &Noise::none());
        let carried = m.forward(tokens(&[5, 6], [1, 2]), Some(first.state), &Noise::none());
        let diff: f32 = values((fresh.logits - carried.logits).abs().sum())[0];
        assert!(diff > 1e-4, "the carried state must change the prediction");
    }
}
