// Guided experiments: each answers a question of the chapter's questionnaire with a run.
// `keepFirst` keeps the finished run as a ghost curve so the two can be compared.
export const EXPERIMENTS = [
  {
    title: 'Why must text be fed in order?',
    question: 'To maintain the state in an RNN, why is it important to pass the text to the model in order?',
    settings: { model: 'm7', shuffle: true, epochs: 5 },
    keepFirst: true,
    watch: 'With shuffled batches the carried hidden state belongs to other text: accuracy stays well below the ordered run.',
  },
  {
    title: 'What does the hidden state buy?',
    question: 'What is "hidden state"? Why keep it from batch to batch (m3)?',
    settings: { model: 'm3', stateful: false },
    keepFirst: true,
    watch: 'Without the carried state m3 sees only 3 tokens at a time: compare with the stateful run.',
  },
  {
    title: 'What does ModelResetter do?',
    question: 'What does the ModelResetter callback do, and why do we need it?',
    settings: { model: 'm3', reset: false },
    keepFirst: true,
    watch: 'Without resets, validation starts from a state left over from training text.',
  },
  {
    title: 'One prediction per token',
    question: 'What are the downsides of predicting just one output word for each three input words?',
    settings: { model: 'm4' },
    keepFirst: true,
    watch: 'm4 gets a prediction, and a gradient, after every token: it learns faster than m3.',
  },
  {
    title: 'Why is m4 unstable?',
    question: 'Why is the training of LMModel4 unstable?',
    settings: { model: 'm4', lr: 0.01 },
    keepFirst: false,
    watch: 'Watch the gradient-norm chart: spikes are exploding gradients through 16 unrolled steps.',
  },
  {
    title: 'Why can an LSTM take a higher learning rate?',
    question: 'Why can we use a higher learning rate for LMModel6?',
    settings: { model: 'm5', lr: 0.01 },
    keepFirst: true,
    watch: 'A tanh RNN at lr 1e-2 struggles where the LSTM (m6) trains fine.',
  },
  {
    title: 'What does weight tying buy?',
    question: 'What is weight tying in a language model?',
    settings: { model: 'm7', tie: false },
    keepFirst: true,
    watch: 'Untied: 1,920 more parameters (30 x 64). Compare accuracy with the tied run.',
  },
  {
    title: 'Dropout, AR and TAR off',
    question: 'What are the three regularisation techniques used in an AWD-LSTM model?',
    settings: { model: 'm7', dropout: 0, ar: 0, tar: 0 },
    keepFirst: true,
    watch: 'Without regularization the training loss falls faster but validation does worse.',
  },
  {
    title: 'A longer BPTT',
    question: 'What is BPTT? Why detach the hidden state?',
    settings: { model: 'm6', bptt: 32 },
    keepFirst: true,
    watch: 'Longer sequences: gradients flow further back; each step costs more time and memory.',
  },
];
