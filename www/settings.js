// The controls: one entry per setting of RunConfig (validated in Rust, in the worker), with the
// chapter's words for what it does. URL state is read and written by the worker's parseQuery /
// configToQuery, so the page and the CLI share one definition of every setting.

export const MODELS = [
  ['m1', 'm1 · 3 tokens in, fully connected'],
  ['m2', 'm2 · the same as a loop (RNN)'],
  ['m3', 'm3 · stateful RNN, BPTT 3'],
  ['m4', 'm4 · predict every token, BPTT 16'],
  ['m5', 'm5 · 2-layer tanh RNN'],
  ['m6', 'm6 · 2-layer LSTM'],
  ['m7', 'm7 · LSTM + dropout, AR, TAR, tying'],
];

// kind: select | number | toggle. The ranges here only shape the inputs; the worker validates.
export const SETTINGS = [
  { key: 'model', group: 'Model', label: 'Model', kind: 'select', options: MODELS,
    hint: 'A rung of the chapter\'s ladder: sets the book\'s recipe for it.' },
  { key: 'cell', group: 'Model', label: 'Cell', kind: 'select',
    options: [['simple', 'simple: relu(H(h + x))'], ['rnn', 'RNN (tanh)'], ['lstm', 'LSTM'], ['gru', 'GRU']],
    hint: 'What each step computes. LSTM keeps a cell state beside the hidden state.' },
  { key: 'layers', group: 'Model', label: 'Layers', kind: 'number', min: 1, max: 4, step: 1,
    hint: 'Stacked RNNs: each layer reads the outputs of the one below.' },
  { key: 'hidden', group: 'Model', label: 'Hidden size', kind: 'number', min: 1, max: 512, step: 1,
    hint: 'Numbers in the hidden state (and in each word\'s embedding).' },
  { key: 'bptt', group: 'Sequence', label: 'BPTT length', kind: 'number', min: 1, max: 128, step: 1,
    hint: 'Tokens per sequence: how far back gradients flow before the state is detached.' },
  { key: 'every', group: 'Sequence', label: 'Predict every token', kind: 'toggle',
    hint: 'One prediction per token (m4+) instead of one per sequence: more signal per batch.' },
  { key: 'stateful', group: 'Sequence', label: 'Keep hidden state', kind: 'toggle',
    hint: 'Carry the hidden state from batch to batch (m3+), detached after each batch.' },
  { key: 'reset', group: 'Sequence', label: 'Reset state (ModelResetter)', kind: 'toggle',
    hint: 'Zero the state at each epoch start and before validation.' },
  { key: 'shuffle', group: 'Sequence', label: 'Shuffle batches', kind: 'toggle',
    hint: 'Feed the text out of order: a stateful model then carries the wrong context.' },
  { key: 'dropout', group: 'Regularization', label: 'Dropout p', kind: 'number', min: 0, max: 0.9, step: 0.05,
    hint: 'Zero a share p of the LSTM outputs in training (scaled by 1/(1-p)); off in eval.' },
  { key: 'ar', group: 'Regularization', label: 'AR α', kind: 'number', min: 0, max: 100, step: 0.5,
    hint: 'Activation regularization: α · mean(dropped output²) keeps activations small.' },
  { key: 'tar', group: 'Regularization', label: 'TAR β', kind: 'number', min: 0, max: 100, step: 0.5,
    hint: 'Temporal AR: β · mean((h[t+1] − h[t])²) keeps the state from jumping.' },
  { key: 'tie', group: 'Regularization', label: 'Tie weights', kind: 'toggle',
    hint: 'The output layer uses the embedding matrix: one parameter, used twice.' },
  { key: 'edrop', group: 'Regularization', label: 'Embedding dropout', kind: 'number', min: 0, max: 0.9, step: 0.05,
    hint: 'AWD-LSTM extra: drop whole words\' embeddings in training.' },
  { key: 'wdrop', group: 'Regularization', label: 'Weight dropout', kind: 'number', min: 0, max: 0.9, step: 0.05,
    hint: 'AWD-LSTM extra: DropConnect on the hidden-to-hidden weights.' },
  { key: 'wd', group: 'Regularization', label: 'Weight decay', kind: 'number', min: 0, max: 10, step: 0.01,
    hint: 'Shrinks weights each step (decoupled, as fastai does); m7 uses 0.1.' },
  { key: 'clip', group: 'Training', label: 'Gradient clipping', kind: 'number', min: 0, max: 100, step: 0.1,
    hint: 'Cap the gradient norm (0 = off): a cure for exploding gradients.' },
  { key: 'lr', group: 'Training', label: 'Learning rate', kind: 'number', min: 0.0001, max: 10, step: 0.0001,
    hint: 'Peak of the one-cycle schedule (warm up 25%, then anneal).' },
  { key: 'epochs', group: 'Training', label: 'Epochs', kind: 'number', min: 1, max: 200, step: 1,
    hint: 'Passes over the 80% of the text that trains.' },
  { key: 'bs', group: 'Training', label: 'Batch size', kind: 'number', min: 1, max: 512, step: 1,
    hint: 'Sequences per batch: also the number of parallel streams of text.' },
  { key: 'seed', group: 'Training', label: 'Seed', kind: 'number', min: 0, max: 9007199254740991, step: 1,
    hint: 'Same seed, same settings, same backend: the same numbers.' },
  { key: 'backend', group: 'Training', label: 'Backend', kind: 'select',
    options: [['auto', 'auto (WebGPU if available)'], ['webgpu', 'WebGPU'], ['cpu', 'CPU (wasm)']],
    hint: 'Where the math runs. WebGPU and CPU round differently: results can differ slightly.' },
];

export const PAGE_KEYS = ['autostart', 'embed', 'controls'];

// Values as the URL writes them (booleans as 1/0).
export function urlValue(value) {
  if (value === true) return '1';
  if (value === false) return '0';
  return String(value);
}

// The config object as the worker's validator reads it, keyed like the URL.
export function configToSettings(config) {
  return {
    model: config.model, cell: config.cell, layers: config.layers, hidden: config.hidden,
    bptt: config.bptt, every: config.every_token, stateful: config.stateful, reset: config.reset_state,
    shuffle: config.shuffle, dropout: config.dropout, ar: config.ar, tar: config.tar, tie: config.tie,
    edrop: config.embed_dropout, wdrop: config.weight_dropout, wd: config.wd, clip: config.grad_clip,
    lr: config.lr, epochs: config.epochs, bs: config.batch_size, seed: config.seed,
    backend: config.backend === 'wgpu' ? 'webgpu' : config.backend,
    mom_high: config.mom_high, mom_low: config.mom_low,
  };
}
