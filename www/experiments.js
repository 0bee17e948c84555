// The chapter's questionnaire (42 questions), answered two ways: experiments, which train a
// baseline and variants that change only what the question is about and state the measured
// result; and explainers, for the questions about ideas or code, with a short answer, what to look
// at, and a line of PyTorch beside the line of our Rust that does the same. Data only: the lab
// (lab.js) runs experiments, the page lists them. No imports, no DOM.

/// Questions in the chapter's questionnaire; experiments and explainers together cover them all.
export const QUESTION_COUNT = 42;

// The text each finished run reads once more, without training, to measure its last layer's
// activations (AR and TAR act on those): 42 tokens of counting.
export const PROBE_TEXT = [121, 122, 123, 124, 125, 126]
  .map((n) => `eight thousand one hundred twenty ${['one', 'two', 'three', 'four', 'five', 'six'][n - 121]} .`)
  .join(' ');

// ---- numbers in words ----
const n3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const n2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en') : 'n/a');
const ms = (x) => (Number.isFinite(x) ? (x >= 10 ? x.toFixed(0) : x.toFixed(1)) : 'n/a');
const epochs = (r) => `${r.epochs} epoch${r.epochs === 1 ? '' : 's'}`;
// Valid loss minus train loss: how much worse the model does on text it has not seen.
const gap = (r) => r.valid_loss - r.train_loss;
const act = (r, k) => (r.activations ? r.activations[k] : NaN);

// An experiment: the baseline's settings and each variant's change; a variant's settings are
// always `{...baseline, ...change}`, and every run trains on the CPU (one worker each), so the
// runs differ in nothing else: same epochs, same seed, same backend.
// `byPosition`: each trained run also measures its validation accuracy at each position within
// the sequence (every-token models only), carried as `accuracy_by_position` and drawn as bars.
function experiment({ id, questions, title, question, baseline, variants, watch, verdict, expect = null, byPosition = false }) {
  const base = { seed: 3, ...baseline.settings, backend: 'cpu' };
  const runs = [
    { label: baseline.label, change: {}, settings: base },
    ...variants.map((v) => ({ label: v.label, change: v.change, settings: { ...base, ...v.change } })),
  ];
  return { kind: 'experiment', id, questions, title, question, baseline: base, variants, runs, watch, verdict, expect, byPosition };
}

// An explainer: an answer in a few sentences, what to look for on the page, and optionally code
// (our own PyTorch, and a line of this project's Rust with its file) or a widget.
function explainer({ id, questions, title, answer, look, snippet = null, widget = null }) {
  return { kind: 'explainer', id, questions, title, answer, look, snippet, widget };
}

export const EXPERIMENTS = [
  experiment({
    id: 'carry-state',
    questions: [6],
    title: 'Keep the hidden state between batches',
    question: 'The hidden state is the activations the loop passes from one step to the next. What does the model gain when it keeps them from one batch to the next (LMModel3) instead of starting each batch from zeros?',
    baseline: { label: 'state reset to zeros every batch', settings: { model: 'm3', hidden: 64, epochs: 10, stateful: false } },
    variants: [{ label: 'state carried over (m3)', change: { stateful: true } }],
    watch: 'Both see three words per sample. The carried state lets m3 remember what came before those three words.',
    verdict: ([fresh, carried]) => `Starting every batch from zeros: accuracy ${n3(fresh.accuracy)}; carrying the hidden state over: ${n3(carried.accuracy)} after ${epochs(carried)}`
      + ` (${carried.accuracy > fresh.accuracy ? `+${n3(carried.accuracy - fresh.accuracy)}` : 'no gain'}). The state is memory of the text before the three words in view.`,
    expect: ([fresh, carried]) => carried.accuracy > fresh.accuracy,
  }),
  experiment({
    id: 'text-in-order',
    questions: [8],
    title: 'Feed the text in order',
    question: 'A stateful model carries its hidden state from one batch to the next. Why does that only help when the batches follow the text in order?',
    baseline: { label: 'batches in order (m3)', settings: { model: 'm3', hidden: 64, epochs: 10 } },
    variants: [{ label: 'batches shuffled', change: { shuffle: true } }],
    watch: 'Shuffled, the state carried into a batch belongs to some other stretch of text: it misleads more than it helps.',
    verdict: ([ordered, shuffled]) => `Ordered text: accuracy ${n3(ordered.accuracy)}; shuffled batches: ${n3(shuffled.accuracy)} after ${epochs(ordered)}`
      + ` (valid loss ${n3(ordered.valid_loss)} against ${n3(shuffled.valid_loss)}). The carried state is only worth keeping when the next batch continues the text it came from.`,
    expect: ([ordered, shuffled]) => ordered.accuracy > shuffled.accuracy,
  }),
  experiment({
    id: 'bptt-length',
    questions: [10, 12],
    title: 'How far back the gradient goes (BPTT)',
    question: 'Backpropagation through time runs back over every step the graph remembers. What does each batch cost when that is 4, 16 or 64 steps?',
    baseline: { label: 'BPTT 16 (m4)', settings: { model: 'm4', hidden: 64, epochs: 4 } },
    variants: [
      { label: 'BPTT 4', change: { bptt: 4 } },
      { label: 'BPTT 64', change: { bptt: 64 } },
    ],
    watch: 'The time per batch grows with the steps kept for the backward pass; the time per epoch hardly moves, since longer sequences mean fewer batches.',
    verdict: ([b16, b4, b64]) => `Per training batch: ${ms(b4.ms_per_batch)} ms with BPTT 4, ${ms(b16.ms_per_batch)} ms with 16, ${ms(b64.ms_per_batch)} ms with 64;`
      + ` per epoch ${n2(b4.seconds_per_epoch)}, ${n2(b16.seconds_per_epoch)} and ${n2(b64.seconds_per_epoch)} s. Each step kept in the graph costs time (and memory) in every backward pass:`
      + ' keeping the whole history of a stateful model would grow without end, which is why the state is detached after each batch.',
    expect: ([b16, b4, b64]) => b4.ms_per_batch < b16.ms_per_batch && b16.ms_per_batch < b64.ms_per_batch,
  }),
  experiment({
    id: 'model-resetter',
    questions: [13, 14],
    title: 'ModelResetter: start each epoch from zeros',
    question: 'The ModelResetter callback sets the hidden state back to zeros at the start of each epoch and before validating. What changes without it?',
    baseline: { label: 'reset each epoch (m3)', settings: { model: 'm3', hidden: 64, epochs: 10 } },
    variants: [{ label: 'never reset', change: { reset: false } }],
    watch: 'Without resets, validation starts from whatever state training left behind: the end of a training stream, not the start of the validation text.',
    verdict: ([reset, kept]) => `With resets: accuracy ${n3(reset.accuracy)}, valid loss ${n3(reset.valid_loss)}; never reset: ${n3(kept.accuracy)}, ${n3(kept.valid_loss)} after ${epochs(reset)}. `
      + (kept.accuracy < reset.accuracy - 0.01 ? 'The state left over from other text cost accuracy.'
        : 'Here the leftover state did no harm: the reset is about a clean start (each epoch and each validation begins the same way, whatever training did last) more than about accuracy.'),
  }),
  experiment({
    id: 'every-token',
    questions: [15, 16],
    title: 'A prediction after every word',
    question: 'Predicting only the word after the last one in a sequence wastes the words in between. What happens when the output layer runs after every step instead?',
    baseline: { label: 'one prediction per sequence of 16', settings: { model: 'm4', hidden: 64, epochs: 6, every: false } },
    variants: [{ label: 'a prediction after every word (m4)', change: { every: true } }],
    watch: 'Only "predict every token" changes: same sequences of 16, same state, same schedule. Every word now gives a gradient.',
    verdict: ([last, every]) => `One prediction per sequence: accuracy ${n3(last.accuracy)}; one after every word: ${n3(every.accuracy)} after ${epochs(every)}`
      + ' with the same batches: sixteen targets per sequence instead of one give sixteen times the signal for about the same work per batch.',
    expect: ([last, every]) => every.accuracy > last.accuracy,
  }),
  experiment({
    id: 'context-by-position',
    questions: [15, 16],
    title: 'Accuracy by position: early words have little context',
    question: 'With a prediction after every word, the first prediction of a sequence has seen one word and the last has seen sixteen. How much better are the later ones?',
    baseline: { label: 'a prediction after every word, each sequence from zeros (m4)', settings: { model: 'm4', hidden: 64, epochs: 3, stateful: false } },
    variants: [{ label: 'the state carried over from the sequence before (the book\'s m4)', change: { stateful: true } }],
    watch: 'The bars: validation accuracy at each of the 16 positions. From a zero state, position 1 sees only its own word; with the state carried over, it sees the text before too.',
    verdict: ([fresh, carried]) => {
      const a = fresh.accuracy_by_position || [];
      const b = carried.accuracy_by_position || [];
      return `position 1: ${n2(a[0])}; position ${a.length}: ${n2(a[a.length - 1])} (m4 from zeros, ${epochs(fresh)}; overall ${n3(fresh.accuracy)}).`
        + ' A prediction with more words of context behind it is more often right; averaged over the positions, these are the accuracy the model reports.'
        + ` With the state carried over, position 1 already has the text before: ${n2(b[0])}, position ${b.length}: ${n2(b[b.length - 1])}.`;
    },
    expect: ([fresh, carried]) => {
      const a = fresh.accuracy_by_position || [];
      const b = carried.accuracy_by_position || [];
      return a.length > 1 && a[0] < a[a.length - 1] && b.length > 0 && b[0] > a[0];
    },
    byPosition: true,
  }),
  experiment({
    id: 'deep-unrolled',
    questions: [18, 21, 22, 24, 25],
    title: 'Why m4 trains unsteadily: 16 layers deep',
    question: 'Unrolled, m4 is 16 copies of one relu layer. What happens to its activations and gradients, and how does an LSTM cell change that?',
    baseline: { label: 'm4: relu cell', settings: { model: 'm4', hidden: 64, epochs: 6 } },
    variants: [{ label: 'the same with an LSTM cell', change: { cell: 'lstm' } }],
    watch: 'Compare the largest activation and the peak gradient norm in the table; on the main page, the gradient-norm chart of an m4 run shows the spikes.',
    verdict: ([relu, lstm]) => `After ${epochs(relu)}, the relu cell's activations reach ${n2(act(relu, 'max_abs'))} (RMS ${n2(act(relu, 'rms_first'))} over the first 8 words of a 42-word text, ${n2(act(relu, 'rms_last'))} over the last 8)`
      + ` and its gradient norm peaks at ${n2(relu.peak_grad_norm)}; with an LSTM cell the largest activation is ${n2(act(lstm, 'max_abs'))} and the peak gradient ${n2(lstm.peak_grad_norm)}.`
      + ' Multiplying by the same matrix 16 times lets numbers drift far from 1 (and gradients with them), so steps are sometimes too big and sometimes too small to learn from; the LSTM keeps its output within ±1.',
    expect: ([relu, lstm]) => act(relu, 'max_abs') > 2 && act(lstm, 'max_abs') <= 1 + 1e-6 && relu.peak_grad_norm > lstm.peak_grad_norm,
  }),
  experiment({
    id: 'stacking',
    questions: [19, 20],
    title: 'Stack a second layer',
    question: 'Unrolled, an RNN is already deep, but every step reuses one weight matrix. Does a second layer, with its own weights, reading the first one\'s outputs, help?',
    baseline: { label: 'one LSTM layer', settings: { model: 'm6', hidden: 32, epochs: 10, layers: 1 } },
    variants: [{ label: 'two stacked LSTM layers (m6)', change: { layers: 2 } }],
    watch: 'See the stack in "The model, drawn" under the charts (pick m5, m6 or m7): the first layer\'s outputs at each step are the second layer\'s inputs. The main page\'s heatmap draws one panel per layer.',
    verdict: ([one, two]) => `One layer: accuracy ${n3(one.accuracy)} with ${int(one.params)} parameters; two stacked: ${n3(two.accuracy)} with ${int(two.params)} after ${epochs(one)}.`
      + ' The second layer adds weights of its own, so the network is deep in more than the reuse of one matrix.',
    expect: ([one, two]) => two.accuracy > one.accuracy,
  }),
  experiment({
    id: 'lstm-high-lr',
    questions: [31],
    title: 'An LSTM takes a higher learning rate',
    question: 'The book trains LMModel6 at a learning rate of 0.01, over three times LMModel5\'s. What happens to the tanh RNN (LMModel5) and to the LSTM (LMModel6) at that rate?',
    baseline: { label: 'm5: two tanh RNN layers, lr 0.01', settings: { model: 'm5', hidden: 64, epochs: 15, lr: 0.01 } },
    variants: [{ label: 'm6: two LSTM layers, lr 0.01', change: { cell: 'lstm' } }],
    watch: 'Same layers, sizes, schedule and learning rate; only the cell differs. Watch the training loss: the LSTM keeps going down.',
    verdict: ([rnn, lstm]) => `At lr 0.01 for ${epochs(rnn)}: the tanh RNN reaches accuracy ${n3(rnn.accuracy)} (train loss ${n3(rnn.train_loss)}), the LSTM ${n3(lstm.accuracy)} (train loss ${n3(lstm.train_loss)}).`
      + ' The LSTM\'s gates and its additive cell state let gradients through many steps without exploding or vanishing, so it can take the larger steps.',
    expect: ([rnn, lstm]) => lstm.accuracy > rnn.accuracy && lstm.train_loss < rnn.train_loss,
  }),
  experiment({
    id: 'regularization',
    questions: [32],
    title: 'AWD-LSTM\'s three regularizers',
    question: 'LMModel7 adds dropout, activation regularization (AR) and temporal activation regularization (TAR) to the LSTM. What do the three do together?',
    baseline: { label: 'm7 without dropout, AR or TAR', settings: { model: 'm7', hidden: 32, epochs: 6, dropout: 0, ar: 0, tar: 0 } },
    variants: [{ label: 'dropout 0.4, AR 2, TAR 1 (m7)', change: { dropout: 0.4, ar: 2, tar: 1 } }],
    watch: 'Compare the train loss with the valid loss of each run: regularization makes training harder on purpose, so that the model does better on text it has not seen.',
    verdict: ([plain, reg]) => `Without regularization: train loss ${n3(plain.train_loss)}, valid loss ${n3(plain.valid_loss)} (gap ${n3(gap(plain))}), accuracy ${n3(plain.accuracy)};`
      + ` with dropout, AR and TAR: ${n3(reg.train_loss)}, ${n3(reg.valid_loss)} (gap ${n3(gap(reg))}), accuracy ${n3(reg.accuracy)} after ${epochs(reg)}. The three narrow the gap between training and validation.`,
    expect: ([plain, reg]) => gap(reg) < gap(plain),
  }),
  experiment({
    id: 'activation-penalties',
    questions: [39, 41],
    title: 'AR and TAR: penalties on activations',
    question: 'AR adds α · mean(h²) to the loss; TAR adds β · mean((h[t+1] − h[t])²). What do they do to the LSTM\'s outputs?',
    baseline: { label: 'no penalty', settings: { model: 'm7', hidden: 32, epochs: 6, dropout: 0, ar: 0, tar: 0 } },
    variants: [
      { label: 'AR α = 2', change: { ar: 2 } },
      { label: 'TAR β = 1', change: { tar: 1 } },
    ],
    watch: 'The table\'s "mean h²" and "mean Δh²" columns are measured on a 42-word text after training: AR shrinks the first, TAR the second.',
    verdict: ([none, ar, tar]) => `Mean square of the last layer's activations: ${n3(act(none, 'mean_square'))} with no penalty, ${n3(act(ar, 'mean_square'))} with AR;`
      + ` mean square change from one word to the next: ${n3(act(none, 'step_change_square'))} with no penalty, ${n3(act(tar, 'step_change_square'))} with TAR.`
      + ` Accuracy: ${n3(none.accuracy)}, ${n3(ar.accuracy)} (AR), ${n3(tar.accuracy)} (TAR) after ${epochs(none)}.`,
    expect: ([none, ar, tar]) => act(ar, 'mean_square') < act(none, 'mean_square') && act(tar, 'step_change_square') < act(none, 'step_change_square'),
  }),
  experiment({
    id: 'weight-tying',
    questions: [42],
    title: 'Tie the output layer to the embedding',
    question: 'The embedding turns a word into 64 numbers; the output layer turns 64 numbers into a score per word. What happens when both use one matrix?',
    baseline: { label: 'm7 untied', settings: { model: 'm7', hidden: 64, epochs: 5, tie: false } },
    variants: [{ label: 'tied (m7)', change: { tie: true } }],
    watch: 'The parameter column: tying removes exactly the output layer\'s own matrix, vocabulary × hidden = 30 × 64 = 1,920 numbers.',
    verdict: ([untied, tied]) => `Untied: ${int(untied.params)} parameters, accuracy ${n3(untied.accuracy)}; tied: ${int(tied.params)} parameters, accuracy ${n3(tied.accuracy)} after ${epochs(tied)}.`
      + ` Tying removed ${int(untied.params - tied.params)} parameters (30 words × ${tied.config.hidden} numbers), and the shared matrix learns from both ends.`,
    expect: ([untied, tied]) => untied.params - tied.params === 30 * tied.config.hidden && tied.accuracy > untied.accuracy,
  }),
];

export const EXPLAINERS = [
  explainer({
    id: 'tiny-dataset',
    questions: [1],
    title: 'Start from a tiny dataset',
    answer: 'When the real data is slow to work with, build the smallest dataset that still has the problem\'s shape, and try ideas on it first. Human numbers is that for language models: 1 to 9,999 spelled out in English, 63,095 tokens over a vocabulary of 30 words, yet it has grammar (hundreds, thousands) a model must learn.',
    look: 'The epoch table: an epoch of the full m7 takes a couple of seconds in this tab, so every idea in the chapter can be tried while you read.',
  }),
  explainer({
    id: 'one-stream',
    questions: [2],
    title: 'Why join the documents into one stream',
    answer: 'A language model learns from (text, next word) pairs cut from a stream. Joining every document, with " . " marking where one ends, gives one long stream that can be cut into sequences of equal length and stacked into full batches; the model also learns what follows the end of a document.',
    look: 'Count on from "one thousand nine hundred ninety eight ." in "Ask the model": the model has learned what comes after a full stop.',
    snippet: {
      pytorch: "docs = [line.strip() for name in ('train.txt', 'valid.txt') for line in open(name)]\nstream = ' . '.join(docs).split(' ')    # one list of tokens",
      rust: { path: 'src/data.rs', line: '.join(" . ");' },
    },
  }),
  explainer({
    id: 'three-words',
    questions: [3],
    title: 'A plain network that reads three words',
    answer: 'Two changes turn three stacked linear layers into a model of the next word: every layer uses the same weight matrix (a word means the same thing in any position), and each layer adds the embedding of the next word to its input, so the first word enters at the bottom and the third at the top.',
    look: 'Pick m1 in the settings: one embedding, one hidden layer used three times, one output layer.',
    snippet: {
      pytorch: 'h = F.relu(self.h_h(self.i_h(x[:, 0])))\nh = F.relu(self.h_h(h + self.i_h(x[:, 1])))\nh = F.relu(self.h_h(h + self.i_h(x[:, 2])))\nreturn self.h_o(h)',
      rust: { path: 'src/model/rnn.rs', line: 'hidden = relu(x_t + hidden.matmul(weight.clone()));' },
    },
  }),
  explainer({
    id: 'shared-layer',
    questions: [4],
    title: 'One layer, used several times',
    answer: 'Create the layer once in __init__ and call it as often as you like in forward. Every call uses the same weights, and autograd adds up the gradients of all the calls into that one weight.',
    look: 'The parameter count of m1 and m2 is the same (8,030 at hidden 64): three uses of the hidden layer, one set of weights.',
    snippet: {
      pytorch: 'self.h_h = nn.Linear(n_hidden, n_hidden)   # made once\nfor i in range(3):\n    h = F.relu(self.h_h(h + self.i_h(x[:, i])))   # used three times',
      rust: { path: 'src/model/rnn.rs', line: 'pub weight: Param<Tensor<2>>,' },
    },
  }),
  explainer({
    id: 'unrolled-loop',
    questions: [5, 9],
    title: 'An RNN is a loop; unrolled, a deep network',
    answer: 'LMModel1 writes its three steps out: embed, add, apply the hidden layer, three times. Written as a for loop over the words, the same code handles any number of words: that loop is a recurrent neural network. Drawn with the loop undone, one layer per step, it is the unrolled representation: an ordinary multi-layer network whose layers all share one weight matrix.',
    look: 'Open "The model, drawn" under the charts with m1 or m2: the unrolled picture, one box per word, all sharing the one h_h matrix. m1 and m2 train to the same numbers here: our Rust has one loop for both, and a unit test checks it against the written-out form to 1e-5.',
    snippet: {
      pytorch: '# unrolled\nh = F.relu(self.h_h(self.i_h(x[:, 0])))\nh = F.relu(self.h_h(h + self.i_h(x[:, 1])))\n# the same as a loop\nh = 0\nfor t in range(x.shape[1]):\n    h = F.relu(self.h_h(h + self.i_h(x[:, t])))',
      rust: { path: 'src/model/ladder.rs', line: 'fn m1_unrolled_equals_the_loop() {' },
    },
  }),
  explainer({
    id: 'h-in-lmmodel1',
    questions: [7],
    title: 'LMModel1\'s hidden state',
    answer: 'It is h: the activations one use of the hidden layer hands to the next. In LMModel1 it lives for three steps and is thrown away; from LMModel3 on, it is kept from batch to batch.',
    look: 'Predict a word in "Ask the model": the heatmap is h after each word, one column per word.',
    snippet: {
      pytorch: 'h = torch.zeros(bs, n_hidden)        # the hidden state\nfor word in x.unbind(1):              # one step per input word\n    h = F.relu(self.h_h(h + self.i_h(word)))',
      rust: { path: 'src/model/rnn.rs', line: 'let mut hidden = state.hidden;' },
    },
  }),
  explainer({
    id: 'detach',
    questions: [11],
    title: 'Detach the state after each batch',
    answer: 'A stateful model\'s hidden state remembers how it was computed, all the way back to the first batch, so each backward pass would grow longer than the last. Detaching it after each batch keeps its value but forgets its history: gradients then flow back only through the current batch\'s steps.',
    look: 'The "bptt-length" experiment: the cost of a batch follows the steps kept in the graph, and detaching caps them at the BPTT length.',
    snippet: {
      pytorch: 'out, h = self.rnn(self.i_h(x), h)\nh = h.detach()   # the same numbers, without their history',
      rust: { path: 'src/train/trainer.rs', line: 'self.hidden_state = Some(out.state.into_iter().map(LayerState::detached).collect());' },
    },
  }),
  explainer({
    id: 'flatten-loss',
    questions: [17],
    title: 'Why LMModel4 needs its own loss function',
    answer: 'LMModel4 returns a prediction for every position: a batch × sequence × vocabulary tensor, with batch × sequence targets. Cross-entropy wants a list of predictions and a list of targets, so the loss flattens both before comparing.',
    look: 'Every-token prediction is the "Predict every token" setting; with it on, the training loss averages over all 16 positions.',
    snippet: {
      pytorch: 'logits = model(x)                    # [bs, sl, vocab]\nloss = F.cross_entropy(logits.flatten(0, 1), y.flatten())   # [bs*sl, vocab] against [bs*sl]',
      rust: { path: 'src/model/ladder.rs', line: 'dropped.clone().reshape([batch * time, hidden])' },
    },
  }),
  explainer({
    id: 'float-precision',
    questions: [23],
    title: 'Which numbers a float stores most precisely',
    answer: 'A float32 keeps about 7 significant digits, so the gap between one float and the next grows with the number: about 1.2e-7 near 1, 0.0625 near a million, 2 past 16.7 million. Large numbers lose the digits after the point. At the other end, below about 1e-38 the exponent runs out and the number keeps fewer and fewer significant digits until it rounds to zero. The most precise numbers are small but not too close to zero, which is one more reason activations and gradients should neither explode nor vanish.',
    look: 'Type a number into the widget: it shows the float32 values on either side and the gap between them.',
    widget: 'float',
  }),
  explainer({
    id: 'lstm-two-states',
    questions: [26, 27],
    title: 'An LSTM\'s two states',
    answer: 'The cell state c is the long-term memory: each step the forget gate scales it and the input gate adds to it, with no squashing in between, so it can carry information far. The hidden state h is the output: a gated, tanh-squashed view of c that the next layer (and the prediction) reads.',
    look: 'The heatmap of an m6 or m7 model shows h after each word; c stays inside the layer.',
    snippet: {
      pytorch: 'c = forget * c + input * cell_gate   # cell state: memory\nh = output * torch.tanh(c)            # hidden state: what is passed on',
      rust: { path: 'src/model/lstm.rs', line: 'cell = sigmoid(forget_gate) * cell + sigmoid(input_gate) * tanh(cell_gate);' },
    },
  }),
  explainer({
    id: 'tanh-sigmoid',
    questions: [28],
    title: 'tanh is a rescaled sigmoid',
    answer: 'tanh squashes any number into (−1, 1), sigmoid into (0, 1). They are the same S shape: tanh(x) = 2·sigmoid(2x) − 1, a sigmoid stretched to twice the height, moved down by one and made twice as steep.',
    look: 'The widget plots both on [−5, 5] and checks the identity at the point you choose.',
    widget: 'tanh',
  }),
  explainer({
    id: 'lstm-concat',
    questions: [29],
    title: 'Joining the hidden state and the input',
    answer: 'torch.cat([h, input], dim=1) puts the previous hidden state and the new input side by side, so one linear layer per gate sees both and decides from the two together how much to forget, what to add and what to output.',
    look: 'Our step written in tensor operations (the LSTM\'s, and nn.RNN\'s) does this: one product of [input, h] with the two weight matrices stacked.',
    snippet: {
      pytorch: 'both = torch.cat([h, x], dim=1)        # [bs, n_hidden + n_in]\nf = torch.sigmoid(self.forget(both))    # every gate reads both',
      rust: { path: 'src/model/mod.rs', line: 'Tensor::cat(vec![x_t, hidden.clone()], 1).matmul(weights.0.clone()) + weights.1.clone()' },
    },
  }),
  explainer({
    id: 'chunk',
    questions: [30],
    title: 'chunk',
    answer: 'tensor.chunk(n, dim) cuts a tensor into n equal pieces along one dimension. The refactored LSTM cell computes all four gates in one product, a tensor 4 × hidden wide, and chunk(4, 1) splits it into the four gates.',
    look: 'Four gates from one product: the LSTM layer\'s weights are 4 × hidden wide.',
    snippet: {
      pytorch: 'i, f, g, o = torch.randn(2, 4 * 64).chunk(4, dim=1)   # four [2, 64] pieces',
      rust: { path: 'src/model/lstm.rs', line: 'gates.chunk(4, 1).try_into().expect("four gates");' },
    },
  }),
  explainer({
    id: 'dropout',
    questions: [33, 34, 35],
    title: 'Dropout, and why it rescales',
    answer: 'Dropout zeroes each activation with probability p during training, so no unit can rely on one particular other unit. The survivors are multiplied by 1/(1 − p) so that the expected sum a layer receives stays the same as without dropout. The scaling can be done during training (inverted dropout, as PyTorch, fastai and this project do) or instead by multiplying by 1 − p at inference; doing it in training leaves inference untouched.',
    look: 'Set dropout to 0.4 on m6 and compare the train and valid losses with and without it (or run the "regularization" experiment).',
    snippet: {
      pytorch: 'keep = (torch.rand_like(x) >= p).float()   # 1 with probability 1 - p\nreturn x * keep / (1 - p)                  # training; at inference: return x',
      rust: { path: 'src/model/dropout.rs', line: 'let scale = (1.0 / (1.0 - p)) as f32;' },
    },
  }),
  explainer({
    id: 'train-and-eval',
    questions: [36, 37, 38],
    title: 'Training mode and evaluation mode',
    answer: 'A module\'s `training` flag says which mode it is in: model.train() sets it (dropout drops), model.eval() clears it (dropout returns its input as it is, so validation and predictions are deterministic). The line `if not self.training: return x` is that switch inside Dropout.',
    look: 'The valid loss of a run with dropout is measured with dropout off; its training loss with dropout on.',
    snippet: {
      pytorch: 'model.train()   # training mode: dropout active\nmodel.eval()    # evaluation mode: dropout is the identity\n# inside Dropout.forward:\nif not self.training: return x',
      rust: { path: 'src/train/trainer.rs', line: 'self.valid_model = Some(self.model().valid());' },
    },
  }),
  explainer({
    id: 'ar-vs-weight-decay',
    questions: [40],
    title: 'Activation regularization is not weight decay',
    answer: 'Weight decay adds a penalty on the size of the weights (or shrinks them each step); AR adds one on the size of the activations, the outputs of the LSTM for this batch. Small weights do not guarantee small activations, and AR leaves the weights free as long as what they produce stays small.',
    look: 'The "activation-penalties" experiment measures the activations; m7 uses both AR (2) and weight decay (0.1).',
    snippet: {
      pytorch: 'loss = loss + alpha * activations.pow(2).mean()        # AR: activations\np.data.mul_(1 - lr * wd)                                # weight decay: weights',
      rust: { path: 'src/train/optim.rs', line: 'value = value.mul_scalar(1.0 - lr * wd);' },
    },
  }),
];

/// Every experiment and explainer, by its first question.
export const TEACHING = [...EXPERIMENTS, ...EXPLAINERS].sort((a, b) => a.questions[0] - b.questions[0]);

/// What the `ready` event lists: id, questions and title of each.
export const CATALOG = TEACHING.map(({ id, questions, title }) => ({ id, questions, title }));

export function findTeaching(id) {
  return TEACHING.find((t) => t.id === id) || null;
}
