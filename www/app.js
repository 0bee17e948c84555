// The page's wiring: turns the reader's actions and the training worker's messages into the page
// state's transitions, and tells the host page what happened. No training happens on this thread;
// the state is in state.js, the drawing in views.js, the WebGPU module's lifecycle in gpu.js.
import { TEACHING, CATALOG, findTeaching } from './experiments.js';
import { createStore } from './state.js';
import { Channel } from './rpc.js';
import { GpuLifecycle } from './gpu.js';
import { buildControls, buildTeachingList } from './controls.js';
import { PageView } from './views.js';

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const visibleControls = params.has('controls') ? params.get('controls').split(',').map((s) => s.trim()).filter(Boolean) : null;

// Events to the host page (or to this window when not embedded).
const host = window.parent !== window ? window.parent : window;
function emit(type, payload = {}) {
  host.postMessage({ source: 'rnn-playground', type, ...payload }, '*');
}

const store = createStore();
const s = store.state;
const dispatch = store.dispatch;
const view = new PageView({ params });
store.subscribe((state) => view.draw(state));
const gpu = new GpuLifecycle({ store, emit, listeners: { onEvent: onWorkerMessage, onCrash: onWorkerError } });

// The worker that trains: asked with a request id, or told.
const ask = (type, payload) => s.backend.channel.ask(type, payload);
const tell = (type, payload) => s.backend.channel.tell(type, payload);

// A fresh CPU worker becomes the one that trains; resolves when it has loaded its module.
function startWorker() {
  const channel = new Channel('cpu');
  channel.listen(onWorkerMessage, onWorkerError);
  dispatch('workerStarted', { channel });
  return channel.started;
}

// ---- settings ----
async function applySettings(next) {
  const described = await ask('describe', { settings: next });
  dispatch('settingsApplied', {
    settings: described.config,
    differences: described.differences,
    paramCount: described.paramCount,
    query: described.query,
  });
}

async function onControlChange(key, value) {
  try {
    let next;
    if (key === 'model') {
      next = await ask('preset', { model: value });
      next.seed = s.settings.seed;
      next.backend = s.settings.backend;
    } else {
      next = { ...s.settings, [key]: value };
    }
    await applySettings(next);
    if (key === 'backend') gpu.backendChanged();
  } catch (error) {
    dispatch('settingsRejected', { message: error.message });
  }
}

// ---- the run ----
// command: start (train) | prepare (for Step). Any run before it is dropped.
function startRun(command) {
  gpu.beforeRun();
  // While the WebGPU module loads and is timed, the CPU module trains; the run moves if it wins.
  const onCpu = s.backend.channel.kind === 'cpu' && gpu.cpuStays();
  const config = onCpu ? { ...s.settings, backend: 'cpu' } : s.settings;
  dispatch('start', { command });
  tell(command, { config });
}

function train() {
  if (s.phase === 'paused') {
    tell('resume');
    dispatch('resume');
  } else {
    startRun('start');
  }
}

function step() {
  if (!s.run) startRun('prepare');
  tell('step');
  dispatch('step');
}

// ---- keep and share: exports, and the run as a file ----
// Loaded on first use, like the lab: the page's first load stays a handful of files.
let share = null;
function loadShare() {
  share ??= import('./share.js').catch((error) => {
    share = null; // try again on the next click
    throw new Error(`the downloads could not load: ${error.message}`);
  });
  return share;
}

async function exportFile(kind) {
  try {
    await (await loadShare()).exportFile(kind, s, view.charts);
  } catch (error) {
    dispatch('fileFailed', { message: error.message });
  }
}

// A fresh checkpoint from the worker (the run goes on), saved as a file.
async function saveRun() {
  dispatch('saving');
  try {
    const [saved, m] = await Promise.all([ask('save'), loadShare()]);
    dispatch('saved', saved);
    m.saveCheckpoint(s.run, saved);
  } catch (error) {
    dispatch('fileFailed', { message: `The run could not be saved: ${error.message}` });
  }
}

// A saved run becomes the page's run: its settings, its history in the charts and table, paused
// where it was saved. A file the worker refuses leaves the page as it was, and says why.
async function openRun(file) {
  dispatch('opening');
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const opened = await ask('open', { bytes, backend: s.backend.channel.kind === 'gpu' ? 'webgpu' : 'cpu' });
    // Its settings become the page's (the page keeps its own backend choice); they are the run's
    // own, built by the worker, so this does not fail short of a worker lost meanwhile.
    await applySettings({ ...opened.config, backend: s.settings.backend })
      .catch((error) => dispatch('settingsRejected', { message: error.message }));
    dispatch('opened', opened);
  } catch (error) {
    dispatch('fileFailed', { message: `"${file.name}" could not be opened: ${error.message}` });
  }
}

// ---- the model, drawn: diagram.js, loaded when its panel is first opened ----
let diagram = null;
async function diagramOpened() {
  if (!$('#diagram-panel').open) return;
  try {
    diagram ??= import('./diagram.js');
    view.useDiagram(await diagram);
    view.draw(s);
  } catch (error) {
    diagram = null; // try again on the next opening
    dispatch('notice', { message: `The drawing of the model could not load: ${error.message}` });
  }
}

// ---- the lab: the chapter's experiments and explainers ----
// Loaded on first use: it runs its own workers and keeps its own state, apart from the main run.
let lab = null;
function loadLab() {
  lab ??= import('./lab.js').then((m) => m.createLab({ emit }));
  return lab;
}

// Opens an experiment or explainer; `start` also runs it. Resolves to false when the lab cannot load.
async function openTeaching(id, { scroll = false, start = false } = {}) {
  try {
    const l = await loadLab();
    l.open(id, { scroll });
    if (start) l.start(id);
    return true;
  } catch (error) {
    lab = null; // try again on the next click
    dispatch('notice', { message: `The experiments could not load: ${error.message}` });
    return false;
  }
}

// The reader picked an item from the lab's list. The address names it, so that a copy of the link
// opens it again (and does not autostart whatever the page was opened with).
function openFromList(id) {
  params.set('experiment', id);
  params.delete('autostart');
  const search = new URLSearchParams(location.search);
  search.set('experiment', id);
  search.delete('autostart');
  history.replaceState(null, '', `?${search}`);
  openTeaching(id);
}

// The link's ?experiment=ID, if any: the item, or a notice naming the valid ids.
function linkedTeaching() {
  const wanted = params.get('experiment');
  if (wanted === null) return null;
  const item = findTeaching(wanted);
  if (!item) {
    const message = `There is no experiment or explainer "${wanted.slice(0, 60)}". Valid ids: ${TEACHING.map((t) => t.id).join(', ')}.`;
    dispatch('notice', { message });
    emit('error', { message });
  }
  return item || false;
}

function showRunError(message) {
  dispatch('runFailed', { message });
  emit('error', { message });
}

// The GPU was lost: go on on the CPU, in a fresh worker, from the run's last checkpoint.
async function continueOnCpu(why) {
  const saved = s.run && s.run.checkpoint;
  const resume = s.phase === 'training';
  s.backend.channel.retire('the GPU was lost');
  try {
    await startWorker();
  } catch {
    return; // it reports why itself
  }
  dispatch('fallback', { why, resume });
  emit('fallback', { from: 'webgpu', to: 'cpu', step: saved ? saved.step : 0, message: why });
  if (saved) tell('restore', { bytes: saved.bytes, backend: 'cpu', resume });
  else startRun(resume ? 'start' : 'prepare');
}

// ---- worker messages ----
function onWorkerMessage(data) {
  switch (data.type) {
    case 'created':
      dispatch('created', data);
      break;
    case 'status':
      dispatch('status', data);
      break;
    case 'progress':
      if (!dispatch('progress', data)) break;
      for (const e of data.epochs) {
        emit('epoch', { epoch: e.epoch, train_loss: e.train_loss, valid_loss: e.valid_loss, accuracy: e.accuracy, seconds: e.seconds, backend: s.run.backend });
      }
      break;
    case 'checkpoint':
      dispatch('checkpoint', data);
      break;
    case 'paused':
      dispatch('pause');
      break;
    case 'done': {
      if (!dispatch('finish')) break;
      const { epochs, backend } = s.run;
      const last = epochs[epochs.length - 1];
      if (last) emit('done', { epochs: epochs.length, train_loss: last.train_loss, valid_loss: last.valid_loss, accuracy: last.accuracy, seconds: epochs.reduce((a, e) => a + e.seconds, 0), backend, config: s.settings });
      break;
    }
    case 'reset':
      dispatch('reset', data);
      gpu.adopt();
      break;
    case 'deviceLost':
      continueOnCpu(data.message);
      break;
    case 'error':
      showRunError(data.message);
      break;
  }
}

// The worker died (a crash, out of memory): say so, keep the charts, and start a fresh worker
// so that Train works again without a reload.
async function onWorkerError(event, channel) {
  event.preventDefault();
  if (channel !== s.backend.channel) return;
  const why = event.message || 'unknown error';
  if (!channel.isReady) {
    // It never started (a missing or broken file): another worker would fail the same way.
    dispatch('bootFailed', { message: `The training worker could not start: ${why}. Reload the page to try again.` });
    emit('error', { message: s.runError });
    return;
  }
  const message = `The training worker stopped: ${why}. The charts are kept; press Train to start a new run.`;
  dispatch('workerLost', { message });
  emit('error', { message });
  channel.retire('the training worker stopped');
  try {
    await startWorker();
  } catch {
    return;
  }
  dispatch('ready');
}

// ---- asking the model ----
async function predict() {
  const text = $('#predict-text').value;
  try {
    dispatch('explained', { ranked: await ask('predict', { text }) });
    dispatch('explained', { hidden: await ask('hidden', { text }) });
  } catch (error) {
    dispatch('explainFailed', { message: error.message });
  }
}

async function countOn() {
  const prompt = $('#count-text').value;
  try {
    const words = await ask('countOn', { prompt, words: 24 });
    dispatch('explained', { counted: `${prompt} ${words}` });
  } catch (error) {
    dispatch('explainFailed', { message: error.message });
  }
}

// ---- start ----
async function init() {
  try {
    dispatch('booted', { book: JSON.parse(await ask('book')) });
    const controls = buildControls(await ask('schema'), { visible: visibleControls, onChange: onControlChange });
    store.subscribe((state) => state.settings && controls.show(state.settings, state.differences));
    buildTeachingList(TEACHING, openFromList);
    const parsed = await ask('parseQuery', { query: location.search });
    if (parsed.notices.length) {
      dispatch('notice', { message: `Some settings in the link were not valid and use their defaults: ${parsed.notices.join('; ')}` });
    }
    // The page prefers a GPU when there is a real one; the CLI's default stays the CPU.
    if (!params.has('backend')) parsed.config.backend = 'auto';
    await applySettings(parsed.config);
    dispatch('ready');
    dispatch('adapterFound', { adapter: await ask('webgpuAdapter') });
    if (gpu.wanted()) {
      // The CPU trains until WebGPU has shown it is faster (a `handover`, or a `backend` event).
      gpu.start();
      emit('ready', { backend: 'flex', experiments: CATALOG });
    } else {
      const backend = await gpu.showBackend();
      emit('ready', { backend: backend.backend, experiments: CATALOG });
    }
    // ?experiment=ID opens it (with autostart=1, runs it instead of the main run).
    const linked = linkedTeaching();
    const autostart = params.get('autostart') === '1';
    if (linked) await openTeaching(linked.id, { scroll: true, start: autostart });
    else if (autostart && linked === null) train();
  } catch (error) {
    dispatch('bootFailed', { message: error.message });
    emit('error', { message: error.message });
  }
}

if (params.get('embed') === '1') document.body.classList.add('embed');
// Embedded with ?experiment=ID, the page shows the lab alone.
if (findTeaching(params.get('experiment'))) document.body.classList.add('with-lab');
$('#train').addEventListener('click', train);
$('#pause').addEventListener('click', () => tell('pause'));
$('#step').addEventListener('click', step);
$('#reset').addEventListener('click', () => tell('reset'));
$('#keep').addEventListener('click', () => dispatch('keepRun'));
$('#controls').addEventListener('submit', (e) => e.preventDefault());
$('#share').addEventListener('click', (e) => {
  const button = e.target.closest('button[data-export]');
  if (button) exportFile(button.dataset.export);
});
$('#save-run').addEventListener('click', saveRun);
$('#diagram-panel').addEventListener('toggle', diagramOpened);
$('#open-run').addEventListener('change', (e) => {
  const [file] = e.target.files;
  e.target.value = ''; // the same file again is a new choice
  if (file) openRun(file);
});
$('#predict-form').addEventListener('submit', (e) => { e.preventDefault(); predict(); });
$('#count-form').addEventListener('submit', (e) => { e.preventDefault(); countOn(); });
view.draw(s);
startWorker().then(init, () => {}); // a worker that cannot start says why itself
