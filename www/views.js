// Draws the page from its state: the run buttons, progress, messages, charts, tables, the URL and
// the attributes tests read on <body>. The charts and the epoch table only add what is new while
// a run goes on, and are drawn again when the run, its shape or the kept run change.
import { LossChart, EpochChart, GradChart, drawHeatmap, BASELINE } from './charts.js';
import { PAGE_KEYS } from './settings.js';

const $ = (sel) => document.querySelector(sel);
const f4 = (x) => (x === undefined || x === null ? '–' : x.toFixed(4));

function bookFor(book, model) {
  return book && book.models[model] ? book.models[model].epochs : null;
}

function setText(sel, text) {
  const el = $(sel);
  if (el.textContent !== text) el.textContent = text;
}

// A message element: shown with `text`, hidden without.
function setMessage(sel, text) {
  if (text) setText(sel, text);
  $(sel).hidden = !text;
}

export class PageView {
  // params: the page's own URL parameters (kept in the URL beside the settings').
  constructor({ params }) {
    this.params = params;
    this.charts = { loss: new LossChart($('#loss-chart')), epoch: new EpochChart($('#epoch-chart')), grad: new GradChart($('#grad-chart')) };
    this.drawn = { charts: null, kept: null, query: null, explain: {}, diagram: null }; // what was last drawn
    this.diagram = null; // diagram.js, once its panel has been opened (see useDiagram)
    $('#baseline').textContent = BASELINE.toFixed(4);
  }

  draw(s) {
    this.drawRunControls(s);
    this.drawMessages(s);
    this.drawRun(s);
    this.drawBody(s);
    this.drawCompare(s);
    this.drawShare(s);
    this.drawExplain(s);
    this.drawDiagram(s);
    this.drawUrl(s);
  }

  // The loaded diagram.js: from now on the model is drawn while its panel is open.
  useDiagram(module) {
    this.diagram = module;
  }

  drawRunControls({ phase, run, file }) {
    const opening = file.busy === 'opening'; // the run is about to be replaced
    $('#train').disabled = phase === 'loading' || phase === 'training' || opening;
    setText('#train', phase === 'paused' ? 'Resume' : 'Train');
    $('#pause').disabled = phase !== 'training';
    $('#step').disabled = phase === 'loading' || phase === 'training' || phase === 'done' || opening;
    $('#reset').disabled = phase === 'loading' || opening;
    $('#keep').disabled = !(phase === 'done' && run && run.epochs.length);
  }

  drawMessages(s) {
    $('#progress').value = s.progress.fraction;
    setText('#progress-text', s.progress.text);
    setMessage('#notice', s.notice);
    setMessage('#run-error', s.runError);
    setMessage('#config-error', s.configError);
    if (s.backend.line !== null) setText('#backend', s.backend.line);
    $('#backend').classList.toggle('fallback', s.backend.warning);
    if (s.paramCount !== null) setText('#param-count', s.paramCount.toLocaleString('en'));
    if (s.settings) {
      const { model } = s.settings;
      setText('#book-diff', s.differences.length
        ? `Differs from the book's ${model} recipe in: ${s.differences.join(', ')}`
        : `The book's ${model} recipe.`);
    }
  }

  // The charts and the epoch table of the run (or, before one, of the settings' next run).
  drawRun(s) {
    const run = s.run;
    const shape = run ? run.settings : s.settings;
    if (!shape) return;
    const ghost = s.kept.length ? s.kept[s.kept.length - 1] : null;
    const steps = run ? run.steps : [];
    const epochs = run ? run.epochs : [];
    const key = [run, run && run.batchesPerEpoch, run && run.groups, ghost, shape.model, shape.epochs, s.book];
    let d = this.drawn.charts;
    if (!d || key.some((k, i) => k !== d.key[i]) || steps.length < d.steps || epochs.length < d.epochs) {
      const book = bookFor(s.book, shape.model);
      const { loss, epoch, grad } = this.charts;
      loss.reset(book, ghost ? ghost.losses : null, run ? run.batchesPerEpoch : 1);
      epoch.reset(book, ghost ? ghost.epochs : null, shape.epochs);
      grad.reset((run && run.groups) || grad.groups);
      $('#epoch-table tbody').replaceChildren();
      d = this.drawn.charts = { key, steps: 0, epochs: 0 };
    }
    if (steps.length > d.steps) {
      const added = steps.slice(d.steps);
      this.charts.loss.add(added);
      this.charts.grad.add(added);
      d.steps = steps.length;
    }
    if (epochs.length > d.epochs) {
      const added = epochs.slice(d.epochs);
      this.charts.epoch.add(added);
      const bookRows = bookFor(s.book, shape.model);
      $('#epoch-table tbody').append(...added.map((e) => epochRow(e, bookRows && bookRows[e.epoch])));
      d.epochs = epochs.length;
    }
  }

  // What the tests (and a host page's scripts) read.
  drawBody({ phase, run, backend }) {
    const data = document.body.dataset;
    data.state = phase;
    if (run) {
      data.steps = run.steps.length;
      if (run.steps.length) data.losses = JSON.stringify(run.steps.slice(-20).map((x) => x.loss));
      if (run.checkpoint) data.checkpointStep = run.checkpoint.step;
    } else {
      delete data.steps;
    }
    if (backend.name) data.backend = backend.name;
  }

  drawCompare({ kept }) {
    if (this.drawn.kept === kept) return;
    this.drawn.kept = kept;
    $('#compare-table tbody').replaceChildren(...kept.map((k) => {
      const tr = document.createElement('tr');
      const params = k.params === null ? '–' : k.params.toLocaleString('en');
      tr.innerHTML = `<td>${k.label}</td><td>${params}</td><td>${k.valid.toFixed(4)}</td><td>${k.accuracy.toFixed(4)}</td><td>${k.seconds.toFixed(2)}</td><td>${k.backend}</td>`;
      return tr;
    }));
    $('#compare').hidden = !kept.length;
  }

  // The "Keep and share" buttons: each only when there is something to save.
  drawShare({ phase, run, kept, file }) {
    const steps = !!(run && run.steps.length);
    for (const id of ['#export-epochs-csv', '#export-steps-csv', '#export-history-json']) $(id).disabled = !steps;
    for (const id of ['#export-kept-csv', '#export-kept-json']) $(id).disabled = !kept.length;
    for (const id of ['#export-loss-png', '#export-epoch-png', '#export-grad-png']) $(id).disabled = phase === 'loading';
    $('#save-run').disabled = phase === 'loading' || !(run && run.created) || !!file.busy;
    $('#open-run').disabled = phase === 'loading' || !!file.busy;
    setMessage('#file-error', file.error);
  }

  drawExplain({ explain }) {
    const d = this.drawn.explain;
    if (explain.ranked !== d.ranked) {
      $('#predictions').replaceChildren(...(explain.ranked || []).slice(0, 6).map(predictionItem));
    }
    if (explain.hidden && explain.hidden !== d.hidden) drawHeatmap($('#heatmap'), explain.hidden);
    if (explain.counted !== d.counted) setText('#count-out', explain.counted || '');
    setMessage('#explain-error', explain.error);
    this.drawn.explain = explain;
  }

  // The model the settings build, drawn again when they change (a new settings object).
  drawDiagram({ settings, differences }) {
    if (!this.diagram || !settings || !$('#diagram-panel').open || this.drawn.diagram === settings) return;
    this.drawn.diagram = settings;
    this.diagram.drawDiagram({ figure: $('#diagram'), caption: $('#diagram-caption'), legend: $('#diagram-legend') }, settings, differences);
  }

  // The settings' URL form, with the page's own parameters (autostart, embed, controls) kept.
  drawUrl({ query }) {
    if (!query || query === this.drawn.query) return;
    this.drawn.query = query;
    const search = new URLSearchParams(query);
    for (const k of PAGE_KEYS) if (this.params.has(k)) search.set(k, this.params.get(k));
    history.replaceState(null, '', `?${search}`);
  }
}

function epochRow(e, bookRow) {
  const tr = document.createElement('tr');
  tr.innerHTML = `<td>${e.epoch}</td><td>${f4(e.train_loss)}</td><td>${f4(e.valid_loss)}</td><td>${f4(e.accuracy)}</td><td>${bookRow ? f4(bookRow[3]) : '–'}</td><td>${e.seconds.toFixed(2)}</td>`;
  return tr;
}

function predictionItem({ token, prob }) {
  const li = document.createElement('li');
  li.innerHTML = `<span class="token">${token}</span><span class="bar-track"><span class="bar"></span></span><span class="prob">${(prob * 100).toFixed(1)}%</span>`;
  // Set through the CSSOM: the page's CSP allows no inline style attributes.
  li.querySelector('.bar').style.width = `${(prob * 100).toFixed(1)}%`;
  return li;
}
