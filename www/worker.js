// The training worker: owns the run, trains a few batches per turn, and posts progress to the
// page. The page never blocks; between turns the worker reads its messages (pause, step, ...).
//
// Two builds of the module: `worker.js?module=cpu` loads the CPU-only one (pkg-cpu/, 0.8 MB
// gzipped), which every visitor gets first; `?module=gpu` loads the one with WebGPU as well (pkg/,
// about 4 MB), which the page starts beside it only when the browser offers a GPU adapter.
const MODULE = new URL(self.location.href).searchParams.get('module') === 'gpu' ? './pkg/rnn_playground.js' : './pkg-cpu/rnn_playground.js';
let api = null; // the module's exports, once loaded
const ready = import(MODULE).then(async (module) => {
  await module.default();
  api = module;
});
let run = null;
let running = false;
let generation = 0; // bumps on every new run, so a stale loop stops

function post(type, payload = {}, transfer = []) {
  self.postMessage({ type, ...payload }, transfer);
}

// The GPU device burn's wgpu runtime asks for, watched so that a lost device is reported even
// when the call that was using it never returns. The page then moves the run to the CPU from its
// last checkpoint, in a fresh worker.
let gpuDevice = null;
let deviceLost = false;
if (self.GPUAdapter && GPUAdapter.prototype.requestDevice) {
  const requestDevice = GPUAdapter.prototype.requestDevice;
  GPUAdapter.prototype.requestDevice = async function (...args) {
    const device = await requestDevice.apply(this, args);
    gpuDevice = device;
    device.lost.then((info) => lose(info.message || `the GPU device was lost (${info.reason})`));
    return device;
  };
}
// Diagnostics for tests (e.g. destroying the device to prove the fallback); the host page cannot
// reach a worker's global scope.
self.rnnPlayground = { gpuDevice: () => gpuDevice };

function lose(why) {
  if (deviceLost) return;
  deviceLost = true;
  running = false;
  generation += 1;
  post('deviceLost', { message: why });
}

function message(error) {
  return error && error.message ? error.message : String(error);
}

// Batches per turn, from the measured time per batch: a turn of about 80 ms on the CPU (250 ms on a
// GPU, where each turn ends in a readback) keeps progress messages, and the page's chart redraws,
// to about a dozen a second whatever the model's size, and answers a pause within a turn.
const TURN_MS = { cpu: 80, webgpu: 250 };
let msPerBatch = null; // a running average over recent turns
let trainMsPerBatch = null; // the same over turns of training batches only (validation is cheaper)
function batchesPerTurn() {
  const gpu = run && run.backend() === 'webgpu';
  if (msPerBatch === null) return gpu ? 8 : 4;
  return Math.max(1, Math.min(512, Math.round((gpu ? TURN_MS.webgpu : TURN_MS.cpu) / msPerBatch)));
}

// Sends the page the run's state, so the run can go on in another worker or on another backend:
// at the end of every epoch, and every few seconds on a GPU (which can be lost at any time). None
// is taken when a run starts: its weights follow from the seed, and a GPU readback then would
// delay the first step.
const GPU_CHECKPOINT_EVERY_MS = 10_000;
let lastCheckpoint = 0;
// The run's state and where it stands; only between training batches, where `epoch` counts the
// epochs finished (no need to copy the history).
async function snapshot() {
  const bytes = await run.checkpoint();
  const { step, epoch } = run.progress();
  return { bytes, step, epochs: epoch };
}

async function checkpoint() {
  lastCheckpoint = performance.now();
  const saved = await snapshot();
  post('checkpoint', saved, [saved.bytes.buffer]);
}

async function turn(batches) {
  const started = performance.now();
  const out = await run.advance(batches);
  const ms = (performance.now() - started) / batches;
  msPerBatch = msPerBatch === null ? ms : 0.7 * msPerBatch + 0.3 * ms;
  if (out.steps && out.steps.length === batches) trainMsPerBatch = trainMsPerBatch === null ? ms : 0.7 * trainMsPerBatch + 0.3 * ms;
  if (deviceLost) return out;
  post('progress', out);
  if (out.error && out.deviceError && run.backend() === 'webgpu') {
    lose(out.error);
  } else if (out.error) {
    running = false;
    post('error', { message: out.error, diverged: true });
  } else if (out.done) {
    running = false;
    post('done', { history: run.history() });
  } else if (out.progress.phase === 'train') {
    const gpuDue = run.backend() === 'webgpu' && performance.now() - lastCheckpoint > GPU_CHECKPOINT_EVERY_MS;
    if (out.epochs.length || gpuDue) await checkpoint();
  }
  return out;
}

// Lets queued messages (pause, predict) run between turns. A message to ourselves rather than
// setTimeout(0), which browsers clamp to 4 ms once nested: 4 ms a turn was 3% of an m7 epoch.
const yielder = new MessageChannel();
const yielded = [];
yielder.port1.onmessage = () => yielded.shift()();
function yieldToMessages() {
  return new Promise((resolve) => {
    yielded.push(resolve);
    yielder.port2.postMessage(null);
  });
}

async function loop(gen) {
  while (running && gen === generation) {
    // Turns share the queue with messages, so a prediction never meets a run mid-batch.
    await enqueue(() => (running && gen === generation ? turn(batchesPerTurn()) : null));
    await yieldToMessages();
  }
}

async function create(config, restoreFrom = null) {
  await ready;
  generation += 1;
  running = false;
  if (run) {
    run.free();
    run = null;
  }
  msPerBatch = null;
  trainMsPerBatch = null;
  post('status', { message: restoreFrom ? 'Restoring the run…' : 'Compiling and preparing the model…' });
  run = restoreFrom ? await api.Run.restore(restoreFrom.bytes, restoreFrom.backend) : await api.Run.create(config);
  post('created', { restored: !!restoreFrom, ...described(run) });
  lastCheckpoint = performance.now();
}

// What the page is told of a run, created or restored: its backend, size, config and shape.
function described(r) {
  return {
    backend: r.backend(),
    backendDescription: r.backendDescription(),
    backendReason: r.backendReason() ?? null,
    paramCount: r.paramCount(),
    config: r.config(),
    batchesPerEpoch: r.batchesPerEpoch(),
    groups: r.history().groups,
  };
}

const handlers = {
  async book() {
    await ready;
    return api.bookResults();
  },
  async parseQuery({ query }) {
    await ready;
    return api.parseQuery(query);
  },
  async describe({ settings }) {
    await ready;
    const config = api.validateConfig(settings);
    return { config, query: api.configToQuery(settings), differences: api.differencesFromBook(settings), paramCount: api.countParams(settings) };
  },
  async schema() {
    await ready;
    return api.settingsSchema();
  },
  async preset({ model }) {
    await ready;
    return api.presetConfig(model);
  },
  async probeBackend({ backend }) {
    await ready;
    return api.probeBackend(backend);
  },
  async webgpuAdapter() {
    await ready;
    return api.webgpuAdapter();
  },
  // Times training steps of `config` in a throwaway run, so the page can choose the faster
  // backend: one step first (on a GPU it compiles the kernels, so the run handed over next starts
  // at full speed), then about 300 ms of steps. On the CPU worker, a run that is training gives its
  // own current figure instead. Resolves to { msPerBatch, seconds (all of it), live }.
  async measure({ config }) {
    await ready;
    if (run && running && trainMsPerBatch !== null) return { msPerBatch: trainMsPerBatch, seconds: 0, live: true };
    const started = performance.now();
    const trial = await api.Run.create(config);
    try {
      if (config.backend === 'webgpu' && trial.backend() !== 'webgpu') throw new Error(trial.backendDescription());
      const timed = async (batches) => {
        const t0 = performance.now();
        const out = await trial.advance(batches);
        if (out.error) throw new Error(out.error);
        return (performance.now() - t0) / batches;
      };
      await timed(1);
      let ms = await timed(1);
      const more = Math.min(32, Math.floor(300 / Math.max(ms, 0.01)));
      if (more >= 2) ms = await timed(more);
      return { msPerBatch: ms, seconds: (performance.now() - started) / 1000, live: false };
    } finally {
      trial.free();
    }
  },
  // Stops the run between training batches and hands its state to the page, to go on in another
  // worker (resolves to null when there is nothing left to hand over).
  async handover() {
    if (!run) return null;
    const wasRunning = running;
    running = false;
    generation += 1;
    // A checkpoint is taken between training batches: finish a validation pass first.
    while (run.progress().phase === 'valid') await turn(batchesPerTurn());
    if (run.progress().phase === 'done') return null;
    return { ...(await snapshot()), wasRunning };
  },
  // The run's state now, to save as a file; the run goes on. Taken between training batches, as
  // `handover` does: a validation pass under way is finished first.
  async save() {
    if (!run) throw new Error('there is no run to save yet: press Train or Step first');
    while (run.progress().phase === 'valid') {
      const out = await turn(batchesPerTurn());
      if (out.error) throw new Error(out.error);
    }
    return snapshot();
  },
  // A run saved as a file becomes this worker's run, paused, with its history. The bytes are
  // restored before the current run is dropped, so a file that is not a checkpoint leaves it as
  // it was (the rejection says why).
  async open({ bytes, backend }) {
    await ready;
    const opened = await api.Run.restore(bytes, backend);
    generation += 1;
    running = false;
    if (run) run.free();
    run = opened;
    msPerBatch = null;
    trainMsPerBatch = null;
    lastCheckpoint = performance.now();
    return { ...described(run), history: run.history(), progress: run.progress() };
  },
  async start({ config }) {
    await create(config);
    running = true;
    loop(generation);
  },
  async prepare({ config }) {
    await create(config);
  },
  // Goes on from a checkpoint (bytes from a 'checkpoint' message), on `backend` if given.
  async restore({ bytes, backend, resume }) {
    await create(null, { bytes, backend });
    if (resume) {
      running = true;
      loop(generation);
    }
  },
  async resume() {
    if (!run || running) return;
    running = true;
    loop(generation);
  },
  async pause() {
    running = false;
    post('paused');
  },
  async step() {
    if (!run) return;
    running = false;
    await turn(1);
  },
  async reset() {
    running = false;
    generation += 1;
    if (run) run.reset();
    post('reset', { paramCount: run ? run.paramCount() : 0 });
  },
  async predict({ text }) {
    return run.predict(text);
  },
  async countOn({ prompt, words }) {
    return run.countOn(prompt, words);
  },
  async hidden({ text }) {
    return run.hiddenStates(text);
  },
  // Validation accuracy at each position within the sequence (every-token models only).
  async accuracyByPosition() {
    return run.accuracyByPosition();
  },
};

// Asks that only read the run, or refuse a file before touching it: when one fails, a run that
// is training goes on (the page still shows it training).
const LEAVE_RUN = new Set(['book', 'parseQuery', 'describe', 'schema', 'preset', 'probeBackend', 'webgpuAdapter', 'measure', 'save', 'open', 'predict', 'countOn', 'hidden', 'accuracyByPosition']);

// Messages and training turns run one at a time, in order.
let queue = Promise.resolve();
function enqueue(task) {
  const result = queue.then(task);
  queue = result.catch(() => {});
  return result;
}

self.onmessage = ({ data }) => {
  if (data.type === 'pause') running = false; // answer a pause before the queued turn, too
  enqueue(() => handle(data));
};

async function handle(data) {
  const handler = handlers[data.type];
  try {
    if (!handler) throw new Error(`unknown message type ${JSON.stringify(data.type)}`);
    if (data.id !== undefined && !run && ['predict', 'countOn', 'hidden', 'accuracyByPosition'].includes(data.type)) {
      throw new Error('no model yet: press Train first');
    }
    const result = await handler(data);
    if (data.id !== undefined) post('reply', { id: data.id, result });
  } catch (error) {
    if (!LEAVE_RUN.has(data.type)) running = false;
    if (data.id !== undefined) post('reply', { id: data.id, error: message(error) });
    else post('error', { message: message(error) });
  }
}

ready.then(() => post('ready')).catch((error) => post('error', { message: `the wasm module failed to load: ${message(error)}` }));
