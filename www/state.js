// The page's state: one object holding the settings, the run, the kept runs, the backend and the
// WebGPU module's lifecycle, changed only by the named transitions below. Views draw from it; the
// callers talk to the workers and to the host page, never a transition.

// The worker messages of a run are trusted only once its worker has `created` it: a late message
// of a run the page has dropped (a run reset or started over, one handed to another worker) is
// ignored.
const live = (s) => !!(s.run && s.run.created);

function initialState() {
  return {
    phase: 'loading', // loading | idle | training | paused | done
    book: null, // the book's per-epoch tables
    settings: null, // the current settings, keyed like the URL; replaced, never changed in place
    differences: [], // which settings differ from the book's recipe for settings.model
    paramCount: null,
    query: null, // the settings' URL form, as the worker writes it
    run: null, // see newRun
    kept: [], // finished runs kept for comparison; the last is drawn grey
    backend: { channel: null, name: null, line: null, warning: false }, // the worker that trains
    // phase: none (not wanted, or not yet) | starting (loading, compiling, timing steps) | warm
    // (ready to take over) | adopted (its worker is backend.channel) | declined (measured no
    // faster than the CPU) | failed (it could not start). ready: seconds to load, compile and
    // time it; figures: the measured ms per batch on each backend; verdict: those, in words.
    gpu: { phase: 'none', channel: null, adapter: null, since: null, ready: null, figures: null, verdict: null },
    progress: { fraction: 0, text: 'Loading…' },
    notice: null,
    runError: null,
    configError: null,
    explain: { ranked: null, hidden: null, counted: null, error: null },
    file: { busy: null, error: null }, // saving or opening the run as a file, and why it failed
  };
}

function newRun(s) {
  const { model } = s.settings;
  return {
    settings: s.settings, // what it was started with: its label and its chart's book curve
    label: s.differences.length ? `${model} with ${s.differences.join(', ')}` : `${model} (book recipe)`,
    started: performance.now(),
    steps: [],
    epochs: [],
    created: false, // its worker has created (or restored) it
    backend: null, config: null, batchesPerEpoch: 1, groups: null, paramCount: s.paramCount,
    checkpoint: null, // { bytes, step, epochs }: where another worker can take it up
  };
}

// A backend's description, followed by the measurement that chose it, if one did.
function withVerdict(gpu, description) {
  return gpu.verdict && ['adopted', 'declined'].includes(gpu.phase) ? `${description}. ${gpu.verdict}` : description;
}

const ms = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// WebGPU must be clearly faster to take a run: each batch at most this share of the CPU's time.
export const GPU_MUST_TAKE = 0.8;

function progressLine(run, p) {
  const done = p.step / Math.max(p.total_steps, 1);
  if (p.phase === 'done') {
    return { fraction: done, text: `Finished ${p.epochs} epoch${p.epochs === 1 ? '' : 's'} (${p.total_steps} training batches).` };
  }
  let eta = '';
  if (p.step > 0) {
    const elapsed = (performance.now() - run.started) / 1000;
    eta = ` · about ${Math.ceil(elapsed / done - elapsed)} s left`;
  }
  const phase = p.phase === 'valid' ? 'validating' : 'training';
  return { fraction: done, text: `Epoch ${p.epoch + 1} of ${p.epochs}, ${phase} batch ${p.batch} of ${p.batches}${eta}` };
}

// Each transition changes the state for one event; one that does not apply now returns false.
export const transitions = {
  // ---- the page and its settings ----
  booted(s, { book }) { s.book = book; },
  settingsApplied(s, { settings, differences, paramCount, query }) {
    Object.assign(s, { settings, differences, paramCount, query, configError: null });
  },
  settingsRejected(s, { message }) {
    s.configError = message;
    s.settings = { ...s.settings }; // a new object, so the controls redraw and undo the edit
  },
  ready(s) {
    s.phase = s.run && s.run.epochs.length ? 'done' : 'idle';
    if (!s.run) s.progress = { fraction: 0, text: 'Ready. Press Train.' };
  },
  bootFailed(s, { message }) { s.runError = message; },
  notice(s, { message }) { s.notice = message; },

  // ---- the run ----
  // command: start (train) | prepare (for Step). The run before it, if any, is dropped.
  start(s, { command }) {
    s.run = newRun(s);
    s.phase = command === 'start' ? 'training' : 'paused';
    s.runError = null;
  },
  created(s, data) {
    if (s.run) {
      Object.assign(s.run, { backend: data.backend, config: data.config, batchesPerEpoch: data.batchesPerEpoch, groups: data.groups, paramCount: data.paramCount, created: true });
    }
    s.paramCount = data.paramCount;
    s.backend.name = data.backend;
    s.backend.line = s.gpu.phase === 'starting'
      ? `${data.backendDescription}, until WebGPU has compiled and timed its kernels`
      : withVerdict(s.gpu, data.backendDescription);
    s.backend.warning = !!data.backendReason;
  },
  status(s, { message }) { s.progress = { ...s.progress, text: message }; },
  progress(s, { steps, epochs, progress }) {
    if (!live(s)) return false;
    s.run.steps.push(...steps);
    s.run.epochs.push(...epochs);
    s.progress = progressLine(s.run, progress);
    return true;
  },
  checkpoint(s, { bytes, step, epochs }) {
    if (!live(s)) return false;
    s.run.checkpoint = { bytes, step, epochs };
    return true;
  },
  pause(s) {
    if (!live(s) || s.phase !== 'training') return false;
    s.phase = 'paused';
    return true;
  },
  resume(s) {
    if (s.phase !== 'paused') return false;
    s.phase = 'training';
    return true;
  },
  step(s) { s.phase = 'paused'; },
  finish(s) {
    if (!live(s)) return false;
    s.phase = 'done';
    return true;
  },
  // The worker went back to fresh weights: the page's record of the run goes.
  reset(s, { paramCount }) {
    s.run = null;
    s.paramCount = paramCount;
    s.phase = 'idle';
    s.progress = { fraction: 0, text: 'Reset: fresh weights. Press Train.' };
  },
  runFailed(s, { message }) {
    s.runError = message;
    s.phase = s.run && s.run.epochs.length ? 'done' : 'idle';
  },
  // Only a finished run is kept: a baseline must be the whole curve.
  keepRun(s) {
    const run = s.run;
    if (s.phase !== 'done' || !run || !run.epochs.length) return false;
    const last = run.epochs[run.epochs.length - 1];
    s.kept = [...s.kept, {
      label: run.label,
      params: run.paramCount,
      valid: last.valid_loss,
      accuracy: last.accuracy,
      seconds: run.epochs.reduce((a, e) => a + e.seconds, 0) / run.epochs.length,
      backend: run.backend,
      settings: run.config || run.settings,
      losses: run.steps.map((x) => x.loss),
      epochs: run.epochs.slice(),
    }];
    return true;
  },

  // ---- the run as a file ----
  saving(s) { s.file = { busy: 'saving', error: null }; },
  // The worker's fresh checkpoint, also where another worker could take the run up.
  saved(s, saved) {
    s.file = { busy: null, error: null };
    if (live(s)) s.run.checkpoint = { bytes: saved.bytes, step: saved.step, epochs: saved.epochs };
  },
  opening(s) { s.file = { busy: 'opening', error: null }; },
  // The worker restored a saved run (after `settingsApplied` with its settings): it replaces the
  // run before it, with its history, paused where it was saved (or done).
  opened(s, data) {
    const { history, progress } = data;
    s.run = newRun(s);
    transitions.created(s, data);
    s.run.steps = history.steps;
    s.run.epochs = history.epochs;
    s.file = { busy: null, error: null };
    s.runError = null;
    if (progress.phase === 'done') {
      s.phase = 'done';
      const line = progressLine(s.run, progress);
      s.progress = { ...line, text: `Opened a saved run. ${line.text}` };
    } else {
      s.phase = 'paused';
      const at = progress.phase === 'valid' ? 'validating' : `batch ${progress.batch} of ${progress.batches}`;
      s.progress = { fraction: progress.step / Math.max(progress.total_steps, 1), text: `Opened a saved run at epoch ${progress.epoch + 1} of ${progress.epochs}, ${at}. Press Resume to go on.` };
    }
  },
  fileFailed(s, { message }) { s.file = { busy: null, error: message }; },

  // ---- workers ----
  workerStarted(s, { channel }) {
    s.backend.channel = channel;
    if (s.gpu.phase === 'adopted') s.gpu.phase = 'none';
  },
  workerLost(s, { message }) {
    s.runError = message;
    s.phase = 'loading';
  },

  // ---- the WebGPU module ----
  adapterFound(s, { adapter }) { s.gpu.adapter = adapter; },
  gpuStarting(s, { channel }) {
    Object.assign(s.gpu, { phase: 'starting', channel, since: performance.now() });
  },
  // Warm when WebGPU is clearly faster, or when the link asks for it (forced); else declined.
  gpuMeasured(s, { figures, forced }) {
    const faster = figures.webgpu_ms_per_batch <= GPU_MUST_TAKE * figures.cpu_ms_per_batch;
    const said = `WebGPU ${ms(figures.webgpu_ms_per_batch)} ms per batch, CPU ${ms(figures.cpu_ms_per_batch)} ms`;
    s.gpu.ready = (performance.now() - s.gpu.since) / 1000;
    s.gpu.figures = figures;
    if (faster || forced) {
      s.gpu.phase = 'warm';
      s.gpu.verdict = `${said}: training on WebGPU${faster ? '' : ', as the link asks (backend=webgpu)'}.`;
    } else {
      s.gpu.phase = 'declined';
      s.gpu.channel = null;
      s.gpu.verdict = `${said}: training on the CPU.`;
    }
  },
  gpuFailed(s, { message }) {
    Object.assign(s.gpu, { phase: 'failed', channel: null });
    s.notice = message;
  },
  // Asking for WebGPU after it was measured slower: measure again, and move anyway.
  gpuRetry(s) {
    if (s.gpu.phase !== 'declined') return false;
    s.gpu.phase = 'none';
    return true;
  },
  adopted(s) {
    s.backend.channel = s.gpu.channel;
    Object.assign(s.gpu, { phase: 'adopted', channel: null });
  },
  // The run stopped on the CPU worker at `saved`, to go on in the WebGPU one.
  handover(s, { saved }) {
    const run = s.run;
    run.checkpoint = { bytes: saved.bytes, step: saved.step, epochs: saved.epochs };
    run.steps.length = saved.step;
    run.epochs.length = saved.epochs;
    run.created = false; // until the WebGPU worker has restored it
    s.notice = `${s.gpu.verdict} The run moved at step ${saved.step}: the WebGPU module loaded, compiled its kernels and timed them in ${s.gpu.ready.toFixed(1)} s while the CPU trained.`;
  },
  // The GPU was lost; a fresh CPU worker goes on from the run's last checkpoint, if it has one
  // (else the caller starts the run again: the same seed gives the same start on the CPU).
  fallback(s, { why, resume }) {
    const saved = s.run && s.run.checkpoint;
    const reason = why.replace(/\.$/, '');
    s.settings = { ...s.settings, backend: 'cpu' };
    if (saved) {
      s.run.steps.length = saved.step;
      s.run.epochs.length = saved.epochs;
      s.run.created = false;
      s.phase = resume ? 'training' : 'paused';
      s.notice = `The GPU stopped (${reason}). The run continues on the CPU from step ${saved.step} (epoch ${saved.epochs}); the charts keep everything before it.`;
    } else {
      s.notice = `The GPU stopped (${reason}) before the run's first checkpoint. The run starts again on the CPU.`;
    }
  },
  // The backend line, from a probe of the worker that would train the next run.
  backendShown(s, { description, reason, error }) {
    if (error) Object.assign(s.backend, { line: error, warning: true });
    else if (s.gpu.phase === 'starting') {
      Object.assign(s.backend, { line: 'CPU (burn flex) now; WebGPU is loading, compiling its kernels and timing them against the CPU', warning: false });
    } else Object.assign(s.backend, { line: withVerdict(s.gpu, description), warning: !!reason });
  },

  // ---- asking the model ----
  explained(s, answer) { s.explain = { ...s.explain, ...answer, error: null }; },
  explainFailed(s, { message }) { s.explain = { ...s.explain, error: message }; },
};

// The page's store: its state and transitions.
export function createStore() {
  return storeOf(initialState(), transitions);
}

// A store: the state, `dispatch(name, payload)` to change it by one of `named` transitions, and the
// views it redraws after every transition that applied (with the transition's name, for views that
// add rather than redraw). The lab (lab-state.js) keeps its own, of the same kind.
export function storeOf(state, named) {
  const views = [];
  return {
    state,
    subscribe(view) { views.push(view); },
    dispatch(name, payload = {}) {
      const transition = named[name];
      if (!transition) throw new Error(`no transition named ${name}`);
      const applied = transition(state, payload) !== false;
      if (applied) for (const view of views) view(state, name);
      return applied;
    },
  };
}
