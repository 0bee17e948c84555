// Two small interactive figures for explainers that need no training: how precisely float32
// stores a number (question 23), and tanh beside sigmoid (question 28). Each builds itself into a
// container and draws on input; nothing leaves the page.

function el(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

// ---- float32 precision ----

const view = new DataView(new ArrayBuffer(4));
const bitsOf = (x) => { view.setFloat32(0, x); return view.getUint32(0); };
const floatOf = (bits) => { view.setUint32(0, bits >>> 0); return view.getFloat32(0); };

/// The float32 nearest to `x` and its neighbours: { stored, below, above, gap, relative, digits,
/// subnormal }. null when x is not a finite number, or rounds to infinity in float32.
export function float32Neighbours(x) {
  if (!Number.isFinite(x)) return null;
  const stored = Math.fround(x);
  if (!Number.isFinite(stored)) return null;
  const magnitude = Math.abs(stored);
  // Step the bit pattern of |stored| by one: the next float32 towards zero and away from it.
  const bits = bitsOf(magnitude);
  const up = floatOf(bits + 1);
  const down = bits === 0 ? 0 : floatOf(bits - 1);
  const sign = stored < 0 ? -1 : 1;
  const gap = up - magnitude; // the spacing at this magnitude (an ulp)
  const relative = magnitude === 0 ? Infinity : gap / magnitude;
  return {
    stored,
    below: sign > 0 ? down : -up,
    above: sign > 0 ? up : -down,
    gap,
    relative,
    digits: magnitude === 0 ? 0 : Math.max(0, -Math.log10(relative)),
    subnormal: magnitude > 0 && magnitude < 2 ** -126,
  };
}

const show = (x) => (x === 0 ? '0' : Math.abs(x) >= 1e-4 && Math.abs(x) < 1e7 ? String(x) : x.toExponential(8));

export function floatWidget(container) {
  const input = el('input', { id: 'float-input', type: 'text', value: '0.1', inputMode: 'decimal', autocomplete: 'off' });
  const out = el('tbody');
  const note = el('p', { className: 'widget-note', id: 'float-note' });
  const presets = ['1e-45', '1e-40', '1e-7', '0.1', '1', '1000', '1000000', '16777217', '3e38'];
  const draw = () => {
    const x = Number(input.value.trim());
    const f = input.value.trim() === '' ? null : float32Neighbours(x);
    if (!f) {
      out.replaceChildren();
      note.textContent = 'Type a number float32 can hold (about ±3.4e38), e.g. 0.1 or 1e6.';
      return;
    }
    const rows = [
      ['you typed', input.value.trim()],
      ['stored as float32', show(f.stored)],
      ['next float32 below', show(f.below)],
      ['next float32 above', show(f.above)],
      ['gap between neighbours', show(f.gap)],
      ['gap / number', Number.isFinite(f.relative) ? f.relative.toExponential(2) : '–'],
      ['significant decimal digits', f.digits.toFixed(1)],
    ];
    out.replaceChildren(...rows.map(([k, v]) => el('tr', {}, [el('th', { textContent: k, scope: 'row' }), el('td', { textContent: v })])));
    note.textContent = f.subnormal
      ? 'Below 2^-126 (about 1.2e-38) the exponent has run out: the gap stays fixed and the number keeps fewer digits the smaller it gets.'
      : f.stored === 0 ? 'Zero: the next float32 up is the smallest subnormal, about 1.4e-45.'
        : `Every normal float32 keeps about 7 digits, so the gap grows with the number: here ${show(f.gap)}.`;
  };
  input.addEventListener('input', draw);
  const buttons = presets.map((p) => {
    const b = el('button', { type: 'button', textContent: p });
    b.addEventListener('click', () => { input.value = p; draw(); });
    return b;
  });
  container.replaceChildren(
    el('label', { htmlFor: 'float-input', textContent: 'A number: ' }), input,
    el('div', { className: 'widget-presets' }, buttons),
    el('table', { className: 'widget-table', id: 'float-table' }, [out]),
    note,
  );
  draw();
}

// ---- tanh and sigmoid ----

const sigmoid = (x) => 1 / (1 + Math.exp(-x));

export function tanhWidget(container) {
  const canvas = el('canvas', { id: 'tanh-canvas', width: 520, height: 260 });
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', 'tanh and sigmoid on [-5, 5]');
  const slider = el('input', { id: 'tanh-x', type: 'range', min: '-5', max: '5', step: '0.01', value: '0.8' });
  const out = el('p', { className: 'widget-note', id: 'tanh-out' });
  const draw = () => {
    const x = Number(slider.value);
    drawCurves(canvas, x);
    const t = Math.tanh(x);
    const viaSigmoid = 2 * sigmoid(2 * x) - 1;
    out.textContent = `x = ${x.toFixed(2)}: tanh(x) = ${t.toFixed(6)}; 2·sigmoid(2x) − 1 = ${viaSigmoid.toFixed(6)}; difference ${Math.abs(t - viaSigmoid).toExponential(1)}. sigmoid(x) = ${sigmoid(x).toFixed(6)}.`;
  };
  slider.addEventListener('input', draw);
  container.replaceChildren(canvas, el('label', { htmlFor: 'tanh-x', textContent: 'x: ' }), slider, out);
  draw();
}

function drawCurves(canvas, marked) {
  const ctx = canvas.getContext('2d');
  const { width: w, height: h } = canvas;
  const pad = 28;
  const X = (x) => pad + ((x + 5) / 10) * (w - 2 * pad);
  const Y = (y) => h - pad - ((y + 1.1) / 2.2) * (h - 2 * pad);
  ctx.clearRect(0, 0, w, h);
  ctx.font = '12px system-ui, sans-serif';
  ctx.strokeStyle = '#d1d5db';
  ctx.fillStyle = '#4b5563';
  ctx.lineWidth = 1;
  for (const y of [-1, 0, 0.5, 1]) {
    ctx.beginPath(); ctx.moveTo(X(-5), Y(y)); ctx.lineTo(X(5), Y(y)); ctx.stroke();
    ctx.fillText(String(y), 2, Y(y) + 4);
  }
  for (const x of [-5, 0, 5]) {
    ctx.beginPath(); ctx.moveTo(X(x), Y(-1.1)); ctx.lineTo(X(x), Y(1.1)); ctx.stroke();
    ctx.fillText(String(x), X(x) - 4, h - 8);
  }
  const curve = (f, color, dash = []) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.setLineDash(dash);
    ctx.beginPath();
    for (let i = 0; i <= 200; i++) {
      const x = -5 + i / 20;
      if (i === 0) ctx.moveTo(X(x), Y(f(x))); else ctx.lineTo(X(x), Y(f(x)));
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  curve(sigmoid, '#dc2626');
  curve(Math.tanh, '#2563eb');
  curve((x) => 2 * sigmoid(2 * x) - 1, '#f59e0b', [4, 4]);
  ctx.fillStyle = '#111827';
  ctx.beginPath(); ctx.arc(X(marked), Y(Math.tanh(marked)), 4, 0, 2 * Math.PI); ctx.fill();
  ctx.fillStyle = '#dc2626'; ctx.fillText('sigmoid(x)', X(2.2), Y(0.75));
  ctx.fillStyle = '#2563eb'; ctx.fillText('tanh(x)', X(-4.6), Y(-0.8));
  ctx.fillStyle = '#b45309'; ctx.fillText('2·sigmoid(2x) − 1 (dashed, on tanh)', X(-4.6), Y(0.9));
}

export const WIDGETS = { float: floatWidget, tanh: tanhWidget };
