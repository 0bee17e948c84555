// Live charts (uPlot, vendored by scripts/vendor.sh): per-batch loss, per-epoch validation with the
// book's curve and the baseline, gradient norms on a log scale, and the lab's runs overlaid.

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563'];
export const BASELINE = 0.15165200855716662;

function size(el) {
  const w = Math.max(280, el.clientWidth - 8);
  return { width: w, height: Math.round(Math.min(260, Math.max(180, w * 0.5))) };
}

function makePlot(el, opts, data) {
  const plot = new uPlot({ ...size(el), ...opts }, data, el);
  new ResizeObserver(() => plot.setSize(size(el))).observe(el);
  return plot;
}

// A chart as a PNG Blob: its canvas on white, under its title, over a legend of the series shown
// (uPlot draws the title and legend in HTML, which a canvas copy would leave out).
export function chartPng({ plot }) {
  const src = plot.ctx.canvas;
  const r = src.width / plot.width || 1;
  const pad = Math.round(10 * r);
  const line = Math.round(20 * r);
  const title = plot.root.querySelector('.u-title');
  const shown = plot.series.slice(1).map((s, i) => ({ s, i: i + 1 })).filter(({ s }) => s.show && s.label);
  const out = document.createElement('canvas');
  const ctx = out.getContext('2d');
  ctx.font = `${Math.round(12 * r)}px system-ui, sans-serif`;
  // Legend entries, laid out in rows across the width: a 24 px swatch, the label, a gap.
  const rows = [[]];
  let x = pad;
  for (const { s, i } of shown) {
    const w = 30 * r + ctx.measureText(s.label).width + 14 * r;
    if (x + w > src.width - pad && rows[rows.length - 1].length) { rows.push([]); x = pad; }
    rows[rows.length - 1].push({ s, i, x });
    x += w;
  }
  out.width = src.width;
  out.height = line + pad + src.height + rows.length * line + pad;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#111827';
  ctx.textBaseline = 'middle';
  ctx.font = `600 ${Math.round(14 * r)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.fillText(title ? title.textContent : '', out.width / 2, pad + line / 2);
  ctx.drawImage(src, 0, line + pad);
  ctx.textAlign = 'left';
  ctx.font = `${Math.round(12 * r)}px system-ui, sans-serif`;
  rows.forEach((row, n) => {
    const y = line + pad + src.height + n * line + line / 2;
    for (const { s, i, x: left } of row) {
      const color = typeof s.stroke === 'function' ? s.stroke(plot, i) : s.stroke;
      ctx.strokeStyle = ctx.fillStyle = color || '#111827';
      if (s.width) {
        ctx.lineWidth = Math.max(1, s.width) * r;
        ctx.setLineDash((s.dash || []).map((d) => d * r));
        ctx.beginPath();
        ctx.moveTo(left, y);
        ctx.lineTo(left + 24 * r, y);
        ctx.stroke();
        ctx.setLineDash([]);
      } else {
        ctx.beginPath();
        ctx.arc(left + 12 * r, y, 3.5 * r, 0, 2 * Math.PI);
        ctx.fill();
      }
      ctx.fillStyle = '#111827';
      ctx.fillText(s.label, left + 30 * r, y);
    }
  });
  return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the chart could not be drawn as a PNG'))), 'image/png'));
}

// Per-batch training loss, the ghost run's, and the book's per-epoch training loss.
export class LossChart {
  constructor(el) {
    this.el = el;
    this.reset(null, null, 1);
  }
  reset(book, ghost, batchesPerEpoch) {
    this.steps = [];
    this.loss = [];
    this.book = book;
    this.ghost = ghost;
    this.batchesPerEpoch = batchesPerEpoch;
    this.el.replaceChildren();
    this.plot = makePlot(this.el, {
      title: 'Training loss per batch',
      scales: { x: { time: false } },
      axes: [{ label: 'batch' }, { label: 'cross-entropy' }],
      series: [
        {},
        { label: 'this run', stroke: COLORS[0], width: 1.5 },
        { label: 'kept run', stroke: '#9ca3af', width: 1, dash: [4, 3] },
        { label: 'book (per epoch)', stroke: COLORS[1], width: 0, points: { show: true, size: 6, fill: COLORS[1] } },
      ],
    }, this.data());
  }
  data() {
    const n = Math.max(this.steps.length, this.ghost ? this.ghost.length : 0,
      this.book ? this.book.length * this.batchesPerEpoch : 0);
    const xs = Array.from({ length: n }, (_, i) => i);
    const mine = xs.map((i) => (i < this.loss.length ? this.loss[i] : null));
    const ghost = xs.map((i) => (this.ghost && i < this.ghost.length ? this.ghost[i] : null));
    const book = xs.map(() => null);
    if (this.book) this.book.forEach((row, e) => { const i = (e + 1) * this.batchesPerEpoch - 1; if (i < n) book[i] = row[1]; });
    return [xs, mine, ghost, book];
  }
  add(steps) {
    for (const s of steps) { this.steps.push(s.step); this.loss.push(s.loss); }
    this.plot.setData(this.data());
  }
}

// Validation loss and accuracy per epoch, beside the book's, with the baseline accuracy.
export class EpochChart {
  constructor(el) {
    this.el = el;
    this.reset(null, null, 1);
  }
  reset(book, ghost, epochs) {
    this.records = [];
    this.book = book;
    this.ghost = ghost;
    this.epochs = epochs;
    this.el.replaceChildren();
    this.plot = makePlot(this.el, {
      title: 'Validation per epoch',
      scales: { x: { time: false }, acc: { range: [0, 1] } },
      axes: [
        { label: 'epoch' },
        { label: 'valid loss', scale: 'y' },
        { label: 'accuracy', scale: 'acc', side: 1, grid: { show: false } },
      ],
      series: [
        {},
        { label: 'valid loss', stroke: COLORS[0], width: 2, scale: 'y' },
        { label: 'accuracy', stroke: COLORS[2], width: 2, scale: 'acc' },
        { label: 'book valid loss', stroke: COLORS[0], dash: [6, 4], width: 1, scale: 'y' },
        { label: 'book accuracy', stroke: COLORS[2], dash: [6, 4], width: 1, scale: 'acc' },
        { label: 'kept run accuracy', stroke: '#9ca3af', dash: [2, 3], width: 1.5, scale: 'acc' },
        { label: 'baseline ("thousand")', stroke: '#111827', dash: [1, 3], width: 1, scale: 'acc' },
      ],
    }, this.data());
  }
  data() {
    const n = Math.max(this.epochs, this.records.length, this.book ? this.book.length : 0, this.ghost ? this.ghost.length : 0);
    const xs = Array.from({ length: n }, (_, i) => i + 1);
    const at = (arr, i, f) => (arr && i < arr.length ? f(arr[i]) : null);
    return [
      xs,
      xs.map((_, i) => at(this.records, i, (r) => r.valid_loss)),
      xs.map((_, i) => at(this.records, i, (r) => r.accuracy)),
      xs.map((_, i) => at(this.book, i, (r) => r[2])),
      xs.map((_, i) => at(this.book, i, (r) => r[3])),
      xs.map((_, i) => at(this.ghost, i, (r) => r.accuracy)),
      xs.map(() => BASELINE),
    ];
  }
  add(epochs) {
    this.records.push(...epochs);
    this.plot.setData(this.data());
  }
}

// Global and per-layer gradient norms, log scale: exploding and vanishing gradients show here.
export class GradChart {
  constructor(el) {
    this.el = el;
    this.reset(['embedding', 'layer 1', 'output']);
  }
  reset(groups) {
    this.groups = groups;
    this.xs = [];
    this.series = [[], ...groups.map(() => [])];
    this.el.replaceChildren();
    this.plot = makePlot(this.el, {
      title: 'Gradient norm (log scale)',
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ label: 'batch' }, { label: '‖gradient‖' }],
      series: [
        {},
        { label: 'global', stroke: '#111827', width: 1.5 },
        ...groups.map((g, i) => ({ label: g, stroke: COLORS[(i + 1) % COLORS.length], width: 1 })),
      ],
    }, [this.xs, ...this.series]);
  }
  add(steps) {
    for (const s of steps) {
      this.xs.push(s.step);
      this.series[0].push(Math.max(s.grad_norm, 1e-12));
      s.group_grad_norms.forEach((g, i) => this.series[i + 1] && this.series[i + 1].push(Math.max(g, 1e-12)));
    }
    this.plot.setData([this.xs, ...this.series]);
  }
}

// The lab's runs on one axis: training loss per batch against the share of training done
// (step / total steps), so that runs with different batches per epoch line up.
export class OverlayChart {
  constructor(el, labels) {
    this.el = el;
    el.replaceChildren();
    this.plot = makePlot(el, {
      title: 'Training loss, by share of training done',
      scales: { x: { time: false, range: [0, 1] } },
      axes: [{ label: 'fraction of training' }, { label: 'cross-entropy' }],
      series: [
        { value: (u, v) => (v === null ? '–' : v.toFixed(3)) },
        ...labels.map((label, i) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true })),
      ],
    }, [[], ...labels.map(() => [])]);
  }
  // runs: [{ steps: [{ x, loss }] }], in the order of the labels; each run's x rise.
  set(runs) {
    const xs = [...new Set(runs.flatMap((r) => r.steps.map((p) => p.x)))].sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const series = runs.map((r) => {
      const ys = new Array(xs.length).fill(null);
      for (const p of r.steps) ys[index.get(p.x)] = p.loss;
      return ys;
    });
    this.plot.setData([xs, ...series]);
  }
}

// Hidden state after each word (rows: units, columns: words), one panel per layer.
export function drawHeatmap(canvas, states) {
  const { layers, tokens, hidden, values, words } = states;
  const cell = Math.max(4, Math.min(28, Math.floor(560 / Math.max(tokens * layers, 1))));
  const rowH = Math.max(2, Math.min(6, Math.floor(300 / hidden)));
  const gap = 12;
  const labelH = 70;
  canvas.width = layers * (tokens * cell + gap);
  canvas.height = hidden * rowH + labelH;
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  let max = 1e-6;
  for (const v of values) max = Math.max(max, Math.abs(v));
  for (let l = 0; l < layers; l++) {
    const x0 = l * (tokens * cell + gap);
    for (let t = 0; t < tokens; t++) {
      for (let u = 0; u < hidden; u++) {
        const v = values[(l * tokens + t) * hidden + u] / max;
        const a = Math.min(1, Math.abs(v));
        ctx.fillStyle = v >= 0 ? `rgba(37,99,235,${a})` : `rgba(220,38,38,${a})`;
        ctx.fillRect(x0 + t * cell, u * rowH, cell - 1, rowH);
      }
      ctx.save();
      ctx.translate(x0 + t * cell + cell / 2, hidden * rowH + 6);
      ctx.rotate(Math.PI / 3);
      ctx.fillStyle = '#111827';
      ctx.font = '11px system-ui, sans-serif';
      ctx.fillText(words[t] ?? '', 0, 0);
      ctx.restore();
    }
  }
  canvas.setAttribute('aria-label', `Hidden state heatmap: ${layers} layer(s), ${tokens} words, ${hidden} units; largest magnitude ${max.toFixed(2)}`);
}
