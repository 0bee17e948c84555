// The model that the current settings build, drawn as an SVG: the words, the embedding, each layer
// unrolled over the steps of a sequence (one hidden-to-hidden matrix per layer, used at every
// step), the output layer, and whatever else is switched on (carried state, dropout, AR, TAR,
// tying, embedding and weight dropout). Loaded on first use (`import()`) by the page, which calls
// drawDiagram when its panel is open and the settings change. Imports nothing; touches only the
// elements it is given.

const MAX_COLUMNS = 8; // steps drawn; a longer sequence shows its first six, "…", and its last

// What each rung of the book's ladder changes, from the one before.
const RUNGS = {
  m1: 'm1, the first rung: three words in, one prediction out. The hidden layer h_h is written out three times in the code, but it is one matrix.',
  m2: 'From m1 to m2: nothing in the net changes. The three steps become a loop over the words that starts from h = 0.',
  m3: 'From m2 to m3: the hidden state is no longer thrown away after a batch. It goes on to the next batch, detached, so gradients stop at the batch edge.',
  m4: 'From m3 to m4: sixteen words per sequence and a prediction after every word, not only after the last.',
  m5: 'From m4 to m5: two stacked layers of tanh RNN cells. The second layer reads the first one\'s output at each step.',
  m6: 'From m5 to m6: LSTM cells in place of the tanh cells. Each layer now carries two states, h and c.',
  m7: 'From m6 to m7: regularization. Dropout before the output layer, the AR and TAR penalties, and the output layer tied to the embedding.',
};

const CELLS = {
  simple: { short: 'relu', line: 'The cell is the book\'s own: h = relu(h_h(h + i_h(x))). The word\'s embedding is added to the state, then h_h and relu.' },
  rnn: { short: 'tanh', line: 'The cell is a tanh RNN, like PyTorch\'s nn.RNN: h = tanh(W_ih·x + h_h(h)).' },
  lstm: { short: 'LSTM', line: 'The cell is an LSTM. It has two states: h, its output, passed up and to the next step, and c, the cell state, which stays inside the layer. Four gates (i, f, g, o) come from the input and h.' },
  gru: { short: 'GRU', line: 'The cell is a GRU. It has one state, h, with a reset gate and an update gate.' },
};

const LAYER_COLORS = ['#ea580c', '#7c3aed', '#0891b2', '#be185d'];
const IO = '#2563eb'; // the embedding, and the output layer when tied to it
const OUT = '#15803d';
const REG = '#b91c1c'; // regularization marks
const INK = '#111827';
const MUTED = '#4b5563';

const esc = (x) => String(x).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (x) => Number(x) || 0;
const times = (n) => (n === 1 ? 'once' : n === 2 ? 'twice' : `${n} times`);

// The steps drawn: all of them, or the first six, a gap (null) and the last.
function columns(n) {
  if (n <= MAX_COLUMNS) return Array.from({ length: n }, (_, i) => i + 1);
  return [1, 2, 3, 4, 5, 6, null, n];
}

// A settings object (keyed like the URL) in the few facts the drawing needs.
function describe(s) {
  const layers = Math.max(1, num(s.layers) || 1);
  const steps = Math.max(1, num(s.bptt) || 1);
  return {
    model: s.model, cell: CELLS[s.cell] ? s.cell : 'simple', layers, steps,
    every: !!s.every, stateful: !!s.stateful, reset: s.reset !== false,
    dropout: num(s.dropout), ar: num(s.ar), tar: num(s.tar), tie: !!s.tie, edrop: num(s.edrop), wdrop: num(s.wdrop),
  };
}

function box(x, y, w, h, { stroke, fill = '#fff', dashed = false, mark = null, lines = [] }) {
  const attrs = mark ? ` data-mark="${mark}"` : '';
  const dash = dashed ? ' stroke-dasharray="5 3"' : '';
  let out = `<g${attrs}><rect x="${x - w / 2}" y="${y - h / 2}" width="${w}" height="${h}" rx="6" fill="${fill}" stroke="${stroke}" stroke-width="2"${dash}/>`;
  const dy = lines.length === 1 ? [4] : [-3, 12];
  lines.forEach(([text, color, bold], i) => {
    out += `<text x="${x}" y="${y + dy[i]}" text-anchor="middle" font-size="13" fill="${color || INK}"${bold ? ' font-weight="700"' : ''}>${esc(text)}</text>`;
  });
  return `${out}</g>`;
}

function arrow(x1, y1, x2, y2, { color = MUTED, dashed = false, mark = null } = {}) {
  const attrs = mark ? ` data-mark="${mark}"` : '';
  const dash = dashed ? ' stroke-dasharray="5 4"' : '';
  return `<line${attrs} x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${color}" stroke-width="1.6"${dash} marker-end="url(#dg-a-${color.slice(1)})"/>`;
}

function text(x, y, body, { anchor = 'start', size = 12, color = MUTED, mark = null, bold = false } = {}) {
  const attrs = mark ? ` data-mark="${mark}"` : '';
  return `<text${attrs} x="${x}" y="${y}" text-anchor="${anchor}" font-size="${size}" fill="${color}"${bold ? ' font-weight="700"' : ''}>${esc(body)}</text>`;
}

// An arrowhead in `color` (one per color: markers take no color from the line that uses them).
const marker = (color) => `<marker id="dg-a-${color.slice(1)}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0 0 L10 5 L0 10 z" fill="${color}"/></marker>`;

// The SVG's markup and its title for settings `d`.
function svgFor(d) {
  const cols = columns(d.steps);
  const colW = 82;
  const cellW = 60;
  const cellH = 44;
  const left = 210; // row labels, then the incoming state
  const gridRight = left + cols.length * colW;
  const width = gridRight + 170;
  const cx = (i) => left + i * colW + colW / 2;
  const outCols = cols.map((c, i) => i).filter((i) => cols[i] !== null && (d.every || i === cols.length - 1));
  const regRow = d.dropout > 0 || d.ar > 0;
  const lstm = d.cell === 'lstm';

  // Rows, top to bottom.
  const yOut = 34;
  const yReg = regRow ? yOut + 54 : null;
  const yLayer = [];
  let y = (regRow ? yReg : yOut) + 74;
  for (let l = d.layers; l >= 1; l--) {
    yLayer[l] = y;
    y += 84;
  }
  const yEmb = yLayer[1] + 70;
  const yTok = yEmb + 52;
  const yLegend = yTok + 42;
  const height = yLegend + d.layers * 20 + 6;

  const parts = [];
  const label = (yy, lines) => lines.forEach(([t, opts], k) => parts.push(text(10, yy - 4 + k * 15 - (lines.length - 1) * 6, t, opts)));

  // Words and the embedding.
  label(yTok, [['words']]);
  label(yEmb, [['embedding i_h'], ...(d.edrop > 0 ? [[`embedding dropout ${d.edrop}`, { color: REG, mark: 'edrop' }]] : [])]);
  cols.forEach((c, i) => {
    if (c === null) {
      parts.push(text(cx(i), yTok + 4, `… ${d.steps} steps`, { anchor: 'middle', color: INK, mark: 'steps' }));
      parts.push(text(cx(i), yEmb + 4, '…', { anchor: 'middle', size: 16 }));
      return;
    }
    parts.push(box(cx(i), yTok, 46, 26, { stroke: '#9ca3af', lines: [[`x${c}`]] }));
    parts.push(arrow(cx(i), yTok - 13, cx(i), yEmb + 16));
    parts.push(box(cx(i), yEmb, 56, 28, { stroke: IO, dashed: d.edrop > 0, lines: [['i_h', IO, true]] }));
    parts.push(arrow(cx(i), yEmb - 14, cx(i), yLayer[1] + cellH / 2 + 2));
  });

  // The layers, each unrolled over the steps; layer l > 1 reads layer l - 1 at each step.
  for (let l = 1; l <= d.layers; l++) {
    const yl = yLayer[l];
    const color = LAYER_COLORS[(l - 1) % LAYER_COLORS.length];
    const kind = CELLS[d.cell].short;
    const lines = [[d.layers > 1 ? `layer ${l}` : 'hidden layer', { color: INK }], [`${kind} cells`]];
    if (d.wdrop > 0) lines.push([`weight dropout ${d.wdrop}`, { color: REG, mark: 'wdrop' }]);
    if (l === d.layers && d.tar > 0) lines.push([`TAR ${d.tar}: change per step`, { color: REG, mark: 'tar' }]);
    label(yl, lines);
    const hs = lstm ? [['h', -9], ['c', 9]] : [['h', 0]];
    // The state before the first step: from the previous batch (detached), or zero.
    const x0 = cx(0) - cellW / 2;
    if (d.stateful) {
      for (const [, dy] of hs) parts.push(arrow(x0 - 62, yl + dy, x0 - 2, yl + dy, { color, dashed: true }));
      parts.push(text(x0 - 36, yl - 14, '✂', { anchor: 'middle', size: 16, color: REG, mark: 'detach' }));
      if (l === d.layers) parts.push(text(x0 - 36, yl - cellH / 2 - 14, 'from the last batch, detached', { anchor: 'middle', size: 11, color: REG }));
    } else {
      parts.push(text(x0 - 8, yl + 4, lstm ? 'h, c = 0' : 'h = 0', { anchor: 'end', size: 12, color: INK }));
    }
    cols.forEach((c, i) => {
      const x = cx(i);
      const next = i + 1 < cols.length;
      if (c === null) {
        parts.push(text(x, yl + 5, '…', { anchor: 'middle', size: 18, color: INK }));
      } else {
        parts.push(box(x, yl, cellW, cellH, { stroke: color, dashed: d.wdrop > 0, lines: [['h_h', color, true], [kind]], mark: 'cell' }));
        if (l > 1) parts.push(arrow(x, yLayer[l - 1] - cellH / 2, x, yl + cellH / 2 + 2, { color: LAYER_COLORS[(l - 2) % LAYER_COLORS.length] }));
      }
      if (next) {
        const from = c === null ? x + 10 : x + cellW / 2;
        const to = cols[i + 1] === null ? cx(i + 1) - 12 : cx(i + 1) - cellW / 2 - 2;
        for (const [name, dy] of hs) {
          parts.push(arrow(from, yl + dy, to, yl + dy, { color, dashed: c === null || cols[i + 1] === null }));
          // The states' names: on the first step's arrows, or where they leave for the next batch.
          if (i === 0 && !d.stateful) parts.push(text((from + to) / 2, yl + dy - 4, name, { anchor: 'middle', size: 11, color }));
        }
      }
    });
    // After the last step: on to the next batch.
    const xe = cx(cols.length - 1) + cellW / 2;
    if (d.stateful) {
      for (const [name, dy] of hs) {
        parts.push(arrow(xe, yl + dy, xe + 56, yl + dy, { color, dashed: true }));
        parts.push(text(xe + 62, yl + dy + 4, name, { size: 12, color, bold: true }));
      }
      if (l === d.layers) parts.push(text(xe + 30, yl - cellH / 2 - 14, 'to the next batch', { anchor: 'middle', size: 11, color: REG }));
    }
  }

  // TAR: the step-to-step change of the top layer's raw output.
  const top = yLayer[d.layers];
  if (d.tar > 0) {
    cols.forEach((c, i) => {
      if (c === null || i + 1 >= cols.length || cols[i + 1] === null) return;
      const a = cx(i) + 14;
      const b = cx(i + 1) - 14;
      parts.push(`<path d="M${a} ${top - cellH / 2} Q${(a + b) / 2} ${top - cellH / 2 - 26} ${b} ${top - cellH / 2}" fill="none" stroke="${REG}" stroke-width="1.4" stroke-dasharray="3 3"/>`);
    });
  }

  // Dropout (and AR on what it lets through), then the output layer.
  if (regRow) {
    label(yReg, [
      ...(d.dropout > 0 ? [[`dropout ${d.dropout}`, { color: REG, mark: 'dropout' }]] : [['output']]),
      ...(d.ar > 0 ? [[`AR ${d.ar}: size of this`, { color: REG, mark: 'ar' }]] : []),
    ]);
  }
  label(yOut, [['output layer h_o', { color: INK }], [d.every ? 'after every word' : 'after the last word']]);
  for (const i of outCols) {
    const x = cx(i);
    let from = top - cellH / 2;
    if (regRow) {
      parts.push(arrow(x, from, x, yReg + 13));
      parts.push(box(x, yReg, 56, 24, { stroke: REG, dashed: true, lines: [[d.dropout > 0 ? 'dropout' : 'out', REG]] }));
      from = yReg - 12;
    }
    parts.push(arrow(x, from, x, yOut + 16));
    parts.push(box(x, yOut, 56, 28, { stroke: d.tie ? IO : OUT, lines: [['h_o', d.tie ? IO : OUT, true]] }));
  }

  // Tying: h_o's weight is the embedding's, drawn as one link from the last h_o to the last i_h.
  if (d.tie) {
    const last = cols.length - 1;
    const xr = gridRight + 84;
    parts.push(`<path data-mark="tie" d="M${cx(last) + 28} ${yOut} H${xr} V${yEmb} H${cx(last) + 30}" fill="none" stroke="${IO}" stroke-width="2" stroke-dasharray="7 4" marker-end="url(#dg-a-${IO.slice(1)})"/>`);
    parts.push(text(xr + 6, (yOut + yEmb) / 2 - 8, 'tied:', { color: IO, bold: true }));
    parts.push(text(xr + 6, (yOut + yEmb) / 2 + 8, 'one matrix', { color: IO }));
  }

  // One h_h per layer, used at every step.
  for (let l = 1; l <= d.layers; l++) {
    const color = LAYER_COLORS[(l - 1) % LAYER_COLORS.length];
    const yy = yLegend + (l - 1) * 20;
    parts.push(`<rect x="${left}" y="${yy - 10}" width="14" height="14" rx="3" fill="#fff" stroke="${color}" stroke-width="2"/>`);
    const who = d.layers > 1 ? `layer ${l}'s ` : '';
    parts.push(text(left + 22, yy + 2, `${who}h_h (one matrix, used ${times(d.steps)})`, { color, mark: 'shared-hh', size: 13 }));
  }

  const kind = CELLS[d.cell].short;
  const title = `The model of these settings (${d.model}): ${d.layers} ${d.layers > 1 ? 'stacked layers' : 'layer'} of ${kind} cells unrolled over ${d.steps} steps`
    + `${d.every ? ', a prediction after every word' : ', one prediction at the end'}${d.stateful ? ', state carried between batches' : ''}.`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" role="img" aria-labelledby="dg-title">`
    + `<title id="dg-title">${esc(title)}</title>`
    + `<defs>${[MUTED, IO, REG, ...LAYER_COLORS].map(marker).join('')}</defs>`
    + `${parts.join('')}</svg>`;
  return svg;
}

// The lines under the drawing: what each part does, for the parts that are on.
function legendFor(d) {
  const lines = [['cell', CELLS[d.cell].line]];
  if (d.layers > 1) lines.push(['layers', `${d.layers} stacked layers: each reads the output of the one below at the same step, and has its own h_h.`]);
  if (d.stateful) {
    lines.push(['detach', `✂ detach: the state goes on to the next batch, but gradients stop at the batch edge (truncated backpropagation through ${d.steps} steps).`
      + (d.reset ? ' It is zeroed at each epoch start and before validation (the book\'s ModelResetter).' : ' Reset is off: it is never zeroed.')]);
  } else {
    lines.push(['state', `Each batch starts from h = 0: nothing is carried between batches.`]);
  }
  lines.push(['output', d.every ? `h_o predicts the next word after every word: ${d.steps} predictions per sequence.` : 'h_o predicts only the word after the last one.']);
  if (d.dropout > 0) lines.push(['dropout', `Dropout ${d.dropout} on the last layer's output before h_o, in training only.`]);
  if (d.ar > 0) lines.push(['ar', `AR: adds ${d.ar} × the mean square of the dropped output to the training loss.`]);
  if (d.tar > 0) lines.push(['tar', `TAR: adds ${d.tar} × the mean square of the raw output's change from one step to the next (the dashed arcs).`]);
  if (d.tie) lines.push(['tie', 'Tied weights: h_o\'s weight IS the embedding matrix, one parameter used twice (h_o keeps its own bias).']);
  if (d.edrop > 0) lines.push(['edrop', `Embedding dropout ${d.edrop}: whole rows of i_h (whole words) dropped in training.`]);
  if (d.wdrop > 0) lines.push(['wdrop', `Weight dropout ${d.wdrop}: DropConnect on each layer's h_h in training.`]);
  return lines;
}

// Draws settings `s` (keyed like the URL) into `figure` (the SVG), `caption` (what the rung changes)
// and `legend` (a list of what each drawn part does). `differences`: settings that differ from the
// book's recipe for s.model.
export function drawDiagram({ figure, caption, legend }, s, differences = []) {
  const d = describe(s);
  figure.innerHTML = svgFor(d);
  let line = RUNGS[d.model] || '';
  if (line && differences.length) line += ` (Drawn with your changes to the book's ${d.model}: ${differences.join(', ')}.)`;
  caption.textContent = line;
  legend.replaceChildren(...legendFor(d).map(([mark, body]) => {
    const li = document.createElement('li');
    li.dataset.mark = mark;
    li.textContent = body;
    return li;
  }));
}
