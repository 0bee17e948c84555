// "Keep and share" for the page's main run: its history (per epoch and per batch) as CSV and JSON,
// the kept runs' table as CSV and JSON, the charts as PNG, and the run itself as a checkpoint
// file. Loaded on first use (app.js); everything is made in the browser and saved from a Blob.
import { chartPng } from './charts.js';
import { settingsQuery, toCsv, num, saveFile } from './files.js';

const PREFIX = 'rnn-playground';
const modelOf = (run) => (run.settings && run.settings.model) || 'run';

// A parameter group's name as a column: "layer 1" → grad_norm_layer_1.
const groupColumn = (g) => `grad_norm_${g.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`;

// One row per epoch, as the epoch table shows it.
export function epochsCsv(run) {
  const head = ['epoch', 'train_loss', 'valid_loss', 'accuracy', 'seconds'];
  return toCsv(head, run.epochs.map((e) => [e.epoch, num(e.train_loss), num(e.valid_loss), num(e.accuracy), num(e.seconds)]));
}

// One row per training batch: its loss, learning rate, momentum and gradient norms (the global
// one, then one per parameter group).
export function stepsCsv(run) {
  const groups = run.groups || [];
  const head = ['step', 'epoch', 'loss', 'lr', 'mom', 'grad_norm', ...groups.map(groupColumn)];
  return toCsv(head, run.steps.map((x) => [x.step, x.epoch, num(x.loss), num(x.lr), num(x.mom), num(x.grad_norm), ...groups.map((_, i) => num(x.group_grad_norms[i]))]));
}

// The whole history, with what the run was: its label, settings, backend and size.
export function historyJson(run) {
  return JSON.stringify({
    label: run.label,
    settings: run.config || run.settings,
    query: settingsQuery(run.config || run.settings),
    backend: run.backend,
    params: run.paramCount,
    saved: new Date().toISOString(),
    groups: run.groups,
    epochs: run.epochs,
    steps: run.steps,
  }, null, 2);
}

// The comparison table: one row per kept run.
export function keptCsv(kept) {
  const head = ['label', 'params', 'valid_loss', 'accuracy', 'seconds_per_epoch', 'backend', 'settings'];
  return toCsv(head, kept.map((k) => [k.label, num(k.params), num(k.valid), num(k.accuracy), num(k.seconds), k.backend || '', k.settings ? settingsQuery(k.settings) : '']));
}

export function keptJson(kept) {
  return JSON.stringify(kept.map((k) => ({
    label: k.label, params: k.params, valid_loss: k.valid, accuracy: k.accuracy, seconds_per_epoch: k.seconds,
    backend: k.backend, settings: k.settings, epochs: k.epochs,
  })), null, 2);
}

// The file a checkpoint is saved as: rnn-playground-m7-epoch3.rnnpckpt, with the step when it
// was taken inside an epoch.
export function checkpointName(run, saved) {
  const within = saved.step !== saved.epochs * run.batchesPerEpoch;
  return `${PREFIX}-${modelOf(run)}-epoch${saved.epochs}${within ? `-step${saved.step}` : ''}.rnnpckpt`;
}

export function saveCheckpoint(run, saved) {
  saveFile(new Blob([saved.bytes], { type: 'application/octet-stream' }), checkpointName(run, saved));
}

const text = (body, type) => new Blob([body], { type });

// What each export button saves, from the page state and its charts.
const EXPORTS = {
  'epochs-csv': ({ run }) => [text(epochsCsv(run), 'text/csv'), `${PREFIX}-${modelOf(run)}-epochs.csv`],
  'steps-csv': ({ run }) => [text(stepsCsv(run), 'text/csv'), `${PREFIX}-${modelOf(run)}-batches.csv`],
  'history-json': ({ run }) => [text(historyJson(run), 'application/json'), `${PREFIX}-${modelOf(run)}-history.json`],
  'kept-csv': ({ kept }) => [text(keptCsv(kept), 'text/csv'), `${PREFIX}-kept-runs.csv`],
  'kept-json': ({ kept }) => [text(keptJson(kept), 'application/json'), `${PREFIX}-kept-runs.json`],
  'loss-png': (s, charts) => png(charts.loss, `${PREFIX}-loss-per-batch.png`),
  'epoch-png': (s, charts) => png(charts.epoch, `${PREFIX}-validation-per-epoch.png`),
  'grad-png': (s, charts) => png(charts.grad, `${PREFIX}-gradient-norm.png`),
};

async function png(chart, name) {
  return [await chartPng(chart), name];
}

// Saves the export `kind` (a button's data-export) of the state `s`, drawn in `charts`.
export async function exportFile(kind, s, charts) {
  const make = EXPORTS[kind];
  if (!make) throw new Error(`no export named ${kind}`);
  const [blob, name] = await make(s, charts);
  saveFile(blob, name);
}
