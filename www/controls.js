// The page's inputs: the settings form, built from the table of settings as the wasm module's
// settingsSchema() exports it (labels, help, ranges and choices are all written there, in Rust),
// and the list of the lab's experiments and explainers. They report what the reader did; the
// values they show come from the page state.

const $ = (sel) => document.querySelector(sel);

function inputHtml(s, id) {
  const hint = `aria-describedby="${id}-hint"`;
  if (s.kind === 'select') {
    const offered = s.options.filter((o) => o.page);
    return `<select id="${id}" ${hint}>${offered.map((o) => `<option value="${o.value}">${o.label}</option>`).join('')}</select>`;
  }
  if (s.kind === 'toggle') return `<input type="checkbox" id="${id}" role="switch" ${hint}>`;
  // An open end (lr above 0, momentum below 1) is left to the worker's validation, which names it.
  return `<input type="number" id="${id}" min="${s.min}" max="${s.max}" step="${s.step}" inputmode="decimal" ${hint}>`;
}

function readValue(s, el) {
  if (s.kind === 'toggle') return el.checked;
  if (s.kind === 'number') return el.value === '' ? el.value : Number(el.value);
  return el.value;
}

// One control per setting, in a fieldset per group. visible: the keys to show (null: all);
// onChange(key, value) on every edit. Returns { show(values, differences) }.
export function buildControls(schema, { visible = null, onChange = () => {} } = {}) {
  const form = $('#controls');
  const groups = new Map();
  for (const s of schema) {
    if (!groups.has(s.group)) {
      const fs = document.createElement('fieldset');
      fs.innerHTML = `<legend>${s.group}</legend>`;
      groups.set(s.group, fs);
      form.append(fs);
    }
    const row = document.createElement('div');
    row.className = 'control';
    row.dataset.key = s.key;
    row.hidden = !!visible && !visible.includes(s.key);
    const id = `ctl-${s.key}`;
    row.innerHTML = `<label for="${id}">${s.label}<span class="differs" hidden title="differs from the book's recipe">≠ book</span></label>${inputHtml(s, id)}<small id="${id}-hint">${s.help}</small>`;
    groups.get(s.group).append(row);
    const el = row.querySelector('input, select');
    el.addEventListener('change', () => onChange(s.key, readValue(s, el)));
  }
  for (const fs of groups.values()) fs.hidden = ![...fs.querySelectorAll('.control')].some((r) => !r.hidden);

  let shown = null; // the values and differences last drawn: redrawing others would undo typing
  return {
    show(values, differences = []) {
      if (shown && shown.values === values && shown.differences === differences) return;
      shown = { values, differences };
      for (const s of schema) {
        const el = document.getElementById(`ctl-${s.key}`);
        if (s.kind === 'toggle') el.checked = !!values[s.key];
        else el.value = values[s.key];
        el.closest('.control').querySelector('.differs').hidden = !differences.includes(s.key);
      }
    },
  };
}

// The lab's list: every experiment and explainer under the questions it answers, in question
// order. Each is a link (?experiment=ID, to share or open in a new tab); a plain click calls
// onOpen(id) instead, so the page stays as it is.
export function buildTeachingList(items, onOpen) {
  $('#lab-list').replaceChildren(...items.map((x) => {
    const li = document.createElement('li');
    li.dataset.id = x.id;
    li.dataset.kind = x.kind;
    const qs = document.createElement('span');
    qs.className = 'q';
    qs.textContent = x.questions.join(', ');
    const a = document.createElement('a');
    a.href = `?experiment=${encodeURIComponent(x.id)}`;
    a.textContent = x.title;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = x.kind === 'experiment' ? `experiment · ${x.runs.length} runs` : x.widget ? 'explainer · figure' : 'explainer';
    a.addEventListener('click', (e) => {
      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      onOpen(x.id);
    });
    li.append(qs, a, kind);
    return li;
  }));
}
