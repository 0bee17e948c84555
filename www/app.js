// The page: binds the controls to the config, sends work to the training worker, and draws what
// comes back. No training happens on this thread.
import { SETTINGS, PAGE_KEYS, configToSettings, urlValue } from './settings.js';
import { LossChart, EpochChart, GradChart, drawHeatmap, BASELINE } from './charts.js';
import { EXPERIMENTS } from './experiments.js';

const $ = (sel) => document.querySelector(sel);
const params = new URLSearchParams(location.search);
const embed = params.get('embed') === '1';
const visibleControls = params.has('controls') ? params.get('controls').split(',').map((s) => s.trim()).filter(Boolean) : null;

// ---- events to the host page (or to this window when not embedded) ----
const host = window.parent !== window ? window.parent : window;
function emit(type, payload = {}) {
  host.postMessage({ source: 'rnn-playground', type, ...payload }, '*');
}

// ---- worker, with request/reply ----
// The worker is replaced when it dies or its GPU is lost; the page keeps the run's history and
// its latest checkpoint, so nothing drawn is lost and a run can go on in the new worker.
// Every visitor's first worker loads the CPU-only module (0.8 MB gzipped). When the browser offers
// a GPU adapter worth using, a second worker loads the WebGPU module beside it and compiles the
// kernels of the current settings; then it takes over, and a run already training on the CPU
// moves to it through a checkpoint (see `gpu` below).
let worker = null;
let workerKind = 'cpu';  // which module the current worker loaded: cpu | gpu
let workerReady = false; // the current worker has loaded its module
let booted = false;      // the first worker has reported ready and the page is built
let onRestarted = null;  // resolves when a replacement worker reports ready
function newWorker(kind) {
  return new Worker(new URL(`./worker.js?module=${kind}`, import.meta.url), { type: 'module' });
}
function spawnWorker(kind = 'cpu') {
  workerReady = false;
  workerKind = kind;
  worker = newWorker(kind);
  worker.onmessage = onWorkerMessage;
  worker.onerror = onWorkerError;
}
// Ends a worker; what was asked of it fails with `why`.
function retire(target, why) {
  target.terminate();
  for (const [id, p] of pending) {
    if (p.target !== target) continue;
    pending.delete(id);
    p.reject(new Error(why));
  }
}
function replaceWorker(why) {
  retire(worker, why);
  if (gpu.state === 'adopted') gpu.state = 'none';
  const ready = new Promise((resolve) => { onRestarted = resolve; });
  spawnWorker('cpu');
  return ready;
}
let nextId = 0;
const pending = new Map();
function ask(type, payload = {}, target = worker) {
  const id = nextId++;
  target.postMessage({ type, id, ...payload });
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject, target }));
}
function tell(type, payload = {}) {
  worker.postMessage({ type, ...payload });
}
function onReply(data) {
  const p = pending.get(data.id);
  if (!p) return;
  pending.delete(data.id);
  if (data.error !== undefined) p.reject(new Error(data.error));
  else p.resolve(data.result);
}

// ---- the WebGPU module ----
// state: none (not wanted, or not yet) | starting (loading, compiling) | warm (ready to take over)
// | adopted (it is the current worker) | failed (the CPU module goes on alone).
const gpu = { state: 'none', worker: null, ready: null, adapter: null }; // ready: seconds to load and warm

// Whether the settings and the adapter make the WebGPU module worth loading: always for
// backend=webgpu; for auto, only with a hardware adapter (a software one is slower than the CPU).
function gpuWanted() {
  const a = gpu.adapter;
  if (!a || !a.available || workerKind === 'gpu') return false;
  return settings.backend === 'webgpu' || (settings.backend === 'auto' && !a.software);
}

async function startGpu() {
  if (gpu.state !== 'none' || !gpuWanted()) return;
  gpu.state = 'starting';
  const started = performance.now();
  const w = newWorker('gpu');
  gpu.worker = w;
  const loaded = new Promise((resolve, reject) => {
    w.onmessage = ({ data }) => {
      if (data.type === 'ready') resolve();
      else if (data.type === 'reply') onReply(data);
      else if (data.type === 'error' || data.type === 'deviceLost') reject(new Error(data.message));
    };
    w.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message || 'its worker could not start'));
    };
  });
  showBackend().catch(() => {}); // it shows its own error
  try {
    await loaded;
    await ask('warm', { config: { ...settings, backend: 'webgpu' } }, w);
    gpu.state = 'warm';
    gpu.ready = (performance.now() - started) / 1000;
    await adoptGpu();
  } catch (error) {
    if (gpu.worker === w) {
      retire(w, 'WebGPU did not start');
      gpu.worker = null;
      gpu.state = 'failed';
      const message = `WebGPU could not start (${error.message.replace(/\.$/, '')}); training stays on the CPU.`;
      $('#notice').textContent = message;
      $('#notice').hidden = false;
      emit('fallback', { from: 'webgpu', to: 'cpu', step: run ? run.steps.length : 0, message });
      showBackend().catch(() => {});
    }
  }
}

// Makes the warm WebGPU worker the current one: now when no run needs the CPU worker, by a
// handover when a run is training or paused on it, or at the next Train after a finished run
// (whose model answers predictions until then).
async function adoptGpu() {
  if (gpu.state !== 'warm') return;
  if (state === 'training' || state === 'paused') await handover();
  else if (!run) swapToGpu();
}

function swapToGpu() {
  const old = worker;
  worker = gpu.worker;
  gpu.worker = null;
  gpu.state = 'adopted';
  workerKind = 'gpu';
  workerReady = true;
  worker.onmessage = onWorkerMessage;
  worker.onerror = onWorkerError;
  retire(old, 'the run moved to the GPU');
  showBackend().catch(() => {}); // it shows its own error
}

// Moves the run from the CPU worker to the warm WebGPU worker through a checkpoint.
async function handover() {
  let saved;
  try {
    saved = await ask('handover');
  } catch {
    return;
  }
  if (!saved || !run) return; // finished meanwhile: the next Train starts on the GPU
  run.checkpoint = { bytes: saved.bytes, step: saved.step, epochs: saved.epochs };
  document.body.dataset.checkpointStep = saved.step;
  run.steps.length = saved.step;
  run.epochs.length = saved.epochs;
  run.created = false; // until the GPU worker has restored it
  swapToGpu();
  tell('restore', { bytes: saved.bytes, backend: 'webgpu', resume: saved.wasRunning && state === 'training' });
  emit('handover', { from: 'flex', to: 'webgpu', step: saved.step, seconds: gpu.ready });
  $('#notice').textContent = `The run moved to the GPU at step ${saved.step}: the WebGPU module loaded and compiled its kernels in ${gpu.ready.toFixed(1)} s while the CPU trained.`;
  $('#notice').hidden = false;
}

// The backend line under the run controls, while no run says which backend it got.
async function showBackend() {
  if (gpu.state === 'starting') {
    $('#backend').textContent = 'CPU (burn flex) now; WebGPU is loading and compiling its kernels';
    $('#backend').classList.remove('fallback');
    return;
  }
  try {
    const backend = await ask('probeBackend', { backend: workerKind === 'cpu' && gpu.state === 'failed' ? 'cpu' : settings.backend });
    $('#backend').textContent = backend.description;
    $('#backend').classList.toggle('fallback', !!backend.reason);
    return backend;
  } catch (error) {
    $('#backend').textContent = error.message;
    $('#backend').classList.add('fallback');
    throw error;
  }
}

// ---- state ----
let settings = null;       // the current settings, keyed like the URL
let book = null;           // the book's per-epoch tables
let run = null;            // { backend, config, started, steps, epochs, batchesPerEpoch }
let ghost = null;          // a kept run, drawn grey
const kept = [];           // rows of the comparison table
let state = 'loading';     // loading | idle | training | paused | done | error

const lossChart = new LossChart($('#loss-chart'));
const epochChart = new EpochChart($('#epoch-chart'));
const gradChart = new GradChart($('#grad-chart'));

// ---- controls ----
function buildControls() {
  const groups = new Map();
  for (const s of SETTINGS) {
    if (!groups.has(s.group)) {
      const fs = document.createElement('fieldset');
      fs.innerHTML = `<legend>${s.group}</legend>`;
      groups.set(s.group, fs);
      $('#controls').append(fs);
    }
    const row = document.createElement('div');
    row.className = 'control';
    row.dataset.key = s.key;
    const id = `ctl-${s.key}`;
    let input;
    if (s.kind === 'select') {
      input = `<select id="${id}" aria-describedby="${id}-hint">${s.options.map(([v, l]) => `<option value="${v}">${l}</option>`).join('')}</select>`;
    } else if (s.kind === 'toggle') {
      input = `<input type="checkbox" id="${id}" role="switch" aria-describedby="${id}-hint">`;
    } else {
      input = `<input type="number" id="${id}" min="${s.min}" max="${s.max}" step="${s.step}" inputmode="decimal" aria-describedby="${id}-hint">`;
    }
    row.innerHTML = `<label for="${id}">${s.label}<span class="differs" hidden title="differs from the book's recipe">≠ book</span></label>${input}<small id="${id}-hint">${s.hint}</small>`;
    groups.get(s.group).append(row);
    const el = row.querySelector('input, select');
    el.addEventListener('change', () => onControlChange(s.key, el));
  }
  if (visibleControls) {
    for (const row of document.querySelectorAll('.control')) row.hidden = !visibleControls.includes(row.dataset.key);
    for (const fs of document.querySelectorAll('#controls fieldset')) fs.hidden = ![...fs.querySelectorAll('.control')].some((r) => !r.hidden);
  }
}

function controlValue(key, el) {
  const s = SETTINGS.find((x) => x.key === key);
  if (s.kind === 'toggle') return el.checked;
  if (s.kind === 'number') return el.value === '' ? el.value : Number(el.value);
  return el.value;
}

function showSettings(values, differences = []) {
  for (const s of SETTINGS) {
    const el = document.getElementById(`ctl-${s.key}`);
    const v = values[s.key];
    if (s.kind === 'toggle') el.checked = !!v;
    else el.value = v;
    el.closest('.control').querySelector('.differs').hidden = !differences.includes(s.key);
  }
}

async function onControlChange(key, el) {
  const previous = settings;
  let next;
  if (key === 'model') {
    next = configToSettings(await ask('preset', { model: el.value }));
    next.seed = settings.seed;
    next.backend = settings.backend;
  } else {
    next = { ...settings, [key]: controlValue(key, el) };
  }
  try {
    await applySettings(next);
    $('#config-error').hidden = true;
    if (key === 'backend') {
      if (gpuWanted()) startGpu();
      else showBackend().catch(() => {});
    }
  } catch (error) {
    $('#config-error').textContent = error.message;
    $('#config-error').hidden = false;
    settings = previous;
    showSettings(settings);
  }
}

async function applySettings(next) {
  const described = await ask('describe', { settings: next });
  settings = configToSettings(described.config);
  showSettings(settings, described.differences);
  $('#book-diff').textContent = described.differences.length
    ? `Differs from the book's ${settings.model} recipe in: ${described.differences.join(', ')}`
    : `The book's ${settings.model} recipe.`;
  $('#param-count').textContent = described.paramCount.toLocaleString('en');
  const query = new URLSearchParams(described.query);
  for (const k of PAGE_KEYS) if (params.has(k)) query.set(k, params.get(k));
  history.replaceState(null, '', `?${query}`);
}

// ---- run controls ----
function setState(next) {
  state = next;
  document.body.dataset.state = next;
  $('#train').disabled = next === 'loading' || next === 'training';
  $('#train').textContent = next === 'paused' ? 'Resume' : 'Train';
  $('#pause').disabled = next !== 'training';
  $('#step').disabled = next === 'loading' || next === 'training' || next === 'done';
  $('#reset').disabled = next === 'loading';
  $('#keep').disabled = !(run && run.epochs.length);
}

function bookFor(model) {
  return book && book.models[model] ? book.models[model].epochs : null;
}

function startCharts() {
  const model = settings.model;
  const batches = run ? run.batchesPerEpoch : 1;
  lossChart.reset(bookFor(model), ghost ? ghost.losses : null, batches);
  epochChart.reset(bookFor(model), ghost ? ghost.epochs : null, settings.epochs);
}

// A new run as the page tracks it (the worker fills in backend and batchesPerEpoch when it
// starts), with empty charts; the worker is told to `start` it or to `prepare` it for stepping.
function beginRun(command) {
  if (gpu.state === 'warm') swapToGpu();
  run = { steps: [], epochs: [], started: performance.now(), batchesPerEpoch: 1, backend: null };
  document.body.dataset.steps = 0;
  startCharts();
  // While the WebGPU module warms up, the CPU module trains; the run moves over when it is ready.
  const onCpu = workerKind === 'cpu' && ['starting', 'failed'].includes(gpu.state);
  tell(command, { config: onCpu ? { ...settings, backend: 'cpu' } : settings });
}

function train() {
  if (state === 'paused') {
    tell('resume');
    setState('training');
    return;
  }
  $('#run-error').hidden = true;
  beginRun('start');
  setState('training');
}

function describeProgress(p) {
  const done = p.step / Math.max(p.total_steps, 1);
  $('#progress').value = done;
  const phase = p.phase === 'valid' ? 'validating' : p.phase === 'done' ? 'finished' : 'training';
  let eta = '';
  if (run && p.step > 0 && p.phase !== 'done') {
    const elapsed = (performance.now() - run.started) / 1000;
    eta = ` · about ${Math.ceil(elapsed / done - elapsed)} s left`;
  }
  $('#progress-text').textContent = p.phase === 'done'
    ? `Finished ${p.epochs} epoch${p.epochs === 1 ? '' : 's'} (${p.total_steps} training batches).`
    : `Epoch ${p.epoch + 1} of ${p.epochs}, ${phase} batch ${p.batch} of ${p.batches}${eta}`;
}

// Redraws every chart and the epoch table from the run's records (after a restore).
function redraw() {
  startCharts();
  gradChart.reset(run.groups ?? []);
  lossChart.add(run.steps);
  gradChart.add(run.steps);
  epochChart.add(run.epochs);
  $('#epoch-table tbody').replaceChildren();
  run.epochs.forEach(addEpochRow);
  document.body.dataset.steps = run.steps.length;
}

// The GPU was lost: go on on the CPU, in a fresh worker, from the last checkpoint.
async function continueOnCpu(why) {
  const saved = run && run.checkpoint;
  const resume = state === 'training';
  await replaceWorker('the GPU was lost');
  settings = { ...settings, backend: 'cpu' };
  const reason = why.replace(/\.$/, '');
  const step = saved ? saved.step : 0;
  emit('fallback', { from: 'webgpu', to: 'cpu', step, message: why });
  $('#notice').hidden = false;
  if (saved) {
    run.steps.length = saved.step;
    run.epochs.length = saved.epochs;
    $('#notice').textContent = `The GPU stopped (${reason}). The run continues on the CPU from step ${saved.step} (epoch ${saved.epochs}); the charts keep everything before it.`;
    tell('restore', { bytes: saved.bytes, backend: 'cpu', resume });
  } else {
    // Before the first checkpoint: the same seed gives the same start on the CPU.
    $('#notice').textContent = `The GPU stopped (${reason}) before the run's first checkpoint. The run starts again on the CPU.`;
    beginRun(resume ? 'start' : 'prepare');
  }
  setState(resume ? 'training' : 'paused');
}

function showRunError(message) {
  $('#run-error').textContent = message;
  $('#run-error').hidden = false;
  emit('error', { message });
}

// ---- worker messages ----
function onWorkerMessage({ data }) {
  switch (data.type) {
    case 'reply':
      onReply(data);
      break;
    case 'ready':
      workerReady = true;
      if (!booted) {
        booted = true;
        init();
      } else if (onRestarted) {
        onRestarted();
        onRestarted = null;
      }
      break;
    case 'checkpoint':
      // Only once this run's worker has created it: a late message of the last run is dropped.
      if (run && run.created) {
        run.checkpoint = { bytes: data.bytes, step: data.step, epochs: data.epochs };
        document.body.dataset.checkpointStep = data.step;
      }
      break;
    case 'deviceLost':
      continueOnCpu(data.message);
      break;
    case 'status':
      $('#progress-text').textContent = data.message;
      break;
    case 'created':
      if (run) {
        run.backend = data.backend;
        run.config = data.config;
        run.batchesPerEpoch = data.batchesPerEpoch;
        run.groups = data.groups;
        run.created = true;
        if (data.restored) {
          redraw();
        } else {
          startCharts();
          gradChart.reset(data.groups);
        }
      }
      document.body.dataset.backend = data.backend;
      $('#backend').textContent = gpu.state === 'starting'
        ? `${data.backendDescription}, until WebGPU has compiled its kernels`
        : data.backendDescription;
      $('#backend').classList.toggle('fallback', !!data.backendReason);
      $('#param-count').textContent = data.paramCount.toLocaleString('en');
      break;
    case 'progress':
      if (!run) break;
      run.steps.push(...data.steps);
      run.epochs.push(...data.epochs);
      lossChart.add(data.steps);
      gradChart.add(data.steps);
      if (data.epochs.length) {
        epochChart.add(data.epochs);
        for (const e of data.epochs) {
          emit('epoch', { epoch: e.epoch, train_loss: e.train_loss, valid_loss: e.valid_loss, accuracy: e.accuracy, seconds: e.seconds, backend: run.backend });
          addEpochRow(e);
        }
      }
      describeProgress(data.progress);
      document.body.dataset.steps = run.steps.length;
      document.body.dataset.losses = JSON.stringify(run.steps.slice(-20).map((s) => s.loss));
      break;
    case 'paused':
      setState('paused');
      break;
    case 'done': {
      setState('done');
      const last = run.epochs[run.epochs.length - 1];
      if (last) emit('done', { epochs: run.epochs.length, train_loss: last.train_loss, valid_loss: last.valid_loss, accuracy: last.accuracy, seconds: run.epochs.reduce((a, e) => a + e.seconds, 0), backend: run.backend, config: settings });
      $('#keep').disabled = false;
      break;
    }
    case 'reset':
      run = null;
      $('#param-count').textContent = data.paramCount.toLocaleString('en');
      $('#epoch-table tbody').replaceChildren();
      $('#progress').value = 0;
      $('#progress-text').textContent = 'Reset: fresh weights. Press Train.';
      setState('idle');
      adoptGpu();
      break;
    case 'error':
      showRunError(data.message);
      setState(run && run.epochs.length ? 'done' : 'idle');
      break;
  }
}

// The worker died (a crash, out of memory): say so, keep the charts, and start a fresh worker
// so that Train works again without a reload.
async function onWorkerError(event) {
  event.preventDefault();
  if (!workerReady) {
    // It never started (a missing or broken file): another worker would fail the same way.
    showRunError(`The training worker could not start: ${event.message || 'unknown error'}. Reload the page to try again.`);
    return;
  }
  showRunError(`The training worker stopped: ${event.message || 'unknown error'}. The charts are kept; press Train to start a new run.`);
  setState('loading');
  await replaceWorker('the training worker stopped');
  setState(run && run.epochs.length ? 'done' : 'idle');
}

function addEpochRow(e) {
  const bookRow = bookFor(settings.model)?.[e.epoch];
  const tr = document.createElement('tr');
  const f = (x) => (x === undefined || x === null ? '–' : x.toFixed(4));
  tr.innerHTML = `<td>${e.epoch}</td><td>${f(e.train_loss)}</td><td>${f(e.valid_loss)}</td><td>${f(e.accuracy)}</td><td>${bookRow ? f(bookRow[3]) : '–'}</td><td>${e.seconds.toFixed(2)}</td>`;
  $('#epoch-table tbody').append(tr);
}

// ---- compare ----
function keepRun() {
  if (!run || !run.epochs.length) return;
  const last = run.epochs[run.epochs.length - 1];
  ghost = { losses: run.steps.map((s) => s.loss), epochs: run.epochs.slice() };
  const label = $('#book-diff').textContent.replace(/^Differs from the book's (m\d) recipe in: /, '$1 with ').replace(/^The book's (m\d) recipe\.$/, '$1 (book recipe)');
  kept.push({ label, accuracy: last.accuracy, valid: last.valid_loss, seconds: run.epochs.reduce((a, e) => a + e.seconds, 0) / run.epochs.length, params: $('#param-count').textContent, backend: run.backend });
  const tbody = $('#compare-table tbody');
  tbody.replaceChildren(...kept.map((k) => {
    const tr = document.createElement('tr');
    tr.innerHTML = `<td>${k.label}</td><td>${k.params}</td><td>${k.valid.toFixed(4)}</td><td>${k.accuracy.toFixed(4)}</td><td>${k.seconds.toFixed(2)}</td><td>${k.backend}</td>`;
    return tr;
  }));
  $('#compare').hidden = false;
  startCharts();
}

// ---- explain ----
async function predict() {
  try {
    const ranked = await ask('predict', { text: $('#predict-text').value });
    $('#predictions').replaceChildren(...ranked.slice(0, 6).map(({ token, prob }) => {
      const li = document.createElement('li');
      li.innerHTML = `<span class="token">${token}</span><span class="bar-track"><span class="bar"></span></span><span class="prob">${(prob * 100).toFixed(1)}%</span>`;
      // Set through the CSSOM: the page's CSP allows no inline style attributes.
      li.querySelector('.bar').style.width = `${(prob * 100).toFixed(1)}%`;
      return li;
    }));
    const states = await ask('hidden', { text: $('#predict-text').value });
    drawHeatmap($('#heatmap'), states);
    $('#explain-error').hidden = true;
  } catch (error) {
    $('#explain-error').textContent = error.message;
    $('#explain-error').hidden = false;
  }
}

async function countOn() {
  try {
    const words = await ask('countOn', { prompt: $('#count-text').value, words: 24 });
    $('#count-out').textContent = `${$('#count-text').value} ${words}`;
    $('#explain-error').hidden = true;
  } catch (error) {
    $('#explain-error').textContent = error.message;
    $('#explain-error').hidden = false;
  }
}

// ---- guided experiments ----
function buildExperiments() {
  $('#experiments-list').replaceChildren(...EXPERIMENTS.map((x) => {
    const li = document.createElement('li');
    li.innerHTML = `<button type="button">${x.title}</button><p>${x.question}</p>`;
    li.querySelector('button').addEventListener('click', async () => {
      if (x.keepFirst && run && run.epochs.length) keepRun();
      const base = configToSettings(await ask('preset', { model: x.settings.model }));
      await applySettings({ ...base, seed: settings.seed, backend: settings.backend, ...x.settings });
      $('#experiment-note').textContent = x.watch;
      train();
    });
    return li;
  }));
}

// ---- start ----
async function init() {
  try {
    book = JSON.parse(await ask('book'));
    buildControls();
    buildExperiments();
    const parsed = await ask('parseQuery', { query: location.search });
    if (parsed.notices.length) {
      $('#notice').textContent = `Some settings in the link were not valid and use their defaults: ${parsed.notices.join('; ')}`;
      $('#notice').hidden = false;
    }
    // The page prefers a GPU when there is a real one; the CLI's default stays the CPU.
    if (!params.has('backend')) parsed.config.backend = 'auto';
    await applySettings(configToSettings(parsed.config));
    startCharts();
    setState('idle');
    $('#progress-text').textContent = 'Ready. Press Train.';
    gpu.adapter = await ask('webgpuAdapter');
    if (gpuWanted()) {
      startGpu();
      emit('ready', { backend: 'webgpu' });
    } else {
      const backend = await showBackend();
      emit('ready', { backend: backend.backend });
    }
    if (params.get('autostart') === '1') train();
  } catch (error) {
    $('#run-error').textContent = error.message;
    $('#run-error').hidden = false;
    emit('error', { message: error.message });
  }
}

if (embed) document.body.classList.add('embed');
$('#baseline').textContent = BASELINE.toFixed(4);
$('#train').addEventListener('click', train);
$('#pause').addEventListener('click', () => tell('pause'));
$('#step').addEventListener('click', () => {
  if (!run) beginRun('prepare');
  tell('step');
  setState('paused');
});
$('#reset').addEventListener('click', () => tell('reset'));
$('#keep').addEventListener('click', keepRun);
$('#controls').addEventListener('submit', (e) => e.preventDefault());
$('#predict-form').addEventListener('submit', (e) => { e.preventDefault(); predict(); });
$('#count-form').addEventListener('submit', (e) => { e.preventDefault(); countOn(); });
setState('loading');
spawnWorker();
