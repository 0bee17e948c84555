// Draws the lab from its state: the open experiment (its question, what each run changes, the
// runs' curves overlaid by share of training, the results table, the verdict and the downloads)
// or explainer (answer, what to look for, code, widget). Only this module touches #lab-detail.
import { OverlayChart } from './charts.js';
import { summarize } from './lab-state.js';
import { settingsQuery, urlValue, toCsv, num } from './files.js';

const $ = (sel) => document.querySelector(sel);

// An element with properties (and `role`/`aria-*` as attributes) and children.
function el(tag, props = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'role' || k.startsWith('aria-')) node.setAttribute(k, v);
    else node[k] = v;
  }
  node.append(...children);
  return node;
}

const f3 = (x) => (Number.isFinite(x) ? x.toFixed(3) : '–');
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const count = (x) => (Number.isFinite(x) ? x.toLocaleString('en') : '–');
const questionsLine = (qs) => `Question${qs.length > 1 ? 's' : ''} ${qs.join(', ')}`;

// A bar chart (SVG) of a run's validation accuracy at each position within the sequence.
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== null) node.textContent = text;
  return node;
}
const BAR_COLOURS = ['#4a7ab5', '#d08a2e', '#5a9e5a'];
// Runs side by side at each position, one colour each (named in the caption).
function drawPositionBars(figure, runs) {
  const positions = Math.max(...runs.map((r) => r.accuracy_by_position.length));
  const [w, h, left, bottom, top] = [480, 160, 34, 22, 8];
  const step = (w - left) / positions;
  const barWidth = Math.max(1, (step - 2) / runs.length);
  const y = (v) => top + (1 - v) * (h - top - bottom);
  const label = runs.map((r) => `${r.label}: ${r.accuracy_by_position.map((v) => v.toFixed(2)).join(', ')}`).join('; ');
  const chart = svg('svg', { viewBox: `0 0 ${w} ${h}`, width: '100%', role: 'img', 'aria-label': `Validation accuracy by position. ${label}` });
  for (const v of [0, 0.5, 1]) {
    chart.append(svg('line', { x1: left, x2: w, y1: y(v), y2: y(v), stroke: '#ccc' }));
    chart.append(svg('text', { x: left - 4, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 10 }, v.toFixed(1)));
  }
  for (let i = 0; i < positions; i++) {
    runs.forEach((r, k) => {
      const v = r.accuracy_by_position[i];
      if (!Number.isFinite(v)) return;
      const bar = svg('rect', { x: left + i * step + 1 + k * barWidth, y: y(v), width: barWidth, height: y(0) - y(v), fill: BAR_COLOURS[k % BAR_COLOURS.length] });
      bar.append(svg('title', {}, `${r.label}, position ${i + 1}: accuracy ${v.toFixed(3)}`));
      chart.append(bar);
    });
    chart.append(svg('text', { x: left + (i + 0.5) * step, y: h - 6, 'text-anchor': 'middle', 'font-size': 10 }, String(i + 1)));
  }
  const key = runs.map((r, k) => `${['blue', 'orange', 'green'][k % 3]}: ${r.label}`).join('; ');
  figure.replaceChildren(chart, el('figcaption', { textContent: `Validation accuracy at each position within the sequence; position 1 is the first word (${key}).` }));
}

const describe = (settings) => Object.entries(settings).map(([k, v]) => `${k}=${urlValue(v)}`).join(', ');

// The results table's columns: heading, and the cell of a summarized run.
const COLUMNS = [
  ['run', (r) => r.label],
  ['accuracy', (r) => f3(r.accuracy)],
  ['valid loss', (r) => f3(r.valid_loss)],
  ['train loss', (r) => f3(r.train_loss)],
  ['parameters', (r) => count(r.params)],
  ['s / epoch', (r) => f2(r.seconds_per_epoch)],
  ['ms / batch', (r) => f2(r.ms_per_batch)],
  ['peak ‖grad‖', (r) => f2(r.peak_grad_norm)],
  ['mean h²', (r) => (r.activations ? f3(r.activations.mean_square) : '–')],
  ['mean Δh²', (r) => (r.activations ? f3(r.activations.step_change_square) : '–')],
  ['max |h|', (r) => (r.activations ? f2(r.activations.max_abs) : '–')],
  ['backend', (r) => r.backend || '–'],
];

/// The results as CSV: one row per run, its settings as a query string.
export function resultsCsv(experiment, results) {
  const head = ['experiment', 'label', 'accuracy', 'valid_loss', 'train_loss', 'params', 'seconds_per_epoch', 'ms_per_batch', 'peak_grad_norm', 'activation_mean_square', 'activation_step_change_square', 'activation_max_abs', 'backend', 'settings'];
  const rows = results.map((r) => [
    experiment.id, r.label, num(r.accuracy), num(r.valid_loss), num(r.train_loss), num(r.params), num(r.seconds_per_epoch), num(r.ms_per_batch), num(r.peak_grad_norm),
    num(r.activations && r.activations.mean_square), num(r.activations && r.activations.step_change_square), num(r.activations && r.activations.max_abs),
    r.backend || '', settingsQuery(r.config),
  ]);
  return toCsv(head, rows);
}

/// The results as JSON: what the `experiment` event carries, with the title and questions.
export function resultsJson(experiment, trial) {
  return JSON.stringify({
    id: experiment.id,
    title: experiment.title,
    questions: experiment.questions,
    measured: new Date().toISOString(),
    runs: trial.results,
    verdict: trial.verdict,
    as_expected: trial.asExpected,
  }, null, 2);
}

function runState(r, trial) {
  if (trial.phase === 'stopped' && (r.phase === 'starting' || r.phase === 'training' || r.phase === 'probing')) return 'stopped';
  if (r.phase === 'starting') return 'starting…';
  if (r.phase === 'training') return `epoch ${Math.min(r.epochs.length + 1, r.config ? r.config.epochs : Infinity)} of ${r.config ? r.config.epochs : '?'}`;
  if (r.phase === 'probing') return 'measuring activations';
  if (r.phase === 'failed') return 'failed';
  return `done: accuracy ${f3(r.epochs.length ? r.epochs[r.epochs.length - 1].accuracy : NaN)}`;
}

export class LabView {
  // onRun(id), onStop(): the reader's buttons.
  constructor({ onRun, onStop, widgets }) {
    this.root = $('#lab-detail');
    this.section = $('#lab');
    this.onRun = onRun;
    this.onStop = onStop;
    this.widgets = widgets; // () => import('./widgets.js'), when an explainer needs one
    this.drawn = { open: null, trial: null, steps: -1, epochs: -1, phase: null };
    this.urls = [];
    this.pending = null;
  }

  // Draws at most once a frame: several workers post progress about a dozen times a second each.
  schedule(s) {
    this.latest = s;
    if (this.pending) return;
    const run = () => { this.pending = null; this.draw(this.latest); };
    this.pending = document.hidden ? setTimeout(run, 100) : requestAnimationFrame(run);
  }

  draw(s) {
    if (s.open !== this.drawn.open) this.build(s.open);
    const trial = s.trial && s.open && s.trial.experiment.id === s.open.id ? s.trial : null;
    if (s.open && s.open.kind === 'experiment') this.drawTrial(trial, s.open);
    this.section.dataset.lab = trial ? trial.phase : 'idle';
    const steps = trial ? trial.runs.reduce((a, r) => a + r.steps.length, 0) : 0;
    if (String(steps) !== this.section.dataset.steps) this.section.dataset.steps = steps;
  }

  // The open item's fixed parts, built once when it is opened.
  build(item) {
    this.revokeDownloads();
    this.drawn = { open: item, trial: null, steps: -1, epochs: -1, phase: null };
    for (const li of document.querySelectorAll('#lab-list li')) li.classList.toggle('current', !!item && li.dataset.id === item.id);
    this.root.hidden = !item;
    if (!item) { this.root.replaceChildren(); return; }
    const head = [
      el('p', { className: 'lab-questions', textContent: `${questionsLine(item.questions)} · ${item.kind}` }),
      el('h3', { id: 'lab-item-title', textContent: item.title }),
    ];
    this.root.dataset.id = item.id;
    if (item.kind === 'explainer') this.buildExplainer(item, head);
    else this.buildExperiment(item, head);
  }

  buildExplainer(item, head) {
    const parts = [...head, el('p', { className: 'lab-answer', textContent: item.answer }), el('p', { className: 'lab-look', textContent: `Look: ${item.look}` })];
    if (item.snippet) {
      parts.push(el('div', { className: 'lab-code' }, [
        el('figure', {}, [el('figcaption', { textContent: 'PyTorch (our sketch)' }), el('pre', {}, [el('code', { textContent: item.snippet.pytorch })])]),
        el('figure', {}, [el('figcaption', { textContent: `Our Rust: ${item.snippet.rust.path}` }), el('pre', {}, [el('code', { textContent: item.snippet.rust.line })])]),
      ]));
    }
    if (item.widget) {
      const box = el('div', { className: 'widget', id: `widget-${item.widget}` });
      parts.push(box);
      this.widgets().then((w) => { if (this.drawn.open === item) w.WIDGETS[item.widget](box); })
        .catch((error) => { box.textContent = `The figure could not load: ${error.message}`; });
    }
    this.root.replaceChildren(...parts);
  }

  buildExperiment(x, head) {
    const spec = el('tbody', {}, x.runs.map((r, i) => el('tr', {}, [
      el('td', { textContent: r.label }),
      el('td', { textContent: i === 0 ? `baseline: ${describe(r.settings)}` : `changes ${describe(r.change)}` }),
    ])));
    const run = el('button', { type: 'button', id: 'lab-run', className: 'primary', textContent: `Run the experiment (${x.runs.length} runs at once)` });
    const stop = el('button', { type: 'button', id: 'lab-stop', textContent: 'Stop' });
    run.addEventListener('click', () => this.onRun(x.id));
    stop.addEventListener('click', () => this.onStop());
    this.parts = {
      run, stop,
      status: el('p', { className: 'lab-status', id: 'lab-status', 'aria-live': 'polite' }),
      progress: el('div', { className: 'lab-progress', id: 'lab-progress' }),
      chart: el('div', { className: 'chart', id: 'lab-chart' }),
      results: el('tbody'),
      verdict: el('p', { className: 'verdict', id: 'lab-verdict', 'aria-live': 'polite' }),
      error: el('p', { className: 'error', id: 'lab-error', role: 'alert', hidden: true }),
      downloads: el('p', { className: 'lab-downloads', id: 'lab-downloads', hidden: true }),
      positions: el('figure', { className: 'lab-positions', id: 'lab-positions', hidden: true }),
    };
    const p = this.parts;
    this.root.replaceChildren(
      ...head,
      el('p', { className: 'lab-question', textContent: x.question }),
      el('table', { className: 'lab-spec' }, [el('caption', { textContent: 'The runs: the same seed, epochs and backend; each variant changes only this' }), spec]),
      el('p', { className: 'lab-look', textContent: `Watch: ${x.watch}` }),
      el('div', { className: 'lab-actions' }, [run, stop]),
      p.status, p.progress, p.chart, p.positions,
      el('div', { className: 'table-wrap' }, [el('table', { id: 'lab-results' }, [
        el('thead', {}, [el('tr', {}, [...COLUMNS.map(([h]) => el('th', { textContent: h })), el('th', { textContent: 'settings' })])]),
        p.results,
      ])]),
      p.verdict, p.error, p.downloads,
    );
    this.chart = new OverlayChart(p.chart, x.runs.map((r) => r.label));
  }

  drawTrial(trial, x) {
    const p = this.parts;
    const running = !!trial && trial.phase === 'running';
    p.run.disabled = running;
    p.stop.disabled = !running;
    const d = this.drawn;
    if (trial !== d.trial) {
      // A new trial (or none): start the chart, table and verdict afresh.
      this.chart.set(trial ? trial.runs : x.runs.map(() => ({ steps: [] })));
      p.progress.replaceChildren(...(trial ? trial.runs.map((r) => el('div', { className: 'lab-run' }, [
        el('span', { textContent: r.label }), el('progress', { max: 1, value: 0, 'aria-label': `${r.label}: share of training done` }), el('span', { className: 'lab-run-state' }),
      ])) : []));
      Object.assign(d, { trial, steps: -1, epochs: -1, phase: null });
      this.revokeDownloads();
    }
    if (!trial) {
      p.status.textContent = `Press Run: ${x.runs.length} runs train at once, each in its own CPU worker.`;
      p.results.replaceChildren();
      p.verdict.textContent = '';
      p.error.hidden = true;
      return;
    }
    const steps = trial.runs.reduce((a, r) => a + r.steps.length, 0);
    const epochs = trial.runs.reduce((a, r) => a + r.epochs.length, 0);
    if (steps !== d.steps) this.chart.set(trial.runs);
    trial.runs.forEach((r, i) => {
      const row = p.progress.children[i];
      row.querySelector('progress').value = r.fraction;
      const state = row.querySelector('.lab-run-state');
      const text = runState(r, trial);
      if (state.textContent !== text) state.textContent = text;
    });
    if (epochs !== d.epochs || trial.phase !== d.phase) this.drawResults(trial);
    if (trial.phase !== d.phase) this.drawOutcome(trial, x);
    Object.assign(d, { steps, epochs, phase: trial.phase });
  }

  drawResults(trial) {
    const rows = trial.results || trial.runs.map(summarize);
    this.parts.results.replaceChildren(...rows.map((r) => {
      const link = el('a', { href: `?${settingsQuery(r.config)}`, textContent: 'open' });
      link.title = 'This run\'s settings in the playground';
      return el('tr', {}, [...COLUMNS.map(([, cell]) => el('td', { textContent: cell(r) })), el('td', {}, [link])]);
    }));
  }

  drawOutcome(trial, x) {
    const p = this.parts;
    const seconds = ((performance.now() - trial.started) / 1000).toFixed(0);
    p.error.hidden = trial.phase !== 'failed';
    if (trial.phase === 'failed') p.error.textContent = trial.error;
    const byPosition = trial.phase === 'done' && trial.results ? trial.results.filter((r) => r.accuracy_by_position) : [];
    p.positions.hidden = !byPosition.length;
    if (byPosition.length) drawPositionBars(p.positions, byPosition);
    if (trial.phase === 'running') {
      p.status.textContent = `Training ${trial.runs.length} runs at once, each in its own CPU worker…`;
      p.verdict.textContent = '';
      p.downloads.hidden = true;
    } else if (trial.phase === 'stopped') {
      p.status.textContent = 'Stopped. Press Run to start again.';
    } else if (trial.phase === 'failed') {
      p.status.textContent = 'The experiment could not finish.';
    } else {
      p.status.textContent = `Finished in ${seconds} s.`;
      const said = trial.asExpected === null ? '' : trial.asExpected ? ' As the book says.' : ' This run does not show what the book found.';
      p.verdict.textContent = `${trial.verdict}${said}`;
      this.offerDownloads(trial, x);
    }
  }

  // CSV and JSON of the results, as Blob URLs: nothing is fetched, the browser saves the bytes.
  offerDownloads(trial, x) {
    this.revokeDownloads();
    const csv = URL.createObjectURL(new Blob([resultsCsv(x, trial.results)], { type: 'text/csv' }));
    const json = URL.createObjectURL(new Blob([resultsJson(x, trial)], { type: 'application/json' }));
    this.urls = [csv, json];
    this.parts.downloads.replaceChildren(
      'Keep the results: ',
      el('a', { href: csv, download: `${x.id}.csv`, id: 'lab-csv', textContent: 'CSV' }), ' · ',
      el('a', { href: json, download: `${x.id}.json`, id: 'lab-json', textContent: 'JSON' }),
    );
    this.parts.downloads.hidden = false;
  }

  revokeDownloads() {
    for (const u of this.urls) URL.revokeObjectURL(u);
    this.urls = [];
    if (this.parts) this.parts.downloads.hidden = true;
  }
}
